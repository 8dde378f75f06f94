-- Service public de la petite enfance (loi n° 2023-1196 pour le plein emploi, art. 17; CASF L214-1-3, in force
-- since 1 January 2025): every commune is an autorité organisatrice de l'accueil du jeune enfant, with duties
-- rising at more than 3 500 and more than 10 000 inhabitants. sppe_obligation is the one home of these
-- thresholds and duties; commune_obligation gives each commune of the scope its tier on the population of the
-- latest year of the warehouse, and whether a relais petite enfance is open in it and in its EPCI (missing
-- when the equipment extract does not report them). To check: the law counts the population totale
-- authentifiée, the warehouse holds the census population (Insee); a commune may have transferred its duties to
-- its EPCI, which the warehouse does not know.
CREATE TABLE sppe_obligation AS
SELECT * FROM (VALUES
    ('recensement', 0, 'Recenser les besoins des enfants de moins de 3 ans et de leurs familles, et les modes '
     || 'd''accueil disponibles', DATE '2025-01-01', 'CASF art. L214-1-3, I 1°', 1),
    ('information', 0, 'Informer et accompagner les familles d''enfants de moins de 3 ans et les futurs parents',
     DATE '2025-01-01', 'CASF art. L214-1-3, I 2°', 2),
    ('planification', 3500, 'Planifier, au vu du recensement des besoins, le développement des modes d''accueil',
     DATE '2025-01-01', 'CASF art. L214-1-3, I 3° et II', 3),
    ('qualite', 3500, 'Soutenir la qualité des modes d''accueil', DATE '2025-01-01', 'CASF art. L214-1-3, I 4° et II', 4),
    ('schema', 10000, 'Établir et mettre en œuvre un schéma pluriannuel de maintien et de développement de l''offre '
     || 'd''accueil du jeune enfant (une convention avec la Caf de même contenu, comme une CTG, en dispense)',
     DATE '2025-01-01', 'CASF art. L214-1-3 II et L214-2 ; décret n° 2025-253 (art. D214-10-1)', 5),
    ('rpe', 10000, 'Mettre en place un relais petite enfance', DATE '2026-01-01',
     'CASF art. L214-1-3 II et L214-2-1', 6)
) t(code, more_than, label, since, legal_basis, sort_order);

CREATE TABLE commune_obligation AS
WITH latest AS (
    SELECT max(year) AS year FROM counts WHERE level = 'commune' AND population IS NOT NULL
),
commune_counts AS (
    SELECT c.code, c.year, c.population, c.nb_rpe FROM counts c JOIN latest USING (year) WHERE c.level = 'commune'
),
epci_counts AS (
    SELECT c.code, c.nb_rpe FROM counts c JOIN latest USING (year) WHERE c.level = 'epci'
)
SELECT m.code AS commune, m.departement, m.epci, p.year::INTEGER AS population_year, p.population,
       CASE WHEN p.population > 10000 THEN 'plus_10000' WHEN p.population > 3500 THEN 'plus_3500'
            WHEN p.population IS NOT NULL THEN 'toutes' END AS tier,
       (SELECT list(o.code ORDER BY o.sort_order) FROM sppe_obligation o
        WHERE p.population > o.more_than OR o.more_than = 0) AS obligations,
       p.nb_rpe AS rpe_in_commune, e.nb_rpe AS rpe_in_epci
FROM commune m
LEFT JOIN commune_counts p ON p.code = m.code
LEFT JOIN epci_counts e ON e.code = m.epci;
