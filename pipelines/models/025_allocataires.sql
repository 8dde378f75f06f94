-- Caf allocataires per commune and year, from the IRIS and commune files (docs/allocataires.md).
-- A commune's counts are its commune-level row where a file has one (rows of its former codes summed), else
-- the strict sum of its IRIS: missing as soon as one IRIS is secret (NOTE <> 0) or has an empty cell. Counts
-- stay as the Caf publishes them. Each year of the warehouse reads the latest vintage not after it (the
-- vintage of the whole source, so communes never mix vintages); allocataires_vintage says which.
CREATE TABLE allocataires_iris AS  -- the IRIS rows on today's communes, for the detail of a commune
SELECT iris, commune, year::INTEGER AS year, note, COLUMNS(* EXCLUDE (_file, _row, level, iris, commune, year, note))
FROM stg_allocataires WHERE level = 'iris';

CREATE TABLE allocataires_vintage AS
SELECT y.year, max(v.year)::INTEGER AS vintage_year
FROM panel_year y JOIN (SELECT DISTINCT year FROM stg_allocataires) v ON v.year <= y.year
GROUP BY y.year;

CREATE TABLE allocataires_counts AS
WITH commune_rows AS (
    SELECT commune, year, strict_sum(COLUMNS(* EXCLUDE (_file, _row, level, iris, commune, year, note)))
    FROM stg_allocataires WHERE level = 'commune' GROUP BY commune, year
),
iris_sums AS (
    SELECT commune, year, strict_sum(COLUMNS(* EXCLUDE (_file, _row, level, iris, commune, year, note)))
    FROM stg_allocataires WHERE level = 'iris' GROUP BY commune, year
),
by_vintage AS (
    SELECT * FROM commune_rows
    UNION ALL BY NAME
    SELECT i.* FROM iris_sums i ANTI JOIN commune_rows c USING (commune, year)
)
SELECT g.commune, g.year, COLUMNS(a.* EXCLUDE (commune, year))
FROM commune_year g
JOIN allocataires_vintage v USING (year)
LEFT JOIN by_vintage a ON a.commune = g.commune AND a.year = v.vintage_year;
