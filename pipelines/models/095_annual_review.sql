-- Bilan annuel de l'offre: year N against N−1 (every year of the warehouse whose previous year it also holds),
-- per EPCI, arrondissement, département (and France when in scope), from the equipment extract (stocks on 31
-- December and the events of 015_equipment_events.sql) and the assistants maternels extract.
--
-- One row per territory, year and item (review_item: crèches, of which PSU and hors PSU, MAM, ALSH, RPE,
-- LAEP, CLAS, REAAP, médiation familiale, espaces rencontre, AM agréés, AM actifs):
--   before, after                 structures (persons for AM) on 31 December of N−1 and N
--   opened, closed, moved         structures opened, closed, transferred in minus out during N
--   places_*                      the same in places (items with places), plus extended / reduced (capacity
--                                 changes), created = opened + extended, removed = closed + reduced
-- so that after − before = opened − closed + moved, and the same in places (contract of the warehouse).
-- A commune the extract does not report for N or N−1 (not listed, and not declared exhaustive) makes the
-- whole territory's figures missing (strict sums): a partial count would understate it without saying so.
-- Transfers between communes of one territory cancel out in its total.
CREATE TABLE review_item AS
SELECT * FROM (VALUES
    ('eaje', 'Crèches (EAJE)', 'Crèches (EAJE)', 'structures', 'equipments', true, 1),
    ('eaje_psu', 'dont EAJE financés par la PSU', 'dont PSU', 'structures', 'equipments', true, 2),
    ('eaje_hors_psu', 'dont EAJE hors PSU (micro-crèches Paje)', 'dont hors PSU', 'structures', 'equipments', true, 3),
    ('mam', 'Maisons d''assistants maternels (MAM)', 'MAM', 'MAM', 'equipments', true, 4),
    ('am_agrees', 'Assistants maternels agréés (places agréées, tous âges)', 'AM agréés (places agréées)',
     'assistants maternels', 'childminders', true, 5),
    ('am_actifs', 'Assistants maternels actifs (places pour les moins de 3 ans)', 'AM actifs (places moins de 3 ans)',
     'assistants maternels', 'childminders', true, 6),
    ('rpe', 'Relais petite enfance (RPE)', 'RPE', 'relais', 'equipments', false, 7),
    ('alsh', 'Accueils de loisirs sans hébergement (ALSH)', 'ALSH', 'structures', 'equipments', true, 8),
    ('laep', 'Lieux d''accueil enfants-parents (LAEP)', 'LAEP', 'LAEP', 'equipments', false, 9),
    ('clas', 'Accompagnement à la scolarité (CLAS)', 'CLAS', 'actions', 'equipments', false, 10),
    ('reaap', 'Actions REAAP', 'REAAP', 'actions', 'equipments', false, 11),
    ('mediation', 'Médiation familiale', 'Médiation familiale', 'services', 'equipments', false, 12),
    ('espace_rencontre', 'Espaces rencontre', 'Espaces rencontre', 'espaces', 'equipments', false, 13)
) t(item, label, short_label, unit, source, with_places, sort_order);

