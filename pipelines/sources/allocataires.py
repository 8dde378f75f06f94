"""Caf allocataires per IRIS or per commune (files ``data_CAF_AAAA_IRIS.csv`` / ``data_CAF_AAAA_COM.csv``).

One row per territory, ``CODGEO`` its code: 9 characters for an IRIS (the first five are its commune),
5 for a commune (a commune not split into IRIS, or a commune-level file). The connector keeps the IRIS
code and derives ``commune`` = its first five characters, so the staging maps that commune to the COG
like every source (an IRIS of Pierrefitte, 93059…, counts for Saint-Denis 93066 since their fusion).

What the columns mean, and what stays to check, is in ``docs/allocataires.md``. Two rules follow from it:

- counts are kept as the Caf publishes them: an empty cell (the file holds no value below 5, nor any 0) is
  missing, never 0;
- ``NOTE`` other than 0 marks an IRIS whose figures the Caf does not publish (every count of those rows is
  empty in the 2020 file): every count of such a row is missing, even if a cell holds a number.

The year is the ``ANNEE`` column when the file has one, else the one year (2000 to the current year) its
name carries (``data_CAF_2020_IRIS.csv``); a file with neither is rejected, never given a guessed year.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.errors import InputError, Notice
from pipelines.sources import files
from pipelines.sources.checks import FIRST_YEAR, Checker, literal

KEY = "CODGEO"
NOTE = "NOTE"
YEAR_COLUMNS = ("ANNEE", "annee", "Annee", "année", "Année")
# file column -> staging count (docs/allocataires.md); every one is required: it is the published layout
MEASURES = {
    "A": "allocataires",
    "PERCOU": "personnes_couvertes",
    "AI": "alloc_isoles",
    "AM": "alloc_monoparents",
    "ACSSENF": "alloc_couples_sans_enfant",
    "ACAVENF": "alloc_couples_avec_enfants",
    "ENF": "enfants_couverts",
    "ENF_2": "enfants_alloc_0_2",
    "ENF_3_5": "enfants_alloc_3_5",
    "AAAH": "alloc_aah",
    "APPA": "alloc_prime_activite",
    "ARSAS": "alloc_rsa",
}
# in the published layout, read by no indicator yet: not worth a notice on every file
UNUSED = ("AC3ENF", "ENF_6_10", "ENF_11_14", "ENF_15_17", "ENF_18_24", "A_ETUD", "A_NETUD_24", "AAL", "AAPL")
YEAR_IN_NAME = re.compile(r"(?<![0-9])(20[0-9]{2})(?![0-9])")
IRIS_EXPECTED = "un code IRIS à 9 caractères (ex. 930080101) ou un code commune à 5 caractères (ex. 93008)"


def stage(con: duckdb.DuckDBPyConnection, path: str | Path, table: str) -> Checker:
    """``level`` (iris|commune), ``iris``, ``commune``, ``year``, ``note`` and the counts of ``MEASURES``."""
    path = Path(path)
    raw = files.load(con, path, header_key=KEY)
    checker = Checker(con, raw)
    checker.require_columns([KEY, *MEASURES])
    checker.commune_header = KEY  # later problems on the commune name this column
    code = checker.derived(f"upper(trim({checker.col(KEY)}))")
    iris = checker.derived(f"CASE WHEN regexp_full_match({code}, '[0-9]{{8,9}}') THEN lpad({code}, 9, '0') "
                           f"WHEN regexp_full_match({code}, '2[AB][0-9]{{7}}') THEN {code} END", 1)
    commune = checker.derived(f"CASE WHEN regexp_full_match({code}, '[0-9]{{4,5}}') THEN lpad({code}, 5, '0') "
                              f"WHEN regexp_full_match({code}, '2[AB][0-9]{{3}}') THEN {code} END", 1)
    checker.add(f"({iris}) IS NULL AND ({commune}) IS NULL", KEY, IRIS_EXPECTED, checker.col(KEY))
    year_column = next((c for c in YEAR_COLUMNS if checker.has(c)), None)
    year = checker.year(year_column) if year_column else literal(_year_from_name(path))
    note = checker.integer(NOTE) if checker.has(NOTE) else "0"
    published = f"coalesce({note}, 0) = 0"
    columns = {
        "level": f"CASE WHEN ({iris}) IS NOT NULL THEN 'iris' ELSE 'commune' END",
        "iris": iris,
        "commune": f"coalesce(left({iris}, 5), {commune})",
        "year": year,
        "note": note,
    }
    for source, target in MEASURES.items():
        columns[target] = f"CASE WHEN {published} THEN {checker.integer(source)} END"
    checker.unique({KEY: f"coalesce({iris}, {commune})"})
    checker.ignore_others([KEY, NOTE, *MEASURES, *UNUSED, *([year_column] if year_column else [])])
    checker.build(table, columns)
    flagged = con.execute(f"SELECT count(*), min(iris) FROM {table} WHERE coalesce(note, 0) <> 0").fetchall()[0]
    if flagged[0]:
        checker.notices.append(Notice(str(path), None, NOTE, "IRIS non diffusés par la Caf (NOTE différente de 0) : "
                                      "leurs effectifs sont manquants, et ceux de leur commune aussi",
                                      flagged[1], count=flagged[0]))
    return checker


def _year_from_name(path: Path) -> int:
    """The one year of the file name; none, several or a future one is a problem naming the file."""
    found = sorted({int(y) for y in YEAR_IN_NAME.findall(path.stem)})
    last = dt.date.today().year
    if len(found) == 1 and FIRST_YEAR <= found[0] <= last:
        return found[0]
    raise InputError.single(path, 1, None, "une colonne ANNEE, ou l'année dans le nom du fichier "
                            f"(ex. data_CAF_2020_IRIS.csv, entre {FIRST_YEAR} et {last})",
                            ", ".join(map(str, found)) or path.name)


def read_allocataires(path: str | Path) -> pd.DataFrame:
    """One allocataires file as a frame (tests, tools)."""
    with duckdb.connect() as con:
        table = stage(con, path, "allocataires").table
        return con.execute(f"SELECT * EXCLUDE (_file, _row) FROM {table} ORDER BY _row").df()
