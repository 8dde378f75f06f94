-- What the equipment extract says happened, in two tables every later model reads (one home for the rules).
--
-- equipment_open: the periods open on 31 December of each year of the warehouse (the Caf counts places as of
-- December): a period counts from its opening day included to its closing day excluded.
--
-- equipment_event: each change of the offer, in the commune and year whose stock on 31 December it changes.
-- An equipment is one row of the extract, or several rows under one id_equipement (successive periods: the
-- closing day of one is the change day, the opening day of the next). For each equipment:
--   ouverture  its first period, or a period after a gap (a closing then a reopening): + its places
--   fermeture  the end of its last period, or of a period followed by a gap: − its places
--   transfert  a period in another commune starting the day the previous ends: − the former places in the
--              former commune, + the same in the new one (nothing is created: the places moved)
--   capacité   a period whose places differ from the previous one's: ± the difference, in its commune
-- The stock of a commune on 31 December of N minus that of N−1 is exactly the sum of its events of year N.
CREATE TABLE equipment_open AS
SELECT e.equipment_id, e.type, e.commune, y.year, e.places
FROM stg_equipments e JOIN panel_year y
  ON e.opened <= make_date(y.year::BIGINT, 12, 31) AND (e.closed IS NULL OR e.closed > make_date(y.year::BIGINT, 12, 31));

CREATE TABLE equipment_event AS
WITH periods AS (
    SELECT equipment_id, type, commune, name, places, opened, closed,
           lag(commune) OVER w AS previous_commune, lag(places) OVER w AS previous_places,
           lag(closed) OVER w AS previous_closed, lead(opened) OVER w AS next_opened,
           row_number() OVER w = 1 AS first
    FROM stg_equipments WINDOW w AS (PARTITION BY equipment_id ORDER BY opened)
),
continued AS (SELECT * FROM periods WHERE NOT first AND previous_closed = opened),
events AS (
    SELECT equipment_id, type, commune, name, opened AS day, 'ouverture' AS kind, 1 AS structures, places
    FROM periods WHERE first OR previous_closed < opened
    UNION ALL
    SELECT equipment_id, type, commune, name, closed, 'fermeture', -1, -places
    FROM periods WHERE closed IS NOT NULL AND (next_opened IS NULL OR next_opened > closed)
    UNION ALL
    SELECT equipment_id, type, previous_commune, name, opened, 'transfert', -1, -previous_places
    FROM continued WHERE previous_commune <> commune
    UNION ALL
    SELECT equipment_id, type, commune, name, opened, 'transfert', 1, previous_places
    FROM continued WHERE previous_commune <> commune
    UNION ALL
    SELECT equipment_id, type, commune, name, opened, 'capacité', 0, places - previous_places
    FROM continued WHERE places <> previous_places
)
SELECT equipment_id, type, commune, name, day, year(day)::INTEGER AS year, kind, structures, places FROM events;
