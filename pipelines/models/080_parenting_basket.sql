-- The panier de services parentalité of every territory and year: which elements it has, what is missing.
CREATE TABLE parenting_basket AS
SELECT level, code, year::INTEGER AS year, nb_reaap > 0 AS reaap, nb_laep > 0 AS laep, nb_clas > 0 AS clas,
       nb_mediation > 0 AS mediation, panier_complet = 1 AS complete,
       CASE WHEN panier_complet IS NOT NULL THEN
           concat_ws(', ', CASE WHEN nb_reaap = 0 THEN 'action REAAP' END, CASE WHEN nb_laep = 0 THEN 'LAEP' END,
                     CASE WHEN nb_clas = 0 THEN 'CLAS' END) END AS missing
FROM with_indicators('counts')
WHERE nb_reaap IS NOT NULL OR nb_laep IS NOT NULL OR nb_clas IS NOT NULL;
