-- Share of the EPCI of a département (of France) whose parenting basket is complete; an EPCI counts for its
-- main département. Missing when the basket of one EPCI is unknown.
CREATE TABLE basket_share AS
WITH epci_dep AS (
    SELECT epci, mode(departement) AS departement FROM commune WHERE epci IS NOT NULL GROUP BY epci
),
epci_basket AS (
    SELECT c.code, d.departement, c.year, c.panier_complet
    FROM with_indicators('counts') c JOIN epci_dep d ON d.epci = c.code WHERE c.level = 'epci'
)
SELECT 'departement' AS level, departement AS code, year,
       CASE WHEN count(panier_complet) = count(*) THEN 100.0 * avg(panier_complet) END AS part_epci_panier_complet
FROM epci_basket GROUP BY ALL
UNION ALL
SELECT 'france', 'FR', year, CASE WHEN count(panier_complet) = count(*) THEN 100.0 * avg(panier_complet) END
FROM epci_basket WHERE getvariable('whole_country') GROUP BY ALL;
