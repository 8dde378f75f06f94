-- What readers are served (pipelines/warehouse/query.py reads this view, never indicator_value directly):
-- indicator_value with statistical secrecy applied (secret_cell, built by pipelines/secrecy at each refresh).
-- A masked value keeps its row with value NULL and ``secret`` true, so it reads « secret statistique », not
-- missing. ``public``: the value may be shown to a reader without access to the extracts (a published figure,
-- a whole computed from published parts, or an indicator no internal extract feeds).
CREATE OR REPLACE VIEW protected_value AS
SELECT v.level, v.code, v.year, v.indicator,
       CASE WHEN s.reason IS NULL THEN v.value END AS value, v.origin, v.source, v.vintage, v.vintage_year,
       v.published_as, s.reason IS NOT NULL AS secret, s.reason AS secret_reason,
       (v.origin = 'published' OR f.indicator IS NOT NULL OR NOT coalesce(c.confidential, true)) AS public
FROM indicator_value v
LEFT JOIN indicator_catalogue c ON c.code = v.indicator
LEFT JOIN secret_cell s
       ON v.origin = 'computed' AND s.level = v.level AND s.code = v.code AND s.year = v.year
      AND s.indicator = v.indicator
LEFT JOIN from_parts f
       ON f.level = v.level AND f.code = v.code AND f.year = v.year AND f.indicator = v.indicator;

-- The crossed diagnostic petite enfance × insertion of every commune and EPCI: its coverage (TCG, published
-- where the Cnaf publishes it, else computed) beside its share of allocataires on RSA, and the quadrant (macro
-- coverage_need_quadrant) against a reference: its département's two figures (an EPCI's main département)
-- when both exist, else the medians of the territories of its level in that département that have both (a
-- warehouse of Cnaf commune rates has no département TCG; secret IRIS leave the département's sum missing).
-- « Faible » and « élevée » always mean below / above that reference; ``reference`` says which it is.
-- Read from protected_value, as a reader may see it: a « secret statistique » figure is NULL (``tcg_secret``,
-- ``rsa_secret``) and classes nothing, and ``public_only`` keeps only what a reader without the extracts sees.
CREATE OR REPLACE MACRO crossed_diagnostic_for(public_only) AS TABLE
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
           max(vintage_year) FILTER (WHERE indicator = 'part_allocataires_rsa') AS allocataires_vintage,
           coalesce(bool_or(secret) FILTER (WHERE indicator = 'tcg'), false) AS tcg_secret,
           coalesce(bool_or(secret) FILTER (WHERE indicator = 'part_allocataires_rsa'), false) AS rsa_secret
    FROM protected_value
    WHERE indicator IN ('tcg', 'part_allocataires_rsa') AND level IN ('commune', 'epci', 'departement')
      AND (NOT public_only OR public)
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

CREATE OR REPLACE VIEW crossed_diagnostic AS SELECT * FROM crossed_diagnostic_for(false);
