-- Yearly extracts (assistants maternels, garde à domicile and préscolarisation, RPE animation) per commune
-- and year. Rows of former communes (mapped to their commune of today) are summed. A commune without a
-- row is reported as none (0) only where the extract is declared exhaustive; otherwise it is missing.
CREATE TABLE yearly_counts AS
WITH am AS (
    SELECT commune, year, strict_sum(am_agrees) AS am_agrees, strict_sum(am_actifs) AS am_actifs,
           strict_sum(am_places_agrees) AS am_places_agrees, strict_sum(am_places_u3) AS places_am,
           strict_sum(am_actifs_55_plus) AS am_55_plus
    FROM stg_childminders GROUP BY ALL
),
extra AS (
    SELECT commune, year, strict_sum(places_gad) AS places_gad, strict_sum(places_prescol) AS places_prescol
    FROM stg_complementary_places GROUP BY ALL
),
rpe AS (
    SELECT commune, year, strict_sum(etp) AS rpe_etp FROM stg_rpe_staff GROUP BY ALL
),
declared AS (  -- a declaration counts only for an extract that is there
    SELECT g.commune, g.year,
        EXISTS (SELECT 1 FROM exhaustive x JOIN source_present USING (source) WHERE x.source = 'childminders'
                AND x.departement = g.departement AND x.year = g.year) AS am_all,
        EXISTS (SELECT 1 FROM exhaustive x JOIN source_present USING (source) WHERE x.source = 'complementary_places'
                AND x.departement = g.departement AND x.year = g.year) AS extra_all,
        EXISTS (SELECT 1 FROM exhaustive x JOIN source_present USING (source) WHERE x.source = 'rpe_staff'
                AND x.departement = g.departement AND x.year = g.year) AS rpe_all
    FROM commune_year g
)
SELECT d.commune, d.year,
    CASE WHEN am.commune IS NOT NULL THEN am.am_agrees WHEN d.am_all THEN 0 END AS am_agrees,
    CASE WHEN am.commune IS NOT NULL THEN am.am_actifs WHEN d.am_all THEN 0 END AS am_actifs,
    CASE WHEN am.commune IS NOT NULL THEN am.am_places_agrees WHEN d.am_all THEN 0 END AS am_places_agrees,
    CASE WHEN am.commune IS NOT NULL THEN am.places_am WHEN d.am_all THEN 0 END AS places_am,
    CASE WHEN am.commune IS NOT NULL THEN am.am_55_plus WHEN d.am_all THEN 0 END AS am_55_plus,
    CASE WHEN extra.commune IS NOT NULL THEN extra.places_gad WHEN d.extra_all THEN 0 END AS places_gad,
    CASE WHEN extra.commune IS NOT NULL THEN extra.places_prescol WHEN d.extra_all THEN 0 END AS places_prescol,
    CASE WHEN rpe.commune IS NOT NULL THEN rpe.rpe_etp WHEN d.rpe_all THEN 0 END AS rpe_etp
FROM declared d
LEFT JOIN am USING (commune, year)
LEFT JOIN extra USING (commune, year)
LEFT JOIN rpe USING (commune, year);
