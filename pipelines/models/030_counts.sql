-- Counts of every level: communes, then strict sums to EPCI, arrondissement, département and France (France
-- only when the whole country is in scope). Only counts are summed; rates come after, from these sums.
CREATE TABLE counts AS
WITH commune_counts AS (
    SELECT g.commune, g.epci, g.arrondissement, g.departement, g.year,
           e.* EXCLUDE (commune, year), y.* EXCLUDE (commune, year), c.* EXCLUDE (commune, year),
           a.* EXCLUDE (commune, year)
    FROM commune_year g
    LEFT JOIN equipment_counts e USING (commune, year)
    LEFT JOIN yearly_counts y USING (commune, year)
    LEFT JOIN context_counts c USING (commune, year)
    LEFT JOIN allocataires_counts a USING (commune, year)
)
SELECT 'commune' AS level, commune AS code, year, COLUMNS(* EXCLUDE (commune, epci, arrondissement, departement, year))
FROM commune_counts
UNION ALL BY NAME
SELECT CASE WHEN grouping(epci) = 0 THEN 'epci' WHEN grouping(arrondissement) = 0 THEN 'arrondissement'
            WHEN grouping(departement) = 0 THEN 'departement' ELSE 'france' END AS level,
       coalesce(epci, arrondissement, departement, 'FR') AS code, year,
       strict_sum(COLUMNS(* EXCLUDE (commune, epci, arrondissement, departement, year)))
FROM commune_counts
GROUP BY GROUPING SETS ((epci, year), (arrondissement, year), (departement, year), (year))
HAVING CASE WHEN grouping(epci) = 0 THEN epci IS NOT NULL  -- communes outside any EPCI are no territory
            WHEN grouping(arrondissement) = 0 THEN arrondissement IS NOT NULL
            WHEN grouping(departement) = 0 THEN true
            ELSE getvariable('whole_country') END;
