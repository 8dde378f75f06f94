"""Caf allocataires files: the connector on hand-built files, the models on hand-built staging tables, the
refresh on the real geography (old commune code, secret IRIS) and on the real 2020 sample of Seine-Saint-Denis."""

from __future__ import annotations

import pandas as pd
import pytest

from pipelines.errors import InputError
from pipelines.refresh import RefreshRequest, run
from pipelines.sources.allocataires import read_allocataires, stage
from pipelines.warehouse.query import Warehouse
from tests.modeldata import COMMUNES, build, value

HEADER = ("CODGEO;NOTE;A;PERCOU;AI;AM;ACSSENF;ACAVENF;AC3ENF;ENF;ENF_2;ENF_3_5;ENF_6_10;ENF_11_14;ENF_15_17;"
          "ENF_18_24;A_ETUD;A_NETUD_24;AAL;AAPL;AAAH;APPA;ARSAS")


def line(code, note=0, a=100, am=20, acavenf=30, enf_2=10, arsas=15, **other) -> str:
    """A row of the real layout: A = AI + AM + ACSSENF + ACAVENF; ``None`` writes an empty cell."""
    cells = {"CODGEO": code, "NOTE": note, "A": a, "PERCOU": 250, "AI": 40, "AM": am, "ACSSENF": 10,
             "ACAVENF": acavenf, "AC3ENF": 5, "ENF": 90, "ENF_2": enf_2, "ENF_3_5": 12, "ENF_6_10": 20,
             "ENF_11_14": 20, "ENF_15_17": 15, "ENF_18_24": 13, "A_ETUD": 5, "A_NETUD_24": 6, "AAL": 50,
             "AAPL": 30, "AAAH": 8, "APPA": 25, "ARSAS": arsas} | other
    return ";".join("" if v is None else str(v) for v in cells.values())


def write(folder, name, rows, header=HEADER):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\r\n".join([header, *rows]) + "\r\n").encode())
    return path


def test_iris_rows_keep_their_code_and_give_their_commune_with_the_year_of_the_name(tmp_path):
    path = write(tmp_path, "data_CAF_2020_IRIS.csv", [
        line("930080101"), line("930080102", am=None),  # an empty cell: below 5 or secret
        line("930080103", note=3, a=120),  # not published by the Caf: even a number in it is not read
        line("93015", a=300)])  # a commune not split into IRIS
    df = read_allocataires(path).set_index("iris", drop=False)
    assert list(df["level"]) == ["iris", "iris", "iris", "commune"]
    assert list(df["commune"]) == ["93008", "93008", "93008", "93015"]
    assert set(df["year"]) == {2020}
    assert df.loc["930080101", "allocataires"] == 100 and df.loc["930080101", "alloc_rsa"] == 15
    assert pd.isna(df.loc["930080102", "alloc_monoparents"])  # missing, never 0
    secret = df.loc["930080103"]
    assert secret["note"] == 3 and secret[["allocataires", "alloc_rsa", "enfants_alloc_0_2"]].isna().all()
    assert pd.isna(df["iris"].iloc[3]) and df["allocataires"].iloc[3] == 300


def test_secret_iris_and_ignored_columns_are_said_once(tmp_path):
    import duckdb

    path = write(tmp_path, "data_CAF_2020_IRIS.csv", [line("930080101"), line("930080103", note=5, a=None)])
    with duckdb.connect() as con:
        notices = [str(n) for n in stage(con, path, "t").notices]
    assert any("IRIS non diffusés" in n for n in notices)
    assert not any("colonnes ignorées" in n for n in notices)  # the published layout's other columns


def test_a_year_column_wins_and_a_file_without_a_year_is_rejected(tmp_path):
    path = write(tmp_path, "allocataires_sans_annee.csv", [line("93008") + ";2022"], HEADER + ";ANNEE")
    assert set(read_allocataires(path)["year"]) == {2022}
    with pytest.raises(InputError) as error:
        read_allocataires(write(tmp_path, "allocataires_iris.csv", [line("93008")]))
    assert "ANNEE" in str(error.value) and "nom du fichier" in str(error.value)


def test_a_bad_code_is_rejected_with_its_line(tmp_path):
    with pytest.raises(InputError) as error:
        read_allocataires(write(tmp_path, "data_CAF_2020_IRIS.csv", [line("930080101"), line("9300801")]))
    problem = error.value.problems[0]
    assert (problem.line, problem.column, problem.found) == (3, "CODGEO", "9300801")


# --- the models on hand-built staging tables ------------------------------------------------------------------

COUNTS = ["allocataires", "personnes_couvertes", "alloc_isoles", "alloc_monoparents", "alloc_couples_sans_enfant",
          "alloc_couples_avec_enfants", "enfants_couverts", "enfants_alloc_0_2", "enfants_alloc_3_5", "alloc_aah",
          "alloc_prime_activite", "alloc_rsa"]


