"""The SQL models on a hand-checked territory: 3 communes, 2 EPCI, 1 département, 2 years."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from tests.modeldata import build, origin, value

ALL = [("equipments", "71", 2017), ("equipments", "71", 2018), ("childminders", "71", 2017),
       ("childminders", "71", 2018), ("complementary_places", "71", 2017), ("complementary_places", "71", 2018),
       ("rpe_staff", "71", 2017), ("rpe_staff", "71", 2018)]


def _equipment(i, kind, commune, places, opened, closed=None):
    return {"equipment_id": f"E{i}", "type": kind, "commune": commune, "name": f"E{i}", "places": places,
            "opened": dt.date.fromisoformat(opened), "closed": dt.date.fromisoformat(closed) if closed else None,
            "manager": None}


@pytest.fixture
def staged():
    equipments = pd.DataFrame([
        _equipment(1, "EAJE_PSU", "71001", 20, "2010-01-01"),
        _equipment(2, "EAJE_HORS_PSU", "71002", 10, "2018-06-01"),  # created in 2018
        _equipment(3, "EAJE_PSU", "71003", 30, "2005-01-01", "2018-12-31"),  # closes on 31/12/2018: not open that day
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
                                  "places_gad": [2.0, 2.0], "places_prescol": [3.0, 1.0]})
    population = pd.DataFrame({
        "commune": ["71001", "71002", "71003"], "year": [2017] * 3,
        "population": [1000.0, 500.0, 2000.0], "enfants_0_2": [40.0, 10.0, 100.0],
        "enfants_3_5": [40.0, 12.0, 90.0], "enfants_6_10": [60.0, 20.0, 110.0], "enfants_11_17": [80.0, 30.0, 150.0],
    })
    rpe = pd.DataFrame({"year": [2017, 2018], "rpe_id": ["R1", "R1"], "name": ["R", "R"],
                        "commune": ["71001", "71001"], "etp": [0.5, 0.5]})
    return {"equipments": equipments, "childminders": childminders, "complementary_places": complementary,
            "population": population, "rpe_staff": rpe}


def caf_rates(rows):
    columns = ["level", "code", "name", "year", "tcg", "tcg_eaje", "tcg_psu", "tcg_hors_psu", "tcg_ind", "tcg_am",
               "tcg_gad", "tcg_prescol", "placeholder", "series"]
    return pd.DataFrame([dict(zip(columns, row)) for row in rows])


def test_commune_tcg_by_hand(staged):
    con = build(staged, [2017, 2018], exhaustive=ALL)
    # 71003 in 2017: 30 PSU + 40 AM + 2 GAD + 3 prescol = 75 places for 100 children -> 75.0
    assert value(con, "commune", "71003", 2017, "tcg") == pytest.approx(75.0)
    # 71001 in 2017: 20 + 20 AM + 0 + 0 = 40 / 40 children -> 100.0 (not clamped, can reach 100+)
    assert value(con, "commune", "71001", 2017, "tcg") == pytest.approx(100.0)
    assert origin(con, "commune", "71001", 2017, "tcg") == "computed"


def test_aggregation_sums_counts_then_divides(staged):
    con = build(staged, [2017, 2018], exhaustive=ALL)
    # EPCI 200000001 in 2017: (20 + 0 EAJE) + (20 + 8 AM) = 48 places / 50 children = 96.0
    assert value(con, "epci", "200000001", 2017, "tcg") == pytest.approx(96.0)
    # département 2017: 48 + 75 = 123 places / 150 children = 82.0 (a mean of rates would give 85.5)
    assert value(con, "departement", "71", 2017, "tcg") == pytest.approx(82.0)
    assert value(con, "arrondissement", "712", 2017, "places_total") == pytest.approx(75.0)
    # 2018: population carried from the 2017 census; EAJE 3 closed on 31/12/2018 is not open that day;
    # 71002 has no childminder row but the extract is declared exhaustive: none (0).
    # places: 20 + 10 (hors PSU) + 0 + AM 18 + 0 + 36 + 2 + 1 = 87 -> 58.0
    assert value(con, "departement", "71", 2018, "tcg") == pytest.approx(87 / 150 * 100)
    assert value(con, "departement", "71", 2018, "places_eaje_solde") == pytest.approx(-20.0)
    assert value(con, "departement", "71", 2018, "places_eaje_creees") == pytest.approx(10.0)
    assert value(con, "departement", "71", 2018, "places_eaje_fermees") == pytest.approx(30.0)
    vintage = con.execute("SELECT vintage_year FROM indicator_value WHERE level = 'departement' AND year = 2018 "
                          "AND indicator = 'enfants_0_2'").fetchone()[0]
    assert vintage == 2017  # the census the 2018 figure is carried from


def test_absent_commune_is_not_reported_unless_declared_exhaustive(staged):
    con = build(staged, [2017, 2018])  # nothing declared
    # 71002 has no childminder row in 2018: its AM are not reported, so are those of its EPCI and département
    assert value(con, "commune", "71002", 2018, "am_agrees") is None
    assert value(con, "epci", "200000001", 2018, "am_agrees") is None
    assert value(con, "departement", "71", 2018, "tcg") is None
    assert value(con, "departement", "71", 2017, "am_agrees") == 34  # every commune has its 2017 row
    reporting = con.execute("SELECT communes, reported FROM reporting WHERE level = 'departement' AND year = 2018 "
                            "AND source = 'childminders'").fetchone()
    assert reporting == (3, 2)
    declared = build(staged, [2017, 2018], exhaustive=[("childminders", "71", 2018)])
    assert value(declared, "commune", "71002", 2018, "am_agrees") == 0
    assert value(declared, "departement", "71", 2018, "am_agrees") == 29


def test_other_indicators(staged):
    con = build(staged, [2017, 2018], exhaustive=ALL)
    assert value(con, "departement", "71", 2017, "part_am_55_plus") == pytest.approx(100 * 9 / 27)
    assert value(con, "departement", "71", 2017, "am_actifs_par_etp_rpe") == pytest.approx(54.0)
    assert value(con, "commune", "71003", 2017, "places_alsh_pour_100_3_10") == pytest.approx(20.0)
    # the EPCI 200000001 has REAAP, LAEP (71001) and CLAS (71002): complete; 200000002 has none
    assert value(con, "epci", "200000001", 2017, "panier_complet") == 1.0
    assert value(con, "epci", "200000002", 2017, "panier_nb_manquants") == 3.0
    assert value(con, "departement", "71", 2017, "part_epci_panier_complet") == pytest.approx(50.0)
    missing = con.execute("SELECT missing FROM parenting_basket WHERE level = 'epci' AND code = '200000002' "
                          "AND year = 2017").fetchone()[0]
    assert missing == "action REAAP, LAEP, CLAS"


def test_missing_source_stays_missing(staged):
    del staged["complementary_places"]
    con = build(staged, [2017, 2018], exhaustive=ALL)
    assert value(con, "departement", "71", 2017, "tcg") is None  # not computed from partial places
    assert value(con, "departement", "71", 2017, "tcg_psu") == pytest.approx(100 * 50 / 150)


def test_published_figure_is_shown_and_the_computed_one_compared(staged):
    staged["caf_rates"] = caf_rates([
        ("epci", "200000002", "X", 2017, 75.0, 30.0, 30.0, 0.0, 40.0, 40.0, 2.0, 3.0, False, "current"),
        ("france", "FR", "France", 2017, 58.0, 20.0, 18.0, 2.0, 33.0, 31.0, 2.0, 4.0, False, "current"),
    ])
    con = build(staged, [2017, 2018], exhaustive=ALL)
    row = con.execute("SELECT published, computed, gap, within_rounding FROM published_comparison "
                      "WHERE code = '200000002' AND indicator = 'tcg'").fetchone()
    assert row == (75.0, 75.0, 0.0, True)
    assert (value(con, "epci", "200000002", 2017, "tcg"), origin(con, "epci", "200000002", 2017, "tcg")) == (
        75.0, "published")
    # France is not computed from one département: the Cnaf's published value stands in
    assert (value(con, "france", "FR", 2017, "tcg"), origin(con, "france", "FR", 2017, "tcg")) == (58.0, "published")
    source = con.execute("SELECT source, vintage FROM indicator_value WHERE level = 'epci' AND code = '200000002' "
                         "AND year = 2017 AND indicator = 'tcg'").fetchone()
    assert source == ("Cnaf, data.caf.fr (taux de couverture publiés)", "caf_rates (test)")


def test_current_series_wins_over_hist_where_they_overlap():
    staged = {"caf_rates": caf_rates([
        ("epci", "200000001", "X", 2020, 56.0, None, None, None, None, None, None, None, False, "hist"),
        ("epci", "200000001", "X", 2021, 57.1, None, None, None, None, None, None, None, False, "hist"),
        ("epci", "200000001", "X", 2021, 57.4, None, None, None, None, None, None, None, False, "current"),
        ("epci", "200000001", "X", 2022, 58.0, None, None, None, None, None, None, None, False, "current"),
    ])}
    con = build(staged, [2020, 2021, 2022])
    assert [value(con, "epci", "200000001", y, "tcg") for y in (2020, 2021, 2022)] == [56.0, 57.4, 58.0]


COMMUNES_OF_TODAY = pd.DataFrame({
    "code": ["93066", "93070"], "name": ["Saint-Denis", "Saint-Ouen"], "departement": ["93", "93"],
    "arrondissement": ["933", "933"], "epci": ["200057867", "200057867"], "population": [149077, 51000],
})


def test_rates_of_merged_communes_stay_parts_and_are_never_averaged():
    # 2021: Saint-Denis (93066) and Pierrefitte (93059, merged into 93066 in 2025) published apart
    rates = caf_rates([
        ("commune", "93066", "SAINT DENIS", 2021, 40.0, None, None, None, None, None, None, None, False, "current"),
        ("commune", "93066", "PIERREFITTE SUR SEINE", 2021, 50.0, None, None, None, None, None, None, None, False,
         "current"),
        ("commune", "93070", "SAINT OUEN", 2021, 45.0, None, None, None, None, None, None, None, False, "current"),
    ]).assign(raw_code=["93066", "93059", "93070"], mapping_kind=[None, "commune déléguée", None])
    con = build({"caf_rates": rates}, [2021], communes=COMMUNES_OF_TODAY)
    assert value(con, "commune", "93066", 2021, "tcg") is None  # not the mean 45.0, not a sum
    parts = con.execute("SELECT part_code, value FROM published_part WHERE code = '93066' ORDER BY 1").fetchall()
    assert parts == [("93059", 50.0), ("93066", 40.0)]
    assert value(con, "commune", "93070", 2021, "tcg") == 45.0


def test_merged_communes_with_places_and_rates_give_a_whole():
    # children = places × 100 / rate: 400 × 100 / 40 = 1 000 and 150 × 100 / 50 = 300
    rates = caf_rates([
        ("commune", "93066", "SAINT DENIS", 2021, 40.0, 20.0, None, None, None, None, None, None, False, "current"),
        ("commune", "93066", "PIERREFITTE", 2021, 50.0, 10.0, None, None, None, None, None, None, False, "current"),
    ]).assign(raw_code=["93066", "93059"], mapping_kind=[None, "commune déléguée"])
    places = pd.DataFrame({"level": "commune", "code": "93066", "name": ["SAINT DENIS", "PIERREFITTE"],
                           "year": 2021, "tot_offre": [400.0, 150.0], "pl_eaje": [200.0, 30.0],
                           "placeholder": False, "series": "current", "raw_code": ["93066", "93059"],
                           "mapping_kind": [None, "commune déléguée"]})
    con = build({"caf_rates": rates, "caf_places": places}, [2021], communes=COMMUNES_OF_TODAY)
    assert value(con, "commune", "93066", 2021, "tcg") == pytest.approx(100 * 550 / 1300)
    assert value(con, "commune", "93066", 2021, "tcg_eaje") == pytest.approx(100 * (200 + 30) / 1300)
    assert value(con, "commune", "93066", 2021, "places_total") == 550
    assert origin(con, "commune", "93066", 2021, "tcg") == "computed"
    source = con.execute("SELECT source FROM indicator_value WHERE code = '93066' AND indicator = 'tcg'").fetchone()[0]
    assert "anciennes communes" in source


def test_arrondissements_municipaux_are_parts_of_their_commune():
    paris = pd.DataFrame({"code": ["75056"], "name": ["Paris"], "departement": ["75"], "arrondissement": ["751"],
                          "epci": ["200054781"], "population": [2103778]})
    rates = caf_rates([("commune", "75056", f"PARIS {i}E ARRONDISSEMENT", 2021, 50.0 + i, None, None, None, None,
                        None, None, None, False, "current") for i in range(1, 4)]).assign(
        raw_code=["75101", "75102", "75103"], mapping_kind="arrondissement municipal")
    con = build({"caf_rates": rates}, [2021], communes=paris)
    assert value(con, "commune", "75056", 2021, "tcg") is None
    assert con.execute("SELECT count(*) FROM published_part WHERE code = '75056'").fetchone()[0] == 3
    # Filosofi publishes Paris itself beside its arrondissements: Paris's row is Paris's figure
    income = pd.DataFrame({"level": "commune", "code": "75056", "year": 2019, "revenu_median": [28570.0, 30000.0],
                           "taux_pauvrete": [15.2, None], "raw_code": ["75056", "75101"],
                           "mapping_kind": [None, "arrondissement municipal"]})
    con = build({"income": income}, [2021], communes=paris)
    assert value(con, "commune", "75056", 2021, "revenu_median") == 28570.0
    assert con.execute("SELECT part_code, value FROM published_part WHERE code = '75056'").fetchall() == [
        ("75101", 30000.0)]


def test_a_recoded_commune_keeps_its_published_rate():
    # Orée d'Anjou published under 49069 until its chef-lieu moved (49126): one row, so it is the commune's
    commune = pd.DataFrame({"code": ["49126"], "name": ["Orée d'Anjou"], "departement": ["49"],
                            "arrondissement": ["492"], "epci": ["200060010"], "population": [17162]})
    rates = caf_rates([("commune", "49126", "OREE D ANJOU", 2021, 61.2, None, None, None, None, None, None, None,
                        False, "current")]).assign(raw_code=["49069"], mapping_kind="commune déléguée")
    con = build({"caf_rates": rates}, [2021], communes=commune)
    assert value(con, "commune", "49126", 2021, "tcg") == 61.2
    assert con.execute("SELECT published_as FROM indicator_value WHERE code = '49126'").fetchone()[0] == "49069"


def test_counts_of_merged_communes_are_summed_on_today_s_commune(staged):
    # two rows of one census for today's 71001 (itself and a former commune merged into it)
    staged["population"] = pd.concat([staged["population"], staged["population"].iloc[[0]]], ignore_index=True)
    con = build(staged, [2017], exhaustive=ALL)
    assert value(con, "commune", "71001", 2017, "enfants_0_2") == 80.0
