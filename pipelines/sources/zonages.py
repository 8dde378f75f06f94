"""Zonings used as context and priority criteria: FRR (rural revitalisation) and QPV (urban policy)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from pipelines.errors import InputError
from pipelines.sources.tabular import Checker, read_table

NOT_CLASSIFIED = "Non classée"
# Labels as published; "Classée FRR partiellement" appears in the 10 July 2025 file (20 communes).
FRR_CLASSES = (NOT_CLASSIFIED, "FRR socle", "FRR+", "FRR bénéficiaire", "FRR bénéficiaire partiellement",
               "Classée FRR partiellement")
FRR_CLASS_PREFIX = "Classement"  # the header carries the date of the decree, which changes
QPV_CODE = re.compile(r"Q[NP][0-9A-Z]{6}")  # QN07101M (2024 generation), QP071001 (2015)


def read_frr(path: str | Path) -> pd.DataFrame:
    """``commune``, ``frr_class`` (label as published), ``frr`` (True for every class but « Non classée »)."""
    checker = Checker(path, read_table(path))
    checker.require_columns(["Code_insee"])
    class_columns = [c for c in checker.df.columns if c.startswith(FRR_CLASS_PREFIX)]
    if len(class_columns) != 1:
        raise InputError.single(path, 1, f"{FRR_CLASS_PREFIX}…",
                                f"une seule colonne dont le nom commence par « {FRR_CLASS_PREFIX} »",
                                ", ".join(class_columns) or "aucune")
    out = pd.DataFrame({"commune": checker.code("Code_insee", "commune"),
                        "frr_class": checker.choice(class_columns[0], {c: c for c in FRR_CLASSES})})
    checker.unique({"Code_insee": out["commune"]})
    checker.raise_if_any()
    out["frr"] = (out["frr_class"] != NOT_CLASSIFIED).astype(bool)
    return out.reset_index(drop=True)


def read_qpv(path: str | Path) -> pd.DataFrame:
    """``qpv_code, qpv_name, commune, population_qpv``: one row per (QPV, commune) it covers."""
    checker = Checker(path, read_table(path))
    checker.require_columns(["code_qpv", "nom_qpv", "code_commune", "population_qpv"])
    codes = checker.text("code_qpv", required=True).str.upper()
    for line, code in zip(checker.df["_line"], codes):
        if pd.notna(code) and not QPV_CODE.fullmatch(code):
            checker.add(line, "code_qpv", "un code QPV (ex. QN07101M)", code)
    out = pd.DataFrame({"qpv_code": codes,
                        "qpv_name": checker.text("nom_qpv", required=True),
                        "commune": checker.code("code_commune", "commune"),
                        "population_qpv": checker.number("population_qpv")})
    checker.unique({"code_qpv": out["qpv_code"], "code_commune": out["commune"]})
    checker.raise_if_any()
    return out.reset_index(drop=True)
