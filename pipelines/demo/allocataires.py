"""Fictitious Caf allocataires of the demo, per IRIS in the towns and per commune elsewhere.

Drawn from the demo's own population (children under 3 of the census, allocataires about a fifth of the
inhabitants) and incomes (the poorer a commune, the more RSA and single-parent allocataires), so the
crossed diagnostic coverage × insertion has something to show. Towns of ``IRIS_TOWN`` inhabitants or more
are split into fictitious IRIS (``<commune>0101`` …) whose counts add up to the commune's; the other
communes get one row each, as the Caf's commune files give them. The columns are those of the real file
(``docs/allocataires.md``), identities included: ``A = AI + AM + ACSSENF + ACAVENF`` and ``ENF`` = the sum
of its age groups. Unlike the real files, small counts are not blanked (every ``NOTE`` is 0): the demo's
EPCI totals then exist for every count (``docs/allocataires.md`` says what blanking does to real ones).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.demo import grouped
from pipelines.demo.draws import keyed_uniform, noise
from pipelines.demo.scope import Scope

IRIS_TOWN = 10_000  # inhabitants: the towns split into IRIS
IRIS_SIZE = 2_500  # inhabitants per fictitious IRIS
ALLOCATAIRES_PER_INHABITANT = 0.19  # about 13.5 M allocataires for 68 M inhabitants
# column -> share of the allocataires (A), before the commune's own deviation
SHARES = {"AM": 0.15, "ACSSENF": 0.06, "ACAVENF": 0.28, "AAAH": 0.09, "APPA": 0.30, "AAL": 0.45, "AAPL": 0.25,
          "A_ETUD": 0.04, "A_NETUD_24": 0.05}
RSA_PER_POVERTY_POINT = 0.009  # share of allocataires on RSA per point of poverty rate (national ~14 % / 15 %)
COLUMNS = ["CODGEO", "NOTE", "A", "PERCOU", "AI", "AM", "ACSSENF", "ACAVENF", "AC3ENF", "ENF", "ENF_2", "ENF_3_5",
           "ENF_6_10", "ENF_11_14", "ENF_15_17", "ENF_18_24", "A_ETUD", "A_NETUD_24", "AAL", "AAPL", "AAAH",
           "APPA", "ARSAS"]


def allocataires(scope: Scope, population: pd.DataFrame, incomes: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """One row per year and territory (``year``, ``CODGEO`` and the counts of ``COLUMNS``)."""
    rng = scope.streams("allocataires")
    codes = scope.communes["code"].to_numpy()
    poverty = incomes.set_index("commune")["poverty_rate"].reindex(codes).to_numpy()
    deprivation = poverty / np.median(poverty)
    z = rng.normal(scope.sizes, rows=len(SHARES) + 2)  # fixed per commune over the years
    frames = []
    for year in years:
        pop = population[population["year"] == year].set_index("commune").reindex(codes)
        a = np.round(pop["pop_total"].to_numpy() * ALLOCATAIRES_PER_INHABITANT * noise(z[0], 0.1)).astype(np.int64)
        counts = {"A": a}
        for i, (column, share) in enumerate(SHARES.items()):
            lean = deprivation ** 0.5 if column in ("AM", "AAAH", "APPA", "AAL", "AAPL") else 1.0
            counts[column] = np.round(a * share * lean * noise(z[i + 1], 0.12)).astype(np.int64)
        rsa_share = np.clip(poverty * RSA_PER_POVERTY_POINT * noise(z[-1], 0.15), 0.01, 0.45)
        counts["ARSAS"] = np.round(a * rsa_share).astype(np.int64)
        counts["ACAVENF"] = np.minimum(counts["ACAVENF"], a - counts["AM"] - counts["ACSSENF"]).clip(0)
        counts["AI"] = a - counts["AM"] - counts["ACSSENF"] - counts["ACAVENF"]
        counts["AC3ENF"] = np.round(counts["ACAVENF"] * 0.2).astype(np.int64)
        children = {"ENF_2": pop["pop_0_2"] * 0.9, "ENF_3_5": pop["pop_3_5"] * 0.85, "ENF_6_10": pop["pop_6_10"] * 0.8,
                    "ENF_11_14": pop["pop_11_17"] * 4 / 7 * 0.78, "ENF_15_17": pop["pop_11_17"] * 3 / 7 * 0.7,
                    "ENF_18_24": pop["pop_total"] * 0.03}
        counts |= {k: np.round(v.to_numpy()).astype(np.int64) for k, v in children.items()}
        counts["ENF"] = sum(counts[k] for k in children)
        counts["PERCOU"] = a + counts["ACSSENF"] + counts["ACAVENF"] + counts["ENF"]
        frames.append(pd.DataFrame({"year": year, "commune": codes, **counts}))
    communes = pd.concat(frames, ignore_index=True)
    return _split_towns(scope, communes)


def _split_towns(scope: Scope, communes: pd.DataFrame) -> pd.DataFrame:
    """Towns into IRIS whose counts add up to the town's (weights fixed per IRIS), other communes as they are."""
    population = scope.communes.set_index("code")["population"]
    town = communes["commune"].map(population).to_numpy() >= IRIS_TOWN
    n_iris = np.maximum(2, (population / IRIS_SIZE).round().astype(int))
    towns = communes[town].reset_index(drop=True)
    parts = np.repeat(np.arange(len(towns)), towns["commune"].map(n_iris).to_numpy())
    rank = grouped.rank(parts)
    iris_codes = towns["commune"].to_numpy()[parts] + np.char.zfill((rank // 9 + 1).astype(str), 2) \
        + np.char.zfill((rank % 9 + 1).astype(str), 2)
    keys = list(iris_codes)
    weights = 0.5 + keyed_uniform(scope.seed, "iris", keys)  # an IRIS keeps its weights every year
    # some quarters poorer than others: RSA and the other minima concentrate there, single parents a little
    deprivation = 0.5 + 1.2 * keyed_uniform(scope.seed, "iris deprivation", keys)
    leaning = {"ARSAS": deprivation, "AAAH": deprivation, "APPA": deprivation ** 0.5, "AAL": deprivation ** 0.5,
               "AAPL": deprivation ** 0.5, "AM": deprivation ** 0.3}
    measures = [c for c in COLUMNS[2:] if c not in ("AI", "ENF", "PERCOU")]
    split = {m: grouped.apportion(towns[m].to_numpy(), weights * leaning.get(m, 1.0), parts) for m in measures}
    # the identities of the real file, on each IRIS; the IRIS of a town add up to it
    split["AI"] = split["A"] - split["AM"] - split["ACSSENF"] - split["ACAVENF"]
    split["ENF"] = sum(split[k] for k in ("ENF_2", "ENF_3_5", "ENF_6_10", "ENF_11_14", "ENF_15_17", "ENF_18_24"))
    split["PERCOU"] = split["A"] + split["ACSSENF"] + split["ACAVENF"] + split["ENF"]
    iris = pd.DataFrame({"year": towns["year"].to_numpy()[parts], "CODGEO": iris_codes, **split})
    rest = communes[~town].rename(columns={"commune": "CODGEO"})
    out = pd.concat([iris, rest], ignore_index=True).assign(NOTE=0)
    return out[["year", *COLUMNS]].sort_values(["year", "CODGEO"], ignore_index=True)
