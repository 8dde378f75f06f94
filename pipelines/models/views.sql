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
