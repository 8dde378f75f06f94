"""Indicators on a hand-checked territory: 3 communes, 2 EPCI, 1 département, 2 years."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from pipelines.indicators.compute import compute

COMMUNES = pd.DataFrame({
    "code": ["71001", "71002", "71003"],
    "name": ["A", "B", "C"],
    "departement": ["71", "71", "71"],
    "arrondissement": ["711", "711", "712"],
    "epci": ["200000001", "200000001", "200000002"],
    "population": [1000, 500, 2000],
})


def _equipment(i, kind, commune, places, opened, closed=None):
    return {"equipment_id": f"E{i}", "type": kind, "commune": commune, "name": f"E{i}", "places": places,
            "opened": dt.date.fromisoformat(opened), "closed": dt.date.fromisoformat(closed) if closed else None,
            "manager": None}


@pytest.fixture
def tables():
    equipments = pd.DataFrame([
        _equipment(1, "EAJE_PSU", "71001", 20, "2010-01-01"),
        _equipment(2, "EAJE_HORS_PSU", "71002", 10, "2018-06-01"),  # created in 2018
        _equipment(3, "EAJE_PSU", "71003", 30, "2005-01-01", "2018-12-31"),  # open on 31/12/2018? no: closes that day
        _equipment(4, "LAEP", "71001", None, "2015-01-01"),
        _equipment(5, "CLAS", "71002", None, "2015-01-01"),
        _equipment(6, "REAAP", "71001", None, "2015-01-01"),
        _equipment(7, "ALSH", "71003", 40, "2000-01-01"),
    ])
    childminders = pd.DataFrame({
        "year": [2017, 2017, 2017, 2018, 2018],
        "commune": ["71001", "71002", "71003", "71001", "71003"],
        "am_agrees": [10, 4, 20, 9, 20], "am_actifs": [8, 4, 15, 8, 14],
        "am_places_agrees": [35, 14, 70, 32, 68], "am_places_u3": [20, 8, 40, 18, 36],
        "am_actifs_55_plus": [2, 1, 6, 3, 7],
    })
    complementary = pd.DataFrame({"year": [2017, 2018], "commune": ["71003", "71003"],
                                  "places_gad": [2, 2], "places_prescol": [3, 1]})
    population = pd.DataFrame({
        "commune": ["71001", "71002", "71003"], "year": [2017] * 3,
        "pop_total": [1000.0, 500.0, 2000.0], "pop_0_2": [40.0, 10.0, 100.0],
        "pop_3_5": [40.0, 12.0, 90.0], "pop_6_10": [60.0, 20.0, 110.0], "pop_11_17": [80.0, 30.0, 150.0],
    })
    rpe = pd.DataFrame({"year": [2017, 2018], "rpe_id": ["R1", "R1"], "name": ["R", "R"],
                        "commune": ["71001", "71001"], "etp": [0.5, 0.5]})
    caf_rates = pd.DataFrame({
        "level": ["epci", "france"], "code": ["200000002", None], "name": ["X", "France"], "year": [2017, 2017],
        "tcg": [75.0, 58.0], "tcg_eaje": [30.0, 20.0], "tcg_psu": [30.0, 18.0], "tcg_hors_psu": [0.0, 2.0],
        "tcg_ind": [40.0, 33.0], "tcg_am": [40.0, 31.0], "tcg_gad": [2.0, 2.0], "tcg_prescol": [3.0, 4.0],
        "placeholder": [False, False], "series": ["current", "current"],
    })
    return {"equipments": equipments, "childminders": childminders, "complementary_places": complementary,
            "population": population, "rpe_staff": rpe, "caf_rates": caf_rates}


def _value(result, level, code, year, indicator):
    v = result.values
    sel = v[(v.level == level) & (v.code == code) & (v.year == year) & (v.indicator == indicator)]
    return None if sel.empty else sel["value"].iloc[0]


def test_commune_tcg_by_hand(tables):
    result = compute(tables, COMMUNES, {"equipments": "test"})
    # 71003 in 2017: 30 PSU + 40 AM + 2 GAD + 3 prescol = 75 places for 100 children -> 75.0
    assert _value(result, "commune", "71003", 2017, "tcg") == pytest.approx(75.0)
    # 71001 in 2017: 20 + 20 AM + 0 + 0 = 40 / 40 children -> 100.0 (not clamped, can reach 100+)
    assert _value(result, "commune", "71001", 2017, "tcg") == pytest.approx(100.0)


def test_aggregation_sums_counts_then_divides(tables):
    result = compute(tables, COMMUNES, {})
    # EPCI 200000001 in 2017: (20 + 0 EAJE) + (20 + 8 AM) = 48 places / 50 children = 96.0
    assert _value(result, "epci", "200000001", 2017, "tcg") == pytest.approx(96.0)
    # département 2017: 48 + 75 = 123 places / 150 children = 82.0 (mean of rates would be 85.5)
    assert _value(result, "departement", "71", 2017, "tcg") == pytest.approx(82.0)
    assert _value(result, "arrondissement", "712", 2017, "places_total") == pytest.approx(75.0)
    # 2018: population carried forward from 2017; EAJE 3 closed on 31/12/2018 is not open that day
    # places: 20 + 10 (hors PSU) + 0 + AM 18 + 0 (71002 absent = none) + 36 + 2 + 1 = 87 -> 58.0
    assert _value(result, "departement", "71", 2018, "tcg") == pytest.approx(87 / 150 * 100)
    assert _value(result, "departement", "71", 2018, "places_eaje_solde") == pytest.approx(-20.0)
    assert _value(result, "departement", "71", 2018, "places_eaje_creees") == pytest.approx(10.0)
    assert _value(result, "departement", "71", 2018, "places_eaje_fermees") == pytest.approx(30.0)


def test_other_indicators(tables):
    result = compute(tables, COMMUNES, {})
    assert _value(result, "departement", "71", 2017, "part_am_55_plus") == pytest.approx(100 * 9 / 27)
    assert _value(result, "departement", "71", 2017, "am_actifs_par_etp_rpe") == pytest.approx(54.0)
    assert _value(result, "commune", "71003", 2017, "places_alsh_pour_100_3_10") == pytest.approx(20.0)
    # the EPCI 200000001 has REAAP, LAEP (71001) and CLAS (71002): complete; 200000002 has none
    assert _value(result, "epci", "200000001", 2017, "panier_complet") == 1.0
    assert _value(result, "epci", "200000002", 2017, "panier_nb_manquants") == 3.0
    assert _value(result, "departement", "71", 2017, "part_epci_panier_complet") == pytest.approx(50.0)
    basket = result.basket
    row = basket[(basket.level == "epci") & (basket.code == "200000002") & (basket.year == 2017)].iloc[0]
    assert row["missing"] == "action REAAP, LAEP, CLAS"


def test_missing_source_stays_missing(tables):
    del tables["complementary_places"]
    result = compute(tables, COMMUNES, {})
    assert _value(result, "departement", "71", 2017, "tcg") is None  # not computed from partial places
    assert _value(result, "departement", "71", 2017, "tcg_psu") == pytest.approx(100 * 50 / 150)


def test_published_kept_beside_computed_with_gap(tables):
    result = compute(tables, COMMUNES, {"caf_rates": "data.caf.fr 2017"})
    cmp = result.comparison
    row = cmp[(cmp.code == "200000002") & (cmp.indicator == "tcg")].iloc[0]
    assert (row["published"], row["computed"], row["gap"]) == (75.0, 75.0, 0.0)
    assert _value(result, "epci", "200000002", 2017, "tcg_publie") == 75.0
    # France is not computed from one département: the Cnaf's published value stands in
    assert _value(result, "france", "FR", 2017, "tcg") == 58.0
