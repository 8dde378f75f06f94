"""Equipments of the demo (crèches, MAM, relais, LAEP, CLAS, leisure centres, REAAP, ...), all départements at once.

Equipments are drawn in communes with a probability rising with population (crèches in towns,
MAM and leisure centres spread wider), as a stock open at the end of 2017 plus openings and
closings over 2017-2024. The parenting basket (REAAP, LAEP, CLAS) is completed over the years in
every EPCI except a few chosen ones, so the basket indicator has gaps to show. Items are counted
per (département, type) group, ``département × len(TYPES) + type``, and laid out group after
group: counts, places and dates are computed for all groups at once (``grouped``), and each
département's draws come from its own streams.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from pipelines.demo import grouped
from pipelines.demo.calibration import BASE_YEAR, CLOSINGS, NATIONAL_PER_100K, OPENINGS
from pipelines.demo.draws import noise
from pipelines.demo.kinds import BASKET, KINDS, PLACEMENT, TYPES, active
from pipelines.demo.naming import described
from pipelines.demo.openings import (BASE_END, EXISTING, GONE, NEW, as_dates, closing_calendar, closing_days,
                                     opening_days)
from pipelines.demo.scope import Scope

RPE_POPULATION = 40_000  # inhabitants per relais, one at least per EPCI


def basket_gaps(scope: Scope) -> pd.Series:
    """EPCI (code -> basket element) that will lack one element of the basket, among the less
    populated half of each département's EPCI.

    At most a quarter of the département's EPCI, and only EPCI lying wholly in the département: the
    part of a straddling EPCI beyond it may well hold the service.
    """
    rng, communes, n_deps = scope.streams("basket"), scope.communes, len(scope.codes)
    whole = (communes[communes["epci"].isin(scope.whole_epci)].groupby(["dep", "epci"])["population"].sum()
             .reset_index())
    dep, pop = whole["dep"].to_numpy(), whole["population"].to_numpy()
    touching = communes.dropna(subset=["epci"]).groupby("dep")["epci"].nunique().reindex(range(n_deps), fill_value=0)
    count = np.minimum(scope.per_dep(lambda c: c.basket_gaps), touching.to_numpy() // 4)
    rural = grouped.rank(dep, pop) < np.maximum(count, np.bincount(dep, minlength=n_deps) // 2)[dep]
    key = rng.random(np.bincount(dep[rural], minlength=n_deps))
    chosen = np.flatnonzero(rural)[grouped.rank(dep[rural], key) < count[dep[rural]]]
    element = np.floor(rng.random(np.bincount(dep[chosen], minlength=n_deps)) * len(BASKET)).astype(int)
    return pd.Series(np.asarray(BASKET)[element], index=whole["epci"].to_numpy()[chosen])


def equipments(scope: Scope, children_base: np.ndarray, gaps: pd.Series) -> pd.DataFrame:
    """Every equipment open at some point in 2017-2024; ``children_base``: under-3s in 2017 per département."""
    rng, n_deps = scope.streams("equipments"), len(scope.codes)
    stock = _stock(scope).ravel()
    groups = np.arange(len(stock))
    weights = _weights(scope, gaps)

    closing_group = np.repeat(groups, np.round(stock * np.tile(_per_type(CLOSINGS), n_deps)).astype(int))
    calendar = (closing_group, closing_calendar(closing_group, rng.random(_per_dep(closing_group, n_deps))))
    gone = np.bincount(closing_group[calendar[1] <= BASE_END], minlength=len(stock))

    # the stock of 2017 and those closed during 2017, placed in their département
    counts = np.stack([stock, gone], axis=1)
    group = np.repeat(groups, counts.sum(axis=1))
    role = np.repeat(np.tile([EXISTING, GONE], len(stock)), counts.ravel())
    commune = _place(scope, weights, group, rng.random(_per_dep(group, n_deps)))

    # openings: one in each EPCI part still without a basket element it is not meant to lack, then the rest
    existing = role == EXISTING
    cover_group, cover_commune = _covering(scope, weights, gaps, group[existing], commune[existing], rng)
    openings = np.round(stock * np.tile(_per_type(OPENINGS), n_deps)).astype(int)
    new_group = np.repeat(groups, np.maximum(0, openings - np.bincount(cover_group, minlength=len(stock))))
    new_commune = _place(scope, weights, new_group, rng.random(_per_dep(new_group, n_deps)))

    rows = pd.DataFrame({
        "group": np.concatenate([group, cover_group, new_group]),
        "role": np.concatenate([role, np.full(len(cover_group) + len(new_group), NEW)]),
        "commune": np.concatenate([commune, cover_commune, new_commune]),
    }).sort_values(["group", "role"], kind="stable", ignore_index=True)
    group, role, commune = (rows[c].to_numpy() for c in ("group", "role", "commune"))
    in_stock = role == EXISTING
    closed = closing_days(group, role, scope.communes["epci"].fillna("").to_numpy()[commune[in_stock]], calendar,
                          rng.random(_per_dep(group[in_stock], n_deps)), len(stock))
    opened = opening_days(group, role, closed, rng.random(_per_dep(group, n_deps)), rng.random(_per_dep(group, n_deps)))
    kind = group % len(TYPES)
    items = pd.DataFrame({"dep": group // len(TYPES), "type": np.asarray(TYPES)[kind], "commune": commune,
                          "opened": as_dates(opened), "closed": as_dates(closed),
                          "size": _sizes(kind, rng.normal(_per_dep(group, n_deps)))})
    items = pd.concat([items, _relays(scope)], ignore_index=True).sort_values("dep", kind="stable", ignore_index=True)
    items["places"] = _calibrated_places(items, scope, children_base)
    return described(items, scope)


def _per_dep(group: np.ndarray, n_deps: int) -> np.ndarray:
    """How many items of (département, type) ``group`` fall in each département: the sizes of a draw."""
    return np.bincount(group // len(TYPES), minlength=n_deps)


def _per_type(shares) -> np.ndarray:
    return np.array([shares.get(kind, 0.0) for kind in TYPES])


def _stock(scope: Scope) -> np.ndarray:
    """Equipments open at the end of 2017 per (département, type): calibrated counts, else per inhabitant."""
    population = grouped.sums(scope.population, scope.dep, len(scope.codes))
    per_100k = np.array([NATIONAL_PER_100K[kind] for kind in TYPES])
    return np.array([[cal.equipment_counts[kind] for kind in TYPES] if cal.equipment_counts
                     else np.round(per_100k * people / 100_000)
                     for cal, people in zip(scope.calibrations, population)], dtype=int)


def _weights(scope: Scope, gaps: pd.Series) -> np.ndarray:
    """(type, commune) placement weights; a commune of an EPCI meant to lack a basket element gets none
    of it, unless its département has nowhere else to put it."""
    pop, dep, n_deps = scope.population, scope.dep, len(scope.codes)
    gap = scope.communes["epci"].map(gaps).to_numpy()
    out = np.empty((len(TYPES), len(pop)))
    for i, kind in enumerate(TYPES):
        smallest, exponent = PLACEMENT[kind]
        weights = pop ** exponent * (pop >= smallest)
        empty = grouped.sums(weights, dep, n_deps) == 0
        weights = np.where(empty[dep], pop ** exponent, weights)
        in_gap = gap == kind
        elsewhere = grouped.sums(weights * ~in_gap, dep, n_deps) > 0
        out[i] = np.where(in_gap & elsewhere[dep], 0.0, weights)
    return out


def _place(scope: Scope, weights: np.ndarray, group: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Commune index of each item of (département, type) ``group``, drawn with the type's weights."""
    n_types, n_communes = weights.shape
    weight_group = (scope.dep[None, :] * n_types + np.arange(n_types)[:, None]).ravel()
    return grouped.choose(u, group, weights.ravel(), weight_group) % n_communes


