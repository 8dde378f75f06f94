"""Cnaf open data (data.caf.fr): coverage rates (``txcouv_pe_*``) and places (``nbpla_pe_*``).

One reader serves every level (France, région, département, EPCI, commune) and both spellings of the
columns: the technical names the API returns (``txcouv_epci``, ``numepci`` …) and the French labels of
the site's CSV export (``Taux de couv global``, ``Numéro EPCI`` …). The level is read from the columns,
the series (``current`` or ``hist``) from the file name.

The Caf publishes a placeholder row ``numepci = "XX"`` (``numdep = "XXX"``) for the communes outside
any EPCI: it is kept with no code and ``placeholder`` set, because its places belong in département
totals; it is never a territory.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from pipelines.errors import InputError
from pipelines.formatting import simplified
from pipelines.sources import files
from pipelines.sources.checks import Checker, literal

# level -> (suffix of the technical names, word of the French labels); most detailed first.
LEVELS = {
    "commune": ("com", "commune"),
    "epci": ("epci", "EPCI"),
    "departement": ("dep", "Département"),
    "region": ("reg", "Région"),
    "france": ("nat", None),
}
YEAR = ("annee", "Date référence")
# output column -> (technical stem, French label of the export, required)
RATE_FIELDS = {
    "tcg": ("txcouv", "Taux de couv global", True),
    "tcg_eaje": ("txcouv_eaje", "Taux de couv EAJE - ensemble", True),
    "tcg_psu": ("txcouv_psu_col", "Taux de couv EAJE PSU", True),
    "tcg_hors_psu": ("txcouv_hors_psu_col", "Taux de couv hors EAJE PSU", True),
    "tcg_ind": ("txcouv_ind", "Taux de couv accueil individuel - ensemble", True),
    "tcg_am": ("txcouv_am_ind", "Taux de couv assistantes maternelles", True),
    "tcg_gad": ("txcouv_gad_ind", "Taux de couv salarié à domicile", True),
    "tcg_prescol": ("txcouv_prescol", "Taux de couv préscolarisation", True),
}
# The French labels of the places export are those seen in third-party importers: to check on a real
# export (docs/indicators.md). The split of EAJE places (PSU / hors PSU) and ``pl_ind`` are optional.
PLACE_FIELDS = {
    "pl_psu": ("pl_psu_col", "Nombre de places EAJE PSU", False),
    "pl_hors_psu": ("pl_hors_psu_col", "Nombre de places EAJE hors PSU", False),
    "pl_eaje": ("pl_eaje", "Nombre de places EAJE", True),
    "pl_am": ("pl_am_ind", "Nombre de places assistantes maternelles", True),
    "pl_gad": ("pl_gad_ind", "Nombre de places salarié à domicile", True),
    "pl_ind": ("pl_ind", "Nombre de places accueil individuel", False),
    "pl_prescol": ("pl_prescol", "Nombre de places préscolarisation", True),
    "tot_offre": ("tot_offre", "Offre totale", True),
}
KINDS = {"txcouv_pe": RATE_FIELDS, "nbpla_pe": PLACE_FIELDS}
# The warehouse indicator each published field is (rates keep their names).
INDICATORS = {**{field: field for field in RATE_FIELDS}, "pl_psu": "places_eaje_psu",
              "pl_hors_psu": "places_eaje_hors_psu", "pl_eaje": "places_eaje", "pl_am": "places_am",
              "pl_gad": "places_gad", "pl_ind": "places_ind", "pl_prescol": "places_prescol", "tot_offre": "places_total"}
PLAUSIBLE_RATE = 300  # places per 100 children: above 100 happens (commuter towns), above 300 is a typo
EPCI_PLACEHOLDERS = {"XX": None, "ZZZZZZZZZ": None}  # Caf placeholder, INSEE code of communes without EPCI
DEPARTEMENT_PLACEHOLDERS = {"XXX": None}
# Caf territories that are not INSEE départements: Corsica as a whole, overseas collectivities.
CAF_DEPARTEMENTS = {code: code for code in ("20R", "975", "977", "978", "986", "987", "988")}


def _key(label: str) -> str:
    """Case-, accent- and punctuation-insensitive form of a column name."""
    return simplified(label, " ")


def _spell(technical: str, label: str | None, french: bool) -> str:
    return label if french and label else technical


def _code_columns(level: str, french: bool) -> tuple[str, str]:
    suffix, word = LEVELS[level]
    return _spell(f"num{suffix}", f"Numéro {word}", french), _spell(f"nom{suffix}", f"Nom {word}", french)


def fields_for(path: Path) -> dict[str, tuple[str, str, bool]]:
    """The fields a Cnaf file carries, from its name (``txcouv_pe_*`` or ``nbpla_pe_*``)."""
    for prefix, fields in KINDS.items():
        if path.name.startswith(prefix):
            return fields
    raise InputError.single(path, None, None, "un nom de fichier commençant par txcouv_pe_ ou nbpla_pe_", path.name)


def stage(con: duckdb.DuckDBPyConnection, path: str | Path, table: str) -> Checker:
    """Validate one Cnaf file and create ``table``: ``level, code, name, year, <fields>, placeholder, series,
    departement, epci`` (one row per territory and year). Returns the table and the notices."""
    path = Path(path)
    fields = fields_for(path)
    raw = files.load(con, path)
    by_key = {_key(c): c for c in raw.header}
    french = _key(YEAR[1]) in by_key
    level = next((lvl for lvl in LEVELS if lvl != "france" and _key(_code_columns(lvl, french)[0]) in by_key),
                 "france")
    suffix = LEVELS[level][0]
    year_col = _spell(*YEAR, french)
    value_cols = {out: _spell(f"{stem}_{suffix}", label, french) for out, (stem, label, _) in fields.items()}
    code_col, name_col = _code_columns(level, french) if level != "france" else (None, None)
    epci_col = _code_columns("epci", french)[0] if level == "commune" else None
    # Headers are matched loosely, then named as expected so problems quote one spelling.
    raw.header = [next((w for w in (year_col, code_col, name_col, epci_col, *value_cols.values())
                        if w and _key(w) == _key(h)), h) for h in raw.header]
    checker = Checker(con, raw)
    required = [value_cols[out] for out, (_, _, needed) in fields.items() if needed]
    checker.require_columns([year_col, *required] + ([code_col] if code_col else []))
    columns = {"level": literal(level)}
    if code_col:
        code, placeholder = _territory(checker, code_col, level)
        columns["code"] = code
        columns["name"] = checker.text(name_col) if checker.has(name_col) else "NULL::VARCHAR"
        columns["placeholder"] = placeholder
    else:
        columns.update(code=literal("FR"), name=literal("France"), placeholder="false")
    columns["year"] = checker.year(year_col, dates=True)
    for out, source in value_cols.items():
        columns[out] = checker.number(source, plausible=PLAUSIBLE_RATE if fields is RATE_FIELDS else None) \
            if checker.has(source) else "NULL::DOUBLE"
    if level == "commune":  # a commune's département follows from its INSEE code; the file's uses Caf codes (20R)
        columns["departement"] = (f"CASE WHEN starts_with({columns['code']}, '97') THEN left({columns['code']}, 3) "
                                  f"ELSE left({columns['code']}, 2) END")
    else:
        columns["departement"] = "NULL::VARCHAR"
    columns["epci"] = _territory(checker, epci_col, "epci")[0] if epci_col and checker.has(epci_col) \
        else "NULL::VARCHAR"
    columns["series"] = literal("hist" if "_hist" in path.name else "current")
    checker.ignore_others([c for c in (year_col, code_col, name_col, epci_col, *value_cols.values()) if c]
                          + [_code_columns(lvl, french)[i] for lvl in LEVELS if lvl != "france" for i in (0, 1)])
    real = f"NOT {columns['placeholder']}"  # one row per territory and year, else a sum would count it twice
    checker.unique({code_col or "code": f"CASE WHEN {real} THEN {columns['code']} END",
                    year_col: columns["year"]})
    checker.build(table, columns)
    return checker


def _territory(checker: Checker, column: str, level: str) -> tuple[str, str]:
    """SQL of the canonical code (``None`` on a placeholder row) and of the placeholder flag."""
    raw = f"upper(trim({checker.col(column)}))"
    if level == "epci":
        return (checker.code(column, "epci", special=EPCI_PLACEHOLDERS,
                             expected="un SIREN d'EPCI à 9 chiffres (ex. 200070308) ou XX"),
                f"({raw} IN ('XX', 'ZZZZZZZZZ'))")
    if level == "departement":
        return (checker.code(column, "departement", special={**CAF_DEPARTEMENTS, **DEPARTEMENT_PLACEHOLDERS},
                             expected="un code département (ex. 71, 2A, 971) ou un code Caf (20R, 977, 978)"),
                f"({raw} = 'XXX')")
    if level == "region":
        checker.add(f"NOT regexp_full_match(coalesce({raw}, ''), '[0-9]{{1,2}}')", column,
                    "un code région à 2 chiffres (ex. 27, 84)", checker.col(column))
        return f"(CASE WHEN regexp_full_match({raw}, '[0-9]{{1,2}}') THEN lpad({raw}, 2, '0') END)", "false"
    return checker.code(column, "commune"), "false"


# --- reading one file into pandas (tests, tools) -------------------------------------------------------

def read_caf_file(path: str | Path) -> pd.DataFrame:
    """Read a Cnaf file with the reader its name calls for (``txcouv_pe_*`` or ``nbpla_pe_*``)."""
    path = Path(path)
    with duckdb.connect() as con:
        table = stage(con, path, "caf_file").table
        fields = list(fields_for(path))
        return con.execute(f"SELECT level, code, name, year, {', '.join(fields)}, placeholder, series, "
                           f"departement, epci FROM {table} ORDER BY _row").df()


def read_rates(path: str | Path) -> pd.DataFrame:
    """A ``txcouv_pe_*`` file as a frame (one row per territory and year)."""
    return read_caf_file(path)


def read_places(path: str | Path) -> pd.DataFrame:
    """A ``nbpla_pe_*`` file as a frame (one row per territory and year)."""
    return read_caf_file(path)
