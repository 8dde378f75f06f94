"""Zonings used as context and priority criteria: FRR (rural revitalisation) and QPV (urban policy)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from pipelines.errors import InputError
from pipelines.sources import files
from pipelines.sources.checks import Checker

NOT_CLASSIFIED = "Non classée"
# Labels as published; "Classée FRR partiellement" appears in the 10 July 2025 file (20 communes).
FRR_CLASSES = (NOT_CLASSIFIED, "FRR socle", "FRR+", "FRR bénéficiaire", "FRR bénéficiaire partiellement",
               "Classée FRR partiellement")
FRR_CLASS_PREFIX = "Classement"  # the header carries the date of the decree, which changes
QPV_CODE = "Q[NP][0-9A-Z]{6}"  # QN07101M (2024 generation), QP071001 (2015)


def stage_frr(con: duckdb.DuckDBPyConnection, path: str | Path, table: str) -> Checker:
    """``commune``, ``frr_class`` (label as published), ``frr`` (true for every class but « Non classée »)."""
    raw = files.load(con, path)
    checker = Checker(con, raw)
    checker.require_columns(["Code_insee"])
    class_columns = [c for c in raw.header if c.startswith(FRR_CLASS_PREFIX)]
    if len(class_columns) != 1:
        raise InputError.single(path, 1, f"{FRR_CLASS_PREFIX}…",
                                f"une seule colonne dont le nom commence par « {FRR_CLASS_PREFIX} »",
                                ", ".join(class_columns) or "aucune")
    commune = checker.code("Code_insee", "commune")
    frr_class = checker.choice(class_columns[0], {c: c for c in FRR_CLASSES})
    checker.unique({"Code_insee": commune})
    checker.build(table, {"commune": commune, "frr_class": frr_class,
                          "frr": f"({frr_class} <> '{NOT_CLASSIFIED}')"})
    return checker


def stage_qpv(con: duckdb.DuckDBPyConnection, path: str | Path, table: str) -> Checker:
    """``qpv_code, qpv_name, commune, population_qpv``: one row per (QPV, commune) it covers."""
    raw = files.load(con, path)
    checker = Checker(con, raw)
    checker.require_columns(["code_qpv", "nom_qpv", "code_commune", "population_qpv"])
    code = f"upper({checker.text('code_qpv', required=True)})"
    checker.add(f"{code} IS NOT NULL AND NOT regexp_full_match({code}, '{QPV_CODE}')", "code_qpv",
                "un code QPV (ex. QN07101M)", code)
    columns = {"qpv_code": code, "qpv_name": checker.text("nom_qpv", required=True),
               "commune": checker.code("code_commune", "commune"),
               "population_qpv": checker.number("population_qpv")}
    checker.unique({"code_qpv": code, "code_commune": columns["commune"]})
    checker.build(table, columns)
    return checker


def _frame(stage, path) -> pd.DataFrame:
    with duckdb.connect() as con:
        table = stage(con, path, "zonage").table
        return con.execute(f"SELECT * EXCLUDE (_file, _row) FROM {table} ORDER BY _row").df()


def read_frr(path: str | Path) -> pd.DataFrame:
    return _frame(stage_frr, path)


def read_qpv(path: str | Path) -> pd.DataFrame:
    return _frame(stage_qpv, path)
