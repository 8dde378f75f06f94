-- Filosofi figures as published (a median does not add up): per commune, EPCI and France, each year of the
-- warehouse taking the latest vintage not after it (vintage_year says which). A commune keeps the row that
-- stands for it (macro commune_whole); the rows of its former communes or arrondissements are its parts.
CREATE TABLE income_family AS SELECT * FROM commune_whole('stg_income');

CREATE TABLE income_values AS
WITH whole AS (
    SELECT i.* FROM stg_income i LEFT JOIN income_family f ON i.level = 'commune' AND f.code = i.code AND f.year = i.year
    WHERE i.level <> 'commune' OR i.raw_code = f.whole
),
territories AS (SELECT DISTINCT level, code FROM whole),
carried AS (
    SELECT t.level, t.code, y.year, w.year AS vintage_year, w.revenu_median, w.taux_pauvrete
    FROM territories t CROSS JOIN panel_year y
    ASOF JOIN whole w ON w.level = t.level AND w.code = t.code AND w.year <= y.year
)
SELECT level, code, year, vintage_year, indicator, value
FROM (UNPIVOT carried ON revenu_median, taux_pauvrete INTO NAME indicator VALUE value);

INSERT INTO published_part
SELECT i.code, i.year, m.indicator, i.raw_code, NULL, m.value, i._file
FROM stg_income i JOIN income_family f USING (code, year)
CROSS JOIN LATERAL (VALUES ('revenu_median', i.revenu_median), ('taux_pauvrete', i.taux_pauvrete)) m(indicator, value)
WHERE i.level = 'commune' AND i.raw_code IS DISTINCT FROM f.whole AND m.value IS NOT NULL;
