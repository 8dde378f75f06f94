"""FRR classification (real July 2025 file) and QPV per commune."""

from __future__ import annotations

import pytest

from pipelines.errors import InputError
from pipelines.sources.zonages import read_frr, read_qpv

QPV_HEADER = "code_qpv;nom_qpv;code_commune;population_qpv"


def write(tmp_path, name: str, *lines: str, newline: str = "\n"):
    path = tmp_path / name
    path.write_bytes((newline.join(lines) + newline).encode("utf-8"))
    return path


def test_real_frr_file(shared_data):
    df = read_frr(shared_data / "zonages" / "communes_frr_2025.csv")
    assert list(df.columns) == ["commune", "frr_class", "frr"]
    assert len(df) == 34875 and df["commune"].is_unique
    assert df["frr_class"].value_counts().to_dict() == {
        "Non classée": 14941, "FRR socle": 13313, "FRR+": 4456, "FRR bénéficiaire": 2134,
        "Classée FRR partiellement": 20, "FRR bénéficiaire partiellement": 11,
    }
    assert df["frr"].dtype == bool and df["frr"].sum() == 34875 - 14941
    frr = df.set_index("commune")
    assert frr.loc["01001"].tolist() == ["Non classée", False]
    assert frr.loc["02004"].tolist() == ["FRR+", True]
    assert frr.loc["01187"].tolist() == ["FRR bénéficiaire partiellement", True]


def test_frr_class_column_is_found_whatever_its_date(tmp_path):
    path = write(tmp_path, "communes_frr_2026.csv", "Code_insee;Departement;Commune;Classement FRR au 1er janvier 2026;",
                 "1001;01;L'Abergement-Clémenciat;FRR socle;", "71270;71;Mâcon;non classée;", newline="\r\n")
    df = read_frr(path)
    assert df.values.tolist() == [["01001", "FRR socle", True], ["71270", "Non classée", False]]


@pytest.mark.parametrize("lines, line, column, expected", [
    (["Code_insee;Commune;Zonage FRR;", "71270;Mâcon;FRR socle;"], 1, "Classement…",
     "une seule colonne dont le nom commence par « Classement »"),
    (["Code_insee;Commune;Classement 2025;", "71270;Mâcon;FRR socle;", "71076;Chalon;ZRR;"], 3, "Classement 2025",
     "une valeur parmi Classée FRR partiellement, FRR bénéficiaire"),
    (["Code_insee;Commune;Classement 2025;", "710;Nulle part;FRR socle;"], 2, "Code_insee", "un code commune INSEE"),
    (["Code_insee;Commune;Classement 2025;", "71270;Mâcon;FRR socle;", "71270;Mâcon;FRR+;"], 3, "Code_insee",
     "une seule ligne par Code_insee (déjà présente ligne 2)"),
], ids=["no class column", "unknown class", "bad code", "duplicate commune"])
def test_broken_frr_file_is_rejected(tmp_path, lines, line, column, expected):
    assert_single_problem(read_frr, write(tmp_path, "frr.csv", *lines), line, column, expected)


def test_qpv_spanning_several_communes(tmp_path):
    path = write(tmp_path, "qpv_2024.csv", QPV_HEADER, "QN07101M;Les Saugeraies;71270;2 512",
                 "qn06901m;Les Minguettes;69259;19500,5", "QN06901M;Les Minguettes;69199;",
                 "QP071001;Ancien quartier;71076;1200")
    df = read_qpv(path)
    assert list(df.columns) == ["qpv_code", "qpv_name", "commune", "population_qpv"]
    assert df["qpv_code"].tolist() == ["QN07101M", "QN06901M", "QN06901M", "QP071001"]
    assert df.loc[0, "population_qpv"] == 2512 and df.loc[1, "population_qpv"] == 19500.5
    assert df["population_qpv"].isna().tolist() == [False, False, True, False]


@pytest.mark.parametrize("lines, line, column, expected", [
    ([QPV_HEADER.replace(";population_qpv", ""), "QN07101M;Les Saugeraies;71270"], 1, "population_qpv",
     "cette colonne dans l'en-tête"),
    ([QPV_HEADER, "QN07101M;Les Saugeraies;71270;2512", "Q7101;Quartier;71270;100"], 3, "code_qpv",
     "un code QPV (ex. QN07101M)"),
    ([QPV_HEADER, "QN07101M;Les Saugeraies;71270;environ 2500"], 2, "population_qpv", "un nombre ≥ 0"),
    ([QPV_HEADER, "QN07101M;Les Saugeraies;71270;2512", "QN07101M;Les Saugeraies;71270;2512"], 3,
     "code_qpv, code_commune", "une seule ligne par code_qpv, code_commune"),
], ids=["missing column", "bad qpv code", "non-numeric population", "duplicate qpv and commune"])
def test_broken_qpv_file_is_rejected(tmp_path, lines, line, column, expected):
    assert_single_problem(read_qpv, write(tmp_path, "qpv.csv", *lines), line, column, expected)


def assert_single_problem(reader, path, line, column, expected):
    """The file is rejected with exactly one problem, at that line and column, saying what was expected."""
    with pytest.raises(InputError) as caught:
        reader(path)
    (problem,) = caught.value.problems
    assert (problem.file, problem.line, problem.column) == (str(path), line, column)
    assert expected in problem.expected
