-- Views over the warehouse's tables, stored in the warehouse (and run by a reader of Parquet files over the
-- same tables): indicators are derived from the stored counts when read, with the formulas of macros.sql.

-- Every indicator computed from counts, long (missing = no row).
CREATE OR REPLACE VIEW computed_value AS
SELECT level, code, year, indicator, value
FROM (UNPIVOT (SELECT * EXCLUDE (nb_communes, nb_communes_frr) FROM with_indicators('counts'))
      ON COLUMNS(* EXCLUDE (level, code, year)) INTO NAME indicator VALUE value)
WHERE indicator IN (SELECT code FROM indicator_catalogue)
  AND NOT (level = 'commune' AND indicator = 'part_communes_frr')  -- a commune's share is its flag
UNION ALL
SELECT level, code, year, 'frr', nb_communes_frr FROM counts WHERE level = 'commune' AND nb_communes_frr IS NOT NULL
UNION ALL
SELECT level, code, year, 'part_epci_panier_complet', part_epci_panier_complet FROM basket_share
WHERE part_epci_panier_complet IS NOT NULL;

-- One figure per territory, year and indicator, saying whether it is published (as published by the Cnaf or
-- the Insee) or computed (from the counts of the extracts, or from published parts of today's commune).
-- Where both exist the published one is shown; the computed one is in published_comparison.
CREATE OR REPLACE VIEW indicator_value AS
WITH ranked AS (
    SELECT level, code, year, indicator, value, 'published' AS origin, vintage_year, basis, published_as
    FROM published_value
    UNION ALL
    SELECT f.level, f.code, f.year, f.indicator, f.value, 'computed', NULL, 'parts', NULL
    FROM from_parts f ANTI JOIN published_value p USING (level, code, year, indicator)
    UNION ALL
    SELECT c.level, c.code, c.year, c.indicator, c.value, 'computed', NULL, 'counts', NULL
    FROM computed_value c
    ANTI JOIN published_value p USING (level, code, year, indicator)
    ANTI JOIN from_parts f USING (level, code, year, indicator)
)
SELECT r.level, r.code, r.year::INTEGER AS year, r.indicator, r.value::DOUBLE AS value, r.origin,
       s.source, s.vintage, coalesce(r.vintage_year, v.vintage_year, r.year)::INTEGER AS vintage_year, r.published_as
FROM ranked r
LEFT JOIN value_source s ON s.indicator = r.indicator AND s.basis = r.basis
LEFT JOIN context_vintage v ON v.indicator = r.indicator AND v.year = r.year
WHERE r.value IS NOT NULL AND isfinite(r.value);

-- The crossed diagnostic petite enfance × insertion of every commune and EPCI: its coverage (TCG, published
-- where the Cnaf publishes it, else computed) beside its share of allocataires on RSA, and the quadrant (macro
-- coverage_need_quadrant) against a reference: its département's two figures (an EPCI's main département)
-- when both exist, else the medians of the territories of its level in that département that have both (a
-- warehouse of Cnaf commune rates has no département TCG; secret IRIS leave the département's sum missing).
-- « Faible » and « élevée » always mean below / above that reference; ``reference`` says which it is.
CREATE OR REPLACE VIEW crossed_diagnostic AS
WITH home AS (
    SELECT 'commune' AS level, code, departement FROM commune
    UNION ALL
    SELECT 'epci', epci, mode(departement) FROM commune WHERE epci IS NOT NULL GROUP BY epci
),
wide AS (
    SELECT level, code, year,
           max(value) FILTER (WHERE indicator = 'tcg') AS tcg,
           max(origin) FILTER (WHERE indicator = 'tcg') AS tcg_origin,
           max(value) FILTER (WHERE indicator = 'part_allocataires_rsa') AS part_allocataires_rsa,
           max(vintage_year) FILTER (WHERE indicator = 'part_allocataires_rsa') AS allocataires_vintage
    FROM indicator_value
    WHERE indicator IN ('tcg', 'part_allocataires_rsa') AND level IN ('commune', 'epci', 'departement')
    GROUP BY ALL
),
placed AS (SELECT w.*, h.departement FROM wide w JOIN home h USING (level, code)),
medians AS (
    SELECT level, departement, year, median(tcg) AS tcg, median(part_allocataires_rsa) AS part_allocataires_rsa
    FROM placed WHERE tcg IS NOT NULL AND part_allocataires_rsa IS NOT NULL GROUP BY ALL
),
referenced AS (
    SELECT p.*,
           d.tcg IS NOT NULL AND d.part_allocataires_rsa IS NOT NULL AS by_departement,
           d.tcg AS tcg_departement, d.part_allocataires_rsa AS part_allocataires_rsa_departement,
           m.tcg AS tcg_median, m.part_allocataires_rsa AS part_allocataires_rsa_median
    FROM placed p
    LEFT JOIN wide d ON d.level = 'departement' AND d.code = p.departement AND d.year = p.year
    LEFT JOIN medians m ON m.level = p.level AND m.departement = p.departement AND m.year = p.year
),
classed AS (
    SELECT * EXCLUDE (by_departement),
           CASE WHEN by_departement THEN 'département' ELSE 'médiane' END AS reference,
           CASE WHEN by_departement THEN tcg_departement ELSE tcg_median END AS tcg_reference,
           CASE WHEN by_departement THEN part_allocataires_rsa_departement ELSE part_allocataires_rsa_median END
               AS part_allocataires_rsa_reference
    FROM referenced
)
SELECT *,
       coverage_need_quadrant(tcg, tcg_reference, part_allocataires_rsa, part_allocataires_rsa_reference) AS quadrant,
       CASE coverage_need_quadrant(tcg, tcg_reference, part_allocataires_rsa, part_allocataires_rsa_reference)
           WHEN 1 THEN 'Couverture faible, part RSA élevée' WHEN 2 THEN 'Couverture faible, part RSA modérée'
           WHEN 3 THEN 'Couverture élevée, part RSA élevée' WHEN 4 THEN 'Couverture élevée, part RSA modérée' END
           AS quadrant_label
FROM classed;

-- The IRIS of the allocataires files with their rates, by the same macro as every territory: the IRIS rows
-- take the shape of counts (every other count missing), so with_indicators applies unchanged.
CREATE OR REPLACE VIEW iris_counts AS
SELECT * FROM (SELECT * FROM counts LIMIT 0)
UNION ALL BY NAME
SELECT 'iris' AS level, iris AS code, year, COLUMNS(* EXCLUDE (iris, year)) FROM allocataires_iris;

CREATE OR REPLACE VIEW iris_value AS
SELECT code AS iris, commune, year, note, allocataires, alloc_rsa, alloc_monoparents, alloc_couples_avec_enfants,
       enfants_alloc_0_2, part_allocataires_rsa, part_familles_monoparentales
FROM with_indicators('iris_counts');
