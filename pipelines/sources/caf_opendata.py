"""Cnaf open data (data.caf.fr): coverage rates (``txcouv_pe_*``) and places (``nbpla_pe_*``).

One reader serves every level (France, région, département, EPCI, commune) and both spellings of
the columns: the technical names the API returns (``txcouv_epci``, ``numepci`` ...) and the
French labels of the site's CSV export (``Taux de couv global``, ``Numéro EPCI`` ...). The level
is read from the columns, the series (``current`` or ``hist``) from the file name.

The Caf publishes a placeholder row ``numepci = "XX"`` for the communes outside any EPCI: it is
kept with ``code=None`` and ``placeholder=True`` because its places belong in département totals.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from pipelines.errors import InputError
from pipelines.formatting import simplified
from pipelines.sources.tabular import CODE_RULES, Checker, read_table

# level -> (suffix of the technical names, word of the French labels); most detailed first.
LEVELS = {
    "commune": ("com", "commune"),
    "epci": ("epci", "EPCI"),
    "departement": ("dep", "Département"),
    "region": ("reg", "Région"),
    "france": ("nat", None),
}
YEAR = ("annee", "Date référence")
# output column -> (technical stem, French label of the export)
RATE_FIELDS = {
    "tcg": ("txcouv", "Taux de couv global"),
    "tcg_eaje": ("txcouv_eaje", "Taux de couv EAJE - ensemble"),
    "tcg_psu": ("txcouv_psu_col", "Taux de couv EAJE PSU"),
    "tcg_hors_psu": ("txcouv_hors_psu_col", "Taux de couv hors EAJE PSU"),
    "tcg_ind": ("txcouv_ind", "Taux de couv accueil individuel - ensemble"),
    "tcg_am": ("txcouv_am_ind", "Taux de couv assistantes maternelles"),
    "tcg_gad": ("txcouv_gad_ind", "Taux de couv salarié à domicile"),
    "tcg_prescol": ("txcouv_prescol", "Taux de couv préscolarisation"),
}
PLACE_FIELDS = {
    "pl_eaje": ("pl_eaje", "Nombre de places EAJE"),
    "pl_am": ("pl_am_ind", "Nombre de places assistantes maternelles"),
    "pl_gad": ("pl_gad_ind", "Nombre de places salarié à domicile"),
    "pl_prescol": ("pl_prescol", "Nombre de places préscolarisation"),
    "tot_offre": ("tot_offre", "Offre totale"),
}
KINDS = {"txcouv_pe": RATE_FIELDS, "nbpla_pe": PLACE_FIELDS}
KEY = ["level", "code", "year"]
NO_EPCI = {"XX", "ZZZZZZZZZ"}  # Caf placeholder, INSEE code of communes outside any EPCI
# Caf territories that are not INSEE départements: Corsica as a whole, overseas collectivities.
CAF_DEPARTEMENTS = {"20R", "975", "977", "978", "986", "987", "988"}


def _epci_or_none(text: str) -> str | None:
    return None if text.upper() in NO_EPCI else CODE_RULES["epci"][0](text)


def _caf_departement(text: str) -> str:
    return text.upper() if text.upper() in CAF_DEPARTEMENTS else CODE_RULES["departement"][0](text)


def _region(text: str) -> str:
    if re.fullmatch(r"\d{1,2}", text):
        return text.zfill(2)
    raise ValueError(text)


TERRITORY_RULES = {
    "commune": CODE_RULES["commune"],
    "epci": (_epci_or_none, CODE_RULES["epci"][1] + " ou XX"),
    "departement": (_caf_departement, CODE_RULES["departement"][1] + " ou un code Caf (20R, 977, 978)"),
    "region": (_region, "un code région à 2 chiffres (ex. 27, 84)"),
}


def _year(text: str) -> int:
    """``2021`` in most data sets, a date ``2021-01-01`` in ``txcouv_pe_nat``."""
    match = re.fullmatch(r"(\d{4})(?:-\d{2}-\d{2}\S*)?|\d{2}/\d{2}/(\d{4})", text)
    if not match:
        raise ValueError(text)
    return int(match.group(1) or match.group(2))


class _CafChecker(Checker):
    """The shared checker plus the Caf's own code forms (``XX``, ``20R``, régions) and year forms."""

    def territory(self, column: str, level: str, *, required: bool = True) -> pd.Series:
        parse, expected = TERRITORY_RULES[level]
        return self._convert(column, parse, expected, required).astype("string")

    def year(self, column: str) -> pd.Series:
        return self._convert(column, _year, "une année (2021) ou une date (2021-01-01)", True).astype("Int64")


