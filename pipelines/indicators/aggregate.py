"""Sum commune counts up to EPCI, arrondissement, département and France.

Only counts are summed; rates are derived afterwards from the summed counts (never averaged).
A territory's count is missing when any of its communes misses it: a partial sum would
understate the territory without saying so.
"""

from __future__ import annotations

import pandas as pd

LEVEL_COLUMNS = {"epci": "epci", "arrondissement": "arrondissement", "departement": "departement"}


def strict_sum(counts: pd.DataFrame, keys: pd.Series) -> pd.DataFrame:
    """Group commune rows by ``keys`` (aligned on the commune level) and year; NaN if any member is NaN."""
    frame = counts.copy()
    frame["_key"] = keys.reindex(frame.index.get_level_values("commune")).to_numpy()
    frame = frame.dropna(subset=["_key"])
    grouped = frame.groupby(["_key", frame.index.get_level_values("year")])
    sums = grouped.sum(min_count=1)
    complete = grouped.count() == grouped.size().to_numpy()[:, None]
    sums = sums.where(complete)
    sums.index = sums.index.set_names(["code", "year"])
    return sums


def aggregate_levels(counts: pd.DataFrame, communes: pd.DataFrame, whole_country: bool) -> dict[str, pd.DataFrame]:
    """Counts per level, indexed (code, year). France only when every département is loaded."""
    ref = communes.set_index("code")
    levels = {"commune": counts.rename_axis(["code", "year"])}
    for level, column in LEVEL_COLUMNS.items():
        levels[level] = strict_sum(counts, ref[column])
    if whole_country:
        levels["france"] = strict_sum(counts, pd.Series("FR", index=ref.index))
    return levels