def staged_row(level, code, year, a, am, acavenf, enf_2, rsa, note=0):
    row = dict.fromkeys(COUNTS, 1) | {"allocataires": a, "alloc_monoparents": am,
                                      "alloc_couples_avec_enfants": acavenf, "enfants_alloc_0_2": enf_2,
                                      "alloc_rsa": rsa}
    if note:
        row = dict.fromkeys(COUNTS)
    return {"level": level, "iris": code if level == "iris" else None, "commune": code[:5], "year": year,
            "note": note, **row}


def alloc_frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows).astype({c: "Int64" for c in COUNTS})


def test_iris_are_summed_into_communes_then_every_level_and_carried_to_later_years():
    # 71001 in two IRIS, 71002 in one, 71003 from a commune row; EPCI 200000001 = 71001 + 71002
    con = build({"allocataires": alloc_frame([
        staged_row("iris", "710010101", 2017, 100, 10, 30, 10, 10),
        staged_row("iris", "710010102", 2017, 200, 20, 40, 12, 30),
        staged_row("iris", "710020101", 2017, 50, 5, 15, 3, 5),
        staged_row("commune", "71003", 2017, 300, 30, 60, 20, 60)])}, [2017, 2018])
    assert value(con, "commune", "71001", 2017, "allocataires") == 300
    assert value(con, "commune", "71001", 2017, "part_allocataires_rsa") == pytest.approx(100 * 40 / 300)
    assert value(con, "commune", "71001", 2017, "part_familles_monoparentales") == pytest.approx(100 * 30 / 100)
    assert value(con, "epci", "200000001", 2017, "alloc_rsa") == 45
    assert value(con, "epci", "200000001", 2017, "enfants_alloc_0_2") == 25
    assert value(con, "departement", "71", 2017, "part_allocataires_rsa") == pytest.approx(100 * 105 / 650)
    # 2018 reads the 2017 file, and says so
    assert value(con, "epci", "200000001", 2018, "alloc_rsa") == 45
    assert con.execute("SELECT DISTINCT vintage_year FROM indicator_value WHERE year = 2018 "
                       "AND indicator = 'part_allocataires_rsa'").fetchall() == [(2017,)]
    iris = con.execute("SELECT iris, part_allocataires_rsa FROM iris_value WHERE commune = '71001' "
                       "ORDER BY 1").fetchall()
    assert iris == [("710010101", pytest.approx(10.0)), ("710010102", pytest.approx(15.0))]


def test_a_secret_iris_leaves_its_commune_and_every_total_above_it_missing_never_zero():
    con = build({"allocataires": alloc_frame([
        staged_row("iris", "710010101", 2017, 100, 10, 30, 10, 10),
        staged_row("iris", "710010102", 2017, None, None, None, None, None, note=3),
        staged_row("iris", "710020101", 2017, 50, 5, 15, 3, 5),
        staged_row("commune", "71003", 2017, 300, 30, 60, 20, 60)])}, [2017])
    for level, code in (("commune", "71001"), ("epci", "200000001"), ("departement", "71")):
        assert value(con, level, code, 2017, "allocataires") is None
        assert value(con, level, code, 2017, "part_allocataires_rsa") is None
    assert value(con, "epci", "200000002", 2017, "allocataires") == 300  # the other EPCI is whole
    assert con.execute("SELECT reported, communes FROM reporting WHERE level = 'epci' AND code = '200000001' "
                       "AND source = 'allocataires'").fetchall() == [(1, 2)]


def test_a_commune_row_wins_over_the_sum_of_its_iris():
    con = build({"allocataires": alloc_frame([
        staged_row("iris", "710010101", 2017, 100, 10, 30, 10, 10),
        staged_row("commune", "71001", 2017, 105, 10, 30, 10, 12)])}, [2017])
    assert value(con, "commune", "71001", 2017, "allocataires") == 105


def test_the_quadrant_crosses_coverage_and_rsa_share_against_the_departement():
    population = pd.DataFrame({"commune": list(COMMUNES["code"]), "year": [2017] * 3,
                               "population": [1000.0, 500.0, 2000.0], "enfants_0_2": [40.0, 10.0, 100.0],
                               "enfants_3_5": [1.0] * 3, "enfants_6_10": [1.0] * 3, "enfants_11_17": [1.0] * 3})
    equipments = pd.DataFrame([{"equipment_id": f"E{i}", "type": "EAJE_PSU", "commune": c, "name": "E",
                                "places": p, "opened": pd.Timestamp("2010-01-01").date(), "closed": None,
                                "manager": None} for i, (c, p) in enumerate([("71001", 10), ("71002", 8),
                                                                              ("71003", 50)])])
    childminders = pd.DataFrame({"year": [2017] * 3, "commune": list(COMMUNES["code"]), "am_agrees": [0] * 3,
                                 "am_actifs": [0] * 3, "am_places_agrees": [0] * 3, "am_places_u3": [0] * 3,
                                 "am_actifs_55_plus": [0] * 3})
    complementary = pd.DataFrame({"year": [2017] * 3, "commune": list(COMMUNES["code"]),
                                  "places_gad": [0.0] * 3, "places_prescol": [0.0] * 3})
    alloc = alloc_frame([staged_row("commune", "71001", 2017, 100, 10, 30, 10, 30),   # 25 places/100, 30 % RSA
                         staged_row("commune", "71002", 2017, 100, 10, 30, 10, 5),    # 80, 5 %
                         staged_row("commune", "71003", 2017, 300, 30, 60, 20, 60)])  # 50, 20 %
    exhaustive = [(s, "71", 2017) for s in ("equipments", "childminders", "complementary_places")]
    con = build({"allocataires": alloc, "population": population, "equipments": equipments,
                 "childminders": childminders, "complementary_places": complementary}, [2017], exhaustive=exhaustive)
    # département: TCG 100 × 68 / 150 = 45.3, RSA 100 × 95 / 500 = 19 %
    rows = con.execute("SELECT code, round(tcg, 1), reference, quadrant, quadrant_label FROM crossed_diagnostic "
                       "WHERE level = 'commune' ORDER BY code").fetchall()
    assert rows == [("71001", 25.0, "département", 1, "Couverture faible, part RSA élevée"),
                    ("71002", 80.0, "département", 4, "Couverture élevée, part RSA modérée"),
                    ("71003", 50.0, "département", 3, "Couverture élevée, part RSA élevée")]


