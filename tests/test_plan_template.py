"""The action plan workbook: the blank template round-trips, broken plans are rejected with sheet, row, column."""

from __future__ import annotations

import copy

import duckdb
import openpyxl
import pytest

from pipelines.errors import InputError
from pipelines.sources import plan
from pipelines.staging import plan as plan_staging


def _stage(path):
    with duckdb.connect() as con:
        loaded = plan.stage(con, path, "p")
        return {sheet: con.table(table).df() for sheet, table in loaded.tables.items()}


@pytest.fixture
def rows():
    return copy.deepcopy(plan.EXAMPLES)


def test_blank_template_parses_back_with_its_example_plan(tmp_path):
    path = plan.write_plan(tmp_path / plan.BLANK_NAME)
    book = openpyxl.load_workbook(path, read_only=True)
    assert book.sheetnames == [*plan.SHEETS, plan.DOC_SHEET]
    tables = _stage(path)
    assert tables["fiches"]["action"].tolist() == ["1-2024", "2-2024", "2-2025"]
    assert tables["statuts"].loc[2, ["status", "target_action"]].tolist() == [plan.INTEGRATED, "2-2025"]
    indicators = tables["indicateurs"]
    assert indicators["indicator"].tolist()[0] == "places_eaje" and indicators["target"].tolist() == [120.0, 150.0]
    assert tables["valeurs"]["value"].tolist() == [0.0, 85.0]


def test_documentation_sheet_describes_every_column_and_the_rules_between_sheets(tmp_path):
    path = plan.write_plan(tmp_path / plan.BLANK_NAME)
    sheet = openpyxl.load_workbook(path, read_only=True)[plan.DOC_SHEET]
    doc = [row for row in sheet.iter_rows(values_only=True)][1:]
    assert [(r[0], r[1]) for r in doc] == [(t.name, f.column) for t in plan.SHEETS.values() for f in t.fields]
    controls = {(r[0], r[1]): r[6] or "" for r in doc}
    assert "un code_axe de la feuille axes" in controls[("fiches", "code_axe")]
    assert "obligatoire quand statut" not in controls[("statuts", "fiche_cible")]
    assert "obligatoire si statut ∈ {intégrée à une autre fiche}" in controls[("statuts", "fiche_cible")]


def test_labels_and_spellings_users_type_are_accepted(tmp_path, rows):
    rows["statuts"][0]["statut"] = "En Cours"
    rows["statuts"][1]["statut"] = "réalisé"
    rows["indicateurs"][0]["indicateur"] = "Places en EAJE"  # the catalogue label
    rows["indicateurs"][0]["niveau_territoire"] = "Département"
    rows["indicateurs"][0]["cible"] = "+120,5"
    tables = _stage(plan.write_plan(tmp_path / "plan_action_71.xlsx", rows))
    assert tables["statuts"]["status"].tolist()[:2] == ["en cours", "fait"]
    row = tables["indicateurs"].iloc[0]
    assert (row["indicator"], row["level"], row["target"]) == ("places_eaje", "departement", 120.5)


def test_optional_sheets_may_be_empty_or_absent(tmp_path, rows):
    rows["valeurs"], rows["statuts"] = [], []
    rows["indicateurs"] = rows["indicateurs"][:1]
    path = plan.write_plan(tmp_path / "plan_action_71.xlsx", rows)
    book = openpyxl.load_workbook(path)
    del book["valeurs"]
    book.save(path)
    tables = _stage(path)
    assert tables["valeurs"].empty and tables["statuts"].empty and len(tables["indicateurs"]) == 1


def _set(sheet, row, column, value):
    def change(rows):
        rows[sheet][row][column] = value
    return change


def _add(sheet, values):
    def change(rows):
        rows[sheet].append(values)
    return change


