-- Published figures as the warehouse serves them (Cnaf rates and places, Filosofi income), one per territory,
-- year and indicator; ``basis`` says which source, for its caption. The view indicator_value (views.sql)
-- shows them where they exist, computed figures elsewhere.
CREATE TABLE published_value AS
SELECT level, code, year::INTEGER AS year, indicator, value, year::INTEGER AS vintage_year,
       CASE WHEN indicator LIKE 'tcg%' THEN 'caf_rates' ELSE 'caf_places' END AS basis, published_as
FROM published
UNION ALL
SELECT level, code, year::INTEGER, indicator, value, vintage_year::INTEGER, 'income', NULL FROM income_values;

CREATE TABLE context_vintage AS  -- the census year a population figure of each year comes from
SELECT i.indicator, y.year, max(p.year)::INTEGER AS vintage_year
FROM panel_year y JOIN (SELECT DISTINCT year FROM stg_population) p ON p.year <= y.year
CROSS JOIN (VALUES ('population'), ('enfants_0_2'), ('enfants_3_5'), ('enfants_6_10'), ('enfants_11_17'))
    i(indicator)
GROUP BY ALL;

CREATE TABLE from_parts AS
SELECT level, code, year::INTEGER AS year, indicator, value FROM published_from_parts;
