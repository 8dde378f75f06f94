-- How many communes of each territory an extract reports, per year: a missing total says why it is missing.
-- Counted on the wide flags (one row per commune and year), then turned long: the long form of 300 000
-- commune-years × 6 extracts would be grouped four times.
CREATE TABLE reporting AS
WITH flags AS (  -- read on the commune rows of counts: a count is there exactly when its extract reports it
    SELECT c.code AS commune, g.epci, g.arrondissement, g.departement, c.year,
           c.nb_eaje IS NOT NULL AS equipments, c.am_agrees IS NOT NULL AS childminders,
           (c.places_gad IS NOT NULL OR c.places_prescol IS NOT NULL) AS complementary_places,
           c.rpe_etp IS NOT NULL AS rpe_staff, c.population IS NOT NULL AS population,
           c.allocataires IS NOT NULL AS allocataires
    FROM counts c JOIN commune g ON g.code = c.code
    WHERE c.level = 'commune'
),
totals AS (
    SELECT CASE WHEN grouping(epci) = 0 THEN 'epci' WHEN grouping(arrondissement) = 0 THEN 'arrondissement'
                WHEN grouping(departement) = 0 THEN 'departement' ELSE 'france' END AS level,
           coalesce(epci, arrondissement, departement, 'FR') AS code, year::INTEGER AS year, count(*) AS communes,
           count_if(equipments) AS equipments, count_if(childminders) AS childminders,
           count_if(complementary_places) AS complementary_places, count_if(rpe_staff) AS rpe_staff,
           count_if(population) AS population, count_if(allocataires) AS allocataires
    FROM flags
    GROUP BY GROUPING SETS ((epci, year), (arrondissement, year), (departement, year), (year))
    HAVING CASE WHEN grouping(epci) = 0 THEN epci IS NOT NULL
                WHEN grouping(arrondissement) = 0 THEN arrondissement IS NOT NULL
                WHEN grouping(departement) = 0 THEN true
                ELSE getvariable('whole_country') END
)
SELECT level, code, year, source, communes, reported
FROM (UNPIVOT totals ON equipments, childminders, complementary_places, rpe_staff, population, allocataires
      INTO NAME source VALUE reported)
WHERE source IN (SELECT source FROM source_present);
