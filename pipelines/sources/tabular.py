"""Shared reading and typing of tabular inputs, so every connector reports problems the same way.

A connector reads its file as text (``read_table``), then converts columns with the ``Checker``:
each conversion records a ``Problem`` (file, line, column, expected, found) instead of raising at
the first one, and ``Checker.raise_if_any`` rejects the file with all of them.
"""

from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from pipelines.errors import InputError, Problem

MAX_PROBLEMS = 200
MISSING_TOKENS = {"", "na", "n/a", "nd", "n.d.", "nan", "null", "none", "s", "secret", "\\n"}


def read_table(path: str | Path, sheet: str | int = 0) -> pd.DataFrame:
    """Read a CSV (any of ``;`` ``,`` tab, UTF-8 with or without BOM, or cp1252) or an XLSX as strings.

    Adds ``_line``: the line number a person sees in the file (header = 1); fully blank rows
    (left behind by spreadsheets) are dropped without shifting the numbers of the others.
    """
    path = Path(path)
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        try:
            df = pd.read_excel(path, sheet_name=sheet, dtype=str, keep_default_na=False)
        except Exception as exc:  # openpyxl raises many types for a corrupt workbook
            raise InputError.single(path, None, None, "un classeur XLSX lisible", type(exc).__name__) from exc
        df = df.map(lambda v: v.strip() if isinstance(v, str) else v)
    else:
        text = _decode(path)
        if not text.strip():
            raise InputError.single(path, None, None, "un fichier non vide avec une ligne d'en-tête")
        sep = _sniff_separator(text)
        try:
            df = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                             skipinitialspace=True, engine="python", skip_blank_lines=False)
        except (pd.errors.ParserError, csv.Error) as exc:
            raise InputError.single(path, _parser_error_line(str(exc)), None,
                                    f"le même nombre de champs sur chaque ligne (séparateur « {sep} »)",
                                    str(exc).splitlines()[0]) from exc
        df = df.loc[:, [c for c in df.columns if not str(c).startswith("Unnamed:")]]
    df.columns = [str(c).strip().lstrip("\ufeff") for c in df.columns]
    df = df.apply(lambda s: s.str.strip() if pd.api.types.is_string_dtype(s) else s)
    df["_line"] = range(2, len(df) + 2)
    blank = df.drop(columns="_line").fillna("").astype(str).eq("").all(axis=1)
    return df.loc[~blank].reset_index(drop=True)


def _decode(path: Path) -> str:
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(enc).replace("\r\n", "\n").replace("\r", "\n")
        except UnicodeDecodeError:
            continue
    raise InputError.single(path, None, None, "un encodage UTF-8 ou Windows-1252")


def _sniff_separator(text: str) -> str:
    header = text.split("\n", 1)[0]
    counts = {sep: header.count(sep) for sep in (";", "\t", ",")}
    return max(counts, key=counts.get) if max(counts.values()) else ";"


def _parser_error_line(message: str) -> int | None:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None


def is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value)) or str(value).strip().lower() in MISSING_TOKENS


