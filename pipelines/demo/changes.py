"""Capacity changes and moves of the demo's equipments after 2017, as the extract holds them: dated periods.

A real extract shows crèches extended by a few places, or reduced, and MAM moving to another commune; the
import template holds them as several rows of one ``id_equipement`` (the change day closes one period and
opens the next: docs/templates.md). Each year of 2018-2024 a share of the PSU crèches open all year changes
capacity and a share of the MAM moves to another commune of its arrondissement (sometimes across an EPCI
border). Every draw comes from the département's own stream, and
the stock of the end of 2017 the demo is calibrated on is left as it is.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from pipelines.demo.calibration import BASE_YEAR, CALIBRATED_YEARS
from pipelines.demo.scope import Scope

CAPACITY_SHARE = 0.05  # of the PSU crèches open all year change capacity that year
EXTENSION_SHARE = 0.8  # of the changes are extensions (+2 to +12 places), the others reductions (−2 to −6)
SMALLEST_CRECHE = 10
MOVE_SHARE = 0.03  # of the MAM open all year move to another commune of their arrondissement that year


def with_changes(items: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    """``items`` (one row per equipment) with the later periods of the crèches and MAM that changed."""
    dep_of = pd.Series(scope.dep, index=scope.communes["code"])
    rng = scope.streams("changes")
    members = scope.communes.groupby("arrondissement")["code"].agg(list)
    for year in CALIBRATED_YEARS:
        if year <= BASE_YEAR:
            continue
        items = _capacity(items, year, dep_of, rng, len(scope.codes))
        items = _moves(items, year, dep_of, rng, len(scope.codes), members,
                       scope.communes.set_index("code")["arrondissement"])
    order = items.assign(dep=items["commune"].map(dep_of)).sort_values(["dep", "equipment_id", "opened"],
                                                                       kind="stable")
    return order.drop(columns="dep").reset_index(drop=True)


def _open_all_year(items: pd.DataFrame, year: int, kind: str) -> pd.Series:
    start, end = pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 31)
    return items["type"].eq(kind) & (items["opened"] < start) & (items["closed"].isna() | (items["closed"] > end))


def _draw(items: pd.DataFrame, candidates: pd.Series, dep_of: pd.Series, rng, n_deps: int, columns: int):
    """Uniforms for each candidate (``columns`` per row), from its département's stream, in the items' order."""
    deps = items.loc[candidates, "commune"].map(dep_of).to_numpy()
    order = np.argsort(deps, kind="stable")
    u = rng.random(np.bincount(deps, minlength=n_deps) * columns)
    out = np.empty((len(deps), columns))
    out[order] = u.reshape(-1, columns) if len(u) else u.reshape(0, columns)
    return out


def _split(items: pd.DataFrame, rows: pd.Index, day: pd.Series, changes: dict[str, pd.Series]) -> pd.DataFrame:
    """End ``rows`` on ``day`` and open, the same day, their next period with ``changes`` applied."""
    after = items.loc[rows].copy()
    after["opened"] = day
    for column, values in changes.items():
        after[column] = values
    items = items.copy()
    items.loc[rows, "closed"] = day
    return pd.concat([items, after], ignore_index=True)


def _change_day(year: int, u: np.ndarray, index: pd.Index) -> pd.Series:
    first = date(year, 1, 2).toordinal()  # never on 1 January: the change stays inside the year
    days = first + np.floor(u * (date(year, 12, 31).toordinal() - first)).astype(int)
    return pd.Series([pd.Timestamp(date.fromordinal(int(d))) for d in days], index=index, dtype="datetime64[ns]")


def _capacity(items: pd.DataFrame, year: int, dep_of: pd.Series, rng, n_deps: int) -> pd.DataFrame:
    candidates = _open_all_year(items, year, "EAJE_PSU")
    u = _draw(items, candidates, dep_of, rng, n_deps, 4)  # chosen, extension or not, how many places, day
    picked = u[:, 0] < CAPACITY_SHARE
    chosen, u = items.index[candidates][picked], u[picked]
    places = items.loc[chosen, "places"].astype(int).to_numpy()
    step = np.where(u[:, 1] < EXTENSION_SHARE, 2 + np.floor(u[:, 2] * 11), -(2 + np.floor(u[:, 2] * 5))).astype(int)
    new = np.maximum(places + step, SMALLEST_CRECHE)
    changed = new != places
    chosen, u, new = chosen[changed], u[changed], new[changed]
    if not len(chosen):
        return items
    return _split(items, chosen, _change_day(year, u[:, 3], chosen),
                  {"places": pd.Series(new, index=chosen, dtype="Int64")})


def _moves(items: pd.DataFrame, year: int, dep_of: pd.Series, rng, n_deps: int, members: pd.Series,
           arrondissement_of: pd.Series) -> pd.DataFrame:
    candidates = _open_all_year(items, year, "MAM")
    u = _draw(items, candidates, dep_of, rng, n_deps, 3)  # chosen, where to, day
    picked = u[:, 0] < MOVE_SHARE
    rows, targets, days = [], [], []
    for row, draw in zip(items.index[candidates][picked], u[picked]):
        commune = items.at[row, "commune"]
        others = [c for c in members.get(arrondissement_of.get(commune), []) if c != commune]
        if others:
            rows.append(row)
            targets.append(others[int(draw[1] * len(others))])
            days.append(draw[2])
    if not rows:
        return items
    rows = pd.Index(rows)
    return _split(items, rows, _change_day(year, np.array(days), rows), {"commune": pd.Series(targets, index=rows)})
