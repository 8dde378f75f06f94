"""What the refresh does with real-world inputs: any subset of sources, old commune codes, absent rows,
duplicates across files, shrinking sources, future years, empty or cut files, the scope, and contracts."""

from __future__ import annotations

import hashlib
import shutil

import pytest

from pipelines import contracts, paths
from pipelines.refresh import EXIT_FAILED, EXIT_OK, EXIT_REJECTED, RefreshRequest, run
from pipelines.warehouse import store
from pipelines.warehouse.query import Warehouse
from tests.rawdata import FILES, write_raw

RATES_HEADER = ("annee;numepci;nomepci;txcouv_epci;txcouv_eaje_epci;txcouv_psu_col_epci;txcouv_hors_psu_col_epci;"
                "txcouv_ind_epci;txcouv_am_ind_epci;txcouv_gad_ind_epci;txcouv_prescol_epci")
NATIONAL_HEADER = RATES_HEADER.replace("numepci;nomepci;", "").replace("_epci", "_nat")
COMMUNE_RATES_HEADER = RATES_HEADER.replace("numepci;nomepci", "numcom;nomcom;numepci;nomepci").replace(
    "txcouv_epci", "txcouv_com").replace("_epci;", "_com;").replace("_epci", "_com")
AM_HEADER = "annee;code_commune;am_agrees;am_actifs;places_agrees;places_moins_3_ans_actifs;am_actifs_55_ans_et_plus"


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SDSF_HOME", str(tmp_path))
    return tmp_path


def caf_only(root, epci_rows: list[str], national_rows=("2021-01-01;59.4;;;;;;;", "2022-01-01;59.5;;;;;;;")):
    (root / "caf").mkdir(parents=True, exist_ok=True)
    (root / "caf" / "txcouv_pe_epci.csv").write_text("\ufeff" + "\n".join([RATES_HEADER, *epci_rows]) + "\n",
                                                     encoding="utf-8")
    (root / "caf" / "txcouv_pe_nat.csv").write_text("\n".join([NATIONAL_HEADER, *national_rows]) + "\n",
                                                    encoding="utf-8")
    return root


def refresh(raw, departements=("71",), **kw):
    return run(RefreshRequest(raw, list(departements) if departements else None, **kw))


def opened():
    return Warehouse.open_current()


def value(wh, level, code, year, indicator):
    found = wh.values(level, [code], [indicator], [year])
    return None if found.empty else found["value"].iloc[0]


def test_caf_open_data_alone_builds_a_warehouse_of_published_figures(home):
    raw = caf_only(home / "raw", [
        "2021;200070308;CC DU GRAND AUTUNOIS MORVAN;72.1;30;28;2;40;38;2;2.1",
        "2022;200070308;CC DU GRAND AUTUNOIS MORVAN;73.0;31;29;2;40;38;2;2.0",
        "2022;200066215;CC DU PAYS DE PONTARLIER;55.0;;;;;;;",  # Doubs: outside the scope, not stored
    ])
    result = refresh(raw)
    assert (result.outcome, result.exit_code) == ("success", EXIT_OK), result.message
    wh = opened()
    try:
        assert wh.meta()["years"] == "2021,2022"
        shown = wh.values("epci", ["200070308"], ["tcg"], [2022]).iloc[0]
        assert (shown["value"], shown["origin"], shown["source"]) == (
            73.0, "published", "Cnaf, data.caf.fr (taux de couverture publiés)")
        assert value(wh, "france", "FR", 2022, "tcg") == 59.5
        assert value(wh, "epci", "200066215", 2022, "tcg") is None
        assert wh.values("epci", None, ["am_agrees", "places_eaje"]).empty  # no extract: nothing computed
        assert wh.values("departement", ["71"], ["tcg"]).empty  # no département file: not made up
    finally:
        wh.close()
    assert any("hors du périmètre" in n.message for n in result.notices)


