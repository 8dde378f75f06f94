"""Territorial context of the demo: population by age, incomes, FRR classes and QPV.

Functions of the scope's real communes (``scope.Scope``), vectorised over all its départements,
each drawing from its own département's streams.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.demo import grouped
from pipelines.demo.calibration import BASE_YEAR, CALIBRATED_YEARS, FRANCE
from pipelines.demo.draws import noise
from pipelines.demo.scope import Scope
COG_POPULATION_YEAR = 2022  # the municipal populations of COG 2025
# age group -> (width in years, how many years its births precede those of the under-3s)
AGE_GROUPS = {"pop_0_2": (3, 0), "pop_3_5": (3, 3), "pop_6_10": (5, 7), "pop_11_17": (7, 13)}

FILOSOFI_YEAR = 2021
SECRET_POVERTY_BELOW = 1_000  # inhabitants: FILOSOFI masks the poverty rate of smaller communes
SECRET_MEDIAN_BELOW = 50

# FRR, simplified: EPCI sparser than this are classed; within them the sparsest communes are FRR+;
# elsewhere sparse communes keep the benefit of the former ZRR (partially when they are larger).
FRR_EPCI_DENSITY = 42.0  # inhabitants per km²
FRR_PLUS_DENSITY = 15.0
FRR_BENEFICIARY_DENSITY = 40.0
FRR_PARTIAL_POPULATION = 1_000

QPV_TOWN = 8_000  # inhabitants: smaller communes have no QPV
QPV_NAMES = ("Les Aubépines", "Bellevue", "Le Stade", "Les Prés Fleuris", "La Citadelle", "Les Tilleuls",
             "Le Plateau", "Les Hauts de Ville", "La Source", "Les Acacias", "Champ Joli", "Le Moulin")


def population(scope: Scope) -> pd.DataFrame:
    """Annual population estimates by age per commune, fractional as INSEE publishes them.

    Communes grow at their own pace around the département's trend; the share of children varies
    more in small communes; each age group follows the births of its own years, which fall. Rows
    are year by year, each year in the scope's commune order (``children`` relies on it).
    """
    rng, pop, dep, sizes = scope.streams("population"), scope.population, scope.dep, scope.sizes
    years = np.array(CALIBRATED_YEARS)
    growth = scope.per_dep(lambda c: c.population_change)[dep] + 0.005 * rng.normal(sizes)
    share = noise(rng.normal(sizes), np.clip(3 / np.sqrt(pop), 0.08, 0.4))
    target = scope.per_dep(lambda c: c.share_0_2) * grouped.sums(pop, dep, len(sizes))
    share *= (target / grouped.sums(share * pop, dep, len(sizes)))[dep]
    age_noise = noise(rng.normal(sizes, rows=len(years) * len(AGE_GROUPS)), 0.03)
    age_noise = age_noise.reshape(len(years), len(AGE_GROUPS), -1)  # (year, age group, commune)
    births_change = scope.per_dep(lambda c: c.births_change)[dep]
    total = pop * (1 + growth) ** (years[:, None] - COG_POPULATION_YEAR)
    frame = {"commune": np.tile(scope.communes["code"].to_numpy(), len(years)),
             "year": np.repeat(years, len(pop)), "pop_total": total.ravel()}
    for i, (column, (width, lag)) in enumerate(AGE_GROUPS.items()):
        births = (1 + births_change) ** (years[:, None] - lag - BASE_YEAR)
        frame[column] = (total * share * width / 3 * births * age_noise[:, i]).ravel()
    out = pd.DataFrame(frame)
    values = ["pop_total", *AGE_GROUPS]
    out[values] = out[values].round(4)
    return out


def children(population: pd.DataFrame, years=CALIBRATED_YEARS) -> np.ndarray:
    """Children under 3 as a (year, commune) matrix, from ``population``'s row order."""
    return population["pop_0_2"].to_numpy().reshape(len(years), -1)


