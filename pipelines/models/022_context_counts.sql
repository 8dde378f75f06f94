-- Context per commune and year: population by age from the latest census not after the year (former
-- communes summed into today's), FRR flag, population in QPV (the QPV list covers France: a commune of
-- the scope that is not in it has none, once the list is loaded).
CREATE TABLE context_counts AS
WITH population AS (
    SELECT commune, year, sum(population) AS population, sum(enfants_0_2) AS enfants_0_2,
           sum(enfants_3_5) AS enfants_3_5, sum(enfants_6_10) AS enfants_6_10, sum(enfants_11_17) AS enfants_11_17
    FROM stg_population GROUP BY ALL
),
qpv AS (SELECT commune, sum(population_qpv) AS population_qpv FROM stg_qpv GROUP BY ALL)
SELECT g.commune, g.year,
    p.population, p.enfants_0_2, p.enfants_3_5, p.enfants_6_10, p.enfants_11_17,
    1 AS nb_communes,
    f.frr::INT AS nb_communes_frr,
    CASE WHEN q.commune IS NOT NULL THEN q.population_qpv
         WHEN EXISTS (SELECT 1 FROM source_present WHERE source = 'qpv') THEN 0 END AS population_qpv
FROM commune_year g
ASOF LEFT JOIN population p ON p.commune = g.commune AND p.year <= g.year
LEFT JOIN stg_frr f ON f.commune = g.commune
LEFT JOIN qpv q ON q.commune = g.commune;