class Checker:
    """Collects the problems of one file while its columns are converted to types."""

    def __init__(self, path: str | Path, df: pd.DataFrame):
        self.file = str(path)
        self.df = df
        self.problems: list[Problem] = []

    def add(self, line, column, expected, found=None) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(self.file, line, column, expected, None if found is None else str(found)))

    def require_columns(self, columns: list[str]) -> None:
        """Reject the file at once when a required column is absent: nothing else can be checked."""
        missing = [c for c in columns if c not in self.df.columns]
        if missing:
            present = ", ".join(c for c in self.df.columns if c != "_line")
            raise InputError([Problem(self.file, 1, c, "cette colonne dans l'en-tête", f"colonnes : {present}")
                              for c in missing])

    def _convert(self, column: str, parse, expected: str, required: bool) -> pd.Series:
        """Parse each distinct value once (files repeat codes and counts a lot), then map them back."""
        raw = self.df[column].astype(object)
        parsed, bad = {}, set()
        for value in pd.unique(raw):
            if is_missing(value):
                parsed[value] = None
                if required:
                    bad.add(value)
                continue
            try:
                parsed[value] = parse(str(value).strip())
            except (ValueError, TypeError):
                parsed[value] = None
                bad.add(value)
        if bad:
            for value, line in zip(raw, self.df["_line"]):
                if value in bad:
                    self.add(line, column, expected, value)
        return pd.Series([parsed[v] for v in raw], index=self.df.index, dtype=object)

    def number(self, column: str, *, required: bool = False, minimum: float | None = 0,
               decimal: str = "auto") -> pd.Series:
        """A float column; ``decimal='auto'`` accepts both ``72,1`` and ``72.1`` (and ``14 957``)."""
        expected = "un nombre" + (f" ≥ {minimum:g}" if minimum is not None else "")
        return self._numbers(column, expected, required, minimum, decimal, integral=False).astype("Float64")

    def integer(self, column: str, *, required: bool = False, minimum: int | None = 0) -> pd.Series:
        expected = "un entier" + (f" ≥ {minimum}" if minimum is not None else "")
        return self._numbers(column, expected, required, minimum, "auto", integral=True).round().astype("Int64")

    def _numbers(self, column: str, expected: str, required: bool, minimum, decimal: str,
                 integral: bool) -> pd.Series:
        """Vectorised ``parse_number`` (national files have millions of cells); problems named per line."""
        raw = self.df[column].astype(object)
        text = raw.fillna("").astype(str).str.strip()
        missing = text.str.lower().isin(MISSING_TOKENS)
        cleaned = text.str.replace("\u202f", "", regex=False).str.replace("\xa0", "", regex=False) \
            .str.replace(" ", "", regex=False)
        comma, point = cleaned.str.contains(",", regex=False), cleaned.str.contains(".", regex=False)
        use_comma = comma & ~point if decimal == "auto" else comma if decimal == "," else comma & False
        refused = comma & ~use_comma  # a comma that cannot be the decimal mark
        values = pd.to_numeric(cleaned.where(~use_comma, cleaned.str.replace(",", ".", regex=False))
                               .where(~refused & ~missing), errors="coerce").astype(float)
        bad = ~missing & (values.isna() | ~np.isfinite(values.fillna(0.0)))
        if minimum is not None:
            bad |= values < minimum
        if integral:
            bad |= values.notna() & (values != values.round())
        if required:
            bad |= missing
        for line, value in zip(self.df.loc[bad, "_line"], raw[bad]):
            self.add(line, column, expected, value)
        return values.where(~bad & ~missing)

    def code(self, column: str, kind: str, *, required: bool = True) -> pd.Series:
        """Territory codes, restoring leading zeros lost by spreadsheets (``6161`` -> ``06161``)."""
        normalise, expected = CODE_RULES[kind]
        return self._convert(column, normalise, expected, required).astype("string")

    def choice(self, column: str, allowed: dict[str, str], *, required: bool = True) -> pd.Series:
        """Map accepted spellings (case-insensitive keys) to canonical values."""
        lowered = {k.lower(): v for k, v in allowed.items()}
        expected = "une valeur parmi " + ", ".join(sorted(set(allowed.values())))

        def parse(text: str) -> str:
            return lowered[text.lower()]

        def safe(text: str) -> str:
            try:
                return parse(text)
            except KeyError as exc:
                raise ValueError from exc

        return self._convert(column, safe, expected, required).astype("string")

    def date(self, column: str, *, required: bool = False) -> pd.Series:
        """Dates as ``AAAA-MM-JJ`` or ``JJ/MM/AAAA`` (also XLSX datetimes rendered as text)."""

        def parse(text: str):
            text = text.split(" ")[0].split("T")[0]
            fmt = "%d/%m/%Y" if "/" in text else "%Y-%m-%d"
            return pd.to_datetime(text, format=fmt).date()

        return self._convert(column, parse, "une date AAAA-MM-JJ ou JJ/MM/AAAA", required)

    def text(self, column: str, *, required: bool = False) -> pd.Series:
        return self._convert(column, lambda t: t, "une valeur non vide", required).astype("string")

    def unique(self, keys: dict[str, pd.Series]) -> None:
        """One row per key (file column -> typed values): a repeated key would be counted twice."""
        columns = list(keys)
        frame = pd.DataFrame(keys).assign(_line=self.df["_line"]).dropna(subset=columns)
        first_line = frame.groupby(columns, sort=False)["_line"].transform("first")
        repeated = frame.duplicated(columns, keep="first")
        label = ", ".join(columns)
        for line, first, values in zip(frame.loc[repeated, "_line"], first_line[repeated],
                                       frame.loc[repeated, columns].itertuples(index=False)):
            self.add(line, label, f"une seule ligne par {label} (déjà présente ligne {first})",
                     " ; ".join(map(str, values)))

    def raise_if_any(self) -> None:
        if self.problems:
            raise InputError(self.problems)


def parse_number(text: str, decimal: str = "auto") -> float:
    """Parse ``72,1`` / ``72.1`` / ``14 957`` / ``14\u202f957``; ``decimal`` forces ``,`` or ``.``."""
    cleaned = text.replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    if decimal == "," or (decimal == "auto" and "," in cleaned and "." not in cleaned):
        cleaned = cleaned.replace(",", ".")
    elif "," in cleaned:
        raise ValueError(text)
    value = float(cleaned)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _commune(text: str) -> str:
    text = text.upper()
    if re.fullmatch(r"\d{4,5}", text):
        return text.zfill(5)
    if re.fullmatch(r"2[AB]\d{3}", text) or re.fullmatch(r"97\d{3}", text):
        return text
    raise ValueError(text)


def _epci(text: str) -> str:
    if re.fullmatch(r"\d{8,9}", text):
        return text.zfill(9)
    raise ValueError(text)


def _departement(text: str) -> str:
    text = text.upper()
    if re.fullmatch(r"\d{1,2}", text):
        return text.zfill(2)
    if text in {"2A", "2B"} or re.fullmatch(r"97[1-6]", text):
        return text
    raise ValueError(text)


def _france(text: str) -> str:
    if text.upper() in {"FR", "FRANCE", "FE"}:
        return "FR"
    raise ValueError(text)


CODE_RULES = {
    "commune": (_commune, "un code commune INSEE à 5 caractères (ex. 71270, 2A004)"),
    "epci": (_epci, "un SIREN d'EPCI à 9 chiffres (ex. 200070308)"),
    "departement": (_departement, "un code département (ex. 71, 2A, 971)"),
    "france": (_france, "FR (France)"),
}
