"""Communes as autorités organisatrices (SPPE): tiers at more than 3 500 and 10 000 inhabitants, their duties, RPE."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from tests.modeldata import build

COMMUNES = pd.DataFrame({
    "code": ["71001", "71002", "71003", "71004", "71005"], "name": ["A", "B", "C", "D", "E"],
    "departement": ["71"] * 5, "arrondissement": ["711"] * 5,
    "epci": ["200000001", "200000001", "200000002", "200000002", "200000002"],
    "population": [3500, 3501, 10000, 10001, 800],
})


def _population(values, year=2024):
    return pd.DataFrame({"commune": COMMUNES["code"][:len(values)], "year": year, "population": values,
                         "enfants_0_2": 100.0, "enfants_3_5": 100.0, "enfants_6_10": 100.0, "enfants_11_17": 100.0})


def _rpe(eid, commune):
    return {"equipment_id": eid, "type": "RPE", "commune": commune, "name": eid, "places": None,
            "opened": dt.date(2015, 1, 1), "closed": None, "manager": None}


def test_tiers_are_more_than_3_500_and_more_than_10_000_inhabitants():
    con = build({"population": _population([3500.0, 3501.0, 10000.0, 10001.0, 800.0]),
                 "equipments": pd.DataFrame([_rpe("R1", "71004")])}, [2024],
                communes=COMMUNES, exhaustive=[("equipments", "71", 2024)])
    rows = con.execute("SELECT commune, tier, obligations, rpe_in_commune, rpe_in_epci FROM commune_obligation "
                       "ORDER BY commune").fetchall()
    base = ["recensement", "information"]
    assert rows == [
        ("71001", "toutes", base, 0, 0),
        ("71002", "plus_3500", [*base, "planification", "qualite"], 0, 0),
        ("71003", "plus_3500", [*base, "planification", "qualite"], 0, 1),
        ("71004", "plus_10000", [*base, "planification", "qualite", "schema", "rpe"], 1, 1),
        ("71005", "toutes", base, 0, 1),
    ]
    rpe = con.execute("SELECT since, legal_basis FROM sppe_obligation WHERE code = 'rpe'").fetchone()
    assert rpe == (dt.date(2026, 1, 1), "CASF art. L214-1-3 II et L214-2-1")


def test_unknown_population_or_rpe_stays_unknown():
    con = build({"population": _population([12000.0])}, [2024], communes=COMMUNES)  # no equipment extract
    rows = dict(con.execute("SELECT commune, tier FROM commune_obligation").fetchall())
    assert rows["71001"] == "plus_10000" and rows["71002"] is None  # no census figure: no tier, not the lowest
    rpe = con.execute("SELECT rpe_in_commune, rpe_in_epci FROM commune_obligation WHERE commune = '71001'").fetchone()
    assert rpe == (None, None)
    duties = con.execute("SELECT obligations FROM commune_obligation WHERE commune = '71002'").fetchone()[0]
    assert duties == ["recensement", "information"]  # every commune has these, whatever its size


def test_the_latest_census_year_decides_the_tier():
    population = pd.concat([_population([9000.0], 2023), _population([10500.0], 2024)])
    con = build({"population": population}, [2023, 2024], communes=COMMUNES)
    assert con.execute("SELECT tier, population_year FROM commune_obligation WHERE commune = '71001'").fetchone() == (
        "plus_10000", 2024)
