"""The demo warehouse built through the real refresh path: published figures reproduced, CLI works."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from pipelines.cli import main
from pipelines.warehouse.query import Warehouse


@pytest.fixture(scope="module")
def wh(demo_home):
    w = Warehouse.open_current()
    yield w
    w.close()


def test_computed_rates_reproduce_published_within_rounding(wh):
    cmp = wh.comparison()
    assert len(cmp) > 1000
    assert set(cmp["level"]) >= {"epci", "departement", "commune"}
    # published figures are rounded to 0.1: a faithful recomputation differs by at most 0.05
    assert cmp["gap"].abs().max() <= 0.05 + 1e-9


def test_departement_tcg_matches_published_saone_et_loire_2017(wh):
    tcg = wh.values("departement", ["71"], ["tcg"], [2017])["value"].iloc[0]
    assert round(tcg, 1) == 72.1
    epci = wh.values("epci", None, ["tcg"], [2017])["value"]
    assert 57 <= epci.min() < 62 and 80 < epci.max() <= 84


def test_france_reference_is_the_published_national_value(wh):
    fr = wh.values("france", ["FR"], ["tcg"], None).set_index("year")["value"]
    assert fr[2017] == 58.0 and fr[2023] == 60.9
    assert "Cnaf" in wh.values("france", ["FR"], ["tcg"], [2017])["source"].iloc[0]


def test_warehouse_says_it_is_fictitious_and_records_vintages(wh):
    meta = wh.meta()
    assert meta["fictitious"] == "true" and meta["cog_vintage"] == "COG 2025"
    sources = wh.sources()
    assert sources["vintage"].str.contains("fictif").all()
    assert (sources["sha256"].str.len() == 64).all()


def test_cli_export_csv_parses_back_to_warehouse_numbers(wh, tmp_path, capsys):
    epci = wh.epci()["code"].iloc[:2].tolist()
    out = tmp_path / "livret.csv"
    assert main(["export", "--level", "epci", "--epci", *epci, "--year", "2022", "--format", "csv",
                 "--out", str(out)]) == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    first, second = raw.decode("utf-8-sig").splitlines()[:2]
    assert first.startswith("Données fictives") and second.startswith("Origine des valeurs : ")
    table = pd.read_csv(io.BytesIO(raw), sep=";", decimal=",", encoding="utf-8-sig", dtype={"Code": str},
                        skiprows=2)
    assert sorted(table["Code"]) == sorted(epci)
    tcg_col = next(c for c in table.columns if c.startswith("Taux de couverture global ("))
    expected = wh.values("epci", epci, ["tcg"], [2022]).set_index("code")["value"].round(1)
    assert table.set_index("Code")[tcg_col].to_dict() == pytest.approx(expected.to_dict())


def test_cli_export_xlsx_has_documentation(tmp_path):
    out = tmp_path / "communes.xlsx"
    assert main(["export", "--level", "commune", "--year", "2024", "--format", "xlsx", "--out", str(out)]) == 0
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[:2] == ["Indicateurs", "Documentation"]
    assert book["Indicateurs"].max_row == 564  # header + 563 communes of 71
    doc = "\n".join(str(c.value) for row in book["Documentation"].iter_rows() for c in row if c.value)
    assert "Données fictives de démonstration" in doc and "Taux de couverture global" in doc


def test_cli_export_rejects_unknown_epci(tmp_path, capsys):
    assert main(["export", "--level", "epci", "--epci", "999999999", "--format", "csv",
                 "--out", str(tmp_path / "x.csv")]) == 2
    assert "EPCI inconnu" in capsys.readouterr().err


def test_cli_status_reports_sources_runs_and_tcg(capsys):
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "DONNÉES FICTIVES" in out and "assistants_maternels.csv" in out
    assert "71  2017    72,1 publié ; recalculé 72,1" in out
    assert "succès" in out