def _covering(scope: Scope, weights: np.ndarray, gaps: pd.Series, group: np.ndarray, commune: np.ndarray,
              rng) -> tuple[np.ndarray, np.ndarray]:
    """(group, commune index) of one opening in each EPCI part lacking a basket element of the 2017 stock."""
    n_types, communes = len(TYPES), scope.communes
    members = pd.DataFrame({"dep": scope.dep, "epci": communes["epci"], "n": np.arange(len(communes))}).dropna()
    parts = members[["dep", "epci"]].drop_duplicates().sort_values(["dep", "epci"])
    basket = pd.DataFrame({"kind": [TYPES.index(k) for k in BASKET]}).sort_values("kind")
    wanted = parts.merge(basket, how="cross")
    present = pd.DataFrame({"dep": group // n_types, "kind": group % n_types,
                            "epci": communes["epci"].to_numpy()[commune]}).drop_duplicates()
    wanted = wanted.merge(present, how="left", indicator=True)
    wanted = wanted[wanted["_merge"].eq("left_only")
                    & wanted["epci"].map(gaps).ne(np.asarray(TYPES)[wanted["kind"]])]
    wanted = wanted.sort_values(["dep", "kind", "epci"], ignore_index=True).drop(columns="_merge")
    wanted["row"] = np.arange(len(wanted))
    options = wanted.merge(members, on=["dep", "epci"])
    local = weights[options["kind"], options["n"]]
    row = options["row"].to_numpy()
    fallback = grouped.sums(local, row, len(wanted)) == 0
    local = np.where(fallback[row], scope.population[options["n"]], local)
    u = rng.random(np.bincount(wanted["dep"], minlength=len(scope.codes)))
    picked = options["n"].to_numpy()[grouped.choose(u, wanted["row"].to_numpy(), local, row)]
    return (wanted["dep"] * n_types + wanted["kind"]).to_numpy(), picked


