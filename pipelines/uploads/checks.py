"""What a deposited file must pass before it is stored: size, type by content, name, template.

The file's own name is never used as a path: the stored name is built from the template, the time and an ASCII
slug of the original name (``assistants_maternels_20250115T101500_extrait-pmi.csv``), so ``../../etc/x`` or
``C:\\x`` cannot leave the raw folder, and the final path is checked to lie inside it all the same. The type is
read from the bytes (a workbook is a ZIP holding ``xl/workbook.xml``; a text file has no NUL byte unless it
is UTF-16 with its byte order mark, as Excel's « Texte Unicode » writes), never from the extension. Nothing
in a file is executed: CSV is read by DuckDB as text, XLSX by openpyxl's reader, formulas as their text
(``pipelines/sources/files.py``).

Template validation *is* the refresh's: the file is staged with the other files of its source in an in-memory
DuckDB (``pipelines/staging/load.py::stage``), so the preview lists exactly what the refresh would reject,
line by line and column by column, including a key already present in another file.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.errors import Notice, Problem
from pipelines.formatting import simplified
from pipelines.sources.extracts import TEMPLATES
from pipelines.sources.registry import SOURCES
from pipelines.staging import geography
from pipelines.staging.load import stage

MAX_BYTES = 50 * 1024 * 1024  # a national AM extract is ~10 MB; beyond, drop the file in data/raw by hand
EXTENSIONS = {"csv": ".csv", "xlsx": ".xlsx"}
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
SNIFF_BYTES = 64 * 1024


class UploadRefused(ValueError):
    """A file refused before any validation of its content (size, type, template), said in French."""


def source_of(template: str) -> str:
    """The source key whose files the template's extracts are (``assistants_maternels`` → ``childminders``)."""
    for spec in SOURCES:
        if any(p.startswith(f"extracts/{template}*") for p in spec.patterns):
            return spec.key
    raise UploadRefused(f"modèle inconnu : {template} (modèles : {', '.join(TEMPLATES)})")


def kind_of(content: bytes) -> str:
    """``csv`` or ``xlsx`` from the bytes; anything else is refused with what it looks like."""
    head = content[:SNIFF_BYTES]
    if not content:
        raise UploadRefused("fichier vide")
    if head.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(content)).namelist())
        except zipfile.BadZipFile as exc:
            raise UploadRefused("archive ZIP illisible : ni CSV ni classeur Excel") from exc
        if "xl/workbook.xml" in names and "[Content_Types].xml" in names:
            if "xl/vbaProject.bin" in names:
                raise UploadRefused("classeur avec macros (vbaProject.bin) : enregistrez-le en .xlsx sans macros")
            return "xlsx"
        raise UploadRefused("archive ZIP (ou document Word, OpenDocument…) : un CSV ou un classeur .xlsx est attendu")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UploadRefused("ancien classeur Excel (.xls) : enregistrez-le en .xlsx ou en CSV")
    if head.startswith((b"%PDF", b"MZ", b"\x7fELF", b"\x89PNG", b"\xff\xd8\xff")):
        raise UploadRefused("fichier binaire (PDF, image ou programme) : un CSV ou un classeur .xlsx est attendu")
    if b"\x00" in head and not head.startswith(UTF16_BOMS):
        raise UploadRefused("fichier binaire (octets nuls) : un CSV ou un classeur .xlsx est attendu")
    return "csv"


def stored_name(template: str, kind: str, original: str, when: dt.datetime | None = None) -> str:
    """``<template>_<UTC time>_<slug>.<ext>``: only ASCII letters, digits, ``-`` and ``_`` come from the user."""
    when = when or dt.datetime.now(dt.timezone.utc)
    stem = Path(original.replace("\\", "/")).name.rsplit(".", 1)[0]
    slug = simplified(stem, "-")[:60].strip("-") or "extrait"
    return f"{template}_{when.strftime('%Y%m%dT%H%M%S')}_{slug}{EXTENSIONS[kind]}"


def inside(folder: Path, name: str) -> Path:
    """``folder / name``, refused unless it stays inside ``folder`` (defence in depth behind ``stored_name``)."""
    target = (folder / name).resolve()
    if target.parent != folder.resolve() or name != target.name:
        raise UploadRefused(f"nom de fichier refusé : {name}")
    return target


@dataclass
class Validation:
    """What the refresh would say of the file: problems reject it, notices are warnings."""

    name: str
    kind: str
    size: int
    problems: list[Problem] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    rows: int = 0
    years: str = ""

    @property
    def accepted(self) -> bool:
        return not self.problems


def validate(content: bytes, template: str, original: str, raw: Path, departements: list[str] | None,
             max_bytes: int = MAX_BYTES) -> Validation:
    """Check ``content`` as an extract of ``template`` beside the files already in ``raw/extracts``.

    Nothing is written to ``raw``: the file is staged from a temporary folder, in an in-memory database.
    """
    if len(content) > max_bytes:
        raise UploadRefused(f"fichier trop gros : {len(content) / 1e6:.1f} Mo (au plus {max_bytes / 1e6:.0f} Mo)")
    source = source_of(template)
    kind = kind_of(content)
    name = stored_name(template, kind, original)
    spec = next(s for s in SOURCES if s.key == source)
    existing = sorted({p for pattern in spec.patterns for p in raw.glob(pattern) if p.is_file()})
    with tempfile.TemporaryDirectory(prefix="sdsf-depot-") as folder:
        candidate = Path(folder) / name
        candidate.write_bytes(content)
        with duckdb.connect() as con:
            con.execute("SET memory_limit = '700MB'; SET enable_progress_bar = false")
            geography.load(con, departements)
            staged = stage(con, {source: [*existing, candidate]})
        mine = str(candidate)
        problems = [p for p in staged.problems if p.file == mine or name in (p.expected or "")]
        notices = [n for n in staged.notices if n.file == mine]
        stat = next((s for s in staged.stats if str(s.path) == mine), None)
    return Validation(name, kind, len(content), [_renamed(p, name) for p in problems],
                      [_renamed(n, name) for n in notices], stat.rows_kept if stat else 0, stat.years if stat else "")


def _renamed(item, name: str):
    """Problems name the stored file, not the temporary folder it was checked in."""
    from dataclasses import replace

    return replace(item, file=name) if Path(item.file).name == name else item
