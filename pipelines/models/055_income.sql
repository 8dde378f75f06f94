-- Filosofi figures as published (a median does not add up): per commune, EPCI and France, each year of the
-- warehouse taking the latest vintage not after it (vintage_year says which). A commune whose file rows are
-- several former communes keeps them as parts, never averaged.
CREATE TABLE income_values AS
WITH family AS (
    SELECT level, code, year, count(*) AS parts FROM stg_income GROUP BY ALL
),
whole AS (
    SELECT i.* FROM stg_income i JOIN family f USING (level, code, year) WHERE f.parts = 1
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
FROM stg_income i
JOIN (SELECT level, code, year FROM stg_income GROUP BY ALL HAVING count(*) > 1) f USING (level, code, year)
CROSS JOIN LATERAL (VALUES ('revenu_median', i.revenu_median), ('taux_pauvrete', i.taux_pauvrete)) m(indicator, value)
WHERE i.level = 'commune' AND m.value IS NOT NULL;
