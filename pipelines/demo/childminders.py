"""Assistants maternels of the demo, the balancing item of the coverage rate.

Crèches, garde à domicile and préscolarisation are drawn first; AM places for under-3s then fill
each EPCI up to a target rate, the targets spread over the published EPCI range and averaging
the published département rate. Places agréées follow from a ratio to those places (to check,
see ``calibration``), AM counts from the places, and the AM age from the calibrated ageing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.demo.calibration import BASE_YEAR, CALIBRATED_YEARS, Calibration
from pipelines.demo.draws import apportion, noise

NO_EPCI = "XX"
MAX_CHILDREN_PER_AM = 4  # places of one approval, ordinarily
RURAL_POPULATION = 2_000  # AM care for more of the children in villages


def epci_targets(children: pd.Series, cal: Calibration, rng: np.random.Generator) -> pd.Series:
    """TCG targets per EPCI: spread from the published minimum to maximum, averaging the département.

    Evenly spaced positions in [0, 1], shuffled, are bent by a power ``gamma`` found by bisection
    so that the children-weighted mean hits the département rate while both ends stay put.
    """
    low, high = cal.epci_range()
    if len(children) < 3:
        return pd.Series(cal.tcg, index=children.index)
    position = rng.permutation(np.linspace(0.0, 1.0, len(children)))
    weights = children.to_numpy(float)

    def mean(log_gamma: float) -> float:
        return float(np.average(low + (high - low) * position ** np.exp(log_gamma), weights=weights))

    lower, upper = -5.0, 5.0  # the mean falls as gamma grows
    for _ in range(60):
        middle = (lower + upper) / 2
        lower, upper = (middle, upper) if mean(middle) > cal.tcg else (lower, middle)
    return pd.Series(low + (high - low) * position ** np.exp((lower + upper) / 2), index=children.index)


def _between(pair: tuple[float, float], year: int) -> float:
    first, last = pair
    return first + (last - first) * (year - BASE_YEAR) / (CALIBRATED_YEARS[-1] - BASE_YEAR)


def childminders(communes: pd.DataFrame, population: pd.DataFrame, other_places: pd.Series,
                 cal: Calibration, rng: np.random.Generator) -> pd.DataFrame:
    """AM per commune and year; ``other_places`` are the non-AM places per commune in ``tcg_year``."""
    epci = communes.set_index("code")["epci"].fillna(NO_EPCI)
    children = population.pivot(index="commune", columns="year", values="pop_0_2").loc[communes["code"]]
    u3, agrees = _epci_places(children[cal.tcg_year], other_places.reindex(children.index, fill_value=0),
                              epci, cal, rng)
    attraction = noise(rng, 0.35, len(communes)) * np.where(communes["population"] < RURAL_POPULATION, 1.3, 1.0)
    per_place = rng.uniform(3.2, 3.9, len(communes))
    frames = []
    for year in CALIBRATED_YEARS:
        trend = cal.am_index(year) / cal.am_index(cal.tcg_year)
        weights = pd.Series(children[year].to_numpy() * attraction * noise(rng, 0.05, len(communes)),
                            index=children.index)
        places = pd.DataFrame({"agrees": 0, "u3": 0}, index=children.index)
        for code, members in epci.groupby(epci).groups.items():
            year_u3 = round(u3[code] * trend)
            year_agrees = max(round(agrees[code] * trend), year_u3)
            places.loc[members, "agrees"] = apportion(year_agrees, weights[members])
            places.loc[members, "u3"] = apportion(year_u3, places.loc[members, "agrees"])
        frames.append(_counts(year, places, per_place, cal, rng))
    return pd.concat(frames, ignore_index=True)


def _epci_places(children: pd.Series, other: pd.Series, epci: pd.Series, cal: Calibration,
                 rng: np.random.Generator) -> tuple[pd.Series, pd.Series]:
    """AM places for under-3s and places agréées per EPCI in ``tcg_year``."""
    kids, others = children.groupby(epci).sum(), other.groupby(epci).sum()
    target = epci_targets(kids, cal, rng)
    total_u3 = round(cal.tcg * kids.sum() / 100 - others.sum())
    u3 = pd.Series(apportion(total_u3, (target * kids / 100 - others).clip(lower=0)), index=kids.index)
    raw = u3 / (cal.am_u3_ratio * noise(rng, 0.06, len(u3)))
    agrees = pd.Series(apportion(cal.am_places_agrees or round(raw.sum()), raw), index=kids.index)
    return u3, np.maximum(agrees, u3)


def _counts(year: int, places: pd.DataFrame, per_place: np.ndarray, cal: Calibration,
            rng: np.random.Generator) -> pd.DataFrame:
    """AM agréés, actifs and aged 55+ consistent with the places (actifs can hold the u3 places)."""
    agrees, u3 = places["agrees"].to_numpy(int), places["u3"].to_numpy(int)
    am = np.maximum(np.ceil(agrees / MAX_CHILDREN_PER_AM), np.round(agrees / per_place)).astype(int)
    actifs = np.clip(rng.binomial(am, _between(cal.am_active_share, year)),
                     np.ceil(u3 / MAX_CHILDREN_PER_AM).astype(int), am)
    return pd.DataFrame({
        "year": year, "commune": places.index.to_numpy(), "am_agrees": am, "am_actifs": actifs,
        "am_places_agrees": agrees, "am_places_u3": u3,
        "am_actifs_55_plus": rng.binomial(actifs, _between(cal.am_55_share, year)),
    })
