"""The *panier de services parentalité*: which of its elements a territory has, and what is missing."""

from __future__ import annotations

import pandas as pd

ELEMENTS = {"reaap": ("nb_reaap", "action REAAP"), "laep": ("nb_laep", "LAEP"), "clas": ("nb_clas", "CLAS"),
            "mediation": ("nb_mediation", "médiation familiale")}
DEFAULT_BASKET = ("reaap", "laep", "clas")


def basket(counts: pd.DataFrame, required: tuple[str, ...] = DEFAULT_BASKET) -> pd.DataFrame:
    """Per territory and year: presence of each element, completeness and the missing ones in French.

    Presence is missing (``<NA>``) when the equipment count itself is missing.
    """
    out = pd.DataFrame(index=counts.index)
    for element, (column, _) in ELEMENTS.items():
        out[element] = (counts[column] > 0).astype("boolean").where(counts[column].notna())
    present = out[list(required)]
    known = present.notna().all(axis=1)
    out["complete"] = present.fillna(False).all(axis=1).astype("boolean").where(known)
    names = pd.Series("", index=out.index)
    for element in required:
        absent = present[element].eq(False).fillna(False).to_numpy(dtype=bool)
        names[absent] = names[absent] + ", " + ELEMENTS[element][1]
    out["missing"] = names.str.removeprefix(", ").where(known, None)
    return out


def basket_indicators(b: pd.DataFrame, required: tuple[str, ...] = DEFAULT_BASKET) -> pd.DataFrame:
    """``panier_complet`` (1/0) and ``panier_nb_manquants`` for the indicator table."""
    missing = (~b[list(required)].astype("boolean")).astype("Float64").sum(axis=1, min_count=1)
    return pd.DataFrame({
        "panier_complet": b["complete"].astype("Float64"),
        "panier_nb_manquants": missing.where(b["complete"].notna()),
    }, index=b.index).astype(float)


def share_complete(epci_basket: pd.DataFrame, epci_to_parent: pd.Series) -> pd.Series:
    """Share (%) of the EPCI of each parent territory whose basket is complete, per year."""
    frame = epci_basket.reset_index()
    frame["parent"] = frame["code"].map(epci_to_parent)
    grouped = frame.dropna(subset=["parent"]).groupby(["parent", "year"])["complete"]
    share = 100 * grouped.apply(lambda s: s.astype(float).mean() if s.notna().all() else float("nan"))
    share.index = share.index.set_names(["code", "year"])
    return share.astype(float)