def _key(label: str) -> str:
    """Case-, accent- and punctuation-insensitive form of a column name."""
    return simplified(label, " ")


def _spell(technical: str, label: str | None, french: bool) -> str:
    return label if french and label else technical


def _code_columns(level: str, french: bool) -> tuple[str, str]:
    suffix, word = LEVELS[level]
    return _spell(f"num{suffix}", f"Numéro {word}", french), _spell(f"nom{suffix}", f"Nom {word}", french)


def read_rates(path: str | Path) -> pd.DataFrame:
    """A ``txcouv_pe_*`` file as the ``caf_rates`` table."""
    return _read(Path(path), RATE_FIELDS)


def read_places(path: str | Path) -> pd.DataFrame:
    """A ``nbpla_pe_*`` file as the ``caf_places`` table."""
    return _read(Path(path), PLACE_FIELDS)


def read_caf_file(path: str | Path) -> pd.DataFrame:
    """Read a Cnaf file with the reader its name calls for (``txcouv_pe_*`` or ``nbpla_pe_*``)."""
    path = Path(path)
    for prefix, fields in KINDS.items():
        if path.name.startswith(prefix):
            return _read(path, fields)
    raise InputError.single(path, None, None, "un nom de fichier commençant par txcouv_pe_ ou nbpla_pe_",
                            path.name)


def merge_series(current: pd.DataFrame, hist: pd.DataFrame) -> pd.DataFrame:
    """Join a series and its ``_hist`` one; where both give (level, code, year), the current wins.

    The Caf revises recent years, so the two disagree on the years they share.
    """
    def keys(df: pd.DataFrame) -> pd.MultiIndex:
        return pd.MultiIndex.from_arrays([df["level"], df["code"].fillna("XX"), df["year"]])

    older = hist[~keys(hist).isin(keys(current))]
    merged = pd.concat([current, older], ignore_index=True)
    return merged.sort_values(KEY, na_position="last", kind="stable").reset_index(drop=True)


def _read(path: Path, fields: dict[str, tuple[str, str]]) -> pd.DataFrame:
    df = read_table(path)
    by_key = {_key(c): c for c in df.columns if c != "_line"}
    french = _key(YEAR[1]) in by_key
    level = next((lvl for lvl in LEVELS if lvl != "france" and _key(_code_columns(lvl, french)[0]) in by_key),
                 "france")
    suffix = LEVELS[level][0]
    year_col = _spell(*YEAR, french)
    value_cols = {out: _spell(f"{stem}_{suffix}", label, french) for out, (stem, label) in fields.items()}
    code_col, name_col = _code_columns(level, french) if level != "france" else (None, None)
    epci_col = _code_columns("epci", french)[0] if level == "commune" else None
    wanted = [c for c in (year_col, code_col, name_col, epci_col, *value_cols.values()) if c]
    # Headers are matched loosely, then named as expected so problems quote one spelling.
    df = df.rename(columns={by_key[_key(c)]: c for c in wanted if _key(c) in by_key})

    checker = _CafChecker(path, df)
    checker.require_columns([year_col, *value_cols.values()] + ([code_col] if code_col else []))
    out = pd.DataFrame({"level": pd.Series(level, index=df.index, dtype="string")})
    if code_col:
        out["code"] = checker.territory(code_col, level)
        out["name"] = checker.text(name_col) if name_col in df else pd.Series(pd.NA, index=df.index, dtype="string")
        out["placeholder"] = df[code_col].str.strip().str.upper().isin(NO_EPCI) if level == "epci" else False
    else:
        out["code"], out["name"], out["placeholder"] = "FR", "France", False
    out["year"] = checker.year(year_col)
    for column, source in value_cols.items():
        out[column] = checker.number(source, minimum=0)
    # A commune's département follows from its INSEE code; the file's column uses Caf codes (20R).
    out["departement"] = (out["code"].str.slice(0, 3).where(out["code"].str.startswith("97"),
                                                           out["code"].str.slice(0, 2))
                          if level == "commune" else pd.Series(pd.NA, index=df.index, dtype="string"))
    out["epci"] = (checker.territory(epci_col, "epci", required=False) if epci_col in df
                   else pd.Series(pd.NA, index=df.index, dtype="string"))
    out["series"] = "hist" if "_hist" in path.name else "current"
    real = ~out["placeholder"]  # one row per territory and year, else a sum would count it twice
    checker.unique({code_col or "code": out["code"].where(real), year_col: out["year"].where(real)})
    checker.raise_if_any()
    out = out.astype({"code": "string", "name": "string", "placeholder": bool, "series": "string"})
    return out[["level", "code", "name", "year", *fields, "placeholder", "series", "departement", "epci"]]
