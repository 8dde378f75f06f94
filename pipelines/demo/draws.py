"""Deterministic random draws shared by the generators."""

from __future__ import annotations

from datetime import date

import numpy as np


def stream(seed: int, departement: str, purpose: str) -> np.random.Generator:
    """One independent generator per (seed, département, purpose).

    A département's data then does not depend on which other départements are generated with
    it, nor on the order in which the generators are called.
    """
    return np.random.default_rng([seed, *f"{departement}/{purpose}".encode()])


def apportion(total: int, weights) -> np.ndarray:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder).

    The parts add up to ``total`` exactly, a zero weight gets nothing, and no part exceeds the
    ceiling of its exact share: that is how calibrated totals survive the rounding.
    """
    weights = np.asarray(weights, dtype=float)
    if total <= 0 or weights.sum() <= 0:
        return np.zeros(len(weights), dtype=int)
    exact = total * weights / weights.sum()
    parts = np.floor(exact).astype(int)
    left = total - parts.sum()
    order = np.argsort(-(exact - parts), kind="stable")
    parts[order[:left]] += 1
    return parts


def dates_between(rng: np.random.Generator, start: date, end: date, size: int) -> list[date]:
    """Calendar dates spread over [start, end], one in each of ``size`` equal slices, shuffled.

    Stratified rather than uniform, so openings do not bunch by chance in a few years.
    """
    span = end.toordinal() - start.toordinal() + 1
    offsets = np.floor((np.arange(size) + rng.random(size)) * span / max(size, 1)).astype(int)
    return [date.fromordinal(start.toordinal() + int(o)) for o in rng.permutation(offsets)]


def noise(rng: np.random.Generator, sigma, size=None) -> np.ndarray:
    """Multiplicative noise with median 1."""
    return np.exp(rng.normal(0.0, sigma, size))
