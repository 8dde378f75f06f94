"""Exports: what a French Excel reads back, and that nothing an export carries can run as a formula."""

from __future__ import annotations

import io
from datetime import datetime

import openpyxl
import pandas as pd
import pytest

from pipelines.outputs.exports import (
    DATA_SHEET,
    DOC_SHEET,
    FICTITIOUS,
    FICTITIOUS_WARNING,
    neutralise,
    to_csv_bytes,
    to_xlsx_bytes,
)

TCG_HEADER = "Taux de couverture global (places pour 100 enfants de moins de 3 ans)"
PLACES_HEADER = "Places en EAJE (places)"
NET_HEADER = "Évolution nette des places (places)"
INJECTIONS = ["=HYPERLINK(\"http://x\",\"clic\")", "+33 6 00 00 00 00", "@SUM(A1:A2)", "-2+3", "\tx", "\rx"]


@pytest.fixture
def catalogue() -> pd.DataFrame:
    return pd.DataFrame({
        "code": ["tcg", "pl_eaje", "net_places"],
        "label": ["Taux de couverture global", "Places en EAJE", "Évolution nette des places"],
        "short_label": ["TCG", "Places EAJE", "Évolution nette"],
        "unit": ["places pour 100 enfants de moins de 3 ans", "places", "places"],
        "decimals": [1, 0, 1],
        "theme": ["Couverture", "Offre", "Offre"],
        "definition": ["Capacité théorique d'accueil formel pour 100 enfants de moins de 3 ans.",
                       "Places en établissements d'accueil du jeune enfant, PSU et hors PSU.",
                       "Places créées moins places fermées depuis l'année de référence."],
        "source": ["caf_opendata", "caf_opendata", "extracts"],
        "kind": ["rate", "count", "count"],
        "higher_is_better": [True, True, True],
        "sort_order": [1, 2, 3],
    })


@pytest.fixture
def table() -> pd.DataFrame:
    return pd.DataFrame({
        "level": ["commune", "epci", "departement"],
        "code": ["01001", "200070308", "71"],
        "name": ["L'Abergement-Clémenciat", "CC Entre Arroux", "=HYPERLINK(\"http://x\",\"clic\")"],
        "year": pd.array([2022, 2022, 2022], dtype="Int64"),
        "tcg": pd.array([72.13, None, 105.46], dtype="Float64"),
        "pl_eaje": pd.array([14957.0, 0.0, None], dtype="Float64"),
        "net_places": pd.array([-3.5, 12.04, -0.02], dtype="Float64"),
    })


@pytest.fixture
def sources() -> pd.DataFrame:
    return pd.DataFrame({
        "source": ["caf_opendata", "extracts"],
        "label": ["Taux de couverture petite enfance", "Extraits Caf des équipements"],
        "producer": ["Cnaf", "Caf de Saône-et-Loire"],
        "vintage": ["2024-06", "2025-01"],
        "years": ["2017-2022", "2022"],
        "file": ["txcouv_pe_epci.csv", "@equipements.csv"],
        "sha256": ["a" * 64, "b" * 64],
    })


META = {"dataset": "demo", "fictitious": "true", "cog_vintage": "2025", "departements": "71"}


def read_csv(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), sep=";", decimal=",", encoding="utf-8-sig", dtype={"Code": str})


def workbook(table, catalogue, sources, meta=META, **kwargs) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(table, catalogue, sources, meta, **kwargs)))


def sheet_texts(ws) -> list[str]:
    return [str(v) for row in ws.iter_rows(values_only=True) for v in row if v is not None]


# --- neutralisation ---------------------------------------------------------------------------

@pytest.mark.parametrize("text", INJECTIONS)
def test_neutralise_prefixes_formula_triggers(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["Mâcon", "71", "", " =espace devant", -3.5, -2, 0, None])
def test_neutralise_leaves_plain_text_and_numbers(value):
    assert neutralise(value) == value


# --- CSV --------------------------------------------------------------------------------------

def test_csv_is_french_excel_flavoured(table, catalogue):
    data = to_csv_bytes(table, catalogue)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    header, first = text.split("\r\n")[:2]
    assert header.split(";") == ["Niveau", "Code", "Territoire", "Année", TCG_HEADER, PLACES_HEADER, NET_HEADER]
    assert first.split(";") == ["Commune", "01001", "L'Abergement-Clémenciat", "2022", "72,1", "14957", "-3,5"]


def test_csv_reads_back_to_the_rounded_numbers(table, catalogue):
    back = read_csv(to_csv_bytes(table, catalogue))
    assert back["Code"].tolist() == ["01001", "200070308", "71"]
    assert back[TCG_HEADER].tolist()[0] == pytest.approx(72.1)
    assert back[TCG_HEADER].tolist()[2] == pytest.approx(105.5)  # a rate above 100 is not clamped
    assert back[PLACES_HEADER].tolist()[:2] == [14957, 0]  # a real zero stays a zero
    assert back[NET_HEADER].tolist() == pytest.approx([-3.5, 12.0, 0.0])
    assert pd.api.types.is_float_dtype(back[NET_HEADER])  # negatives are numbers, not neutralised text


def test_csv_missing_stays_empty(table, catalogue):
    rows = to_csv_bytes(table, catalogue).decode("utf-8-sig").split("\r\n")
    assert rows[2].split(";")[4] == ""  # tcg of the EPCI
    assert rows[3].split(";")[5] == ""  # places of the département
    back = read_csv(to_csv_bytes(table, catalogue))
    assert pd.isna(back.loc[1, TCG_HEADER]) and pd.isna(back.loc[2, PLACES_HEADER])


