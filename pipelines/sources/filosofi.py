"""INSEE FILOSOFI disposable income per commune, EPCI or for France (median per UC, poverty rate).

France's figures are the national reference of the priority rules: a median does not add up from
communes, so it is read from its own file (``filosofi_AAAA_france.csv``, ``CODGEO`` = ``FR``).

The vintage is the two-digit suffix of the indicator columns (``Q219`` = median 2019). The poverty rate
``TP60AA`` is withheld by INSEE for small territories (statistical secrecy): an absent column or an
empty cell is missing, never 0.
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
MEDIAN = re.compile(r"Q2(\d{2})")
POVERTY = re.compile(r"TP60(\d{2})")
LEVEL_IN_NAME = {"epci": re.compile(r"(^|[_-])epci([_-]|$)"), "commune": re.compile(r"(^|[_-])com(munes?)?([_-]|$)"),
                 "france": re.compile(r"(^|[_-])(france|fr|nat)([_-]|$)")}
FRANCE = {"FR": "FR", "FRANCE": "FR", "FE": "FR"}


def stage(con: duckdb.DuckDBPyConnection, path: str | Path, table: str) -> Checker:
    """``level`` (commune|epci|france), ``code``, ``year``, ``revenu_median`` (€ per UC), ``taux_pauvrete`` (%)."""
    path = Path(path)
    raw = files.load(con, path, header_key=KEY)
    checker = Checker(con, raw)
    checker.require_columns([KEY])
    median = _indicator_column(path, raw.header, MEDIAN, "Q2AA (revenu médian, ex. Q219)")
    poverty = _indicator_column(path, raw.header, POVERTY, "TP60AA (taux de pauvreté, ex. TP6019)", required=False)
    vintage = MEDIAN.fullmatch(median)[1]
    if poverty and POVERTY.fullmatch(poverty)[1] != vintage:
        raise InputError.single(path, 1, poverty, f"le même millésime que {median}", poverty)
    level = _level(path, con, raw)
    code = (checker.code(KEY, "departement", special=FRANCE, expected="FR (France)") if level == "france"
            else checker.code(KEY, level))
    columns = {"level": literal(level), "code": code, "year": literal(2000 + int(vintage)),
               "revenu_median": checker.number(median),
               "taux_pauvrete": checker.number(poverty, maximum=100) if poverty else "NULL::DOUBLE"}
    if level == "france":
        checker.add(f"{code} IS DISTINCT FROM 'FR'", KEY, "FR (France)", checker.col(KEY))
    checker.unique({KEY: code})
    checker.build(table, columns)
    return checker


def _indicator_column(path, columns, pattern: re.Pattern, label: str, required: bool = True) -> str | None:
    found = [c for c in columns if pattern.fullmatch(c)]
    if len(found) == 1 or (not found and not required):
        return found[0] if found else None
    raise InputError.single(path, 1, label, f"une seule colonne {label}", ", ".join(found) or "aucune")


def _level(path: Path, con, raw) -> str:
    """From the file name (``…_com.csv`` / ``…_epci.csv``), else from the codes: 9-digit SIREN = EPCI."""
    stem = path.stem.lower()
    for level, pattern in LEVEL_IN_NAME.items():
        if pattern.search(stem):
            return level
    first = con.execute(f"SELECT {raw.column(KEY)} FROM {raw.table} WHERE {raw.column(KEY)} IS NOT NULL "
                        "ORDER BY rowid LIMIT 1").fetchone()
    return "epci" if first and len(first[0].strip()) > 5 else "commune"


def read_filosofi(path: str | Path) -> pd.DataFrame:
    """One Filosofi file as a frame (tests, tools)."""
    with duckdb.connect() as con:
        table = stage(con, path, "income").table
        return con.execute(f"SELECT * EXCLUDE (_file, _row) FROM {table} ORDER BY _row").df()