def _sizes(kind: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Places an equipment would have before calibration; NaN for types counted without places."""
    spec = np.array([KINDS[k].places or (np.nan, 0.0, np.nan, np.nan) for k in TYPES])[kind]
    median, sigma, smallest, largest = spec.T
    return np.clip(median * noise(z, sigma), smallest, largest)


def _relays(scope: Scope) -> pd.DataFrame:
    """Relais petite enfance: one per EPCI part, more in populous ones, seated in the largest communes."""
    rng, communes = scope.streams("relays"), scope.communes.dropna(subset=["epci"])
    part, n_parts = grouped.labels(communes["dep"], communes["epci"])
    pop = communes["population"].to_numpy()
    count = np.clip(np.round(grouped.sums(pop, part, n_parts) / RPE_POPULATION), 1, np.bincount(part))
    # largest first, ties by code (rows are in code order)
    seats = communes[grouped.rank(part, -pop) < count[part]]
    dep = seats["dep"].to_numpy()
    sizes = np.bincount(dep, minlength=len(scope.codes))
    start = date(KINDS["RPE"].first_year, 1, 1).toordinal()
    opened = start + grouped.stratified(rng.random(sizes), rng.random(sizes), dep, BASE_END - start + 1)
    return pd.DataFrame({"dep": dep, "type": "RPE", "commune": seats.index.to_numpy(), "opened": as_dates(opened),
                         "closed": pd.NaT, "size": np.nan})


def _calibrated_places(items: pd.DataFrame, scope: Scope, children_base: np.ndarray) -> pd.Series:
    """Whole places; crèches PSU scaled so that EAJE open at the end of 2017 hold each département's target."""
    dep, n_deps = items["dep"].to_numpy(), len(scope.codes)
    target = np.array([cal.eaje_places or round(cal.eaje_rate * kids / 100)
                       for cal, kids in zip(scope.calibrations, children_base)])
    places = items["size"].round()
    psu = items["type"].eq("EAJE_PSU").to_numpy()
    in_base = active(items, BASE_YEAR).to_numpy()
    hors_psu = grouped.sums(places.where(items["type"].eq("EAJE_HORS_PSU") & in_base, 0), dep, n_deps)
    psu_target = (target - hors_psu).astype(np.int64)
    base_sizes = grouped.sums(np.where(psu & in_base, items["size"], 0.0), dep, n_deps)
    scaled = items["size"].to_numpy() * psu_target[dep] / np.where(base_sizes > 0, base_sizes, 1.0)[dep]
    places[psu] = np.round(scaled[psu])
    places[psu & in_base] = grouped.apportion(psu_target, np.where(psu & in_base, scaled, 0.0), dep)[psu & in_base]
    return places.astype("Int64")
