"""Errors and notices that name what a data steward must fix or know: file, line, column, what was expected.

A ``Problem`` rejects its file (the refresh keeps the last good warehouse); a ``Notice`` is a warning the
run carries to its journal, ``sdsf status`` and the Données page (text read as missing, a code mapped to
the current commune, an implausible value, an ignored column). Both are capped per kind of check and
carry how many lines they stand for, so a long list still says how long it is.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

SHOWN = 20  # problems spelt out in an error message; all are kept in the journal up to the cap


def _where(file: str, line: int | None, column: str | None) -> str:
    where = Path(file).name
    if line is not None:
        where += f", ligne {line}"
    if column:
        where += f", colonne « {column} »"
    return where


@dataclass(frozen=True)
class Problem:
    """One defect found in an input file.

    ``line`` is the 1-based line of the file as a text editor shows it (the header is line 1), or the
    spreadsheet row for XLSX; ``None`` when the defect concerns the whole file. ``count`` is the number of
    lines with the same defect when only the first ones are listed.
    """

    file: str
    line: int | None
    column: str | None
    expected: str
    found: str | None = None
    count: int = 1

    def __str__(self) -> str:
        found = f" (trouvé : « {self.found} »)" if self.found is not None else ""
        return f"{_where(self.file, self.line, self.column)} : attendu {self.expected}{found}"

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Notice:
    """A warning about an accepted input: it changes nothing, it must be read."""

    file: str
    line: int | None
    column: str | None
    message: str
    found: str | None = None
    count: int = 1

    def __str__(self) -> str:
        found = f" (« {self.found} »)" if self.found is not None else ""
        more = f" — {self.count} lignes en tout" if self.count > 1 else ""
        return f"{_where(self.file, self.line, self.column)} : {self.message}{found}{more}"

    def as_dict(self) -> dict:
        return asdict(self)


def total(items) -> int:
    """How many lines a capped list of problems or notices stands for."""
    return sum(item.count for item in items)


class InputError(Exception):
    """Input was rejected; carries every problem found (capped per check) so one run reports them all."""

    def __init__(self, problems: list[Problem]):
        if not problems:
            raise ValueError("InputError needs at least one problem")
        self.problems = problems
        shown = "\n".join(f"  - {p}" for p in problems[:SHOWN])
        lines = total(problems)
        more = f"\n  … {lines} problèmes en tout ({len(problems)} détaillés dans le journal)" \
            if len(problems) > SHOWN or lines > len(problems) else ""
        super().__init__(f"Fichier rejeté : {problems[0].file}\n{shown}{more}")

    @classmethod
    def single(cls, file, line, column, expected, found=None) -> "InputError":
        return cls([Problem(str(file), line, column, expected, None if found is None else str(found))])


class FetchError(Exception):
    """A remote source could not be fetched after retries (network, HTTP status, bad payload)."""
