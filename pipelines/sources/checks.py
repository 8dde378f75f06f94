"""Typing and validation of a raw table inside DuckDB, reported line by line.

A connector asks the ``Checker`` for the typed form of each column it needs (``number``, ``code``,
``date`` …): each call declares the expressions that type the column — in layers, so every cell is
cleaned once, whatever the number of checks — and the checks it implies (a SQL condition marking the bad
rows, what was expected, what to quote). ``build`` materialises the typed columns in one pass, counts the
failing rows of every check in one more, details only the checks that failed, then either rejects the
file with every problem (capped per check, with how many lines in all) or creates the typed table.
Text that means "missing" (``n.d.``, ``NA`` …) becomes missing, never 0, and is reported as a notice.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import unicodedata
from dataclasses import dataclass

import duckdb

from pipelines.errors import InputError, Notice, Problem
from pipelines.sources.files import RawTable, quote

MISSING_TOKENS = ("na", "n/a", "nd", "n.d.", "n.d", "nan", "null", "none", "s", "secret", "\\n")
LISTED = 50  # problem lines listed per check; the rest are counted
NOTICE_LINES = 8  # line numbers quoted in a notice
FIRST_YEAR = 2000
SPACES = ("\u00a0", "\u202f", " ")  # thousands separators: 14 957

CODE_PATTERNS = {
    # kind -> (SQL of the canonical code from the upper-cased trimmed text ``{u}``, expected)
    "commune": ("CASE WHEN regexp_full_match({u}, '[0-9]{{4,5}}') THEN lpad({u}, 5, '0') "
                "WHEN regexp_full_match({u}, '2[AB][0-9]{{3}}') THEN {u} END",
                "un code commune INSEE à 5 caractères (ex. 71270, 2A004)"),
    "epci": ("CASE WHEN regexp_full_match({u}, '[0-9]{{8,9}}') THEN lpad({u}, 9, '0') END",
             "un SIREN d'EPCI à 9 chiffres (ex. 200070308)"),
    "departement": ("CASE WHEN regexp_full_match({u}, '[0-9]{{1,2}}') THEN lpad({u}, 2, '0') "
                    "WHEN {u} IN ('2A', '2B') OR regexp_full_match({u}, '97[1-6]') THEN {u} END",
                    "un code département (ex. 71, 2A, 971)"),
}


def literal(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def choice_key(text: str) -> str:
    """What is left of a label once case, accents, apostrophes and separators are ignored (as in SQL below)."""
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    return re.sub(r"[\s_-]+", " ", text.replace("’", "'")).strip().lower()


_TOKENS = ", ".join(literal(t) for t in MISSING_TOKENS)


def missing_sql(c: str) -> str:
    """SQL: the raw text ``c`` is empty or a word meaning "missing"."""
    return f"({c} IS NULL OR trim({c}) = '' OR lower(trim({c})) IN ({_TOKENS}))"


@dataclass(frozen=True)
class Check:
    bad: str  # SQL condition on the prepared table: the row is in default
    column: str | None
    expected: str
    found: str  # SQL of the text to quote
    problem: bool = True  # False: a notice (the row is accepted)
    detail: str | None = None  # SQL of a per-row value filling the ``{}`` of ``expected``


class Checker:
    """Collects the typed columns and checks of one raw table, then runs them in a few scans."""

    def __init__(self, con: duckdb.DuckDBPyConnection, raw: RawTable):
        self.con = con
        self.raw = raw
        self.file = str(raw.path)
        self.checks: list[Check] = []
        self.keys: list[dict[str, str]] = []  # unique keys, checked with the other checks
        # name -> SQL, each layer reads the ones before; the last holds window expressions over typed values
        self.layers: list[dict[str, str]] = [{}, {}, {}, {}]
        self.notices: list[Notice] = list(raw.notices)
        self.problems: list[Problem] = []
        self.table: str | None = None  # the typed table, once built
        self.commune_header: str | None = None  # the column holding commune codes (named in later problems)
        self._names = itertools.count()
        self._prepared: str | None = None
        self._missing: dict[str, str] = {}

    # --- columns -------------------------------------------------------------------------------------

    def has(self, column: str) -> bool:
        return column in self.raw.header

    def col(self, column: str) -> str:
        return self.raw.column(column)

    def require_columns(self, columns: list[str]) -> None:
        """Reject the file at once when a required column is absent: nothing else can be checked."""
        missing = [c for c in columns if c not in self.raw.header]
        if missing:
            present = ", ".join(self.raw.header)
            raise InputError([Problem(self.file, 1, c, "cette colonne dans l'en-tête", f"colonnes : {present}")
                              for c in missing])

    def ignore_others(self, used: list[str]) -> None:
        """A notice naming the columns the source does not read (a renamed column shows up here)."""
        extra = [c for c in self.raw.header if c not in used and not c.startswith("(colonne ")]
        if extra:
            self.notices.append(Notice(self.file, 1, None, "colonnes ignorées : " + ", ".join(extra)))

    def add(self, bad: str, column: str | None, expected: str, found: str | None = None,
            detail: str | None = None) -> None:
        """A row-level rule: rows where ``bad`` holds are problems; ``detail`` (SQL) fills ``{}`` in ``expected``."""
        self.checks.append(Check(bad, column, expected, found or "NULL", detail=detail))

    def warn(self, bad: str, column: str | None, message: str, found: str | None = None) -> None:
        self.checks.append(Check(bad, column, message, found or "NULL", problem=False))

    def missing(self, column: str) -> str:
        """SQL: the cell of ``column`` is missing (empty or a missing word)."""
        if column not in self._missing:
            self._missing[column] = self._layer(0, missing_sql(self.col(column)))
        return self._missing[column]

    def derived(self, sql: str, layer: int = 0) -> str:
        """A connector's own expression, computed once per row (``layer`` 0 reads the raw columns, 1 reads
        layer 0…); returns the name to use it by in checks, keys and typed columns."""
        return self._layer(layer, sql)

    def window(self, sql: str) -> str:
        """A window expression over typed values (``lag(x) OVER (PARTITION BY k ORDER BY d)``): rules between the
        rows of one key, computed once per row after every column is typed (the last layer)."""
        return self.derived(sql, len(self.layers) - 1)

    def _layer(self, layer: int, sql: str) -> str:
        """Compute ``sql`` once per row at ``layer``; returns the name later expressions read it by."""
        name = f"x{next(self._names)}"
        self.layers[layer][name] = sql
        return name

    # --- typed expressions ---------------------------------------------------------------------------

    def _presence(self, column: str, expected: str, required: bool) -> str:
        """Missing cells: a problem when required, else a notice for the words read as missing."""
        c = self.col(column)
        missing = self.missing(column)
        if required:
            self.add(missing, column, expected, c)
        else:
            self.warn(f"({missing} AND {c} IS NOT NULL AND trim({c}) <> '')", column,
                      "texte lu comme valeur manquante (jamais 0)", c)
        return missing

    def text(self, column: str, *, required: bool = False) -> str:
        missing = self._presence(column, "une valeur non vide", required)
        return self._layer(1, f"CASE WHEN {missing} THEN NULL ELSE trim({self.col(column)}) END")

    def number(self, column: str, *, required: bool = False, minimum: float | None = 0, integral: bool = False,
               plausible: float | None = None, maximum: float | None = None, expected: str | None = None,
               text: str | None = None) -> str:
        """A DOUBLE (BIGINT if ``integral``); accepts ``72,1``, ``72.1``, ``14 957``; refuses ``1,234.5``.

        ``maximum`` rejects above it, ``plausible`` warns above it. ``text``: SQL of the text to read instead of
        the column's own (the column still names the problems).
        """
        c = text or self.col(column)
        # Most cells are plain numbers: DuckDB's own cast reads them; only the others are cleaned (« 14 957 »,
        # « 72,1 ») and looked at for words meaning missing — CASE evaluates those branches for them alone.
        fast = self._layer(0, f"TRY_CAST({c} AS DOUBLE)")
        plain = f"({fast} IS NOT NULL AND NOT isnan({fast}))"
        cleaned = f"trim({c})"
        for space in SPACES:
            cleaned = f"replace({cleaned}, {literal(space)}, '')"
        decimal = (f"CASE WHEN contains({cleaned}, ',') AND NOT contains({cleaned}, '.') "
                   f"THEN replace({cleaned}, ',', '.') WHEN contains({cleaned}, ',') THEN NULL ELSE {cleaned} END")
        value = self._layer(1, f"CASE WHEN {plain} THEN {fast} WHEN {c} IS NULL THEN NULL "
                               f"ELSE TRY_CAST({decimal} AS DOUBLE) END")
        if text is None:
            self._missing.setdefault(column, self._layer(1, f"CASE WHEN {c} IS NULL THEN true WHEN {plain} "
                                                            f"THEN false ELSE {missing_sql(c)} END"))
        if expected is None:
            expected = "un entier" if integral else "un nombre"
            if minimum is not None:
                expected += f" ≥ {minimum:g}"
            if maximum is not None:
                expected += f" et ≤ {maximum:g}"
        tests = [f"{value} IS NULL", f"NOT isfinite({value})"]
        if minimum is not None:
            tests.append(f"{value} < {minimum!r}")
        if maximum is not None:
            tests.append(f"{value} > {maximum!r}")
        if integral:
            tests.append(f"{value} <> round({value})")
        missing = self._presence(column, expected, required)
        bad = f"(NOT {missing} AND ({' OR '.join(tests)}))"
        self.add(bad, column, expected, self.col(column))
        if plausible is not None:
            self.warn(f"(NOT {bad} AND {value} > {plausible!r})", column,
                      f"valeur invraisemblable (au-delà de {plausible:g}), gardée telle quelle", self.col(column))
        typed = f"(CASE WHEN {missing} OR {bad} THEN NULL ELSE {value} END)"
        return f"round({typed})::BIGINT" if integral else typed

    def integer(self, column: str, *, required: bool = False, minimum: int | None = 0) -> str:
        return self.number(column, required=required, minimum=minimum, integral=True)

    def year(self, column: str, *, required: bool = True, dates: bool = False) -> str:
        """A year from 2000 to the current one: a later year is a typo, never a future to fill.

        ``dates``: also read the year of a date (``2021-01-01``, ``01/01/2021``), as ``txcouv_pe_nat`` has it.
        """
        last = dt.date.today().year
        text = None
        if dates:
            t = f"trim({self.col(column)})"
            text = (f"(CASE WHEN regexp_full_match({t}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}.*') THEN left({t}, 4) "
                    f"WHEN regexp_full_match({t}, '[0-9]{{2}}/[0-9]{{2}}/[0-9]{{4}}') THEN right({t}, 4) ELSE {t} END)")
        expected = f"une année entre {FIRST_YEAR} et l'année en cours ({last})" + (
            " ou une date (2021-01-01)" if dates else "")
        return self.number(column, required=required, minimum=FIRST_YEAR, maximum=last, integral=True,
                           expected=expected, text=text)

    def code(self, column: str, kind: str, *, required: bool = True, special: dict[str, str | None] | None = None,
             expected: str | None = None) -> str:
        """Territory codes with their leading zeros restored (``6161`` -> ``06161``).

        ``special``: other accepted spellings (upper case) and their canonical code (``None`` for a
        placeholder such as the Caf's ``XX``).
        """
        if kind == "commune":
            self.commune_header = column
        pattern, default_expected = CODE_PATTERNS[kind]
        expected = expected or default_expected
        u = self._layer(0, f"upper(trim({self.col(column)}))")
        canonical = self._layer(1, pattern.format(u=u))
        specials = special or {}
        known = f"{u} IN ({', '.join(literal(k) for k in specials)})" if specials else "false"
        cases = " ".join(f"WHEN {u} = {literal(k)} THEN {literal(v)}" for k, v in specials.items())
        missing = self._presence(column, expected, required)
        self.add(f"(NOT {missing} AND NOT {known} AND {canonical} IS NULL)", column, expected, self.col(column))
        return self._layer(2, f"CASE WHEN {missing} THEN NULL {cases} ELSE {canonical} END")

    def choice(self, column: str, allowed: dict[str, str], *, required: bool = True, expected: str | None = None) -> str:
        """Map accepted spellings (case, accents, separators free) to canonical values.

        ``expected``: what to tell users when the list is too long to spell out (the indicator catalogue).
        """
        c = self.col(column)
        key = self._layer(0, f"trim(regexp_replace(lower(strip_accents(replace({c}, '’', ''''))), "
                             f"'[[:space:]_-]+', ' ', 'g'))")
        keys = {choice_key(k): v for k, v in allowed.items()}
        cases = " ".join(f"WHEN {literal(k)} THEN {literal(v)}" for k, v in keys.items())
        typed = self._layer(1, f"CASE {key} {cases} END")
        expected = expected or "une valeur parmi " + ", ".join(sorted(set(allowed.values())))
        missing = self._presence(column, expected, required)
        self.add(f"(NOT {missing} AND {typed} IS NULL)", column, expected, c)
        return f"(CASE WHEN {missing} THEN NULL ELSE {typed} END)"

    def date(self, column: str, *, required: bool = False) -> str:
        """``AAAA-MM-JJ`` or ``JJ/MM/AAAA`` (workbook dates arrive as ISO text)."""
        c = self.col(column)
        day = self._layer(0, f"split_part(split_part(trim({c}), ' ', 1), 'T', 1)")
        typed = self._layer(1, f"coalesce(TRY_STRPTIME({day}, '%Y-%m-%d'), TRY_STRPTIME({day}, '%d/%m/%Y'))::DATE")
        expected = "une date AAAA-MM-JJ ou JJ/MM/AAAA"
        missing = self._presence(column, expected, required)
        self.add(f"(NOT {missing} AND {typed} IS NULL)", column, expected, c)
        return f"(CASE WHEN {missing} THEN NULL ELSE {typed} END)"

    def unique(self, keys: dict[str, str]) -> None:
        """One row per key (file column label -> typed SQL): a repeated key would be counted twice."""
        self.keys.append(keys)

    # --- running the checks --------------------------------------------------------------------------

    def _prepare(self) -> str:
        """One table with the raw text and every layer of typed expressions, computed once per cell."""
        if self._prepared is None:
            select = f"SELECT rowid AS _r, * FROM {self.raw.table}"
            for layer in self.layers:
                if layer:
                    exprs = ", ".join(f"{sql} AS {name}" for name, sql in layer.items())
                    select = f"SELECT *, {exprs} FROM ({select})"
            self._prepared = f"{self.raw.table}_typed"
            self.con.execute(f"CREATE TABLE {self._prepared} AS {select}")
        return self._prepared

    def _rest(self, n: int, listed: int, column: str | None, expected: str) -> None:
        if n > listed:
            self.problems.append(Problem(self.file, None, column, f"{expected} — et {n - listed} autres lignes",
                                         count=n - listed))

    def run_checks(self) -> None:
        """One scan counts the rows failing each check (and repeated keys); only failing checks are detailed."""
        table = self._prepare()
        counts = [f"count_if({check.bad})" for check in self.checks]
        for keys in self.keys:
            not_null = " AND ".join(f"({k}) IS NOT NULL" for k in keys.values())
            counts.append(f"count(*) FILTER (WHERE {not_null}) - count(DISTINCT ({', '.join(keys.values())}))"
                          f" FILTER (WHERE {not_null})")
        found = self.con.execute(f"SELECT {', '.join(counts)} FROM {table}").fetchone() if counts else []
        for check, n in zip(self.checks, found):
            if n:
                self._detail(table, check)
        for keys, n in zip(self.keys, found[len(self.checks):]):
            if n:
                self._repeated(table, keys)
        self.checks, self.keys = [], []

    def _detail(self, table: str, check: Check) -> None:
        found = self.con.execute(
            f"SELECT _r, CAST({check.found} AS VARCHAR), count(*) OVER (), CAST({check.detail or 'NULL'} AS VARCHAR) "
            f"FROM {table} WHERE {check.bad} ORDER BY _r LIMIT {LISTED if check.problem else NOTICE_LINES}").fetchall()
        lines = self.raw.lines([r[0] for r in found])
        total = found[0][2]
        if check.problem:
            self.problems += [Problem(self.file, lines.get(row), check.column,
                                      check.expected.format(detail) if check.detail else check.expected, value)
                              for row, value, _, detail in found]
            self._rest(total, len(found), check.column, check.expected)
        else:
            listed = ", ".join(str(lines.get(row)) for row, *_ in found)
            more = " …" if total > len(found) else ""
            message = check.expected + (f" (lignes {listed}{more})" if total > 1 else "")
            self.notices.append(Notice(self.file, lines.get(found[0][0]), check.column, message,
                                       found[0][1], count=total))

    def _repeated(self, table: str, keys: dict[str, str]) -> None:
        label = ", ".join(keys)
        parts = ", ".join(keys.values())
        not_null = " AND ".join(f"({k}) IS NOT NULL" for k in keys.values())
        repeated = self.con.execute(f"""
            SELECT _r, first, concat_ws(' ; ', {', '.join(f'CAST(({k}) AS VARCHAR)' for k in keys.values())}),
                   count(*) OVER ()
            FROM (SELECT *, min(_r) OVER (PARTITION BY {parts}) AS first FROM {table} WHERE {not_null})
            WHERE _r <> first ORDER BY _r LIMIT {LISTED}""").fetchall()
        lines = self.raw.lines([r[0] for r in repeated] + [r[1] for r in repeated])
        for row, first, found, _ in repeated:
            self.problems.append(Problem(self.file, lines.get(row), label,
                                         f"une seule ligne par {label} (déjà présente ligne {lines.get(first)})",
                                         found))
        if repeated:
            self._rest(repeated[0][3], len(repeated), label, f"une seule ligne par {label}")

    def raise_if_any(self) -> None:
        self.run_checks()
        if self.problems:
            raise InputError(self.problems)

    def build(self, table: str, columns: dict[str, str]) -> str:
        """Run every check; reject the file, or create ``table`` (typed columns plus ``_file``, ``_row``)."""
        self.raise_if_any()
        select = ", ".join(f"{expr} AS {quote(name)}" for name, expr in columns.items())
        self.con.execute(f"CREATE TABLE {table} AS SELECT {literal(self.file)} AS _file, _r AS _row, {select} "
                         f"FROM {self._prepare()} ORDER BY _r")
        self.con.execute(f"DROP TABLE {self._prepared}; DROP TABLE {self.raw.table}")
        self.table = table
        return table