def test_old_commune_codes_are_mapped_and_their_counts_summed(home):
    # 71055 Brandon is a commune déléguée of 71134 (Clermain-Brandon-…) since its fusion
    population = (FILES["insee/base-cc-evol-struct-pop-2022.csv"]
                  + "71055;300;10;12;20;30\n71134;200;5;6;10;15\n")
    raw = write_raw(home / "raw", {"insee/base-cc-evol-struct-pop-2022.csv": population})
    result = refresh(raw)
    assert result.outcome == "success", result.message
    wh = opened()
    try:
        assert value(wh, "commune", "71134", 2022, "enfants_0_2") == 15
        mapping = wh.con.execute("SELECT file, old_code, code, kind, rows FROM code_mapping").fetchall()
        assert mapping == [("insee/base-cc-evol-struct-pop-2022.csv", "71055", "71134", "commune déléguée", 1)]
    finally:
        wh.close()
    assert any("71055 → 71134" in n.message for n in result.notices)


def test_an_unknown_commune_code_is_a_problem_with_file_line_column(home):
    raw = write_raw(home / "raw")
    text = (raw / "extracts/assistants_maternels.csv").read_text() + "2022;99999;1;1;4;3;0\n"
    write_raw(raw, {"extracts/assistants_maternels.csv": text})
    result = refresh(raw)
    assert result.exit_code == EXIT_REJECTED
    (problem,) = result.problems
    assert (problem.line, problem.column, problem.found) == (5, "code_commune", "99999")
    assert "historique des communes" in problem.expected


def test_overseas_collectivities_of_caf_files_are_set_aside_with_a_notice(home):
    raw = home / "raw"
    (raw / "caf").mkdir(parents=True)
    (raw / "caf" / "txcouv_pe_com.csv").write_text("\n".join([
        COMMUNE_RATES_HEADER,
        "2021;71270;MACON;200040350;MBA;62.0;;;;;;;",
        "2021;97701;SAINT BARTHELEMY;XX;XX;20.0;;;;;;;",
    ]) + "\n", encoding="utf-8")
    result = refresh(raw)
    assert result.outcome == "success", result.message
    assert any("collectivité d'outre-mer" in n.message and n.found == "97701" for n in result.notices)
    wh = opened()
    try:
        assert value(wh, "commune", "71270", 2021, "tcg") == 62.0
    finally:
        wh.close()


def test_the_same_extract_dropped_twice_is_rejected_naming_both_files(home):
    raw = write_raw(home / "raw")
    shutil.copy(raw / "extracts/assistants_maternels.csv", raw / "extracts/assistants_maternels_copie.csv")
    result = refresh(raw)
    assert result.exit_code == EXIT_REJECTED
    assert len(result.problems) == 3  # its three rows
    problem = result.problems[0]
    assert problem.file.endswith("assistants_maternels_copie.csv") and (problem.line, problem.found) == (4, "2022 ; 71001")
    assert "déjà dans assistants_maternels.csv, ligne 4" in problem.expected
    assert store.current_file() is None


def test_a_future_year_is_rejected(home):
    raw = write_raw(home / "raw")
    text = (raw / "extracts/assistants_maternels.csv").read_text() + "2031;71270;1;1;4;3;0\n"
    write_raw(raw, {"extracts/assistants_maternels.csv": text})
    result = refresh(raw)
    assert result.exit_code == EXIT_REJECTED
    (problem,) = result.problems
    assert (problem.line, problem.column, problem.found) == (5, "annee", "2031")
    assert "l'année en cours" in problem.expected


@pytest.mark.parametrize("text, line, expected", [
    (AM_HEADER + "\n", 2, "au moins une ligne de données"),
    (AM_HEADER + "\n2022;71270;120;100;400;250;40\n2022;71076;150", 3, "coupé en cours de ligne"),
    ("", None, "un fichier non vide"),
], ids=["header only", "cut mid-line", "empty"])
def test_empty_or_cut_files_are_rejected_and_the_last_good_warehouse_kept(home, text, line, expected):
    raw = write_raw(home / "raw")
    assert refresh(raw).exit_code == EXIT_OK
    good = store.current_file()
    digest = hashlib.sha256(good.read_bytes()).hexdigest()
    (raw / "extracts/assistants_maternels.csv").write_text(text, encoding="utf-8")
    result = refresh(raw)
    assert result.exit_code == EXIT_REJECTED
    problem = result.problems[0]
    assert (problem.line, expected in problem.expected) == (line, True), problem
    assert store.current_file() == good and hashlib.sha256(good.read_bytes()).hexdigest() == digest


