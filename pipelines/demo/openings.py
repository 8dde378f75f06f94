"""When the demo's equipments opened and closed, as day ordinals, for all (département, type) groups at once.

Dates are stratified within each group (``grouped.stratified``) so openings do not bunch by chance
in a few years; closings after 2017 fall on the 2017 stock and never on the last equipment of its
type in an EPCI part, so the parenting basket is not undone by chance.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from pipelines.demo import grouped
from pipelines.demo.calibration import BASE_YEAR, CALIBRATED_YEARS
from pipelines.demo.kinds import KINDS, TYPES

FIRST_DAY = date(BASE_YEAR, 1, 1).toordinal()
BASE_END = date(BASE_YEAR, 12, 31).toordinal()
NEXT_DAY = date(BASE_YEAR + 1, 1, 1).toordinal()
LAST_DAY = date(CALIBRATED_YEARS[-1], 12, 31).toordinal()
EPOCH = date(1970, 1, 1).toordinal()
EXISTING, GONE, NEW = 0, 1, 2  # open at the end of 2017, closed during 2017, opened since
OPEN = -1  # closing day of an equipment still open


def closing_calendar(group: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Closing days of each group's ``group`` rows, spread over 2017-2024, in increasing order."""
    return FIRST_DAY + grouped.stratified(u, np.zeros(len(u)), group, LAST_DAY - FIRST_DAY + 1)


def closing_days(group: np.ndarray, role: np.ndarray, epci: np.ndarray, calendar: tuple[np.ndarray, np.ndarray],
                 key: np.ndarray, n_groups: int) -> np.ndarray:
    """Closing day of each item (``OPEN`` when none) from its group's ``calendar`` (group, day).

    Items closed during 2017 take their group's 2017 days in turn. Later days go to the 2017 stock
    with the smallest ``key`` (uniforms, one per item of that stock), except in each EPCI part
    (``epci``: one per item of that stock) the one with the largest: the last one never closes.
    """
    closed = np.full(len(group), OPEN, dtype=np.int64)
    calendar_group, day = calendar
    order = np.lexsort((day, calendar_group))
    calendar_group, day = calendar_group[order], day[order]
    first = np.searchsorted(calendar_group, np.arange(n_groups))
    n_days = np.bincount(calendar_group, minlength=n_groups)

    gone = np.flatnonzero(role == GONE)
    n_gone = np.bincount(group[gone], minlength=n_groups)
    closed[gone] = day[first[group[gone]] + grouped.rank(group[gone])]

    existing = np.flatnonzero(role == EXISTING)
    part, _ = grouped.labels(group[existing], epci)
    spared = grouped.rank(part, -key) == 0
    candidates, key = existing[~spared], key[~spared]
    g = group[candidates]
    nth = n_gone[g] + grouped.rank(g, key)
    closes = nth < n_days[g]
    closed[candidates[closes]] = day[first[g[closes]] + nth[closes]]
    return closed


def opening_days(group: np.ndarray, role: np.ndarray, closed: np.ndarray, u: np.ndarray,
                 shuffle: np.ndarray) -> np.ndarray:
    """Opening day of each item: the 2017 stock since its type's first year, those closed during 2017
    at any day before, the new ones over 2018-2024. ``u``, ``shuffle``: uniforms, one per item."""
    first = np.array([date(KINDS[k].first_year, 1, 1).toordinal() for k in TYPES])[group % len(TYPES)]
    start = np.where(role == NEW, NEXT_DAY, first)
    end = np.where(role == NEW, LAST_DAY, np.where(role == GONE, closed - 1, BASE_END))
    opened = start + np.floor(u * (end - start + 1)).astype(np.int64)
    spread = role != GONE
    opened[spread] = start[spread] + grouped.stratified(u[spread], shuffle[spread], group[spread] * 3 + role[spread],
                                                        (end - start + 1)[spread])
    return opened


def as_dates(days: np.ndarray) -> pd.Series:
    """Day ordinals as datetimes, ``OPEN`` as missing."""
    days = np.asarray(days)
    stamps = (days - EPOCH).astype("datetime64[D]").astype("datetime64[ns]")
    return pd.Series(np.where(days == OPEN, np.datetime64("NaT", "ns"), stamps))
