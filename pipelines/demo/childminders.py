"""Assistants maternels of the demo, the balancing item of the coverage rate.

Crèches, garde à domicile and préscolarisation are drawn first; AM places for under-3s then fill
each EPCI part (an EPCI within one département; communes outside any EPCI form one part) up to a
target rate, the targets spread over the published EPCI range and averaging the published
département rate. Places agréées follow from a ratio to those places (to check, see
``calibration``), AM counts from the places, and the AM age from the calibrated ageing. All
départements are done at once, each from its own streams.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.demo import grouped
from pipelines.demo.calibration import BASE_YEAR, CALIBRATED_YEARS
from pipelines.demo.draws import noise
from pipelines.demo.scope import NO_EPCI, Scope

MAX_CHILDREN_PER_AM = 4  # places of one approval, ordinarily
RURAL_POPULATION = 2_000  # AM care for more of the children in villages
BISECTIONS = 60


def epci_targets(children: np.ndarray, dep: np.ndarray, position: np.ndarray, scope: Scope) -> np.ndarray:
    """TCG target of each EPCI part, spread from the published minimum to maximum, averaging the département.

    ``position`` in [0, 1] is the part's random place in that range; it is bent by a power ``gamma``
    found by bisection (for every département at once) so that the children-weighted mean hits the
    département rate while both ends stay put. A département with fewer than 3 parts gets its rate.
    """
    n_deps = len(scope.codes)
    low, high = (scope.per_dep(lambda c: c.epci_range()[i])[dep] for i in (0, 1))
    tcg = scope.per_dep(lambda c: c.tcg)
    weight = grouped.sums(children, dep, n_deps)

    def mean(log_gamma: np.ndarray) -> np.ndarray:
        return grouped.sums(children * (low + (high - low) * position ** np.exp(log_gamma[dep])), dep, n_deps) / weight

    lower, upper = np.full(n_deps, -5.0), np.full(n_deps, 5.0)  # the mean falls as gamma grows
    for _ in range(BISECTIONS):
        middle = (lower + upper) / 2
        above = mean(middle) > tcg
        lower, upper = np.where(above, middle, lower), np.where(above, upper, middle)
    target = low + (high - low) * position ** np.exp(((lower + upper) / 2)[dep])
    return np.where(np.bincount(dep, minlength=n_deps)[dep] < 3, tcg[dep], target)


def _yearly(scope: Scope, pairs: list[tuple[float, float]]) -> np.ndarray:
    """(year, commune) values moving linearly from each département's 2017 value to its 2024 one."""
    years = np.array(CALIBRATED_YEARS)
    first, last = np.array(pairs).T
    progress = (years[:, None] - BASE_YEAR) / (CALIBRATED_YEARS[-1] - BASE_YEAR)
    return (first + (last - first) * progress)[:, scope.dep]


def childminders(scope: Scope, children: np.ndarray, other_places: np.ndarray) -> pd.DataFrame:
    """AM per commune and year; ``children`` is the (year, commune) matrix of under-3s, ``other_places``
    the non-AM places per commune in each département's ``tcg_year``."""
    rng, dep = scope.streams("childminders"), scope.dep
    years = np.array(CALIBRATED_YEARS)
    part, n_parts = grouped.labels(dep, scope.communes["epci"].fillna(NO_EPCI))
    part_dep = np.zeros(n_parts, dtype=int)
    part_dep[part] = dep
    tcg_year = scope.per_dep(lambda c: c.tcg_year)
    at_tcg_year = children[np.searchsorted(years, tcg_year)[dep], np.arange(len(dep))]
    u3, agrees = _part_places(scope, part, part_dep, grouped.sums(at_tcg_year, part, n_parts),
                              grouped.sums(other_places, part, n_parts), rng)

    attraction = noise(rng.normal(scope.sizes), 0.35) * np.where(scope.population < RURAL_POPULATION, 1.3, 1.0)
    per_place = 3.2 + 0.7 * rng.random(scope.sizes)
    weights = children * attraction * noise(rng.normal(scope.sizes, rows=len(years)), 0.05)
    trend = np.array([[cal.am_index(y) / cal.am_index(cal.tcg_year) for cal in scope.calibrations] for y in years])
    year_u3 = np.round(u3 * trend[:, part_dep])  # (year, part)
    year_agrees = np.maximum(np.round(agrees * trend[:, part_dep]), year_u3)
    group = (np.arange(len(years))[:, None] * n_parts + part).ravel()  # (year, part) of each (year, commune)
    places_agrees = grouped.apportion(year_agrees.ravel(), weights.ravel(), group)
    places_u3 = grouped.apportion(year_u3.ravel(), places_agrees, group)
    older = _older(scope, part_dep, agrees, rng)[part]
    counts = _counts(scope, places_agrees.reshape(len(years), -1), places_u3.reshape(len(years), -1), per_place,
                     older, rng)
    return scope.rows(counts)


