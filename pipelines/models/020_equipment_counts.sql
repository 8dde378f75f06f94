-- Equipments open on 31 December of each year, their places, and EAJE places created / closed since the
-- base year (events of 015_equipment_events.sql: openings and capacity increases are created places, closings
-- and capacity decreases closed ones; a transfer between communes is neither). A commune is reported when the
-- extract lists it (any equipment, open or closed) or when the extract is declared exhaustive for its
-- département and the year; then absent means none (0). Otherwise its counts are missing, never 0.
CREATE TABLE equipment_counts AS
WITH reported AS (
    SELECT g.commune, g.year
    FROM commune_year g
    WHERE EXISTS (SELECT 1 FROM source_present WHERE source = 'equipments')
      AND (g.commune IN (SELECT commune FROM stg_equipments)
           OR EXISTS (SELECT 1 FROM exhaustive x
                      WHERE x.source = 'equipments' AND x.departement = g.departement AND x.year = g.year))
),
stock AS (
    SELECT r.commune, r.year,
        coalesce(sum(o.places) FILTER (WHERE o.type = 'EAJE_PSU'), 0) AS places_eaje_psu,
        coalesce(sum(o.places) FILTER (WHERE o.type = 'EAJE_HORS_PSU'), 0) AS places_eaje_hors_psu,
        count(o.type) FILTER (WHERE o.type IN ('EAJE_PSU', 'EAJE_HORS_PSU')) AS nb_eaje,
        count(o.type) FILTER (WHERE o.type = 'MAM') AS nb_mam,
        coalesce(sum(o.places) FILTER (WHERE o.type = 'MAM'), 0) AS places_mam,
        count(o.type) FILTER (WHERE o.type = 'ALSH') AS nb_alsh,
        coalesce(sum(o.places) FILTER (WHERE o.type = 'ALSH'), 0) AS places_alsh,
        count(o.type) FILTER (WHERE o.type = 'RPE') AS nb_rpe,
        count(o.type) FILTER (WHERE o.type = 'LAEP') AS nb_laep,
        count(o.type) FILTER (WHERE o.type = 'CLAS') AS nb_clas,
        count(o.type) FILTER (WHERE o.type = 'REAAP') AS nb_reaap,
        count(o.type) FILTER (WHERE o.type = 'MEDIATION_FAMILIALE') AS nb_mediation,
        count(o.type) FILTER (WHERE o.type = 'ESPACE_RENCONTRE') AS nb_espace_rencontre
    FROM reported r LEFT JOIN equipment_open o ON o.commune = r.commune AND o.year = r.year
    GROUP BY r.commune, r.year
),
flows AS (  -- EAJE events after 31 December of the base year and by the end of the year
    SELECT r.commune, r.year,
        coalesce(sum(e.places) FILTER (WHERE e.places > 0 AND e.kind IN ('ouverture', 'capacité')), 0)
            AS places_eaje_creees,
        coalesce(-sum(e.places) FILTER (WHERE e.places < 0 AND e.kind IN ('fermeture', 'capacité')), 0)
            AS places_eaje_fermees
    FROM reported r
    LEFT JOIN equipment_event e ON e.commune = r.commune AND e.type IN ('EAJE_PSU', 'EAJE_HORS_PSU')
         AND e.year > getvariable('base_year') AND e.year <= r.year
    GROUP BY r.commune, r.year
)
SELECT s.*, s.places_eaje_psu + s.places_eaje_hors_psu AS places_eaje,
    CASE WHEN s.year >= getvariable('base_year') THEN f.places_eaje_creees END AS places_eaje_creees,
    CASE WHEN s.year >= getvariable('base_year') THEN f.places_eaje_fermees END AS places_eaje_fermees,
    CASE WHEN s.year >= getvariable('base_year')
         THEN s.places_eaje_psu + s.places_eaje_hors_psu - (b.places_eaje_psu + b.places_eaje_hors_psu) END
        AS places_eaje_solde
FROM stock s
JOIN flows f USING (commune, year)
LEFT JOIN stock b ON b.commune = s.commune AND b.year = getvariable('base_year');