def test_a_shrinking_source_is_rejected_unless_accepted(home):
    rows = [f"2022;{code};10;8;30;20;2" for code in ("71270", "71076", "71001", "71002", "71003")]
    raw = write_raw(home / "raw", {"extracts/assistants_maternels.csv": "\n".join([AM_HEADER, *rows]) + "\n"})
    assert refresh(raw).exit_code == EXIT_OK
    good = store.current_file()
    write_raw(raw, {"extracts/assistants_maternels.csv": "\n".join([AM_HEADER, *rows[:3]]) + "\n"})
    result = refresh(raw)
    assert result.exit_code == EXIT_REJECTED and store.current_file() == good
    (problem,) = result.problems
    assert "20 % de lignes en moins" in problem.expected and problem.found == "3 lignes"
    accepted = refresh(raw, accept_shrink=True)
    assert accepted.outcome == "success" and store.current_file() != good


def test_text_meaning_missing_is_read_as_missing_and_listed(home):
    raw = write_raw(home / "raw")
    text = FILES["extracts/assistants_maternels.csv"].replace("2022;71001;5;4;16;10;2", "2022;71001;5;4;16;10;n.d.")
    write_raw(raw, {"extracts/assistants_maternels.csv": text})
    result = refresh(raw)
    assert result.outcome == "success", result.message
    notice = next(n for n in result.notices if n.column == "am_actifs_55_ans_et_plus")
    assert (notice.line, notice.found) == (4, "n.d.") and "jamais 0" in notice.message
    wh = opened()
    try:
        assert value(wh, "commune", "71001", 2022, "am_55_plus") is None
        # 4 AM is stored as read; it is served « secret statistique » (fewer than 5 persons)
        assert wh.con.execute("SELECT am_actifs FROM counts WHERE level = 'commune' AND code = '71001' "
                              "AND year = 2022").fetchone() == (4,)
        assert wh.values("commune", ["71001"], ["am_actifs"], [2022])["secret"].tolist() == [True]
        stored = wh.con.execute("SELECT line, message FROM run_notice "
                                "WHERE \"column\" = 'am_actifs_55_ans_et_plus'").fetchone()
        assert stored[0] == 4
    finally:
        wh.close()


def test_an_implausible_rate_is_kept_as_published_with_a_warning(home):
    raw = caf_only(home / "raw", ["2021;200070308;CC DU GRAND AUTUNOIS MORVAN;1611;;;;;;;"])
    result = refresh(raw)
    assert result.outcome == "success", result.message
    notice = next(n for n in result.notices if "invraisemblable" in n.message)
    assert (notice.line, notice.column, notice.found) == (2, "txcouv_epci", "1611")


def test_a_departement_refresh_stores_only_its_territories(home):
    raw = caf_only(home / "raw", ["2021;200070308;CC DU GRAND AUTUNOIS MORVAN;72.1;;;;;;;",
                                  "2021;246300701;CC AMBERT LIVRADOIS FOREZ;65;;;;;;;"])
    assert refresh(raw).outcome == "success"
    wh = opened()
    try:
        assert set(wh.con.execute("SELECT DISTINCT code FROM published_value WHERE level = 'epci'").fetchall()) == {
            ("200070308",)}
        assert set(wh.con.execute("SELECT DISTINCT departement FROM commune").fetchall()) == {("71",)}
    finally:
        wh.close()


