"""CSV and XLSX exports of indicator tables, in the conventions French Excel expects (livrets CTG).

Pure: frames in, bytes out (no database, no Streamlit), so the app and the CLI export the same way.
Every text cell is kept from formula injection (OWASP, CWE-1236): a territory or file name typed as
``=HYPERLINK(...)`` must never run in an analyst's spreadsheet. In CSV such a text is prefixed with ``'``;
in XLSX it is a text cell with Excel's quote prefix, so « +120 places » reads as typed and is never evaluated.
Numbers stay numbers, rounded to the catalogue's precision; missing values stay empty, never 0; a value masked by
statistical secrecy (the query layer's ``SECRET`` text) is written « secret statistique ».
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timezone

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from pipelines.formatting import SECRET, fr_date

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

DATA_SHEET = "Indicateurs"
DOC_SHEET = "Documentation"
PROVENANCE_SHEET = "Provenance"
ORIGIN_WORDS = {"published": "publiée", "computed": "calculée"}
TITLE = "Schéma départemental des services aux familles : export d'indicateurs"
FICTITIOUS = "Données fictives de démonstration"
FICTITIOUS_WARNING = f"{FICTITIOUS} : ces chiffres ne décrivent la situation d'aucun territoire réel."

IDENTIFIER_LABELS = {
    "level": "Niveau",
    "code": "Code",
    "name": "Territoire",
    "year": "Année",
    "departement": "Département",
    "arrondissement": "Arrondissement",
    "epci": "EPCI",
    "commune": "Commune",
}
LEVEL_LABELS = {
    "commune": "Commune",
    "epci": "EPCI",
    "ctg": "Territoire de la CTG (total)",
    "arrondissement": "Arrondissement",
    "departement": "Département",
    "france": "France",
}
SOURCE_LABELS = {  # the source's code (``caf_places``) is left out: users read its label
    "label": "Source",
    "producer": "Producteur",
    "vintage": "Millésime",
    "years": "Années",
    "file": "Fichier",
    "sha256": "Empreinte SHA-256",
}
# (meta key, label, how the value reads); keys absent from meta are left out.
META_ROWS = (
    ("dataset", "Jeu de données", "{}".format),
    ("cog_vintage", "Géographie", "Code officiel géographique (COG) au 1er janvier {}".format),
    ("departements", "Départements", lambda codes: codes.replace(",", ", ")),
    ("years", "Années", lambda years: years.replace(",", ", ")),
    ("base_year", "Année de référence", "{}".format),
    ("built_at", "Entrepôt construit le", fr_date),
    ("run_id", "Identifiant de l'entrepôt", "{}".format),
)

HEADER_WRAP = 24  # a long indicator label wraps over lines rather than widening a column of numbers
MIN_WIDTH, MAX_WIDTH = 8, 60
MAX_FROZEN_COLUMNS = 3  # level, code, name stay visible while scrolling through indicators


def neutralise(value):
    """Prefix a text starting with a formula trigger with ``'``; anything else (numbers included) is returned as is."""
    if _triggers(value):
        return "'" + value
    return value


