-- The grid every commune count is reported on: each commune of the scope × each year of the warehouse.
CREATE TABLE commune_year AS
SELECT c.code AS commune, c.departement, c.epci, c.arrondissement, y.year
FROM commune c CROSS JOIN panel_year y;
