"""INSEE FILOSOFI disposable income per commune, EPCI or for France (median per UC, poverty rate).

France's figures are the national reference of the priority rules: a median does not add up from
communes, so it is read from its own file (``filosofi_AAAA_france.csv``, ``CODGEO`` = ``FR``).

The vintage is the two-digit suffix of the indicator columns (``Q219`` = median 2019). The poverty
rate ``TP60AA`` is withheld by INSEE for small territories (statistical secrecy): an absent column
or an empty cell is missing, never 0.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from pipelines.errors import InputError
from pipelines.sources.insee_population import promote_header
from pipelines.sources.tabular import Checker, read_table

KEY = "CODGEO"
MEDIAN = re.compile(r"Q2(\d{2})")
POVERTY = re.compile(r"TP60(\d{2})")
LEVEL_IN_NAME = {"epci": re.compile(r"(^|[_-])epci([_-]|$)"), "commune": re.compile(r"(^|[_-])com(munes?)?([_-]|$)"),
                 "france": re.compile(r"(^|[_-])(france|fr|nat)([_-]|$)")}


def read_filosofi(path: str | Path) -> pd.DataFrame:
    """``level`` (commune|epci|france), ``code``, ``year``, ``median_income`` (€ per UC), ``poverty_rate`` (%)."""
    checker = Checker(path, promote_header(read_table(path), KEY))
    checker.require_columns([KEY])
    median = _indicator_column(path, checker.df.columns, MEDIAN, "Q2AA (revenu médian, ex. Q219)")
    poverty = _indicator_column(path, checker.df.columns, POVERTY, "TP60AA (taux de pauvreté, ex. TP6019)",
                                required=False)
    vintage = MEDIAN.fullmatch(median)[1]
    if poverty and POVERTY.fullmatch(poverty)[1] != vintage:
        raise InputError.single(path, 1, poverty, f"le même millésime que {median}", poverty)
    level = _level(Path(path), checker.df[KEY])
    out = pd.DataFrame({"level": level, "code": checker.code(KEY, level)}, index=checker.df.index)
    out["level"] = out["level"].astype("string")
    out["year"] = pd.Series(2000 + int(vintage), index=out.index, dtype="Int64")
    out["median_income"] = checker.number(median)
    out["poverty_rate"] = (checker.number(poverty) if poverty
                           else pd.Series(pd.NA, index=out.index, dtype="Float64"))
    checker.unique({KEY: out["code"]})
    checker.raise_if_any()
    return out.reset_index(drop=True)


def _indicator_column(path, columns, pattern: re.Pattern, label: str, required: bool = True) -> str | None:
    found = [c for c in columns if pattern.fullmatch(c)]
    if len(found) == 1 or (not found and not required):
        return found[0] if found else None
    raise InputError.single(path, 1, label, f"une seule colonne {label}", ", ".join(found) or "aucune")


def _level(path: Path, codes: pd.Series) -> str:
    """From the file name (``…_com.csv`` / ``…_epci.csv``), else from the codes: 9-digit SIREN = EPCI."""
    stem = path.stem.lower()
    for level, pattern in LEVEL_IN_NAME.items():
        if pattern.search(stem):
            return level
    first = next((c for c in codes if c), "")
    return "epci" if len(first) > 5 else "commune"
