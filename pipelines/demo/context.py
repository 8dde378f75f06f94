"""Territorial context of the demo: population by age, incomes, FRR classes and QPV.

Pure functions of the real communes (code, name, departement, epci, epci_name, population,
area_km2) and a seeded generator.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.demo.calibration import BASE_YEAR, CALIBRATED_YEARS, FRANCE, Calibration
from pipelines.demo.draws import apportion, noise

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


def population(communes: pd.DataFrame, cal: Calibration, rng: np.random.Generator) -> pd.DataFrame:
    """Annual population estimates by age per commune, fractional as INSEE publishes them.

    Communes grow at their own pace around the département's trend; the share of children varies
    more in small communes; each age group follows the births of its own years, which fall.
    """
    pop = communes["population"].to_numpy(float)
    growth = cal.population_change + rng.normal(0.0, 0.005, len(pop))
    share = noise(rng, np.clip(3 / np.sqrt(pop), 0.08, 0.4))
    share *= cal.share_0_2 * pop.sum() / (share * pop).sum()
    frames = []
    for year in CALIBRATED_YEARS:
        total = pop * (1 + growth) ** (year - COG_POPULATION_YEAR)
        frame = {"commune": communes["code"].to_numpy(), "year": year, "pop_total": total}
        for column, (width, lag) in AGE_GROUPS.items():
            births = (1 + cal.births_change) ** (year - lag - BASE_YEAR)
            frame[column] = total * share * width / 3 * births * noise(rng, 0.03, len(pop))
        frames.append(pd.DataFrame(frame))
    out = pd.concat(frames, ignore_index=True)
    values = ["pop_total", *AGE_GROUPS]
    out[values] = out[values].round(4)
    return out


def incomes(communes: pd.DataFrame, cal: Calibration, rng: np.random.Generator) -> pd.DataFrame:
    """Latent median income and poverty rate of every commune (before statistical secrecy).

    Towns are a little poorer; poverty moves against the median income.
    """
    pop = communes["population"].to_numpy(float)
    median = cal.median_income * noise(rng, 0.09, len(pop)) / (pop / 2_000) ** 0.04
    poverty = cal.poverty_rate * (median / cal.median_income) ** -2.5 * noise(rng, 0.12, len(pop))
    return pd.DataFrame({"commune": communes["code"].to_numpy(), "median_income": median,
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
    in_epci = communes.dropna(subset=["epci"])
    epci_density = (in_epci.groupby("epci")["population"].sum() / in_epci.groupby("epci")["area_km2"].sum())
    classed = communes["epci"].map(epci_density).lt(FRR_EPCI_DENSITY).fillna(False).astype(bool)
    sparse = density < FRR_BENEFICIARY_DENSITY
    label = np.select(
        [classed & (density < FRR_PLUS_DENSITY), classed,
         sparse & (communes["population"] >= FRR_PARTIAL_POPULATION), sparse],
        ["FRR+", "FRR socle", "FRR bénéficiaire partiellement", "FRR bénéficiaire"],
        default="Non classée")
    return pd.DataFrame({"commune": communes["code"].to_numpy(), "departement": communes["departement"].to_numpy(),
                         "name": communes["name"].to_numpy(), "frr_class": label})


def qpv(communes: pd.DataFrame, cal: Calibration, departement: str, rng: np.random.Generator) -> pd.DataFrame:
    """A few quartiers prioritaires in the towns, more in the larger ones."""
    towns = communes[communes["population"] >= QPV_TOWN].sort_values("code")
    rows = []
    for town in towns.itertuples():
        count = int(min(3, 1 + town.population // 20_000))
        living = round(town.population * cal.qpv_share * noise(rng, 0.25))
        names = rng.choice(QPV_NAMES, size=count, replace=False)
        for name, people in zip(names, apportion(living, noise(rng, 0.4, count))):
            rows.append({"qpv_code": f"QN{departement.zfill(3)}{len(rows) + 1:02d}M",
                         "qpv_name": str(name), "commune": town.code, "population_qpv": int(people)})
    return pd.DataFrame(rows, columns=["qpv_code", "qpv_name", "commune", "population_qpv"])
