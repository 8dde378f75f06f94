"""Load one input file (CSV or XLSX) into DuckDB as an all-text table, remembering where each row came from.

Reading is DuckDB's (``read_csv``), so a national file costs what DuckDB alone costs; Python only looks at
the header and, when something must be reported, at the lines concerned. Every column is kept as text
(``c0``, ``c1`` … in file order); a row's ``rowid`` is the 0-based index of its data row (DuckDB keeps the
file's order): connectors type the columns with ``checks.Checker`` and problems are reported with the line a text editor or a spreadsheet
shows (``RawTable.lines``).

Rejected at once, with the line: an empty file, a header without data rows, a line whose number of fields
differs from the header's (a file cut mid-line among them), a file whose content does not match its
extension (a workbook named ``.csv``), an encoding other than UTF-8 or Windows-1252.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from pipelines.errors import InputError, Notice, Problem

XLSX_SUFFIXES = {".xlsx", ".xlsm"}
ZIP_MAGIC = b"PK\x03\x04"
HEADER_SEARCH_ROWS = 10
SEPARATORS = (";", "\t", ",")
_counter = itertools.count()


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


@dataclass
class RawTable:
    """An input file loaded as text: ``table`` has columns ``c0 … cN`` (VARCHAR); ``rowid`` = data row index."""

    path: Path
    table: str
    header: list[str]  # column names as in the file, stripped
    rows: int
    separator: str | None = None  # CSV only
    notices: list[Notice] = field(default_factory=list)
    encoding: str = "utf-8-sig"  # CSV: to read the file again when lines must be named
    one_line_per_row: bool = True  # CSV without quotes nor blank lines: row n is line n + 2
    _lines: list[int] | None = None  # XLSX: the sheet row of each data row

    def column(self, name: str) -> str:
        """SQL identifier of the column whose header is ``name``."""
        return f"c{self.header.index(name)}"

    def lines(self, rows) -> dict[int, int]:
        """Line (as a text editor or a spreadsheet numbers it, header = 1) of each data row index."""
        rows = sorted({int(r) for r in rows})
        if self._lines is not None:
            return {r: self._lines[r] for r in rows}
        if self.one_line_per_row:
            return {r: r + 2 for r in rows}  # the header is line 1
        wanted, found = set(rows), {}
        with open(self.path, encoding=self.encoding, newline="") as handle:
            reader = csv.reader(handle, delimiter=self.separator or ";")
            next(reader, None)
            index, previous = 0, reader.line_num
            for record in reader:
                start, previous = previous + 1, reader.line_num
                if not record or len(record) != len(self.header):  # blank, or rejected by the reader
                    continue
                if index in wanted:
                    found[index] = start
                    if len(found) == len(wanted):
                        break
                index += 1
        return found


def load(con: duckdb.DuckDBPyConnection, path: str | Path, sheet: str | None = None,
         header_key: str | None = None) -> RawTable:
    """Load ``path`` into a new table of ``con``; raise ``InputError`` when it cannot be read as a table.

    ``sheet``: the workbook sheet to read when it exists (else the first one); ``header_key``: a column
    name the header row holds, for workbooks with a title block above it (INSEE).
    """
    path = Path(path)
    head = path.read_bytes()[:4] if path.exists() else b""
    is_zip = head.startswith(ZIP_MAGIC)
    if path.suffix.lower() in XLSX_SUFFIXES:
        if not is_zip:
            raise InputError.single(path, None, None, "un classeur Excel (.xlsx) : ce fichier n'en est pas un")
        return _load_xlsx(con, path, sheet, header_key)
    if is_zip:
        raise InputError.single(path, None, None,
                                "un fichier texte CSV : ce fichier est un classeur ou une archive (renommez-le .xlsx)")
    return _load_csv(con, path)


def _table_name() -> str:
    return f"raw_{next(_counter)}"


CHUNK = 8 << 20


@dataclass(frozen=True)
class TextFile:
    """What one streaming pass over a CSV file found: encoding, first line, shape, how it ends."""

    encoding: str  # Python codec name
    label: str  # as said to users
    first_line: str
    empty: bool
    one_line_per_row: bool
    ends_with_newline: bool
    last_content_line: int  # number of the last line holding something


def _scan(path: Path) -> TextFile:
    """Read the file once in chunks (constant memory, whatever its size): which encoding decodes it, its first
    line, whether any quote or blank line breaks the one-row-one-line numbering, how it ends.

    UTF-16 is what Excel's « Texte Unicode » export writes (with its byte order mark); a file with NUL bytes
    and no such mark is no text file.
    """
    with open(path, "rb") as handle:
        head = handle.read(4)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = [("utf-16", "UTF-16")]
    else:
        candidates = [("utf-8-sig", "UTF-8"), ("cp1252", "Windows-1252")]
    for codec, label in candidates:
        try:
            return _scan_with(path, codec, label)
        except (UnicodeDecodeError, ValueError):
            continue
    raise InputError.single(path, None, None, "un encodage UTF-8 ou Windows-1252 (fichier texte)")


def _scan_with(path: Path, codec: str, label: str) -> TextFile:
    first = None
    simple = True  # no quote, no blank line before the last content: row n is line n + 2
    newlines = 0  # line breaks seen so far
    last_content_line = 0
    blank_pending = False  # a blank line seen after the last content so far
    tail = ""  # the last character of what was read, normalised
    carry = ""  # a CR at a chunk's end, whose LF may open the next chunk
    head = ""  # the start of the file, until its first line break
    with open(path, encoding=codec, newline="") as handle:
        while chunk := handle.read(CHUNK):
            if "\x00" in chunk and codec != "utf-16":
                raise ValueError("NUL bytes: not a text file")
            text = carry + chunk
            carry = "\r" if text.endswith("\r") else ""
            text = (text[:-1] if carry else text).replace("\r\n", "\n").replace("\r", "\n")
            if not text:
                continue
            if first is None:
                head += text
                simple = simple and not head.startswith("\n")  # a header below blank lines
                if "\n" in head:
                    first = head.split("\n", 1)[0]
            joined = tail + text
            body = joined.rstrip("\n")  # up to this chunk's last content (tail first)
            if body.strip():
                if blank_pending or "\n\n" in body or '"' in text:
                    simple = False
                last_content_line = newlines + text[:len(body) - len(tail)].count("\n") + 1
                blank_pending = False
            blank_pending = blank_pending or "\n\n" in joined[len(body):]
            simple = simple and '"' not in text
            newlines += text.count("\n")
            tail = text[-1]
    if carry:
        newlines, tail = newlines + 1, "\n"
    return TextFile(codec, label, (head if first is None else first).lstrip("\ufeff"), last_content_line == 0, simple, tail == "\n",
                    last_content_line)


def _utf8_copy(path: Path, codec: str) -> Path:
    """A UTF-8 copy of a file in another encoding, written chunk by chunk (DuckDB reads UTF-8)."""
    copy = Path(tempfile.mkdtemp(prefix="sdsf-utf8-")) / path.name
    with open(path, encoding=codec, newline="") as source, open(copy, "w", encoding="utf-8", newline="") as target:
        while chunk := source.read(CHUNK):
            target.write(chunk)
    return copy


def _sniff(header_line: str) -> str:
    counts = {sep: header_line.count(sep) for sep in SEPARATORS}
    return max(counts, key=counts.get) if max(counts.values()) else ";"


def _header(path: Path, names: list[str]) -> list[str]:
    header = [n.strip().lstrip("\ufeff").strip() for n in names]
    header = [n or f"(colonne {i + 1} sans nom)" for i, n in enumerate(header)]
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        if name in seen:
            raise InputError.single(path, 1, name, f"des noms de colonnes distincts (déjà en position {seen[name]})",
                                    name)
        seen[name] = position
    return header


def _load_csv(con, path: Path) -> RawTable:
    scan = _scan(path)
    if scan.empty:
        raise InputError.single(path, None, None, "un fichier non vide avec une ligne d'en-tête")
    separator = _sniff(scan.first_line)
    header = _header(path, next(csv.reader([scan.first_line], delimiter=separator)))
    source = path
    notices = []
    if scan.label != "UTF-8":  # DuckDB reads UTF-8: hand it a converted copy
        source = _utf8_copy(path, scan.encoding)
        if scan.label == "UTF-16":
            notices.append(Notice(str(path), None, None, "fichier en UTF-16 (export « Texte Unicode ») converti en UTF-8"))
    table = _table_name()
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(header))) + "}"
    rejects = f"{table}_rejects"
    try:
        con.execute(f"""
            CREATE TABLE {table} AS
            SELECT * FROM read_csv(?,
                delim = ?, quote = '"', escape = '"', header = true, auto_detect = false, columns = {columns},
                strict_mode = true, null_padding = false, store_rejects = true,
                rejects_table = '{rejects}', rejects_scan = '{rejects}_scan', max_line_size = 10000000)
        """, [str(source), separator])
    finally:
        if source != path:
            shutil.rmtree(source.parent, ignore_errors=True)  # the converted copy is in DuckDB now
    rejected = con.execute(f"SELECT line, error_type, csv_line FROM {rejects} ORDER BY line LIMIT 50").fetchall()
    n_rejected = con.execute(f"SELECT count(*) FROM {rejects}").fetchone()[0]
    con.execute(f"DROP TABLE {rejects}; DROP TABLE {rejects}_scan")
    if rejected:
        raise InputError(_rejected_lines(path, scan, separator, len(header), rejected, n_rejected))
    rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    if rows == 0:
        raise InputError.single(path, 2, None, "au moins une ligne de données sous l'en-tête")
    return RawTable(path, table, header, rows, separator, notices, scan.encoding, scan.one_line_per_row)


def _rejected_lines(path: Path, scan: TextFile, separator: str, fields: int, rejected,
                    n_rejected: int) -> list[Problem]:
    shown = "tabulation" if separator == "\t" else separator
    problems = []
    for line, error_type, content in rejected:
        if line == scan.last_content_line and not scan.ends_with_newline:
            expected = f"une dernière ligne complète de {fields} champs : le fichier semble coupé en cours de ligne"
        elif error_type == "UNQUOTED VALUE" or "QUOTE" in str(error_type):
            expected = "des guillemets fermés dans la ligne"
        else:
            expected = f"{fields} champs séparés par « {shown} » comme l'en-tête"
        problems.append(Problem(str(path), int(line), None, expected, (content or "")[:120]))
    if n_rejected > len(rejected):
        problems.append(Problem(str(path), None, None, f"… et {n_rejected - len(rejected)} autres lignes mal formées",
                                count=n_rejected - len(rejected)))
    return problems


def _cell(value) -> str | None:
    """A workbook cell as the text a person reads in it (formulas stay text, never evaluated)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "VRAI" if value else "FAUX"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _load_xlsx(con, path: Path, sheet: str | None, header_key: str | None) -> RawTable:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for a corrupt workbook
        raise InputError.single(path, None, None, "un classeur XLSX lisible", type(exc).__name__) from exc
    try:
        ws = book[sheet] if sheet and sheet in book.sheetnames else book.worksheets[0]
        rows = [(number, [_cell(v) for v in values])
                for number, values in enumerate(ws.iter_rows(values_only=True), start=1)]
    finally:
        book.close()
    rows = [(n, cells) for n, cells in rows if any(c not in (None, "") for c in cells)]
    if not rows:
        raise InputError.single(path, None, None, "une feuille non vide avec une ligne d'en-tête")
    position = 0
    if header_key:
        position = next((i for i, (_, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]) if header_key in cells), 0)
    header_line, header_cells = rows[position]
    width = max(i + 1 for i, c in enumerate(header_cells) if c not in (None, ""))
    header = _header(path, [c or "" for c in header_cells[:width]])
    body = rows[position + 1:]
    if not body:
        raise InputError.single(path, header_line + 1, None, "au moins une ligne de données sous l'en-tête")
    arrays = {f"c{i}": pa.array([(cells[i] if i < len(cells) else None) or None for _, cells in body], pa.string())
              for i in range(width)}
    table = _table_name()
    con.register(f"{table}_arrow", pa.table(arrays))
    con.execute(f"CREATE TABLE {table} AS SELECT * FROM {table}_arrow")
    con.unregister(f"{table}_arrow")
    extra = [Notice(str(path), n, None, f"cellules au-delà des {width} colonnes de l'en-tête ignorées")
             for n, cells in body if any(c not in (None, "") for c in cells[width:])][:1]
    return RawTable(path, table, header, len(body), None, extra, _lines=[n for n, _ in body])
