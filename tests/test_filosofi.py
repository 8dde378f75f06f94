"""FILOSOFI incomes: the real 2019 files, secret-masked poverty rates, level and vintage detection."""

from __future__ import annotations

import pytest

from pipelines.errors import InputError
from pipelines.sources.filosofi import read_filosofi

OUTPUT = ["level", "code", "year", "revenu_median", "taux_pauvrete"]


def write_csv(tmp_path, name: str, *lines: str):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return path


def test_real_epci_file(shared_data):
    df = read_filosofi(shared_data / "insee" / "filosofi_2019_disp_epci.csv")
    assert list(df.columns) == OUTPUT
    assert len(df) == 1240
    assert set(df["level"]) == {"epci"} and set(df["year"]) == {2019}
    assert df["code"].str.fullmatch(r"\d{9}").all() and df["code"].is_unique
    macon = df.set_index("code").loc["200070308"]  # CA Mâconnais Beaujolais Agglomération
    assert macon["revenu_median"] == 21590
    assert df["taux_pauvrete"].isna().all()  # no TP6019 column in this extract: missing, not 0


def test_real_commune_file_keeps_leading_zeros(shared_data):
    df = read_filosofi(shared_data / "insee" / "filosofi_2019_disp_com.csv")
    assert len(df) == 31361 and set(df["level"]) == {"commune"}
    by_code = df.set_index("code")["revenu_median"]
    assert by_code["71270"] == 18440 and by_code["01001"] == 23970


def test_poverty_rate_with_decimal_comma_and_secret_cells(tmp_path):
    path = write_csv(tmp_path, "revenus.csv", "CODGEO;LIBGEO;Q221;TP6021;D121",
                     "71270;Mâcon;18 440;21,4;9890", "71076;Chalon;18210,5;;9000", "71106;Cluny;20120;s;")
    df = read_filosofi(path)
    assert df["level"].tolist() == ["commune"] * 3 and set(df["year"]) == {2021}
    assert df["revenu_median"].tolist() == [18440, 18210.5, 20120]
    assert df.loc[0, "taux_pauvrete"] == pytest.approx(21.4)
    assert df["taux_pauvrete"][1:].isna().all()


def test_level_from_codes_when_the_name_says_nothing(tmp_path):
    path = write_csv(tmp_path, "revenus.csv", "CODGEO;Q219", "200070308;21590", "200000172;25520")
    assert read_filosofi(path)["level"].unique().tolist() == ["epci"]


@pytest.mark.parametrize("name, lines, line, column, expected", [
    ("filosofi_2019_epci.csv", ["CODGEO;LIBGEO;Q119", "200070308;CA;16050"], 1, "Q2AA (revenu médian, ex. Q219)",
     "une seule colonne Q2AA"),
    ("filosofi_2019_epci.csv", ["CODGEO;Q219;TP6020", "200070308;21590;12"], 1, "TP6020", "le même millésime que Q219"),
    ("filosofi_2019_epci.csv", ["CODGEO;Q219", "200070308;21590", "71270;18440"], 3, "CODGEO",
     "un SIREN d'EPCI à 9 chiffres"),
    ("filosofi_2019_com.csv", ["CODGEO;Q219", "71270;18440", "71076;dix-huit mille"], 3, "Q219", "un nombre ≥ 0"),
    ("filosofi_2019_com.csv", ["CODGEO;Q219", "71270;18440", "71076;18210", "71270;18440"], 4, "CODGEO",
     "une seule ligne par CODGEO"),
], ids=["no median", "vintages disagree", "commune code in EPCI file", "non-numeric median", "duplicate code"])
def test_broken_file_is_rejected(tmp_path, name, lines, line, column, expected):
    path = write_csv(tmp_path, name, *lines)
    with pytest.raises(InputError) as caught:
        read_filosofi(path)
    (problem,) = caught.value.problems
    assert (problem.file, problem.line, problem.column) == (str(path), line, column)
    assert expected in problem.expected


def test_france_file_gives_the_national_reference(tmp_path):
    path = tmp_path / "filosofi_2021_france.csv"
    path.write_text("\ufeffCODGEO;LIBGEO;Q221;TP6021\r\nFR;France;23 160;14,5\r\n", encoding="utf-8")
    frame = read_filosofi(path)
    assert frame.to_dict("records") == [{"level": "france", "code": "FR", "year": 2021, "revenu_median": 23160.0,
                                         "taux_pauvrete": 14.5}]