def test_a_violated_contract_fails_the_refresh_and_keeps_the_last_good_warehouse(home, monkeypatch):
    raw = write_raw(home / "raw")
    assert refresh(raw).exit_code == EXIT_OK
    good = store.current_file()
    impossible = contracts.load_contracts() + [{"name": "aucune commune", "table": "commune", "where": "true"}]
    monkeypatch.setattr(contracts, "load_contracts", lambda: impossible)
    result = refresh(raw, force=True)
    assert (result.outcome, result.exit_code) == ("failed", EXIT_FAILED)
    assert "aucune commune" in result.message
    assert store.current_file() == good


def test_a_rebuilt_geography_is_not_a_no_op(home, monkeypatch, tmp_path):
    geo = tmp_path / "geo"
    shutil.copytree(paths.geo_dir(), geo)
    monkeypatch.setenv("SDSF_GEO_DIR", str(geo))
    raw = write_raw(home / "raw")
    assert refresh(raw).outcome == "success"
    assert refresh(raw).outcome == "noop"
    (geo / "cog2025" / "VINTAGE").write_text("COG 2025\nrebuilt\n")
    assert refresh(raw).outcome == "success"


def test_a_folder_without_any_yearly_source_says_so(home):
    raw = home / "raw"
    (raw / "zonages").mkdir(parents=True)
    (raw / "zonages" / "communes_frr_2025.csv").write_text(
        "Code_insee;Departement;Commune;Classement FRR et FRR+ au 10 juillet 2025;\n71001;71;X;FRR socle;\n",
        encoding="utf-8")
    result = refresh(raw)
    assert result.exit_code == EXIT_REJECTED and "Aucune année" in result.message


def test_public_files_alone_build_a_national_warehouse_carrying_the_published_values(home, shared_data):
    """The real samples of ../shared/data (Cnaf commune rates 2017-2021, Filosofi 2019, FRR 2025), nothing else."""
    result = refresh(shared_data, departements=None)
    assert result.outcome == "success", result.message
    contours = [n.message for n in result.notices if "pas de contours" in n.message]  # one line, not 98
    assert contours == ["pas de contours pour 98 départements (01, 02, 03, 04, 05, 06, 07, 08 …) : cartes "
                        "indisponibles (sdsf geo --all)"]
    wh = opened()
    try:
        assert wh.meta()["years"] == "2017,2018,2019,2020,2021"
        shown = wh.values("commune", ["06161"], ["tcg", "tcg_eaje", "tcg_prescol"], [2021]).set_index("indicator")
        assert shown["value"].to_dict() == {"tcg": 58.8, "tcg_eaje": 32.5, "tcg_prescol": 0.0}
        assert set(shown["origin"]) == {"published"}
        # Paris has no row in the Cnaf file: its 20 arrondissements are kept as its parts, never averaged
        assert value(wh, "commune", "75056", 2021, "tcg") is None
        parts = wh.con.execute("SELECT count(DISTINCT part_code) FROM published_part WHERE code = '75056'").fetchone()
        assert parts == (20,)
        # Pierrefitte (93059) and Saint-Denis (93066), merged in 2025, published apart: parts of Saint-Denis
        assert wh.con.execute("SELECT part_code, value FROM published_part WHERE code = '93066' AND year = 2021 "
                              "AND indicator = 'tcg' ORDER BY 1").fetchall() == [("93059", 23.7), ("93066", 32.3)]
        # Orée d'Anjou published under its former code 49069: its figure, said so
        row = wh.values("commune", ["49126"], ["tcg"], [2021]).iloc[0]
        assert (row["value"], row["published_as"]) == (53.6, "49069")
        # Filosofi 2019 carried to 2021, with its vintage
        row = wh.values("epci", ["200000172"], ["revenu_median"], [2021]).iloc[0]
        assert (row["value"], row["vintage_year"], row["origin"]) == (25520.0, 2019, "published")
        mapped = dict(wh.con.execute("SELECT kind, count(DISTINCT old_code) FROM code_mapping GROUP BY kind").fetchall())
        assert mapped["arrondissement municipal"] == 45
        assert wh.values("departement", None, ["tcg"]).empty  # no département file, no extract: nothing invented
    finally:
        wh.close()
