"""The Cnaf's open data, as it would publish it from the demo's own counts.

This simulates the publisher, so it computes the rates directly: sums of places and children
per territory, then ``100 × places / children`` rounded to 0.1 for the total and each component.
EPCI use only their communes in scope (the part of a straddling EPCI); communes outside any
EPCI form the Caf's placeholder row ``XX``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from pipelines.demo.calibration import FRANCE_RATES
from pipelines.demo.kinds import active
from pipelines.formatting import ascii_fold

COMPONENTS = ["psu_col", "hors_psu_col", "am_ind", "gad_ind", "prescol"]
# published rate -> the components it adds up
RATES = {
    "txcouv": COMPONENTS,
    "txcouv_eaje": ["psu_col", "hors_psu_col"],
    "txcouv_psu_col": ["psu_col"],
    "txcouv_hors_psu_col": ["hors_psu_col"],
    "txcouv_ind": ["am_ind", "gad_ind"],
    "txcouv_am_ind": ["am_ind"],
    "txcouv_gad_ind": ["gad_ind"],
    "txcouv_prescol": ["prescol"],
}
PLACES = {
    "pl_eaje": ["psu_col", "hors_psu_col"],
    "pl_am_ind": ["am_ind"],
    "pl_gad_ind": ["gad_ind"],
    "pl_prescol": ["prescol"],
    "tot_offre": COMPONENTS,
}
COMMUNE_LEVEL_POPULATION = 10_000  # the Caf publishes communes above this size only
PLACEHOLDER = "XX"
EPCI_TYPES = {"Communauté de communes": "CC", "Communauté d'agglomération": "CA", "Communauté urbaine": "CU"}
EPCI_TYPE = re.compile(rf"^({'|'.join(EPCI_TYPES)})\b")
SPACES = re.compile(r"\s+")


def commune_counts(population: pd.DataFrame, equipments: pd.DataFrame, childminders: pd.DataFrame,
                   complementary: pd.DataFrame, years) -> pd.DataFrame:
    """Children under 3 and places of each TCG component, per commune and year (places in December)."""
    eaje = pd.concat([
        equipments[active(equipments, year) & equipments["type"].isin(["EAJE_PSU", "EAJE_HORS_PSU"])]
        .groupby(["commune", "type"])["places"].sum().unstack("type").reset_index().assign(year=year)
        for year in years
    ], ignore_index=True).rename(columns={"EAJE_PSU": "psu_col", "EAJE_HORS_PSU": "hors_psu_col"})
    counts = (population[population["year"].isin(years)][["commune", "year", "pop_0_2"]]
              .rename(columns={"pop_0_2": "children"})
              .merge(eaje, on=["commune", "year"], how="left")
              .merge(childminders[["commune", "year", "am_places_u3"]], on=["commune", "year"])
              .merge(complementary, on=["commune", "year"])
              .rename(columns={"am_places_u3": "am_ind", "places_gad": "gad_ind", "places_prescol": "prescol"}))
    counts[COMPONENTS] = counts.reindex(columns=COMPONENTS).fillna(0).astype(int)
    return counts[["commune", "year", "children", *COMPONENTS]]


def caf_name(name: str) -> str:
    """The Caf's spelling: capitals without accents, hyphens as spaces, EPCI types abbreviated."""
    plain = ascii_fold(EPCI_TYPE.sub(lambda m: EPCI_TYPES[m.group(1)], name))
    return SPACES.sub(" ", plain.replace("-", " ")).strip().upper()


def _caf_names(names: pd.Series) -> pd.Series:
    """``caf_name`` of each name, spelt once per distinct name (missing stays missing)."""
    distinct = names.dropna().unique()
    return names.map(dict(zip(distinct, map(caf_name, distinct))))


def _rates(sums: pd.DataFrame, suffix: str) -> pd.DataFrame:
    out = pd.DataFrame(index=sums.index)
    for name, parts in RATES.items():
        out[f"{name}_{suffix}"] = rate(sums[parts].sum(axis=1), sums["children"])
    return out


def _places(sums: pd.DataFrame, suffix: str) -> pd.DataFrame:
    return pd.DataFrame({f"{name}_{suffix}": sums[parts].sum(axis=1) for name, parts in PLACES.items()})


def _level(counts: pd.DataFrame, keys: list[str], suffix: str, measure) -> pd.DataFrame:
    sums = counts.groupby(["year", *keys], sort=True)[["children", *COMPONENTS]].sum()
    table = measure(sums, suffix).reset_index().rename(columns={"year": "annee"})
    return table[["annee", *keys, *[c for c in table.columns if c not in {"annee", *keys}]]]


def publish(counts: pd.DataFrame, communes: pd.DataFrame, departements: pd.DataFrame, years) -> dict[str, pd.DataFrame]:
    """The ``caf/`` files: rates per EPCI, département, large commune and France, places per EPCI."""
    place = communes[["code", "departement", "epci", "population"]].assign(
        numepci=communes["epci"].fillna(PLACEHOLDER), nomepci=_caf_names(communes["epci_name"]).fillna(PLACEHOLDER),
        numdep=communes["departement"],
        nomdep=_caf_names(communes["departement"].map(departements.set_index("code")["name"])),
        numcom=communes["code"], nomcom=_caf_names(communes["name"]))
    data = counts.merge(place, left_on="commune", right_on="code")
    large = data[data["population"] > COMMUNE_LEVEL_POPULATION]
    return {
        "txcouv_pe_epci": _level(data, ["numepci", "nomepci"], "epci", _rates),
        "nbpla_pe_epci": _level(data, ["numepci", "nomepci"], "epci", _places),
        "txcouv_pe_dep": _level(data, ["numdep", "nomdep"], "dep", _rates),
        "txcouv_pe_com": _level(large, ["numcom", "nomcom", "numepci", "nomepci", "numdep", "nomdep"], "com", _rates),
        "txcouv_pe_nat": france(years),
    }


def france(years) -> pd.DataFrame:
    """France's published rates; ``annee`` is a date in this data set, as on data.caf.fr."""
    rows = []
    for year in years:
        parts = dict(zip(COMPONENTS, FRANCE_RATES[year]))
        row = {"annee": f"{year}-01-01"}
        row.update({f"{rate}_nat": round(sum(parts[p] for p in members), 1) for rate, members in RATES.items()})
        rows.append(row)
    return pd.DataFrame(rows)


def rate(places, children) -> np.ndarray:
    """Places per 100 children, rounded to 0.1 as the Cnaf publishes it."""
    return np.round(100 * np.asarray(places, dtype=float) / np.asarray(children, dtype=float), 1)