BROKEN = {
    "unknown axis": (_set("fiches", 1, "code_axe", "qualité"), "fiches", 3, "code_axe",
                     "un code_axe de la feuille axes"),
    "status of an unknown fiche": (_set("statuts", 3, "code_fiche", "9-2025"), "statuts", 5, "code_fiche",
                                   "un code_fiche de la feuille fiches"),
    "integrated into a fiche that does not exist": (_set("statuts", 2, "fiche_cible", "7-2025"), "statuts", 4,
                                                    "fiche_cible", "une fiche de la feuille fiches"),
    "integrated without a target": (_set("statuts", 2, "fiche_cible", ""), "statuts", 4, "fiche_cible",
                                    "obligatoire quand statut = intégrée à une autre fiche"),
    "integrated into itself": (_set("statuts", 2, "fiche_cible", "2-2024"), "statuts", 4, "fiche_cible",
                               "une autre fiche que la fiche elle-même"),
    "target fiche without the status": (_set("statuts", 0, "fiche_cible", "2-2025"), "statuts", 2, "fiche_cible",
                                        "une fiche cible seulement avec le statut"),
    "unknown status": (_set("statuts", 0, "statut", "bientôt"), "statuts", 2, "statut",
                       "une valeur parmi abandonnée, en cours, fait"),
    "unknown indicator": (_set("indicateurs", 0, "indicateur", "places_creches"), "indicateurs", 2, "indicateur",
                          "un code ou un libellé du catalogue des indicateurs"),
    "indicator of an unknown fiche": (_set("indicateurs", 1, "code_fiche", "3-2025"), "indicateurs", 3, "code_fiche",
                                      "un code_fiche de la feuille fiches"),
    "entered indicator without label": (_set("indicateurs", 1, "libelle", ""), "indicateurs", 3, "libelle",
                                        "obligatoire quand indicateur est vide"),
    "deadline before the baseline": (_set("indicateurs", 0, "echeance", "2016"), "indicateurs", 2, "echeance",
                                     "une valeur > annee_reference (2017)"),
    "deadline too far": (_set("indicateurs", 0, "echeance", "2099"), "indicateurs", 2, "echeance",
                         "une année entre 2000 et"),
    "target is not a number": (_set("indicateurs", 0, "cible", "beaucoup"), "indicateurs", 2, "cible", "un nombre"),
    "value of an unknown indicator line": (_set("valeurs", 1, "id_indicateur", "2-2025-z"), "valeurs", 3,
                                           "id_indicateur", "un id_indicateur de la feuille indicateurs"),
    "value for a catalogue indicator": (_add("valeurs", {"id_indicateur": "1-2024-a", "annee": "2024",
                                                         "valeur": "2500", "source": "à la main"}),
                                        "valeurs", 4, "id_indicateur", "les valeurs d'un indicateur du catalogue "
                                        "viennent de l'entrepôt"),
    "value without source": (_set("valeurs", 1, "source", ""), "valeurs", 3, "source", "une valeur non vide"),
    "value in the future": (_set("valeurs", 1, "annee", "2031"), "valeurs", 3, "annee", "l'année en cours"),
    "same value year twice": (_set("valeurs", 1, "annee", "2024"), "valeurs", 3, "id_indicateur, annee",
                              "une seule ligne par id_indicateur, annee"),
    "two schémas in one workbook": (_add("schema", {"departement": "63", "intitule": "Autre", "annee_debut": "2024",
                                                    "annee_fin": "2026"}), "schema", 3, "departement",
                                    "une seule ligne"),
    "same fiche code twice": (_add("fiches", {"code_fiche": "1-2024", "titre": "Doublon", "code_axe": "décideurs",
                                              "pilotes": "Caf"}), "fiches", 5, "code_fiche",
                              "une seule ligne par code_fiche (déjà présente ligne 2)"),
}


