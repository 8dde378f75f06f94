-- Figures published by the Cnaf (rates and places), as published, on the warehouse's territories.
-- The current series wins over the _hist one where both give a year (the Caf revises recent years).
-- Commune level: the file's code may be an old one (a commune merged since, an arrondissement municipal).
-- The row that stands for today's commune (macro commune_whole) is its figure; the other rows are kept as
-- parts (table published_part), never summed or averaged. Where no row stands for the whole, a whole is
-- computed only if each part has both its places and its rate (children = places × 100 / rate).
-- published_measure (staging) names the indicator of each published field.
CREATE TABLE published_latest AS
SELECT p.*, m.indicator, m.kind
FROM stg_published p JOIN published_measure m USING (measure)
WHERE NOT p.placeholder
QUALIFY row_number() OVER (PARTITION BY p.level, p.raw_code, p.year, p.measure ORDER BY (p.series = 'current') DESC) = 1;

CREATE TABLE published_family AS SELECT * FROM commune_whole('published_latest');

CREATE TABLE published_part AS
SELECT p.code, p.year, p.indicator, p.raw_code AS part_code, p.name AS part_name, p.value, p._file AS file
FROM published_latest p JOIN published_family f USING (code, year)
WHERE p.level = 'commune' AND p.raw_code IS DISTINCT FROM f.whole;

-- A whole from its parts where no row stands for it and every part has places and rate.
CREATE TABLE published_from_parts AS
WITH parts AS (
    SELECT p.* FROM published_latest p JOIN published_family f USING (code, year)
    WHERE p.level = 'commune' AND f.whole IS NULL
),
part_children AS (
    SELECT code, year, raw_code,
           max(value) FILTER (WHERE measure = 'tot_offre') * 100.0 / nullif(max(value) FILTER (WHERE measure = 'tcg'), 0)
               AS children
    FROM parts GROUP BY ALL
),
complete AS (
    SELECT code, year FROM part_children GROUP BY ALL HAVING count(children) = count(*)
),
weighted AS (
    SELECT p.code, p.year, p.indicator, p.kind, count(*) AS n,
           CASE WHEN p.kind = 'rate' THEN sum(p.value * c.children) / sum(c.children) ELSE sum(p.value) END AS value
    FROM parts p JOIN part_children c USING (code, year, raw_code) JOIN complete USING (code, year)
    GROUP BY p.code, p.year, p.indicator, p.kind
)
SELECT 'commune' AS level, w.code, w.year, w.indicator, w.value
FROM weighted w JOIN published_family f USING (code, year) WHERE w.n = f.rows;

CREATE TABLE published AS
SELECT p.level, p.code, p.year, p.indicator, p.value, p._file AS file,
       CASE WHEN p.level = 'commune' AND p.raw_code <> p.code THEN p.raw_code END AS published_as
FROM published_latest p LEFT JOIN published_family f ON p.level = 'commune' AND f.code = p.code AND f.year = p.year
WHERE p.level <> 'commune' OR p.raw_code = f.whole;

-- The Caf's placeholder rows (communes outside any EPCI): not a territory, kept apart when such communes are
-- in the scope, since their places are part of the département's totals.
CREATE TABLE published_outside_epci AS
SELECT p.year, m.indicator, p.value, p._file AS file
FROM stg_published p JOIN published_measure m USING (measure)
WHERE p.placeholder AND p.level = 'epci' AND EXISTS (SELECT 1 FROM commune WHERE epci IS NULL)
QUALIFY row_number() OVER (PARTITION BY p.year, p.measure ORDER BY (p.series = 'current') DESC) = 1;
