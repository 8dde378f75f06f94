-- How many communes of each territory an extract reports, per year: a missing total says why it is missing.
CREATE TABLE reporting AS
WITH flags AS (
    SELECT g.commune, g.epci, g.arrondissement, g.departement, g.year,
           e.commune IS NOT NULL AS equipments, y.am_agrees IS NOT NULL AS childminders,
           (y.places_gad IS NOT NULL OR y.places_prescol IS NOT NULL) AS complementary_places,
           y.rpe_etp IS NOT NULL AS rpe_staff, c.population IS NOT NULL AS population,
           a.allocataires IS NOT NULL AS allocataires
    FROM commune_year g
    LEFT JOIN equipment_counts e USING (commune, year)
    LEFT JOIN yearly_counts y USING (commune, year)
    LEFT JOIN context_counts c USING (commune, year)
    LEFT JOIN allocataires_counts a USING (commune, year)
),
long AS (
    SELECT * FROM (UNPIVOT flags ON equipments, childminders, complementary_places, rpe_staff, population, allocataires
                   INTO NAME source VALUE reported)
    WHERE source IN (SELECT source FROM source_present)
)
SELECT CASE WHEN grouping(epci) = 0 THEN 'epci' WHEN grouping(arrondissement) = 0 THEN 'arrondissement'
            WHEN grouping(departement) = 0 THEN 'departement' ELSE 'france' END AS level,
       coalesce(epci, arrondissement, departement, 'FR') AS code, year::INTEGER AS year, source,
       count(*) AS communes, count_if(reported) AS reported
FROM long
GROUP BY GROUPING SETS ((epci, year, source), (arrondissement, year, source), (departement, year, source),
                        (year, source))
HAVING CASE WHEN grouping(epci) = 0 THEN epci IS NOT NULL
            WHEN grouping(arrondissement) = 0 THEN arrondissement IS NOT NULL
            WHEN grouping(departement) = 0 THEN true
            ELSE getvariable('whole_country') END;