@pytest.mark.parametrize("change, sheet, line, column, expected", BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_plan_is_rejected_with_sheet_row_column_and_expectation(tmp_path, rows, change, sheet, line,
                                                                        column, expected):
    change(rows)
    path = plan.write_plan(tmp_path / "plan_action_71.xlsx", rows)
    with pytest.raises(InputError) as caught:
        _stage(path)
    (problem,) = caught.value.problems
    assert (problem.file, problem.line, problem.column) == (f"{path} (feuille {sheet})", line, column)
    assert expected in problem.expected
    assert f"plan_action_71.xlsx (feuille {sheet}), ligne {line}, colonne « {column} »" in str(caught.value)


def test_a_missing_sheet_or_a_csv_plan_is_rejected(tmp_path):
    path = plan.write_plan(tmp_path / "plan_action_71.xlsx")
    book = openpyxl.load_workbook(path)
    del book["fiches"]
    book.save(path)
    with pytest.raises(InputError, match="une feuille « fiches »"):
        _stage(path)
    csv = tmp_path / "plan_action_71.csv"
    csv.write_text("code_fiche;titre\n1-2024;Task force\n", encoding="utf-8")
    with pytest.raises(InputError, match="un classeur Excel"):
        _stage(csv)


def _scope(con):
    con.execute("CREATE TABLE departement AS SELECT * FROM (VALUES ('71'), ('01')) t(code)")
    con.execute("CREATE TABLE epci AS SELECT * FROM (VALUES ('200070308'), ('200071645')) t(code)")
    con.execute("CREATE TABLE commune AS SELECT * FROM (VALUES ('71270'), ('01053')) t(code)")


def test_territory_codes_must_be_of_the_scope_and_are_read_as_lists(tmp_path, rows):
    rows["indicateurs"][1].update(niveau_territoire="epci", codes_territoire="200070308 ; 200071645, 999999999")
    path = plan.write_plan(tmp_path / "plan_action_71.xlsx", rows)
    with duckdb.connect() as con:
        _scope(con)
        staged = plan_staging.stage(con, [path])
    (problem,) = staged.problems
    assert (problem.line, problem.column, problem.found) == (3, "codes_territoire", "999999999")
    assert "SIREN d'EPCI du périmètre" in problem.expected

    rows["indicateurs"][1].update(niveau_territoire="commune", codes_territoire="71270;1053")
    path = plan.write_plan(tmp_path / "plan_action_71.xlsx", rows)
    with duckdb.connect() as con:
        _scope(con)
        assert plan_staging.stage(con, [path]).problems == []
        codes = con.execute("SELECT codes FROM plan_indicator WHERE indicator_id = '2-2025-a'").fetchone()[0]
    assert codes == ["71270", "01053"]  # leading zero restored


def test_one_plan_per_departement_and_plans_outside_the_scope_are_left_out(tmp_path, rows):
    first = plan.write_plan(tmp_path / "plan_action_71.xlsx", rows)
    second = plan.write_plan(tmp_path / "plan_action_71_bis.xlsx", rows)
    rows["schema"][0]["departement"] = "63"
    other = plan.write_plan(tmp_path / "plan_action_63.xlsx", rows)
    with duckdb.connect() as con:
        _scope(con)
        staged = plan_staging.stage(con, [first, second])
        (problem,) = staged.problems
        assert "un seul plan par département (déjà dans plan_action_71.xlsx)" in problem.expected
    with duckdb.connect() as con:
        _scope(con)
        staged = plan_staging.stage(con, [first, other])
        assert staged.problems == [] and "hors du périmètre" in staged.notices[0].message
        assert con.execute("SELECT list(DISTINCT departement) FROM plan_action").fetchone()[0] == ["71"]


def test_without_a_plan_the_tables_exist_empty():
    with duckdb.connect() as con:
        _scope(con)
        plan_staging.stage(con, [])
        for table in ("plan_schema", "plan_axis", "plan_action", "plan_status", "plan_indicator",
                      "plan_entered_value"):
            assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0
        columns = {r[0]: r[1] for r in con.execute("DESCRIBE plan_indicator").fetchall()}
        assert columns["codes"] == "VARCHAR[]" and columns["baseline_year"] == "BIGINT"
