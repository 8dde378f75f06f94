"""Arithmetic done group by group on flat arrays, without a Python loop over the groups.

The demo splits département totals over EPCI, EPCI totals over communes, one year at a time, for
every département of the scope: one call here does all the groups at once. ``groups`` are
integer labels ``0 .. n_groups - 1`` (from ``labels``), in any order unless said otherwise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def labels(*keys) -> tuple[np.ndarray, int]:
    """Integer group of each row for the combined ``keys``, numbered in their sorted order, and the count."""
    codes = pd.MultiIndex.from_arrays([np.asarray(k) for k in keys]).factorize(sort=True)[0]
    return codes, int(codes.max()) + 1 if len(codes) else 0


def sums(values, groups: np.ndarray, n_groups: int) -> np.ndarray:
    return np.bincount(groups, weights=np.asarray(values, dtype=float), minlength=n_groups)


def rank(groups: np.ndarray, *keys) -> np.ndarray:
    """Position of each row within its group, ordered by ``keys`` (last key first, as ``np.lexsort``),
    ties kept in row order."""
    order = np.lexsort((np.arange(len(groups)), *keys, groups))
    sorted_groups = groups[order]
    out = np.empty(len(groups), dtype=np.int64)
    out[order] = np.arange(len(groups)) - np.searchsorted(sorted_groups, sorted_groups, side="left")
    return out


def apportion(totals, weights, groups: np.ndarray) -> np.ndarray:
    """Split each group's integer total over its rows proportionally to ``weights`` (largest remainder).

    The parts of a group add up to its total exactly, a zero weight gets nothing, and no part exceeds
    the ceiling of its exact share: that is how calibrated totals survive the rounding. A group whose
    total or weights are zero gets zeros.
    """
    totals = np.asarray(totals, dtype=np.int64)
    weights = np.asarray(weights, dtype=float)
    weight_sums = sums(weights, groups, len(totals))
    live = (totals > 0) & (weight_sums > 0)
    exact = np.where(live[groups], totals[groups] * weights / np.where(live, weight_sums, 1.0)[groups], 0.0)
    parts = np.floor(exact).astype(np.int64)
    left = np.where(live, totals - np.bincount(groups, weights=parts, minlength=len(totals)).astype(np.int64), 0)
    parts[rank(groups, -(exact - parts)) < left[groups]] += 1
    return parts


def choose(u: np.ndarray, draw_groups: np.ndarray, weights, weight_groups: np.ndarray) -> np.ndarray:
    """For each uniform ``u``, the index of a row of ``weights`` in group ``draw_groups``, picked with
    probability proportional to its weight (inverse of the group's cumulative weights).

    Every group drawn from must have a positive total weight.
    """
    weights = np.asarray(weights, dtype=float)
    order = np.argsort(weight_groups, kind="stable")
    ordered_groups, running = weight_groups[order], np.cumsum(weights[order])
    start = np.searchsorted(ordered_groups, ordered_groups, side="left")
    end = np.searchsorted(ordered_groups, ordered_groups, side="right") - 1
    before = np.where(start > 0, running[start - 1], 0.0)
    cumulative = (running - before) / (running[end] - before)
    cumulative[end == np.arange(len(end))] = 1.0  # no rounding may leave the end of a group below 1
    picked = np.searchsorted(ordered_groups + cumulative, draw_groups + u, side="right")
    # g + u can round up to g + 1 when u is within 2**-50 of 1: stay in the group
    return order[np.minimum(picked, np.searchsorted(ordered_groups, draw_groups, side="right") - 1)]


def stratified(u: np.ndarray, shuffle: np.ndarray, groups: np.ndarray, span) -> np.ndarray:
    """Offsets in ``[0, span)`` (days), one in each of the group's equal slices, shuffled within the group.

    Stratified rather than uniform, so openings do not bunch by chance in a few years. ``u`` places
    each offset in its slice, ``shuffle`` (uniforms) decides which row gets which slice.
    """
    size = np.bincount(groups)[groups]
    slot = rank(groups, shuffle)
    return np.floor((slot + u) * np.asarray(span, dtype=float) / size).astype(np.int64)
