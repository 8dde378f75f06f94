"""INSEE census population by age per commune (base ``base-cc-evol-struct-pop-YYYY``).

Columns carry the census year as a prefix (``P21_POP0002`` = aged 0-2 in 2021): the year is read from
the header, never from the file name, and the five measures used must share it.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.errors import InputError
from pipelines.sources import files
from pipelines.sources.checks import Checker, literal

KEY = "CODGEO"
MEASURES = {"POP": "population", "POP0002": "enfants_0_2", "POP0305": "enfants_3_5", "POP0610": "enfants_6_10",
            "POP1117": "enfants_11_17"}
MEASURE_COLUMN = re.compile(r"P(\d{2})_(" + "|".join(MEASURES) + ")")


def stage(con: duckdb.DuckDBPyConnection, path: str | Path, table: str) -> Checker:
    """``commune, year, population, enfants_0_2 … enfants_11_17`` (DOUBLE: INSEE values are fractional)."""
    raw = files.load(con, path, header_key=KEY)
    checker = Checker(con, raw)
    checker.require_columns([KEY])
    prefix, year = _census_prefix(path, raw.header)
    columns = {"commune": checker.code(KEY, "commune"), "year": literal(year)}
    for measure, target in MEASURES.items():
        columns[target] = checker.number(f"{prefix}_{measure}", required=True)
    checker.unique({KEY: columns["commune"]})
    checker.build(table, columns)
    return checker


def _census_prefix(path, columns) -> tuple[str, int]:
    """The one census year whose five measures are all present (historical extras are ignored)."""
    measures_by_year: dict[str, set[str]] = {}
    for column in columns:
        if match := MEASURE_COLUMN.fullmatch(column):
            measures_by_year.setdefault(match[1], set()).add(match[2])
    complete = sorted(y for y, found in measures_by_year.items() if found == set(MEASURES))
    if len(complete) == 1:
        return f"P{complete[0]}", 2000 + int(complete[0])
    wanted = ", ".join(f"P<AA>_{m}" for m in MEASURES)
    found = ", ".join(c for c in columns if MEASURE_COLUMN.fullmatch(c)) or "aucune"
    if complete:
        raise InputError.single(path, 1, None, f"un seul millésime de recensement ({wanted})", found)
    raise InputError.single(path, 1, None, f"les colonnes {wanted} avec le même préfixe d'année "
                                           "(ex. P21_POP pour le recensement 2021)", found)


def read_population(path: str | Path) -> pd.DataFrame:
    """One census file as a frame (tests, tools)."""
    with duckdb.connect() as con:
        table = stage(con, path, "population").table
        return con.execute(f"SELECT * EXCLUDE (_file, _row) FROM {table} ORDER BY _row").df()
