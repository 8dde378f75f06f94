"""INSEE census population by age per commune (base ``base-cc-evol-struct-pop-YYYY``).

Columns carry the census year as a prefix (``P21_POP0002`` = aged 0-2 in 2021): the year is read
from the header, never from the file name, and the five measures used must share it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from pipelines.errors import InputError
from pipelines.sources.tabular import Checker, read_table

KEY = "CODGEO"
MEASURES = {"POP": "pop_total", "POP0002": "pop_0_2", "POP0305": "pop_3_5", "POP0610": "pop_6_10",
            "POP1117": "pop_11_17"}
MEASURE_COLUMN = re.compile(r"P(\d{2})_(" + "|".join(MEASURES) + ")")
HEADER_SEARCH_ROWS = 10


def read_population(path: str | Path) -> pd.DataFrame:
    """``commune, year, pop_total, pop_0_2, pop_3_5, pop_6_10, pop_11_17`` (Float64: INSEE values are fractional)."""
    checker = Checker(path, promote_header(read_table(path), KEY))
    checker.require_columns([KEY])
    prefix, year = _census_prefix(path, checker.df.columns)
    out = pd.DataFrame({"commune": checker.code(KEY, "commune")})
    out["year"] = pd.Series(year, index=out.index, dtype="Int64")
    for measure, target in MEASURES.items():
        out[target] = checker.number(f"{prefix}_{measure}", required=True)
    checker.unique({KEY: out["commune"]})
    checker.raise_if_any()
    return out.reset_index(drop=True)


def promote_header(df: pd.DataFrame, key: str) -> pd.DataFrame:
    """INSEE workbooks put a title block above the real header: make the row holding ``key`` the header.

    Line numbers are kept, so problems still point at the spreadsheet row.
    """
    if key in df.columns:
        return df
    data = df.drop(columns="_line")
    for position in range(min(HEADER_SEARCH_ROWS, len(df))):
        header = [str(v).strip() for v in data.iloc[position]]
        if key in header:
            body = data.iloc[position + 1:].set_axis(header, axis=1)
            body = body.loc[:, [c for c in header if c]]
            return body.assign(_line=df["_line"].iloc[position + 1:])
    return df


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