def _older(scope: Scope, part_dep: np.ndarray, agrees: np.ndarray, rng) -> np.ndarray:
    """How much older than its département's AM each EPCI part's are (share aged 55+, every year).

    Evenly spread over ± ``am_55_spread`` in a random order, centred on the département weighted by
    places agréées: renewal risk differs between territories, the département's share stays put.
    """
    n_deps = len(scope.codes)
    offset = scope.per_dep(lambda c: c.am_55_spread)[part_dep] * (2 * _positions(part_dep, n_deps, rng) - 1)
    weights = grouped.sums(agrees, part_dep, n_deps)
    centre = grouped.sums(offset * agrees, part_dep, n_deps) / np.where(weights > 0, weights, 1.0)
    return offset - centre[part_dep]


def _positions(part_dep: np.ndarray, n_deps: int, rng) -> np.ndarray:
    """Evenly spaced positions 0, 1/(n-1), ..., 1 of a département's n parts, in a random order."""
    parts_per_dep = np.bincount(part_dep, minlength=n_deps)
    return grouped.rank(part_dep, rng.random(parts_per_dep)) / np.maximum(parts_per_dep[part_dep] - 1, 1)


def _part_places(scope: Scope, part: np.ndarray, part_dep: np.ndarray, kids: np.ndarray, others: np.ndarray,
                 rng) -> tuple[np.ndarray, np.ndarray]:
    """AM places for under-3s and places agréées per EPCI part in its département's ``tcg_year``."""
    n_deps = len(scope.codes)
    parts_per_dep = np.bincount(part_dep, minlength=n_deps)
    target = epci_targets(kids, part_dep, _positions(part_dep, n_deps, rng), scope)
    tcg = scope.per_dep(lambda c: c.tcg)
    total_u3 = np.round(tcg * grouped.sums(kids, part_dep, n_deps) / 100 - grouped.sums(others, part_dep, n_deps))
    u3 = grouped.apportion(total_u3, np.clip(target * kids / 100 - others, 0, None), part_dep)
    raw = u3 / (scope.per_dep(lambda c: c.am_u3_ratio)[part_dep] * noise(rng.normal(parts_per_dep), 0.06))
    declared = scope.per_dep(lambda c: c.am_places_agrees or 0)
    total_agrees = np.where(declared > 0, declared, np.round(grouped.sums(raw, part_dep, n_deps)))
    return u3, np.maximum(grouped.apportion(total_agrees, raw, part_dep), u3)


def _counts(scope: Scope, agrees: np.ndarray, u3: np.ndarray, per_place: np.ndarray, older: np.ndarray,
            rng) -> dict[str, np.ndarray]:
    """AM agréés, actifs and aged 55+ consistent with the (year, commune) places (actifs can hold the u3
    places); ``older`` shifts each commune's share aged 55+."""
    am = np.maximum(np.ceil(agrees / MAX_CHILDREN_PER_AM), np.round(agrees / per_place)).astype(np.int64)
    active = rng.binomial(am, _yearly(scope, [c.am_active_share for c in scope.calibrations]), scope.sizes)
    actifs = np.clip(active, np.ceil(u3 / MAX_CHILDREN_PER_AM).astype(np.int64), am)
    return {"am_agrees": am, "am_actifs": actifs, "am_places_agrees": agrees, "am_places_u3": u3,
            "am_actifs_55_plus": rng.binomial(
                actifs, np.clip(_yearly(scope, [c.am_55_share for c in scope.calibrations]) + older, 0.0, 1.0),
                scope.sizes)}
