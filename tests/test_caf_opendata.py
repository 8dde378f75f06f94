"""Cnaf open data readers: the real data.caf.fr export, technical names, every level, broken files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipelines.errors import InputError, Problem
from pipelines.sources.caf_opendata import read_caf_file, read_places, read_rates

RATE_STEMS = ["txcouv", "txcouv_eaje", "txcouv_psu_col", "txcouv_hors_psu_col", "txcouv_ind",
              "txcouv_am_ind", "txcouv_gad_ind", "txcouv_prescol"]
RATES = ["tcg", "tcg_eaje", "tcg_psu", "tcg_hors_psu", "tcg_ind", "tcg_am", "tcg_gad", "tcg_prescol"]
PLACES = ["pl_psu", "pl_hors_psu", "pl_eaje", "pl_am", "pl_gad", "pl_ind", "pl_prescol", "tot_offre"]
LEGACY_PLACES = ["pl_eaje", "pl_am", "pl_gad", "pl_prescol", "tot_offre"]


def write(folder, name: str, lines: list[str], encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


def rates_header(suffix: str, codes: str, sep: str = ";") -> str:
    return sep.join([*([codes] if codes else []), "annee", *(f"{s}_{suffix}" for s in RATE_STEMS)])


def problem_of(excinfo) -> Problem:
    assert len(excinfo.value.problems) == 1, excinfo.value.problems
    return excinfo.value.problems[0]


# --- the real export of data.caf.fr (French labels, zeros lost, BOM) --------------------------

@pytest.fixture(scope="module")
def real_rates(shared_data) -> pd.DataFrame:
    return read_rates(shared_data / "caf" / "txcouv_pe_com_2017_2021.csv")


def test_real_export_reads_every_row_as_commune_rates(real_rates):
    assert len(real_rates) == 5022  # 5 023 lines with the header
    assert set(real_rates["level"]) == {"commune"}
    assert set(real_rates["series"]) == {"current"}
    assert real_rates["year"].value_counts().to_dict() == {2017: 992, 2018: 993, 2019: 996, 2020: 996, 2021: 1045}
    assert not real_rates.duplicated(["code", "year"]).any()
    assert list(real_rates.columns) == ["level", "code", "name", "year", *RATES, "placeholder", "series",
                                        "departement", "epci"]


def test_real_export_restores_leading_zeros(real_rates):
    row = real_rates[(real_rates["code"] == "06161") & (real_rates["year"] == 2021)].iloc[0]
    assert row["name"] == "VILLENEUVE LOUBET"
    assert (row["tcg"], row["tcg_eaje"], row["tcg_psu"], row["tcg_hors_psu"]) == (58.8, 32.5, 30.7, 1.8)
    assert (row["tcg_ind"], row["tcg_am"], row["tcg_gad"], row["tcg_prescol"]) == (26.3, 24.9, 1.4, 0.0)
    assert (row["departement"], row["epci"]) == ("06", "240600585")
    assert real_rates["code"].str.len().eq(5).all()
    assert real_rates["epci"].dropna().str.fullmatch(r"\d{9}").all()


def test_real_export_departement_follows_insee_code_not_caf_code(real_rates):
    # The file gives Corsica as "20R" in 2021 and overseas collectivities as 977/978.
    by_code = real_rates.drop_duplicates("code").set_index("code")["departement"]
    assert by_code["2A004"] == "2A" and by_code["2B033"] == "2B"
    assert by_code["97801"] == "978" and by_code["97124"] == "971"


def test_real_export_communes_outside_epci_and_secret_values(real_rates):
    saint_martin = real_rates[real_rates["code"] == "97801"].set_index("year")
    assert saint_martin["epci"].isna().all()  # numepci "XX"
    assert not saint_martin["placeholder"].any()  # a real commune, only its EPCI is the placeholder
    assert saint_martin.loc[2017, RATES].isna().all()  # blank in the file: missing, not 0
    assert saint_martin.loc[2021, "tcg"] == 21.4
    assert real_rates["tcg"].isna().sum() == 2


def test_real_export_components_add_up_within_rounding(real_rates):
    rows = real_rates.dropna(subset=RATES)
    eaje = (rows["tcg_psu"] + rows["tcg_hors_psu"] - rows["tcg_eaje"]).abs()
    individual = (rows["tcg_am"] + rows["tcg_gad"] - rows["tcg_ind"]).abs()
    assert eaje.max() <= 0.1 + 1e-9 and individual.max() <= 0.1 + 1e-9
    # The published total strays further (up to 0.7) on a few rows: it is not recomputed from parts.
    total = (rows["tcg_eaje"] + rows["tcg_ind"] + rows["tcg_prescol"] - rows["tcg"]).abs()
    assert (total <= 0.2 + 1e-9).mean() > 0.95
    assert total.max() < 1


# --- technical names, levels, places ---------------------------------------------------------

@pytest.mark.parametrize("name, codes, row, level, code", [
    ("txcouv_pe_nat.csv", "", "2021-01-01", "france", "FR"),
    ("txcouv_pe_reg.csv", "numreg;nomreg", "1;GUADELOUPE;2021", "region", "01"),
    ("txcouv_pe_dep.csv", "numdep;nomdep", "1;AIN;2021", "departement", "01"),
    ("txcouv_pe_dep.csv", "numdep;nomdep", "2A;CORSE DU SUD;2021", "departement", "2A"),
    ("txcouv_pe_epci.csv", "numepci;nomepci", "200070308;CC DU GRAND AUTUNOIS MORVAN;2021", "epci", "200070308"),
    ("txcouv_pe_com.csv", "numcom;nomcom", "1053;BOURG EN BRESSE;2021", "commune", "01053"),
])
def test_level_is_read_from_the_columns(tmp_path, name, codes, row, level, code):
    suffix = {"france": "nat", "region": "reg", "departement": "dep", "epci": "epci", "commune": "com"}[level]
    path = write(tmp_path, name, [rates_header(suffix, codes), row + ";72.1;30;25;5;40;38;2;2.1"])
    df = read_rates(path)
    assert df[["level", "code", "year", "tcg", "tcg_prescol"]].iloc[0].tolist() == [level, code, 2021, 72.1, 2.1]


def test_technical_names_with_comma_bom_and_placeholder_row(tmp_path):
    path = write(tmp_path, "txcouv_pe_epci.csv", [
        rates_header("epci", "numepci,nomepci,numdep", sep=","),
        "200070308,CC DU GRAND AUTUNOIS MORVAN,71,2021,72.1,30.0,25.0,5.0,40.0,38.0,2.0,2.1",
        "XX ,XX,71,2021,150.3,,,,,,,",  # trailing space: still the placeholder
        "200040681,CC ENTRE ARROUX LOIRE ET SOMME,71,2021,s,,,,,,,",
    ], encoding="utf-8-sig")
    df = read_rates(path).set_index("name")
    assert df.loc["CC DU GRAND AUTUNOIS MORVAN", "tcg"] == 72.1
    placeholder = df.loc["XX"]
    assert pd.isna(placeholder["code"]) and placeholder["placeholder"] and placeholder["tcg"] == 150.3
    assert pd.isna(df.loc["CC ENTRE ARROUX LOIRE ET SOMME", "tcg"])  # secret "s": missing, never 0
    assert df["placeholder"].sum() == 1


def test_places_with_technical_names(tmp_path):
    path = write(tmp_path, "nbpla_pe_epci.csv", [
        "annee;numepci;nomepci;pl_eaje_epci;pl_am_ind_epci;pl_gad_ind_epci;pl_prescol_epci;tot_offre_epci",
        "2022;200070308;CC DU GRAND AUTUNOIS MORVAN;120;640;12;8;780",
        "2022;XX;XX;0;35;1;0;36",
    ])
    df = read_places(path)
    assert list(df.columns) == ["level", "code", "name", "year", *PLACES, "placeholder", "series",
                                "departement", "epci"]
    assert df[LEGACY_PLACES].iloc[0].tolist() == [120, 640, 12, 8, 780]
    assert df[["pl_psu", "pl_hors_psu", "pl_ind"]].isna().all().all()  # not in this file: missing, never 0
    assert df["tot_offre"].dtype == "float64"
    assert df["placeholder"].tolist() == [False, True] and df["tot_offre"].sum() == 816


def test_places_with_french_labels_matched_loosely(tmp_path):
    path = write(tmp_path, "nbpla_pe_com.csv", [
        "Date référence;NUMERO COMMUNE;Nom commune;Numéro EPCI;Nom EPCI;Numéro Département;"
        "Nombre de places EAJE;nombre de places assistantes maternelles;Nombre de places salarie a domicile;"
        "Nombre de places préscolarisation;Offre Totale",
        "2021;1053;BOURG EN BRESSE;200071751;CA DU BASSIN DE BOURG EN BRESSE;1;450;900;30;;1380",
    ], encoding="cp1252")
    row = read_places(path).iloc[0]
    assert (row["level"], row["code"], row["departement"], row["epci"]) == ("commune", "01053", "01", "200071751")
    assert (row["pl_eaje"], row["pl_am"], row["pl_gad"], row["tot_offre"]) == (450, 900, 30, 1380)
    assert pd.isna(row["pl_prescol"])


def test_date_typed_year_of_the_national_series(tmp_path):
    path = write(tmp_path, "txcouv_pe_nat.csv", [
        rates_header("nat", ""), "2021-01-01;59.4;;;;;;;", "2022-01-01;59.5;;;;;;;"])
    df = read_caf_file(path)
    assert df[["level", "code", "name"]].drop_duplicates().values.tolist() == [["france", "FR", "France"]]
    assert df["year"].tolist() == [2021, 2022] and df["tcg"].tolist() == [59.4, 59.5]


# --- broken files ----------------------------------------------------------------------------

def test_missing_column_names_file_header_line_and_column(tmp_path):
    header = rates_header("epci", "numepci;nomepci").replace(";txcouv_gad_ind_epci", "")
    path = write(tmp_path, "txcouv_pe_epci.csv", [header, "2021;200070308;CC;1;1;1;1;1;1;1"])
    with pytest.raises(InputError) as excinfo:
        read_rates(path)
    problem = problem_of(excinfo)
    assert (problem.line, problem.column, problem.expected) == (1, "txcouv_gad_ind_epci", "cette colonne dans l'en-tête")


def test_missing_french_column_is_named_in_french(shared_data, tmp_path):
    lines = (shared_data / "caf" / "txcouv_pe_com_2017_2021.csv").read_text(encoding="utf-8-sig").splitlines()[:3]
    lines[0] = lines[0].replace(";Taux de couv global", ";Taux global")
    with pytest.raises(InputError) as excinfo:
        read_rates(write(tmp_path, "txcouv_pe_com.csv", lines))
    assert problem_of(excinfo).column == "Taux de couv global"


def test_non_numeric_rate_names_file_line_column_and_expectation(shared_data, tmp_path):
    lines = (shared_data / "caf" / "txcouv_pe_com_2017_2021.csv").read_text(encoding="utf-8-sig").splitlines()[:5]
    lines[3] = lines[3].replace(";82.6", ";n/c")  # GUILHERAND GRANGES, line 4 of the file
    with pytest.raises(InputError) as excinfo:
        read_rates(write(tmp_path, "txcouv_pe_com.csv", lines))
    problem = problem_of(excinfo)
    assert (problem.line, problem.column, problem.found) == (4, "Taux de couv global", "n/c")
    assert "nombre" in problem.expected
    assert "txcouv_pe_com.csv, ligne 4, colonne « Taux de couv global » : attendu un nombre ≥ 0" in str(excinfo.value)


def test_every_bad_value_is_reported_at_once(tmp_path):
    path = write(tmp_path, "txcouv_pe_epci.csv", [
        rates_header("epci", "numepci;nomepci"),
        "200070308;CC;2021;-3;;;;;;;",
        "2000703;CC;2021;50;;;;;;;",
        "200070309;CC;vingt;50;;;;;;;",
        "200070309;CC;2022;50;;;;;;;",
        "200070309;CC;2022;51;;;;;;;",
    ])
    with pytest.raises(InputError) as excinfo:
        read_rates(path)
    found = {(p.line, p.column) for p in excinfo.value.problems}
    assert found == {(2, "txcouv_epci"), (3, "numepci"), (4, "annee"), (6, "numepci, annee")}
    duplicate = next(p for p in excinfo.value.problems if p.line == 6)
    assert "déjà présente ligne 5" in duplicate.expected


def test_unknown_file_name_is_refused(tmp_path):
    path = write(tmp_path, "couverture.csv", [rates_header("epci", "numepci;nomepci")])
    with pytest.raises(InputError, match="txcouv_pe_"):
        read_caf_file(path)