def incomes(scope: Scope) -> pd.DataFrame:
    """Latent median income and poverty rate of every commune (before statistical secrecy).

    Towns are a little poorer; poverty moves against the median income.
    """
    rng, pop, dep = scope.streams("incomes"), scope.population, scope.dep
    median_base = scope.per_dep(lambda c: c.median_income)[dep]
    median = median_base * noise(rng.normal(scope.sizes), 0.09) / (pop / 2_000) ** 0.04
    poverty = (scope.per_dep(lambda c: c.poverty_rate)[dep] * (median / median_base) ** -2.5
               * noise(rng.normal(scope.sizes), 0.12))
    return pd.DataFrame({"commune": scope.communes["code"].to_numpy(), "median_income": median,
                         "poverty_rate": np.clip(poverty, 2.0, 50.0)})


def published_incomes(communes: pd.DataFrame, latent: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """FILOSOFI as published: communes with secrecy applied, EPCI (their part in scope) in full.

    EPCI values are population-weighted means of the communes: a stand-in for the true median.
    """
    data = communes.merge(latent, left_on="code", right_on="commune")
    commune = pd.DataFrame({
        "code": data["code"], "name": data["name"],
        "median_income": data["median_income"].round(-1).where(data["population"] >= SECRET_MEDIAN_BELOW),
        "poverty_rate": data["poverty_rate"].round(1).where(data["population"] >= SECRET_POVERTY_BELOW),
    })
    weighted = data.dropna(subset=["epci"]).assign(
        m=lambda d: d["median_income"] * d["population"], p=lambda d: d["poverty_rate"] * d["population"])
    sums = weighted.groupby(["epci", "epci_name"], as_index=False)[["m", "p", "population"]].sum()
    epci = pd.DataFrame({
        "code": sums["epci"], "name": sums["epci_name"],
        "median_income": (sums["m"] / sums["population"]).round(-1),
        "poverty_rate": (sums["p"] / sums["population"]).round(1),
    })
    france = pd.DataFrame({"code": ["FR"], "name": ["France"], "median_income": [FRANCE.median_income],
                           "poverty_rate": [FRANCE.poverty_rate]})
    return {"commune": commune.sort_values("code", ignore_index=True),
            "epci": epci.sort_values("code", ignore_index=True), "france": france}


def frr(communes: pd.DataFrame) -> pd.DataFrame:
    """France Ruralités Revitalisation class of every commune, from population densities."""
    density = communes["population"] / communes["area_km2"]
    classed = communes["epci_density"].lt(FRR_EPCI_DENSITY).to_numpy()
    sparse = density < FRR_BENEFICIARY_DENSITY
    label = np.select(
        [classed & (density < FRR_PLUS_DENSITY), classed,
         sparse & (communes["population"] >= FRR_PARTIAL_POPULATION), sparse],
        ["FRR+", "FRR socle", "FRR bénéficiaire partiellement", "FRR bénéficiaire"],
        default="Non classée")
    return pd.DataFrame({"commune": communes["code"].to_numpy(), "departement": communes["departement"].to_numpy(),
                         "name": communes["name"].to_numpy(), "frr_class": label})


def qpv(scope: Scope) -> pd.DataFrame:
    """A few quartiers prioritaires in the towns, more in the larger ones, numbered per département."""
    rng, n_deps = scope.streams("qpv"), len(scope.codes)
    towns = scope.communes[scope.communes["population"] >= QPV_TOWN]
    dep, pop = towns["dep"].to_numpy(), towns["population"].to_numpy()
    living = np.round(pop * scope.per_dep(lambda c: c.qpv_share)[dep]
                      * noise(rng.normal(np.bincount(dep, minlength=n_deps)), 0.25)).astype(np.int64)
    name_order = np.argsort(rng.random(np.bincount(dep, minlength=n_deps), rows=len(QPV_NAMES)), axis=0)
    town = np.repeat(np.arange(len(towns)), np.minimum(3, 1 + pop // 20_000).astype(int))  # one row per QPV
    people = grouped.apportion(living, noise(rng.normal(np.bincount(dep[town], minlength=n_deps)), 0.4), town)
    number = grouped.rank(dep[town]) + 1
    return pd.DataFrame({
        "qpv_code": [f"QN{d.zfill(3)}{n:02d}M" for d, n in zip(towns["departement"].to_numpy()[town], number)],
        "qpv_name": np.asarray(QPV_NAMES)[name_order[grouped.rank(town), town]],
        "commune": towns["code"].to_numpy()[town], "population_qpv": people,
    }, columns=["qpv_code", "qpv_name", "commune", "population_qpv"])