def test_csv_no_negative_zero(table, catalogue):
    assert ";-0,0" not in to_csv_bytes(table, catalogue).decode("utf-8-sig")


@pytest.mark.parametrize("name", INJECTIONS)
def test_csv_neutralises_text_cells(table, catalogue, name):
    table.loc[0, "name"] = name
    back = read_csv(to_csv_bytes(table, catalogue))
    assert back.loc[0, "Territoire"] == "'" + name
    assert back.loc[0, NET_HEADER] == -3.5


# --- XLSX -------------------------------------------------------------------------------------

def test_xlsx_data_sheet_holds_typed_values(table, catalogue, sources):
    ws = workbook(table, catalogue, sources)[DATA_SHEET]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == ["Niveau", "Code", "Territoire", "Année", TCG_HEADER, PLACES_HEADER, NET_HEADER]
    assert list(rows[1]) == ["Commune", "01001", "L'Abergement-Clémenciat", 2022, 72.1, 14957, -3.5]
    assert list(rows[2])[3:] == [2022, None, 0, 12.0]
    assert list(rows[3])[4:] == [105.5, None, 0]
    assert ws["B2"].data_type == "s" and ws["B2"].number_format == "@"
    assert ws["G2"].data_type == "n"


def test_xlsx_number_formats_and_layout(table, catalogue, sources):
    ws = workbook(table, catalogue, sources)[DATA_SHEET]
    assert ws["E2"].number_format == "#,##0.0"
    assert ws["F2"].number_format == "#,##0"
    assert ws["D2"].number_format == "General"  # a year is not shown as "2 022"
    assert ws.freeze_panes == "D2"  # header row, level, code and name stay visible
    assert ws.auto_filter.ref == "A1:G4"
    assert all(8 <= ws.column_dimensions[c].width <= 60 for c in "ABCDEFG")


def test_xlsx_neutralises_text_cells(table, catalogue, sources):
    book = workbook(table, catalogue, sources)
    ws, doc = book[DATA_SHEET], book[DOC_SHEET]
    # a text cell read as typed, never evaluated: Excel's quote prefix, no apostrophe in the text
    assert ws["C4"].value == table.loc[2, "name"] and ws["C4"].data_type == "s" and ws["C4"].quotePrefix
    assert ws["C2"].value == table.loc[0, "name"] and not ws["C2"].quotePrefix
    assert ws["G2"].value == -3.5
    assert "@equipements.csv" in sheet_texts(doc)
    assert all(cell.data_type != "f" for row in doc.iter_rows() for cell in row)


def test_xlsx_documentation_sheet(table, catalogue, sources):
    doc = workbook(table, catalogue, sources, generated_at=datetime(2025, 3, 14, 9, 30))[DOC_SHEET]
    texts = sheet_texts(doc)
    joined = "\n".join(texts)
    assert any(t.startswith(FICTITIOUS) for t in texts)
    assert "14 mars 2025 à 10 h 30 (heure de Paris)" in texts  # stored UTC, read in Paris time
    assert "demo" in texts
    assert "Code officiel géographique (COG) au 1er janvier 2025" in texts
    for definition in catalogue["definition"]:
        assert definition in texts
    assert "places pour 100 enfants de moins de 3 ans" in texts
    for column in ("label", "producer", "vintage", "years", "sha256"):
        for value in sources[column]:
            assert value in joined
    rows = [tuple(c for c in row if c is not None) for row in doc.iter_rows(values_only=True)]
    assert ("Source", "Producteur", "Millésime", "Années", "Fichier", "Empreinte SHA-256") in rows  # no code column


def test_csv_says_fictitious_on_its_first_line_when_it_is(table, catalogue):
    lines = to_csv_bytes(table, catalogue, META).decode("utf-8-sig").split("\r\n")
    assert lines[0] == FICTITIOUS_WARNING and lines[1].startswith("Niveau;Code;Territoire")
    real = to_csv_bytes(table, catalogue, {**META, "fictitious": "false"}).decode("utf-8-sig")
    assert real.startswith("Niveau;Code") and FICTITIOUS not in real


def test_xlsx_documents_only_the_exported_indicators(table, catalogue, sources):
    texts = sheet_texts(workbook(table.drop(columns="net_places"), catalogue, sources)[DOC_SHEET])
    assert catalogue.loc[0, "definition"] in texts
    assert catalogue.loc[2, "definition"] not in texts


def test_xlsx_real_data_has_no_fictitious_line(table, catalogue, sources):
    book = workbook(table, catalogue, sources, meta={**META, "fictitious": "false"})
    assert not any(FICTITIOUS in t for t in sheet_texts(book[DOC_SHEET]))
    assert not book[DATA_SHEET].oddHeader.center.text


def test_xlsx_extra_sheets(table, catalogue, sources):
    rules = pd.DataFrame({"Critère": ["TCG sous la moyenne départementale"], "Seuil": [-1.5]})
    book = workbook(table, catalogue, sources, extra_sheets={"Règles de priorité": rules})
    assert book.sheetnames == [DATA_SHEET, DOC_SHEET, "Règles de priorité"]
    assert list(book["Règles de priorité"].iter_rows(values_only=True)) == [
        ("Critère", "Seuil"), ("TCG sous la moyenne départementale", -1.5)]
