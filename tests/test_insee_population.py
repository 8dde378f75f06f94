"""INSEE census population by age: year from the column prefix, CSV and INSEE-style XLSX, rejections."""

from __future__ import annotations

import openpyxl
import pytest

from pipelines.errors import InputError
from pipelines.sources.insee_population import read_population

HEADER = "CODGEO;REG;LIBGEO;P21_POP;P21_POP0002;P21_POP0305;P21_POP0610;P21_POP1117;P21_POP1824;C21_MEN;P15_POP"
OUTPUT = ["commune", "year", "population", "enfants_0_2", "enfants_3_5", "enfants_6_10", "enfants_11_17"]


def write_csv(tmp_path, *lines: str, name: str = "base-cc-evol-struct-pop-2021.csv"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_reads_census_csv_with_fractional_values_and_extra_columns(tmp_path):
    path = write_csv(tmp_path, HEADER,
                     "1001;84;L'Abergement-Clémenciat;859.9;24,02;31.11;58.5;80.12;40;330;800",
                     "71270;27;Mâcon;33 722,5;1012.3;980;1503.44;2301;3000;17000;34000",
                     "2A004;94;Ajaccio;73000;2500;2400;3900;5600;6000;33000;68000")
    df = read_population(path)
    assert list(df.columns) == OUTPUT
    assert df["commune"].tolist() == ["01001", "71270", "2A004"]
    assert df["year"].unique().tolist() == [2021]  # from P21_, the historical P15_POP is ignored
    assert df.loc[0, "enfants_0_2"] == pytest.approx(24.02)
    assert df.loc[1, "population"] == pytest.approx(33722.5)
    assert {str(df[c].dtype) for c in OUTPUT[2:]} == {"float64"}


def test_reads_insee_workbook_with_title_block_and_reports_spreadsheet_rows(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "COM_2020"
    sheet.append(["Évolution et structure de la population en 2020"])
    sheet.append(["Recensement de la population 2020, géographie au 01/01/2023"])
    sheet.append([])
    sheet.append(["Code géographique", "Libellé", "Population en 2020", "Pop 0-2 ans", "Pop 3-5 ans",
                  "Pop 6-10 ans", "Pop 11-17 ans"])
    sheet.append(["CODGEO", "LIBGEO", "P20_POP", "P20_POP0002", "P20_POP0305", "P20_POP0610", "P20_POP1117"])
    sheet.append(["71270", "Mâcon", 33800.2, 1000.5, 990.1, 1500, 2300])
    sheet.append(["71076", "Chalon-sur-Saône", "beaucoup", 1500, 1400, 2100, 3300])
    path = tmp_path / "base-cc-evol-struct-pop-2020.xlsx"
    book.save(path)
    with pytest.raises(InputError) as caught:
        read_population(path)
    (problem,) = caught.value.problems
    assert (problem.line, problem.column, problem.found) == (7, "P20_POP", "beaucoup")

    sheet.delete_rows(7)
    book.save(path)
    df = read_population(path)
    assert df[["commune", "year"]].values.tolist() == [["71270", 2020]]
    assert df.loc[0, "population"] == pytest.approx(33800.2)


@pytest.mark.parametrize("header, expected", [
    ("CODGEO;P21_POP;P20_POP0002;P21_POP0305;P21_POP0610;P21_POP1117", "même préfixe d'année"),
    ("CODGEO;POP;POP0002;POP0305;POP0610;POP1117", "même préfixe d'année"),
    ("CODGEO;P21_POP;P21_POP0002;P21_POP0305;P21_POP0610;P21_POP1117;"
     "P15_POP;P15_POP0002;P15_POP0305;P15_POP0610;P15_POP1117", "un seul millésime"),
], ids=["prefixes disagree", "prefixes absent", "two census years"])
def test_header_without_one_census_year_is_rejected(tmp_path, header, expected):
    path = write_csv(tmp_path, header, "71270" + ";1" * header.count(";"))
    with pytest.raises(InputError) as caught:
        read_population(path)
    (problem,) = caught.value.problems
    assert (problem.file, problem.line) == (str(path), 1)
    assert expected in problem.expected


def test_bad_rows_are_all_reported_with_their_line(tmp_path):
    path = write_csv(tmp_path, HEADER,
                     "71270;27;Mâcon;33722;1012;980;1503;2301;3000;17000;34000",
                     "7127;27;Zéro initial perdu, accepté;100;n/a;3;5;8;1;40;90",
                     "Mâcon;27;Nom au lieu du code;100;2;3;5;8;1;40;90",
                     "71270;27;Mâcon en double;33722;1012;980;1503;2301;3000;17000;34000",
                     "71076;27;Chalon;45000;1,2,3;1400;2100;3300;4000;20000;47000")
    with pytest.raises(InputError) as caught:
        read_population(path)
    found = {(p.line, p.column, p.expected.split(" (")[0]) for p in caught.value.problems}
    assert found == {
        (3, "P21_POP0002", "un nombre ≥ 0"),  # "n/a": a census count is never secret
        (4, "CODGEO", "un code commune INSEE à 5 caractères"),
        (6, "P21_POP0002", "un nombre ≥ 0"),
        (5, "CODGEO", "une seule ligne par CODGEO"),
    }
    assert "base-cc-evol-struct-pop-2021.csv, ligne 3" in str(caught.value)


def test_missing_key_column_is_rejected(tmp_path):
    path = write_csv(tmp_path, HEADER.replace("CODGEO", "COM"), "71270" + ";1" * HEADER.count(";"))
    with pytest.raises(InputError) as caught:
        read_population(path)
    (problem,) = caught.value.problems
    assert (problem.line, problem.column) == (1, "CODGEO")