# --- the refresh, on the real geography ------------------------------------------------------------------------

@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SDSF_HOME", str(tmp_path))
    return tmp_path


def test_an_old_commune_code_of_an_iris_counts_for_todays_commune(home):
    raw = home / "raw"
    write(raw / "caf", "data_CAF_2020_IRIS.csv", [
        line("930660101", a=1000, arsas=200), line("930660102", a=500, arsas=100),
        line("930590101", a=400, arsas=120),  # Pierrefitte, in Saint-Denis since 2025
        line("930080101", a=300), line("930080102", note=3, a=None)])
    result = run(RefreshRequest(raw, ["93"]))
    assert result.outcome == "success", result.message
    wh = Warehouse.open_current()
    try:
        found = wh.values("commune", ["93066", "93008"], ["allocataires", "alloc_rsa"], [2020])
        assert found.set_index(["code", "indicator"])["value"].to_dict() == {
            ("93066", "alloc_rsa"): 420.0, ("93066", "allocataires"): 1900.0}  # Bobigny: a secret IRIS
        assert wh.values("departement", ["93"], ["allocataires"]).empty  # other communes absent: never 0
        assert list(wh.iris("93066", 2020)["iris"]) == ["930590101", "930660101", "930660102"]
        assert wh.iris("93015", 2020).empty
        mapped = wh.con.execute("SELECT old_code, code FROM code_mapping WHERE old_code = '93059'").fetchall()
        assert mapped == [("93059", "93066")]
    finally:
        wh.close()


def test_the_real_2020_file_of_seine_saint_denis_by_hand(home, shared_data):
    """Sums of the real file checked by hand (awk over the IRIS of each commune)."""
    raw = home / "raw" / "caf"
    raw.mkdir(parents=True)
    for name in ("allocataires_iris_2020.csv", "txcouv_pe_com_2017_2021.csv"):
        (raw / name).symlink_to(shared_data / "caf" / name)  # read in place, never copied into the project
    result = run(RefreshRequest(raw.parent, ["93"]))
    assert result.outcome == "success", result.message
    wh = Warehouse.open_current()
    try:
        got = wh.values("commune", ["93029", "93048", "93066", "93008"],
                        ["allocataires", "alloc_rsa", "enfants_alloc_0_2", "alloc_monoparents"], [2020])
        got = got.set_index(["code", "indicator"])["value"].to_dict()
        # Drancy 29 IRIS; Montreuil 41; Saint-Denis 39 IRIS + Pierrefitte's 9 (93059)
        assert {k: v for k, v in got.items() if k[0] == "93029"} == {
            ("93029", "allocataires"): 16642, ("93029", "alloc_rsa"): 3913, ("93029", "enfants_alloc_0_2"): 3231,
            ("93029", "alloc_monoparents"): 2779}
        assert got[("93048", "alloc_rsa")] == 6065 and got[("93048", "allocataires")] == 26938
        assert got[("93066", "allocataires")] == 30925 + 7897 and got[("93066", "alloc_rsa")] == 7251 + 2066
        assert not any(k[0] == "93008" for k in got)  # Bobigny: one IRIS not published (NOTE 3)
        crossed = wh.crossed("commune", 2020, "93").set_index("code")
        drancy = crossed.loc["93029"]
        assert (drancy["tcg"], round(drancy["part_allocataires_rsa"], 1)) == (21.0, 23.5)
        # no département TCG in the commune file: the quadrant is read against the medians, and says so
        assert set(crossed["reference"]) == {"médiane"} and drancy["quadrant"] == 1
        # 2021 reads the 2020 file, with its vintage
        row = wh.values("commune", ["93029"], ["part_allocataires_rsa"], [2021]).iloc[0]
        assert (round(row["value"], 1), row["vintage_year"]) == (23.5, 2020)
    finally:
        wh.close()
