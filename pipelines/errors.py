"""Errors that name what a data steward must fix: file, line, column and what was expected."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One defect found in an input file.

    ``line`` is the 1-based line of the file as a text editor shows it (the header is line 1),
    or the spreadsheet row number for XLSX; ``None`` when the defect concerns the whole file.
    """

    file: str
    line: int | None
    column: str | None
    expected: str
    found: str | None = None

    def __str__(self) -> str:
        where = Path(self.file).name
        if self.line is not None:
            where += f", ligne {self.line}"
        if self.column:
            where += f", colonne « {self.column} »"
        found = f" (trouvé : « {self.found} »)" if self.found is not None else ""
        return f"{where} : attendu {self.expected}{found}"

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "expected": self.expected,
            "found": self.found,
        }


class InputError(Exception):
    """An input file was rejected; carries every problem found (capped) so one run reports them all."""

    def __init__(self, problems: list[Problem]):
        if not problems:
            raise ValueError("InputError needs at least one problem")
        self.problems = problems
        shown = "\n".join(f"  - {p}" for p in problems[:20])
        more = f"\n  … et {len(problems) - 20} autres" if len(problems) > 20 else ""
        super().__init__(f"Fichier rejeté : {problems[0].file}\n{shown}{more}")

    @classmethod
    def single(cls, file, line, column, expected, found=None) -> "InputError":
        return cls([Problem(str(file), line, column, expected, None if found is None else str(found))])


class FetchError(Exception):
    """A remote source could not be fetched after retries (network, HTTP status, bad payload)."""