CREATE TABLE annual_review AS
WITH item_type(item, type) AS (VALUES
    ('eaje', 'EAJE_PSU'), ('eaje', 'EAJE_HORS_PSU'), ('eaje_psu', 'EAJE_PSU'), ('eaje_hors_psu', 'EAJE_HORS_PSU'),
    ('mam', 'MAM'), ('rpe', 'RPE'), ('alsh', 'ALSH'), ('laep', 'LAEP'), ('clas', 'CLAS'), ('reaap', 'REAAP'),
    ('mediation', 'MEDIATION_FAMILIALE'), ('espace_rencontre', 'ESPACE_RENCONTRE')
),
review_year AS (SELECT year FROM panel_year WHERE year - 1 IN (SELECT year FROM panel_year)),
reported AS (  -- the equipment extract reports the commune on both dates
    SELECT a.commune, a.year FROM equipment_counts a
    JOIN equipment_counts b ON b.commune = a.commune AND b.year = a.year - 1
),
stock AS (
    SELECT o.commune, o.year, t.item, count(*) AS n, sum(o.places) AS places
    FROM equipment_open o JOIN item_type t USING (type) GROUP BY ALL
),
flow AS (
    SELECT e.commune, e.year, t.item,
        count(*) FILTER (WHERE e.kind = 'ouverture') AS opened,
        count(*) FILTER (WHERE e.kind = 'fermeture') AS closed,
        coalesce(sum(e.structures) FILTER (WHERE e.kind = 'transfert'), 0) AS moved,
        coalesce(sum(e.places) FILTER (WHERE e.kind = 'ouverture'), 0) AS places_opened,
        coalesce(-sum(e.places) FILTER (WHERE e.kind = 'fermeture'), 0) AS places_closed,
        coalesce(sum(e.places) FILTER (WHERE e.kind = 'capacité' AND e.places > 0), 0) AS places_extended,
        coalesce(-sum(e.places) FILTER (WHERE e.kind = 'capacité' AND e.places < 0), 0) AS places_reduced,
        coalesce(sum(e.places) FILTER (WHERE e.kind = 'transfert'), 0) AS places_moved
    FROM equipment_event e JOIN item_type t USING (type) GROUP BY ALL
),
equipment_rows AS (
    SELECT g.commune, g.epci, g.arrondissement, g.departement, g.year, i.item,
        CASE WHEN r.commune IS NOT NULL THEN coalesce(b.n, 0) END AS before,
        CASE WHEN r.commune IS NOT NULL THEN coalesce(a.n, 0) END AS after,
        CASE WHEN r.commune IS NOT NULL THEN coalesce(f.opened, 0) END AS opened,
        CASE WHEN r.commune IS NOT NULL THEN coalesce(f.closed, 0) END AS closed,
        CASE WHEN r.commune IS NOT NULL THEN coalesce(f.moved, 0) END AS moved,
        CASE WHEN r.commune IS NOT NULL AND i.with_places THEN coalesce(b.places, 0) END AS places_before,
        CASE WHEN r.commune IS NOT NULL AND i.with_places THEN coalesce(a.places, 0) END AS places_after,
        CASE WHEN r.commune IS NOT NULL AND i.with_places THEN coalesce(f.places_opened, 0) END AS places_opened,
        CASE WHEN r.commune IS NOT NULL AND i.with_places THEN coalesce(f.places_closed, 0) END AS places_closed,
        CASE WHEN r.commune IS NOT NULL AND i.with_places THEN coalesce(f.places_extended, 0) END AS places_extended,
        CASE WHEN r.commune IS NOT NULL AND i.with_places THEN coalesce(f.places_reduced, 0) END AS places_reduced,
        CASE WHEN r.commune IS NOT NULL AND i.with_places THEN coalesce(f.places_moved, 0) END AS places_moved
    FROM commune_year g JOIN review_year USING (year)
    CROSS JOIN (SELECT * FROM review_item WHERE source = 'equipments') i
    LEFT JOIN reported r ON r.commune = g.commune AND r.year = g.year
    LEFT JOIN stock a ON a.commune = g.commune AND a.year = g.year AND a.item = i.item
    LEFT JOIN stock b ON b.commune = g.commune AND b.year = g.year - 1 AND b.item = i.item
    LEFT JOIN flow f ON f.commune = g.commune AND f.year = g.year AND f.item = i.item
),
childminder_rows AS (  -- persons and places on both dates; the extract has no dated approvals, hence no flows
    SELECT g.commune, g.epci, g.arrondissement, g.departement, g.year, m.item, m.before, m.after,
           NULL::BIGINT AS opened, NULL::BIGINT AS closed, NULL::BIGINT AS moved, m.places_before, m.places_after,
           NULL::BIGINT AS places_opened, NULL::BIGINT AS places_closed, NULL::BIGINT AS places_extended,
           NULL::BIGINT AS places_reduced, NULL::BIGINT AS places_moved
    FROM commune_year g JOIN review_year USING (year)
    LEFT JOIN yearly_counts a ON a.commune = g.commune AND a.year = g.year
    LEFT JOIN yearly_counts b ON b.commune = g.commune AND b.year = g.year - 1
    CROSS JOIN LATERAL (VALUES
        ('am_agrees', b.am_agrees, a.am_agrees, b.am_places_agrees, a.am_places_agrees),
        ('am_actifs', b.am_actifs, a.am_actifs, b.places_am, a.places_am)
    ) m(item, before, after, places_before, places_after)
),
commune_rows AS (SELECT * FROM equipment_rows UNION ALL BY NAME SELECT * FROM childminder_rows)
SELECT CASE WHEN grouping(epci) = 0 THEN 'epci' WHEN grouping(arrondissement) = 0 THEN 'arrondissement'
            WHEN grouping(departement) = 0 THEN 'departement' ELSE 'france' END AS level,
       coalesce(epci, arrondissement, departement, 'FR') AS code, year::INTEGER AS year, item,
       count(*) AS communes, count_if(before IS NOT NULL AND after IS NOT NULL) AS communes_reported,
       strict_sum(before) AS before, strict_sum(after) AS after, strict_sum(opened) AS opened,
       strict_sum(closed) AS closed, strict_sum(moved) AS moved,
       strict_sum(places_before) AS places_before, strict_sum(places_after) AS places_after,
       strict_sum(places_opened) AS places_opened, strict_sum(places_closed) AS places_closed,
       strict_sum(places_extended) AS places_extended, strict_sum(places_reduced) AS places_reduced,
       strict_sum(places_moved) AS places_moved,
       strict_sum(places_opened) + strict_sum(places_extended) AS places_created,
       strict_sum(places_closed) + strict_sum(places_reduced) AS places_removed
FROM commune_rows
GROUP BY GROUPING SETS ((epci, year, item), (arrondissement, year, item), (departement, year, item), (year, item))
HAVING CASE WHEN grouping(epci) = 0 THEN epci IS NOT NULL
            WHEN grouping(arrondissement) = 0 THEN arrondissement IS NOT NULL
            WHEN grouping(departement) = 0 THEN true
            ELSE getvariable('whole_country') END;
