"""The Cnaf's open data, as it would publish it from the demo's own counts.

This simulates the publisher, so it computes the rates directly: sums of places and children
per territory, then ``100 × places / children`` rounded to 0.1 for the total and each component;
places are published with every component too, per EPCI, département and commune (communes above
10 000 inhabitants only). EPCI use only their communes in scope (the part of a straddling EPCI);
communes outside any EPCI form the Caf's placeholder row ``XX``. France's rates are the published
reference points of ``calibration``, not sums of the demo.

As on data.caf.fr, every data set comes as a *current* file holding the latest two years and a
``_hist`` file from the first year to the year before the last; on the year both hold, the current
one is the revised figure and wins. The ``_hist`` figures of that year come from provisional counts:
for some territories (chosen by a hash of their code) the AM places were revised since, by enough
to move the rate by 0.1 to 0.3, and France's AM rate too: a reader that let the ``_hist`` file win
would not reproduce the extracts.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from pipelines.demo.calibration import FRANCE_RATES
from pipelines.demo.draws import DEFAULT_SEED, keyed_uniform
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
    "pl_psu_col": ["psu_col"],
    "pl_hors_psu_col": ["hors_psu_col"],
    "pl_eaje": ["psu_col", "hors_psu_col"],
    "pl_am_ind": ["am_ind"],
    "pl_gad_ind": ["gad_ind"],
    "pl_ind": ["am_ind", "gad_ind"],
    "pl_prescol": ["prescol"],
    "tot_offre": COMPONENTS,
}
COMMUNE_LEVEL_POPULATION = 10_000  # the Caf publishes communes above this size only
PLACEHOLDER = "XX"
EPCI_TYPES = {"Communauté de communes": "CC", "Communauté d'agglomération": "CA", "Communauté urbaine": "CU"}
EPCI_TYPE = re.compile(rf"^({'|'.join(EPCI_TYPES)})\b")
SPACES = re.compile(r"\s+")
# level suffix -> territory columns, the code first
LEVEL_KEYS = {
    "epci": ["numepci", "nomepci"],
    "dep": ["numdep", "nomdep"],
    "com": ["numcom", "nomcom", "numepci", "nomepci", "numdep", "nomdep"],
}
CURRENT_YEARS = 2  # the current file's latest years
REVISED_SHARE = 0.3  # of the territories, revised between the _hist and the current publication
REVISIONS = (-0.3, -0.2, -0.1, 0.1, 0.2, 0.3)  # points of rate, at most


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
    ligatures = name.replace("œ", "oe").replace("Œ", "OE")  # « Cœur » is COEUR, not CUR
    plain = ascii_fold(EPCI_TYPE.sub(lambda m: EPCI_TYPES[m.group(1)], ligatures))
    return SPACES.sub(" ", plain.replace("-", " ")).strip().upper()


def _caf_names(names: pd.Series) -> pd.Series:
    """``caf_name`` of each name, spelt once per distinct name (missing stays missing)."""
    distinct = names.dropna().unique()
    return names.map(dict(zip(distinct, map(caf_name, distinct))))


def _rates(sums: pd.DataFrame, suffix: str) -> pd.DataFrame:
    return pd.DataFrame({f"{name}_{suffix}": rate(sums[parts].sum(axis=1), sums["children"])
                         for name, parts in RATES.items()}, index=sums.index)


def _places(sums: pd.DataFrame, suffix: str) -> pd.DataFrame:
    return pd.DataFrame({f"{name}_{suffix}": sums[parts].sum(axis=1) for name, parts in PLACES.items()})


MEASURES = {"txcouv_pe": _rates, "nbpla_pe": _places}


def publish(counts: pd.DataFrame, communes: pd.DataFrame, departements: pd.DataFrame, years,
            seed: int = DEFAULT_SEED) -> dict[str, pd.DataFrame]:
    """The ``caf/`` files by name: rates and places per EPCI, département and large commune (each
    current and ``_hist``), rates for France."""
    years = sorted(years)
    current, hist = years[-CURRENT_YEARS:], years[:-1]
    place = communes[["code", "departement", "epci", "population"]].assign(
        numepci=communes["epci"].fillna(PLACEHOLDER), nomepci=_caf_names(communes["epci_name"]).fillna(PLACEHOLDER),
        numdep=communes["departement"],
        nomdep=_caf_names(communes["departement"].map(departements.set_index("code")["name"])),
        numcom=communes["code"], nomcom=_caf_names(communes["name"]))
    data = counts.merge(place, left_on="commune", right_on="code")
    territories = {"epci": data, "dep": data, "com": data[data["population"] > COMMUNE_LEVEL_POPULATION]}
    out = {}
    for level, frame in territories.items():
        keys = LEVEL_KEYS[level]
        sums = frame.groupby(["year", *keys], sort=True)[["children", *COMPONENTS]].sum()
        provisional = _provisional(sums, level, hist[-1], seed) if hist else sums
        for prefix, measure in MEASURES.items():
            out[f"{prefix}_{level}"] = _table(sums, current, measure, level, keys)
            if hist:
                out[f"{prefix}_{level}_hist"] = _table(provisional, hist, measure, level, keys)
    out["txcouv_pe_nat"] = france(current)
    if hist:
        out["txcouv_pe_nat_hist"] = france(hist, revised=hist[-1], seed=seed)
    return out


def _table(sums: pd.DataFrame, years: list[int], measure, suffix: str, keys: list[str]) -> pd.DataFrame:
    table = measure(sums.loc[sums.index.get_level_values("year").isin(years)], suffix).reset_index()
    table = table.rename(columns={"year": "annee"})
    return table[["annee", *keys, *[c for c in table.columns if c not in {"annee", *keys}]]]


def _provisional(sums: pd.DataFrame, level: str, year: int, seed: int) -> pd.DataFrame:
    """The counts as first published for ``year``: AM places of some territories differ by what moves
    their rate by 0.1 to 0.3 (rounded towards zero, so small territories may not move at all)."""
    rows = sums.index.get_level_values("year") == year
    codes = sums.index.get_level_values(LEVEL_KEYS[level][0])[rows]
    keys = [f"{level}/{code}" for code in codes]
    chosen = keyed_uniform(seed, "revised", keys) < REVISED_SHARE
    delta = np.asarray(REVISIONS)[(keyed_uniform(seed, "revision", keys) * len(REVISIONS)).astype(int)]
    children, am = sums.loc[rows, "children"].to_numpy(), sums.loc[rows, "am_ind"].to_numpy()
    shift = np.where(chosen, np.trunc(delta * children / 100), 0).astype(np.int64)
    out = sums.copy()
    out.loc[rows, "am_ind"] = np.maximum(am + shift, 0)
    return out


def france(years, revised: int | None = None, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """France's published rates; ``annee`` is a date in this data set, as on data.caf.fr.

    The ``revised`` year's AM rate is the provisional one, off by one of ``REVISIONS``."""
    rows = []
    for year in years:
        parts = dict(zip(COMPONENTS, FRANCE_RATES[year]))
        if year == revised:
            step = REVISIONS[int(keyed_uniform(seed, "revision", ["nat/FR"])[0] * len(REVISIONS))]
            parts["am_ind"] = round(parts["am_ind"] + step, 1)
        row = {"annee": f"{year}-01-01"}
        row.update({f"{rate}_nat": round(sum(parts[p] for p in members), 1) for rate, members in RATES.items()})
        rows.append(row)
    return pd.DataFrame(rows)


def rate(places, children) -> np.ndarray:
    """Places per 100 children, rounded to 0.1 as the Cnaf publishes it."""
    return np.round(100 * np.asarray(places, dtype=float) / np.asarray(children, dtype=float), 1)