def _triggers(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def _put(ws: Worksheet, row: int, column: int, value):
    """Write ``value`` at (row, column): a text is a text cell, quote-prefixed when it starts like a formula."""
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would otherwise store « =… » as a formula
        cell.quotePrefix = _triggers(value)
    return cell


@dataclass(frozen=True)
class _Column:
    """One output column, its cells already converted: None (empty), text (as is), int or float."""

    header: str
    values: list
    decimals: int | None = None  # the catalogue's precision; None = written as is
    text: bool = True

    @property
    def number_format(self) -> str:
        # Excel stores formats in its invariant syntax; a French Excel shows "#,##0.0" as 14 957,0.
        if self.text:
            return "@"
        if self.decimals is None:
            return "General"
        return "#,##0" + ("." + "0" * self.decimals if self.decimals else "")


def _columns(frame: pd.DataFrame, catalogue: pd.DataFrame | None = None) -> list[_Column]:
    """Headers in French and cells ready to write, shared by the CSV and XLSX writers so both agree."""
    indicators = catalogue.set_index("code") if catalogue is not None else pd.DataFrame()
    columns = []
    for key in frame.columns:
        series = frame[key]
        if key in indicators.index:
            entry = indicators.loc[key]
            unit = entry["unit"]
            header = f"{entry['label']} ({unit})" if isinstance(unit, str) and unit.strip() else entry["label"]
            decimals = int(entry["decimals"]) if pd.notna(entry["decimals"]) else None
            secret = series.map(lambda x: isinstance(x, str) and x == SECRET)  # statistical secrecy: said, not empty
            values = pd.to_numeric(series.mask(secret))
            columns.append(_Column(header, [SECRET if s else _number(v, decimals) for v, s in zip(values, secret)],
                                   decimals, text=False))
        elif pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            columns.append(_Column(IDENTIFIER_LABELS.get(key, str(key)),
                                   [_number(v, None) for v in series], text=False))
        else:
            labels = LEVEL_LABELS if key == "level" else {}
            columns.append(_Column(IDENTIFIER_LABELS.get(key, str(key)),
                                   [_text(v, labels) for v in series]))
    return columns


def _number(value, decimals: int | None):
    if pd.isna(value):
        return None
    number = float(value)
    if decimals is not None:
        number = round(number, decimals) + 0.0  # + 0.0 turns -0.0 into 0.0: no "-0,0" in a livret
    # Counts (precision 0, or integers without a precision) are written as integers.
    return int(number) if number.is_integer() and not decimals else number


def _text(value, labels: dict[str, str]):
    if pd.isna(value):
        return None
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    text = str(value)
    return labels.get(text, text)


def _csv_cell(value, decimals: int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    text = f"{value:.{decimals}f}" if decimals is not None and isinstance(value, float) else str(value)
    return text.replace(".", ",")


def provenance_line(values: pd.DataFrame, catalogue: pd.DataFrame) -> str:
    """« Origine des valeurs : Taux de couverture global : publiée 20, calculée 3 | … » for the values exported,
    in catalogue order (no « ; »: the line stays one cell)."""
    labels = catalogue.set_index("code")["label"]
    order = {code: i for i, code in enumerate(catalogue["code"])}
    parts = []
    for indicator, rows in sorted(values.groupby("indicator"), key=lambda item: order.get(item[0], len(order))):
        counts = rows["origin"].value_counts()
        found = ", ".join(f"{ORIGIN_WORDS[o]} {counts[o]}" for o in ORIGIN_WORDS if o in counts)
        parts.append(f"{labels.get(indicator, indicator)} : {found}")
    return "Origine des valeurs : " + " | ".join(parts) + " (détail valeur par valeur dans le fichier Excel)."


def provenance_frame(values: pd.DataFrame, catalogue: pd.DataFrame, names: pd.Series | None = None) -> pd.DataFrame:
    """One row per value exported: where it comes from — published or computed, by whom, which vintage."""
    labels = catalogue.set_index("code")["label"]
    return pd.DataFrame({
        "level": values["level"], "code": values["code"],
        "name": values["code"].map(names) if names is not None else None, "year": values["year"],
        "Indicateur": values["indicator"].map(labels).fillna(values["indicator"]),
        "Valeur": values["value"], "Origine": values["origin"].map(ORIGIN_WORDS),
        "Source": values["source"], "Millésime": values["vintage"],
        "Année de la donnée": values["vintage_year"],
    }).dropna(axis=1, how="all")


def to_csv_bytes(table: pd.DataFrame, catalogue: pd.DataFrame, meta: dict[str, str] | None = None,
                 provenance: pd.DataFrame | None = None) -> bytes:
    """CSV for a French Excel: ``;``, decimal comma, no thousands separator, UTF-8 with BOM, CRLF.

    Codes are written as text with their leading zeros, but a spreadsheet opening the file by double-click
    (Excel, LibreOffice) reads ``01001`` as the number 1001: that is why the XLSX export exists, and the app
    says so beside the button. With fictitious data (``meta``), the first line says so, before the header;
    with the exported values' ``provenance`` (rows of ``indicator_value``), a line says how many of each
    indicator are published or computed.
    """
    columns = _columns(table, catalogue)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    if (meta or {}).get("fictitious") == "true":
        writer.writerow([FICTITIOUS_WARNING])
    if provenance is not None and not provenance.empty:
        writer.writerow([neutralise(provenance_line(provenance, catalogue))])
    writer.writerow([neutralise(column.header) for column in columns])
    writer.writerows(zip(*([_csv_cell(v, c.decimals) for v in c.values] for c in columns)))
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx_bytes(table: pd.DataFrame, catalogue: pd.DataFrame, sources: pd.DataFrame, meta: dict[str, str],
                  extra_sheets: dict[str, pd.DataFrame] | None = None, *,
                  generated_at: datetime | None = None, provenance: pd.DataFrame | None = None,
                  title: str = TITLE) -> bytes:
    """Workbook with the data sheet, a Documentation sheet (definitions, sources, vintages), ``extra_sheets``
    and, given the exported values' ``provenance``, a Provenance sheet: each value published or computed.

    ``generated_at`` defaults to now; pass it to reproduce an earlier export (without a zone: UTC). ``title``
    heads the Documentation sheet (what the workbook is).
    """
    if provenance is not None and not provenance.empty:
        names = table.drop_duplicates("code").set_index("code")["name"] if "name" in table else None
        extra_sheets = {**(extra_sheets or {}), PROVENANCE_SHEET: provenance_frame(provenance, catalogue, names)}
    workbook = Workbook()
    data = workbook.active
    data.title = DATA_SHEET
    _write_data_sheet(data, _columns(table, catalogue))
    fictitious = meta.get("fictitious") == "true"
    if fictitious:
        data.oddHeader.center.text = FICTITIOUS  # printed on every page of a livret
    _write_documentation(workbook.create_sheet(DOC_SHEET), table, catalogue, sources, meta,
                         generated_at or datetime.now(timezone.utc), fictitious, title)
    for name, frame in (extra_sheets or {}).items():
        _write_data_sheet(workbook.create_sheet(name), _columns(frame, catalogue))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_data_sheet(ws: Worksheet, columns: list[_Column]) -> None:
    _write_block(ws, 1, columns)
    leading_text = next((i for i, c in enumerate(columns) if not c.text), 0)
    ws.freeze_panes = ws.cell(row=2, column=min(leading_text, MAX_FROZEN_COLUMNS) + 1)
    ws.auto_filter.ref = ws.dimensions
    _set_widths(ws, _widths(columns))


def _write_block(ws: Worksheet, top: int, columns: list[_Column]) -> int:
    """Write a header row and its cells from row ``top``; return the first free row below."""
    for col, column in enumerate(columns, start=1):
        header = _put(ws, top, col, column.header)
        header.font = Font(bold=True)
        header.alignment = Alignment(wrap_text=True, vertical="top")
        for row, value in enumerate(column.values, start=top + 1):
            cell = _put(ws, row, col, value)
            cell.number_format = column.number_format
            if column.text:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    return top + 1 + max((len(c.values) for c in columns), default=0)


def _widths(columns: list[_Column]) -> list[int]:
    return [
        max(MIN_WIDTH, min(MAX_WIDTH, max([min(len(c.header), HEADER_WRAP)]
                                          + [len(str(v)) for v in c.values if v is not None]) + 2))
        for c in columns
    ]


def _set_widths(ws: Worksheet, *blocks: list[int]) -> None:
    """Size each column to the widest of the blocks stacked in it."""
    for index in range(max(len(block) for block in blocks)):
        width = max(block[index] for block in blocks if index < len(block))
        ws.column_dimensions[get_column_letter(index + 1)].width = width


def _write_documentation(ws: Worksheet, table: pd.DataFrame, catalogue: pd.DataFrame, sources: pd.DataFrame,
                         meta: dict[str, str], generated_at: datetime, fictitious: bool, title: str) -> None:
    _put(ws, 1, 1, title).font = Font(bold=True, size=14)
    row = 2
    if fictitious:
        ws.cell(row=row, column=1, value=FICTITIOUS_WARNING).font = Font(bold=True, color="C00000")
        row += 1

    facts = [("Généré le", fr_date(generated_at))]
    facts += [(label, shown(meta[key])) for key, label, shown in META_ROWS if meta.get(key)]
    row += 1
    for label, value in facts:
        ws.cell(row=row, column=1, value=label).font = Font(bold=True)
        _put(ws, row, 2, value)
        row += 1

    shown = catalogue.set_index("code").loc[[c for c in table.columns if c in set(catalogue["code"])]]
    indicators = _columns(pd.DataFrame({
        "Indicateur": shown["label"], "Unité": shown["unit"],
        "Définition": shown["definition"], "Source": shown["source"],
    }))
    vintages = _columns(sources[list(SOURCE_LABELS)].rename(columns=SOURCE_LABELS))
    for title, block in (("Indicateurs", indicators), ("Sources et millésimes", vintages)):
        row += 1
        ws.cell(row=row, column=1, value=title).font = Font(bold=True, size=12)
        row = _write_block(ws, row + 1, block)

    _set_widths(ws, _widths([_Column("", [label for label, _ in facts]), _Column("", [v for _, v in facts])]),
                _widths(indicators), _widths(vintages))
