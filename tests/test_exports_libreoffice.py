"""The exports opened as users open them: by LibreOffice Calc in a French locale (Debian libreoffice-calc-nogui).

The CSV goes through the import filter a double-click uses (« ; », « " », UTF-8, French locale); the XLSX is
opened and saved again by LibreOffice. What each keeps is what the app says beside its buttons.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from app.ui import csv_note
from pipelines.outputs.exports import FICTITIOUS_WARNING, to_csv_bytes, to_xlsx_bytes

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
CSV_FILTER = "CSV:59,34,76,1,,1036"  # separator ;, text delimiter ", UTF-8, from line 1, French (France)
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice absent (Debian: apt-get install -y "
                                                        "libreoffice-calc-nogui)")

CATALOGUE = pd.DataFrame({"code": ["tcg", "places_total"], "label": ["Taux de couverture global", "Offre totale"],
                          "unit": ["places pour 100 enfants", "places"], "decimals": [1, 0],
                          "definition": ["d1", "d2"], "source": ["Cnaf", "Caf"]})
TABLE = pd.DataFrame({"level": ["commune", "commune", "departement", "departement"],
                      "code": ["01001", "2A004", "01", "71"],
                      "name": ["L'Abergement-Clémenciat", "Ajaccio", "Ain", "Saône-et-Loire"],
                      "year": [2024] * 4, "tcg": [72.13, 105.46, None, 72.3], "places_total": [14957, 3, 120, 9870]})
SOURCES = pd.DataFrame({"label": ["Cnaf"], "producer": ["Cnaf"], "vintage": ["2024"], "years": ["2017-2024"],
                        "file": ["x.csv"], "sha256": ["0" * 64]})
META = {"fictitious": "true", "dataset": "démo"}


def opened_by_libreoffice(tmp_path: Path, name: str, content: bytes, infilter: str | None = None) -> openpyxl.Workbook:
    """``content`` opened by LibreOffice and saved as XLSX, read back with openpyxl (cell types included)."""
    source = tmp_path / name
    source.write_bytes(content)
    out = tmp_path / "out"
    command = [SOFFICE, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
               *([f"--infilter={infilter}"] if infilter else []), "--convert-to", "xlsx", "--outdir", str(out),
               str(source)]
    subprocess.run(command, check=True, capture_output=True, timeout=180)
    return openpyxl.load_workbook(out / f"{source.stem}.xlsx")


def test_csv_by_double_click_keeps_numbers_and_accents_but_not_leading_zeros(tmp_path):
    sheet = opened_by_libreoffice(tmp_path, "epci.csv", to_csv_bytes(TABLE, CATALOGUE, META), CSV_FILTER).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == FICTITIOUS_WARNING
    header, first, second, ain = rows[1], rows[2], rows[3], rows[4]
    assert header[:4] == ("Niveau", "Code", "Territoire", "Année")
    assert first[2] == "L'Abergement-Clémenciat" and rows[5][2] == "Saône-et-Loire"  # accents come through
    assert first[4] == pytest.approx(72.1) and isinstance(first[4], float)  # decimal comma read as a number
    assert first[5] == 14957 and ain[4] is None  # missing stays empty
    assert second[1] == "2A004"  # not a number: kept
    # What the note beside the CSV button says: a code starting with 0 loses it.
    assert first[1] == 1001 and ain[1] == 1
    assert "perd le zéro initial de 2 codes" in csv_note(TABLE)


def test_xlsx_keeps_codes_as_text_through_libreoffice(tmp_path):
    content = to_xlsx_bytes(TABLE, CATALOGUE, SOURCES, META)
    book = opened_by_libreoffice(tmp_path, "epci.xlsx", content)
    rows = list(book["Indicateurs"].iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == ["01001", "2A004", "01", "71"]
    assert rows[1][2] == "L'Abergement-Clémenciat" and rows[1][4] == pytest.approx(72.1) and rows[1][5] == 14957
    assert "Documentation" in book.sheetnames


def test_xlsx_text_that_looks_like_a_formula_stays_text_through_libreoffice(tmp_path):
    table = TABLE.assign(name=["=1+1", "+120 places", "@SUM(A1:A2)", "Ain"])
    rows = list(opened_by_libreoffice(tmp_path, "f.xlsx", to_xlsx_bytes(table, CATALOGUE, SOURCES, META))
                ["Indicateurs"].iter_rows(values_only=True))
    assert [r[2] for r in rows[1:]] == ["=1+1", "+120 places", "@SUM(A1:A2)", "Ain"]  # read as typed, not run
