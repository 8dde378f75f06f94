"""Commune × year counts from the typed source tables: the only numbers that are ever summed.

Conventions: equipments count when open on 31 December of the year; an absent source leaves its
counts missing (NaN), never 0; context sources (population, income, QPV, FRR) are carried forward
from their latest vintage not after the year, and that vintage is recorded.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

EQUIPMENT_COUNTS = {  # type -> (count column, places column or None)
    "EAJE_PSU": ("nb_eaje_psu", "places_eaje_psu"),
    "EAJE_HORS_PSU": ("nb_eaje_hors_psu", "places_eaje_hors_psu"),
    "MAM": ("nb_mam", "places_mam"),
    "ALSH": ("nb_alsh", "places_alsh"),
    "RPE": ("nb_rpe", None),
    "LAEP": ("nb_laep", None),
    "CLAS": ("nb_clas", None),
    "REAAP": ("nb_reaap", None),
    "MEDIATION_FAMILIALE": ("nb_mediation", None),
    "ESPACE_RENCONTRE": ("nb_espace_rencontre", None),
}
CHILDMINDER_COLUMNS = {
    "am_agrees": "am_agrees", "am_actifs": "am_actifs", "am_places_agrees": "am_places_agrees",
    "am_places_u3": "places_am", "am_actifs_55_plus": "am_55_plus",
}
POPULATION_COLUMNS = {
    "pop_total": "population", "pop_0_2": "enfants_0_2", "pop_3_5": "enfants_3_5",
    "pop_6_10": "enfants_6_10", "pop_11_17": "enfants_11_17",
}


def panel(communes: pd.Series, years: list[int]) -> pd.DataFrame:
    index = pd.MultiIndex.from_product([sorted(communes), sorted(years)], names=["commune", "year"])
    return pd.DataFrame(index=index)


def equipment_counts(equipments: pd.DataFrame, frame: pd.DataFrame, base_year: int) -> pd.DataFrame:
    """Open equipments and their places on 31 December, plus EAJE places opened/closed since base year."""
    years = pd.Series(sorted(frame.index.get_level_values("year").unique()), name="year")
    eq = equipments.assign(
        opened=pd.to_datetime(equipments["opened"]), closed=pd.to_datetime(equipments["closed"]),
        places=pd.to_numeric(equipments["places"]).astype(float), commune=equipments["commune"].astype(object),
    )
    grid = eq.merge(years, how="cross")  # one row per equipment and year
    end = pd.to_datetime(grid["year"].astype(str) + "-12-31")
    is_open = (grid["opened"] <= end) & (grid["closed"].isna() | (grid["closed"] > end))
    base_end = pd.Timestamp(base_year, 12, 31)
    eaje = grid["type"].isin(["EAJE_PSU", "EAJE_HORS_PSU"])
    created = eaje & (grid["opened"] > base_end) & (grid["opened"] <= end)
    closed = eaje & grid["closed"].notna() & (grid["closed"] > base_end) & (grid["closed"] <= end)
    keys = [grid["commune"], grid["year"]]
    columns = {}
    for kind, (count_col, places_col) in EQUIPMENT_COUNTS.items():
        sel = is_open & (grid["type"] == kind)
        columns[count_col] = sel.astype(float).groupby(keys).sum()
        if places_col:
            columns[places_col] = grid["places"].where(sel, 0.0).groupby(keys).sum()
    columns["places_eaje_creees"] = grid["places"].where(created, 0.0).groupby(keys).sum()
    columns["places_eaje_fermees"] = grid["places"].where(closed, 0.0).groupby(keys).sum()
    out = pd.DataFrame(columns).rename_axis(["commune", "year"]).reindex(frame.index).fillna(0.0)
    out["nb_eaje"] = out.pop("nb_eaje_psu") + out.pop("nb_eaje_hors_psu")
    out["places_eaje"] = out["places_eaje_psu"] + out["places_eaje_hors_psu"]
    if base_year in set(years):
        base = out.xs(base_year, level="year")["places_eaje"]
        out["places_eaje_solde"] = out["places_eaje"] - base.reindex(out.index.get_level_values("commune")).to_numpy()
    else:
        out["places_eaje_solde"] = np.nan
    return out


def yearly_counts(table: pd.DataFrame, frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """Per (commune, year) sums of an exhaustive yearly extract.

    A commune absent from a year the extract covers has none (0); years the extract does not
    cover stay missing.
    """
    table = table.assign(year=table["year"].astype(int))
    grouped = table.groupby(["commune", "year"])[list(columns)].sum(min_count=1).rename(columns=columns)
    out = grouped.astype(float).reindex(frame.index)
    covered = out.index.get_level_values("year").isin(set(table["year"]))
    out.loc[covered] = out.loc[covered].fillna(0.0)
    return out


def carried_forward(table: pd.DataFrame, frame: pd.DataFrame, columns: dict[str, str]) -> tuple[pd.DataFrame, pd.Series]:
    """Latest vintage not after each year (context sources); also returns the vintage year used."""
    src = table.rename(columns=columns)[["commune", "year", *columns.values()]].copy()
    src["year"] = src["year"].astype(int)
    src["commune"] = src["commune"].astype(object)
    src["vintage_year"] = src["year"]
    src = src.sort_values("year")
    left = frame.reset_index()[["commune", "year"]].astype({"commune": object}).sort_values("year")
    merged = pd.merge_asof(left, src, on="year", by="commune", direction="backward")
    merged = merged.set_index(["commune", "year"]).reindex(frame.index)
    return merged[list(columns.values())].astype(float), merged["vintage_year"]


def static_flags(frr: pd.DataFrame | None, qpv: pd.DataFrame | None, frame: pd.DataFrame) -> pd.DataFrame:
    """Zonages have no year: FRR flag and QPV population apply to every year of the panel."""
    communes = frame.index.get_level_values("commune")
    out = pd.DataFrame(index=frame.index)
    out["nb_communes"] = 1.0
    if frr is not None:
        flag = frr.set_index("commune")["frr"].astype(float)
        out["frr"] = flag.reindex(communes).to_numpy()
    if qpv is not None:
        pop = qpv.groupby("commune")["population_qpv"].sum().astype(float)
        out["population_qpv"] = pop.reindex(communes).fillna(0.0).to_numpy()
    return out
