"""The bilan annuel and the equipment events on a hand-built equipment list (3 communes, 2 EPCI, 2023-2024).

Every figure below is counted by hand from the list: an opening and a closing in the same year, a transfer
between communes of two EPCI, a capacity extension and a reduction (several dated rows of one equipment), a
closing on 31 December, a closing of the previous year.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from tests.modeldata import build, value

YEARS = [2023, 2024]
EXHAUSTIVE = [(source, "71", year) for source in ("equipments", "childminders") for year in YEARS]


def _row(eid, kind, commune, places, opened, closed=None):
    return {"equipment_id": eid, "type": kind, "commune": commune, "name": eid, "places": places,
            "opened": dt.date.fromisoformat(opened), "closed": dt.date.fromisoformat(closed) if closed else None,
            "manager": None}


# 71001 and 71002 in EPCI 200000001, 71003 in EPCI 200000002 (tests/modeldata.py)
EQUIPMENTS = pd.DataFrame([
    _row("E1", "EAJE_PSU", "71001", 20, "2010-01-01"),  # unchanged
    _row("E2", "EAJE_PSU", "71001", 12, "2024-03-01", "2024-10-31"),  # opened and closed in 2024
    _row("E3", "EAJE_HORS_PSU", "71002", 10, "2015-01-01", "2024-05-01"),  # moved to 71003 on 1 May 2024
    _row("E3", "EAJE_HORS_PSU", "71003", 10, "2024-05-01"),
    _row("E4", "EAJE_PSU", "71003", 30, "2012-01-01", "2024-09-01"),  # extended to 40 places
    _row("E4", "EAJE_PSU", "71003", 40, "2024-09-01"),
    _row("E5", "EAJE_PSU", "71002", 15, "2024-02-01"),  # a new PSU structure
    _row("E6", "EAJE_PSU", "71001", 25, "2005-01-01", "2024-12-31"),  # closed on 31 December: gone that day
    _row("E7", "MAM", "71002", 12, "2024-06-01"),  # a new MAM
    _row("E8", "MAM", "71003", 16, "2019-01-01", "2023-05-01"),  # closed the year before
    _row("E9", "ALSH", "71003", 80, "2000-01-01"),
    _row("E10", "LAEP", "71001", None, "2024-01-15"),
    _row("E11", "EAJE_PSU", "71002", 20, "2015-01-01", "2024-04-01"),  # reduced to 16 places
    _row("E11", "EAJE_PSU", "71002", 16, "2024-04-01"),
])
CHILDMINDERS = pd.DataFrame({
    "year": [2023, 2023, 2023, 2024, 2024, 2024], "commune": ["71001", "71002", "71003"] * 2,
    "am_agrees": [10, 4, 20, 9, 5, 18], "am_actifs": [8, 4, 15, 8, 3, 14],
    "am_places_agrees": [35, 14, 70, 32, 18, 64], "am_places_u3": [20, 8, 40, 18, 7, 36],
    "am_actifs_55_plus": [None] * 6,
})
MEASURES = ["before", "after", "opened", "closed", "moved", "places_before", "places_after", "places_opened",
            "places_closed", "places_extended", "places_reduced", "places_moved", "places_created", "places_removed"]


def review(con, level, code, item, year=2024) -> dict:
    row = con.execute(f"SELECT {', '.join(MEASURES)} FROM annual_review WHERE level = ? AND code = ? AND item = ? "
                      "AND year = ?", [level, code, item, year]).fetchone()
    return dict(zip(MEASURES, row))


@pytest.fixture(scope="module")
def con():
    return build({"equipments": EQUIPMENTS, "childminders": CHILDMINDERS}, YEARS, exhaustive=EXHAUSTIVE,
                 base_year=2023)


def test_departement_crèches_by_hand(con):
    # 31/12/2023: E1 20, E3 10, E4 30, E6 25, E11 20 -> 5 crèches, 105 places
    # 31/12/2024: E1 20, E3 10, E4 40, E5 15, E11 16 -> 5 crèches, 101 places
    # opened E2 (12) and E5 (15); closed E2 (12) and E6 (25); E4 +10, E11 −4; E3 moved inside the département
    assert review(con, "departement", "71", "eaje") == {
        "before": 5, "after": 5, "opened": 2, "closed": 2, "moved": 0,
        "places_before": 105, "places_after": 101, "places_opened": 27, "places_closed": 37,
        "places_extended": 10, "places_reduced": 4, "places_moved": 0, "places_created": 37, "places_removed": 41}


def test_a_transfer_between_epci_is_out_of_one_and_into_the_other_not_a_creation(con):
    # EPCI 1 (71001, 71002): before E1, E3, E6, E11 (75 places), after E1, E5, E11 (51 places)
    assert review(con, "epci", "200000001", "eaje") == {
        "before": 4, "after": 3, "opened": 2, "closed": 2, "moved": -1,
        "places_before": 75, "places_after": 51, "places_opened": 27, "places_closed": 37,
        "places_extended": 0, "places_reduced": 4, "places_moved": -10, "places_created": 27, "places_removed": 41}
    # EPCI 2 (71003): E4 30 -> E4 40 and E3 10 moved in
    assert review(con, "epci", "200000002", "eaje") == {
        "before": 1, "after": 2, "opened": 0, "closed": 0, "moved": 1,
        "places_before": 30, "places_after": 50, "places_opened": 0, "places_closed": 0,
        "places_extended": 10, "places_reduced": 0, "places_moved": 10, "places_created": 10, "places_removed": 0}


def test_new_psu_structures_mam_alsh_and_parenting(con):
    psu = review(con, "departement", "71", "eaje_psu")
    assert (psu["opened"], psu["places_opened"], psu["before"], psu["after"]) == (2, 27, 4, 4)
    hors_psu = review(con, "departement", "71", "eaje_hors_psu")
    assert (hors_psu["before"], hors_psu["after"], hors_psu["moved"], hors_psu["opened"]) == (1, 1, 0, 0)
    mam = review(con, "departement", "71", "mam")
    assert (mam["before"], mam["after"], mam["opened"], mam["places_opened"], mam["closed"]) == (0, 1, 1, 12, 0)
    events = con.execute("SELECT kind, year, places FROM equipment_event WHERE equipment_id = 'E8' ORDER BY day").fetchall()
    assert events == [("ouverture", 2019, 16), ("fermeture", 2023, -16)]  # E8 closed in its own year, not 2024
    assert con.execute("SELECT count(*) FROM annual_review WHERE year = 2023").fetchone()[0] == 0  # no 2022 to compare
    alsh = review(con, "departement", "71", "alsh")
    assert (alsh["before"], alsh["after"]) == (1, 1)
    laep = review(con, "departement", "71", "laep")
    assert (laep["before"], laep["after"], laep["opened"], laep["places_before"]) == (0, 1, 1, None)


def test_childminders_before_and_after(con):
    agrees = review(con, "departement", "71", "am_agrees")
    assert (agrees["before"], agrees["after"], agrees["places_before"], agrees["places_after"]) == (34, 32, 119, 114)
    actifs = review(con, "epci", "200000001", "am_actifs")
    assert (actifs["before"], actifs["after"], actifs["places_before"], actifs["places_after"]) == (12, 11, 28, 25)
    assert agrees["opened"] is None  # the extract has no dated approvals: no flow, not 0


def test_places_created_since_the_base_year_count_extensions_not_transfers(con):
    assert value(con, "departement", "71", 2024, "places_eaje_creees") == 37
    assert value(con, "departement", "71", 2024, "places_eaje_fermees") == 41
    assert value(con, "departement", "71", 2024, "places_eaje_solde") == -4
    assert value(con, "epci", "200000002", 2024, "places_eaje_creees") == 10  # E4's extension, not E3's move


def test_stocks_move_exactly_by_the_year_s_events(con):
    broken = con.execute("""SELECT count(*) FROM annual_review
                            WHERE after - before <> opened - closed + moved
                               OR places_after - places_before <> places_created - places_removed + places_moved"""
                         ).fetchone()[0]
    assert broken == 0
    assert value(con, "commune", "71003", 2024, "nb_eaje") == 2 and value(con, "commune", "71002", 2024, "nb_eaje") == 2


def test_a_commune_the_extract_does_not_report_makes_its_territory_missing_never_zero():
    listed = EQUIPMENTS[EQUIPMENTS["commune"] != "71002"]  # 71002 absent, nothing declared exhaustive
    con = build({"equipments": listed, "childminders": CHILDMINDERS.iloc[:5]}, YEARS, base_year=2023)
    assert review(con, "epci", "200000001", "eaje")["places_created"] is None
    assert review(con, "departement", "71", "eaje")["after"] is None
    assert review(con, "epci", "200000002", "eaje")["after"] == 2  # 71003 is listed: its EPCI is known
    reported = con.execute("SELECT communes, communes_reported FROM annual_review WHERE level = 'epci' "
                           "AND code = '200000001' AND item = 'eaje' AND year = 2024").fetchone()
    assert reported == (2, 1)
    # 71003 has no childminder row for 2024 (the 6th row was left out): its AM are missing, not 0
    assert review(con, "epci", "200000002", "am_agrees")["after"] is None
    assert review(con, "epci", "200000002", "am_agrees")["before"] == 20


def test_no_equipment_extract_no_bilan_figures():
    con = build({"childminders": CHILDMINDERS}, YEARS, exhaustive=EXHAUSTIVE[2:])
    rows = con.execute("SELECT count(*), count(after) FROM annual_review WHERE item = 'eaje'").fetchone()
    assert rows[0] > 0 and rows[1] == 0
