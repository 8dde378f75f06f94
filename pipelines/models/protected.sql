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
