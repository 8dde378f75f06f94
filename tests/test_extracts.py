"""Caf/PMI import templates: blank files round-trip, aliases, typing, and rejection of broken files."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

from pipelines.errors import InputError
from pipelines.paths import REPO_ROOT
from pipelines.sources.extracts import (
    DOC_SHEET,
    EQUIPMENT_TYPES,
    TEMPLATES,
    WORKBOOK_NAME,
    read_extract,
    templates_markdown,
    write_templates,
)

EQUIPMENTS_HEADER = "id_equipement;type_equipement;code_commune;nom;places;date_ouverture;date_fermeture;gestionnaire"
CHILDMINDERS_HEADER = ("annee;code_commune;am_agrees;am_actifs;places_agrees;places_moins_3_ans_actifs;"
                       "am_actifs_55_ans_et_plus")


def write_csv(tmp_path, name: str, *lines: str):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return path


@pytest.fixture(scope="module")
def blank_templates(tmp_path_factory):
    out = tmp_path_factory.mktemp("modeles")
    write_templates(out)
    return out


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_blank_templates_parse_back_identically_from_csv_and_xlsx(blank_templates, name):
    template = TEMPLATES[name]
    from_csv = read_extract(blank_templates / f"{name}.csv", name)
    from_xlsx = read_extract(blank_templates / WORKBOOK_NAME, name)  # picks the sheet named after the template
    assert list(from_csv.columns) == [f.target for f in template.fields]
    assert len(from_csv) == 1
    pd.testing.assert_frame_equal(from_csv, from_xlsx)


def test_blank_csv_is_excel_friendly(blank_templates):
    raw = (blank_templates / "equipements.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig").splitlines()[0] == EQUIPMENTS_HEADER


def test_documentation_sheet_describes_every_column(blank_templates):
    book = openpyxl.load_workbook(blank_templates / WORKBOOK_NAME, read_only=True)
    assert book.sheetnames == [*TEMPLATES, DOC_SHEET]
    doc = pd.read_excel(blank_templates / WORKBOOK_NAME, sheet_name=DOC_SHEET, dtype=str, keep_default_na=False)
    assert {"colonne", "type", "obligatoire", "description"} <= set(doc.columns)
    assert list(zip(doc["modèle"], doc["colonne"])) == [(t.name, f.column) for t in TEMPLATES.values()
                                                        for f in t.fields]
    places = doc.loc[doc["colonne"] == "places"].iloc[0]
    assert places["obligatoire"] == "sous condition" and "EAJE_PSU" in places["contrôles"]
    assert (doc["description"] != "").all()


def test_templates_doc_is_in_sync_with_the_specs():
    doc = (REPO_ROOT / "docs" / "templates.md").read_text(encoding="utf-8")
    assert doc == templates_markdown(), "régénérer : python -m pipelines.sources.extracts"


def test_equipments_are_typed(tmp_path):
    path = write_csv(
        tmp_path, "equipements_2024.csv", EQUIPMENTS_HEADER,
        "EQ1;Micro-crèche;1053;Les Lutins;10;15/01/2021;;SAS Petits Pas",
        "EQ2;EAJE PSU;71270;Multi-accueil;40;2010-09-01;2023-12-31;Commune",
        "EQ3;LAEP;2A004;La Passerelle;;2018-03-01;;",
    )
    df = read_extract(path, "equipements")
    assert df["type"].tolist() == ["EAJE_HORS_PSU", "EAJE_PSU", "LAEP"]
    assert df["commune"].tolist() == ["01053", "71270", "2A004"]
    assert str(df["places"].dtype) == "Int64" and pd.isna(df.loc[2, "places"])
    assert df.loc[0, "opened"] == pd.Timestamp(2021, 1, 15)  # DuckDB dates arrive as timestamps in pandas
    assert df.loc[1, "closed"] == pd.Timestamp(2023, 12, 31) and pd.isna(df.loc[0, "closed"])
    assert pd.isna(df.loc[2, "manager"])


def test_equipment_types_accept_every_documented_label_and_its_usual_variants(tmp_path):
    spellings = {label: code for code, labels in EQUIPMENT_TYPES.items() for label in (code, *labels)}
    spellings |= {"eaje_hors_psu": "EAJE_HORS_PSU", "micro creche": "EAJE_HORS_PSU", "MICRO-CRÈCHE PSU": "EAJE_PSU",
                  "Mediation-familiale": "MEDIATION_FAMILIALE", "Lieu d’accueil enfants parents": "LAEP",
                  "relais  petite   enfance": "RPE"}
    rows = [f"E{i};{label};71270;Nom;12;2020-01-01;;" for i, label in enumerate(spellings)]
    df = read_extract(write_csv(tmp_path, "equipements.csv", EQUIPMENTS_HEADER, *rows), "equipements")
    assert df["type"].tolist() == list(spellings.values())


def test_an_equipment_can_have_successive_periods_a_capacity_change_a_move_a_gap(tmp_path):
    path = write_csv(
        tmp_path, "equipements.csv", EQUIPMENTS_HEADER,
        "EQ1;EAJE_PSU;71270;A;20;2010-01-01;2024-07-01;",  # extended to 30 places on 1 July 2024
        "EQ1;EAJE_PSU;71270;A;30;2024-07-01;;",
        "EQ2;MAM;71270;B;12;2015-01-01;2023-03-01;",  # moved to 71076
        "EQ2;MAM;71076;B;12;2023-03-01;;",
        "EQ3;ALSH;71270;C;80;2015-01-01;2020-06-30;",  # closed, reopened a year later
        "EQ3;ALSH;71270;C;80;2021-07-01;;",
    )
    df = read_extract(path, "equipements")
    assert df.groupby("equipment_id").size().to_dict() == {"EQ1": 2, "EQ2": 2, "EQ3": 2}


def test_decimals_accept_comma_or_point_and_missing_stays_missing(tmp_path):
    rpe = write_csv(tmp_path, "rpe_animateurs.csv", "annee;id_rpe;nom_rpe;code_commune;etp",
                    "2023;R1;Relais A;71270;0,5", "2023;R2;;71076;1.25")
    assert read_extract(rpe, "rpe_animateurs")["etp"].tolist() == [0.5, 1.25]
    places = write_csv(tmp_path, "places_complementaires.csv",
                       "annee;code_commune;places_garde_domicile;places_prescolarisation",
                       "2023;71270;3,5;", "2023;71076;;12")
    df = read_extract(places, "places_complementaires")
    assert df["places_gad"].tolist()[0] == 3.5 and pd.isna(df["places_gad"][1])
    assert pd.isna(df["places_prescol"][0]) and df["places_prescol"][1] == 12


CHILDMINDERS_OK = "2023;71270;20;18;60;40;5"
EQUIPMENT_OK = "EQ1;EAJE_PSU;71270;Crèche A;30;2020-01-01;;Commune"

BROKEN = {
    "missing column": ("assistants_maternels", "annee;code_commune;am_agrees;places_agrees;"
                       "places_moins_3_ans_actifs;am_actifs_55_ans_et_plus", ["2023;71270;20;60;40;5"],
                       1, "am_actifs", "cette colonne dans l'en-tête"),
    "bad commune code": ("equipements", EQUIPMENTS_HEADER, [EQUIPMENT_OK, "EQ2;MAM;71 Mâcon;MAM B;16;2021-05-01;;"],
                         3, "code_commune", "code commune INSEE"),
    "non-numeric places": ("equipements", EQUIPMENTS_HEADER, [EQUIPMENT_OK, "EQ2;MAM;71270;MAM B;seize;2021-05-01;;"],
                           3, "places", "un entier ≥ 0"),
    "unknown type": ("equipements", EQUIPMENTS_HEADER, ["EQ1;Crèche géante;71270;X;10;2020-01-01;;"],
                     2, "type_equipement", "une valeur parmi ALSH, CLAS, EAJE_HORS_PSU"),
    "duplicate id": ("equipements", EQUIPMENTS_HEADER, [EQUIPMENT_OK, "EQ9;LAEP;71270;L;;2020-01-01;;", EQUIPMENT_OK],
                     4, "id_equipement, date_ouverture",
                     "une seule ligne par id_equipement, date_ouverture (déjà présente ligne 2)"),
    "overlapping periods": ("equipements", EQUIPMENTS_HEADER,
                            ["EQ1;EAJE_PSU;71270;Crèche A;30;2020-01-01;2024-07-01;",
                             "EQ1;EAJE_PSU;71076;Crèche A;30;2024-06-01;;"],
                            3, "date_ouverture", "la fin de la période précédente du même id_equipement "
                            "(du 2020-01-01 au 2024-07-01)"),
    "period after one still open": ("equipements", EQUIPMENTS_HEADER,
                                    [EQUIPMENT_OK, "EQ1;EAJE_PSU;71270;Crèche A;36;2024-06-01;;"],
                                    3, "date_ouverture", "(du 2020-01-01, sans date de fermeture)"),
    "type changed between periods": ("equipements", EQUIPMENTS_HEADER,
                                     ["EQ1;EAJE_HORS_PSU;71270;Micro;10;2020-01-01;2024-01-01;",
                                      "EQ1;EAJE_PSU;71270;Micro;10;2024-01-01;;"],
                                     3, "type_equipement", "le même type_equipement sur chaque période"),
    "places missing for a MAM": ("equipements", EQUIPMENTS_HEADER, ["EQ1;MAM;71270;MAM A;;2020-01-01;;"],
                                 2, "places", "obligatoire quand type_equipement = MAM"),
    "closed before opened": ("equipements", EQUIPMENTS_HEADER, ["EQ1;ALSH;71270;A;80;2020-01-01;31/12/2019;"],
                             2, "date_fermeture", "une valeur ≥ date_ouverture (2020-01-01)"),
    "bad date": ("equipements", EQUIPMENTS_HEADER, ["EQ1;ALSH;71270;A;80;2020-13-01;;"],
                 2, "date_ouverture", "une date AAAA-MM-JJ ou JJ/MM/AAAA"),
    "actifs above agréés": ("assistants_maternels", CHILDMINDERS_HEADER, [CHILDMINDERS_OK, "2023;71076;10;12;40;30;"],
                            3, "am_actifs", "une valeur ≤ am_agrees (10)"),
    "55+ above actifs": ("assistants_maternels", CHILDMINDERS_HEADER, ["2023;71270;20;18;60;40;19"],
                         2, "am_actifs_55_ans_et_plus", "une valeur ≤ am_actifs (18)"),
    "u3 places above all places": ("assistants_maternels", CHILDMINDERS_HEADER, ["2023;71270;20;18;60;61;"],
                                   2, "places_moins_3_ans_actifs", "une valeur ≤ places_agrees (60)"),
    "same commune twice, zero lost": ("assistants_maternels", CHILDMINDERS_HEADER,
                                      ["2023;01053;20;18;60;40;5", "2023;1053;20;18;60;40;5"],
                                      3, "annee, code_commune", "une seule ligne par annee, code_commune"),
    "implausible year": ("rpe_animateurs", "annee;id_rpe;nom_rpe;code_commune;etp", ["20233;R1;;71270;1"],
                         2, "annee", "une année entre 2000 et l'année en cours"),
    "future year": ("rpe_animateurs", "annee;id_rpe;nom_rpe;code_commune;etp", ["2031;R1;;71270;1"],
                    2, "annee", "une année entre 2000 et l'année en cours"),
    "negative etp": ("rpe_animateurs", "annee;id_rpe;nom_rpe;code_commune;etp", ["2023;R1;;71270;-0,5"],
                     2, "etp", "un nombre ≥ 0"),
}


@pytest.mark.parametrize("template, header, rows, line, column, expected", BROKEN.values(), ids=BROKEN.keys())
def test_broken_csv_is_rejected_with_file_line_column_and_expectation(tmp_path, template, header, rows, line,
                                                                        column, expected):
    path = write_csv(tmp_path, f"{template}_2023.csv", header, *rows)
    with pytest.raises(InputError) as caught:
        read_extract(path, template)
    (problem,) = caught.value.problems
    assert (problem.file, problem.line, problem.column) == (str(path), line, column)
    assert expected in problem.expected
    assert f"{path.name}, ligne {line}, colonne « {column} »" in str(caught.value)


def test_every_problem_of_a_file_is_reported_at_once(tmp_path):
    path = write_csv(tmp_path, "assistants_maternels.csv", CHILDMINDERS_HEADER,
                     "2023;7127O;20;18;60;40;5", "2023;71076;10;12;40;30;", "deux mille;71270;1;1;1;1;1")
    with pytest.raises(InputError) as caught:
        read_extract(path, "assistants_maternels")
    assert [(p.line, p.column) for p in caught.value.problems] == [(4, "annee"), (2, "code_commune"),
                                                                    (3, "am_actifs")]


def test_xlsx_problem_points_at_the_spreadsheet_row_and_blank_rows_are_ignored(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Feuil1"  # a steward's own workbook: the first sheet is read
    sheet.append(CHILDMINDERS_HEADER.split(";"))
    sheet.append([2023, "71270", 20, 18, 60, 40, 5])
    sheet.append([])
    sheet.append([2023, "1053", 12, 14, 40, 30, None])
    sheet.append([])
    path = tmp_path / "assistants_maternels.xlsx"
    book.save(path)
    with pytest.raises(InputError) as caught:
        read_extract(path, "assistants_maternels")
    (problem,) = caught.value.problems
    assert (problem.line, problem.column, problem.found) == (4, "am_actifs", "14")


def test_unknown_template_is_a_programming_error(tmp_path):
    with pytest.raises(ValueError, match="modèle inconnu"):
        read_extract(tmp_path / "x.csv", "creches")
