"""Map classes that mean the same thing every year, so two maps of one indicator can be compared.

Two classifications: the index to the France value (value / France × 100, fixed classes around
100) and fixed limits drawn once from an indicator's values over all years. Classes per year
(quantiles of the year shown) would move the limits under the reader's eyes: a territory could
change colour without its figure changing. Pure: series in, series out; missing stays missing.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from pipelines.formatting import fr_number

RATIO_BREAKS = (80.0, 95.0, 105.0, 120.0)  # France = 100; the middle class reads « comme la France »


def ratio_to_reference(values: pd.Series, reference: float | None) -> pd.Series:
    """100 × value / reference; missing where the value is missing or the reference is missing or 0."""
    numbers = pd.to_numeric(values).astype(float)
    if reference is None or pd.isna(reference) or reference == 0:
        return pd.Series(np.nan, index=numbers.index)
    return numbers / float(reference) * 100


def fixed_breaks(values: pd.Series, n_classes: int = 5, decimals: int = 1) -> list[float]:
    """Inner class limits at the quantiles of ``values`` (every territory, every year), rounded.

    Limits that coincide after rounding, or that fall at or below the minimum, are dropped: a count
    with many zeros gets fewer classes rather than empty ones.
    """
    numbers = pd.to_numeric(values).astype(float).dropna()
    if numbers.empty:
        return []
    quantiles = numbers.quantile([i / n_classes for i in range(1, n_classes)])
    limits = sorted({round(float(q), decimals) for q in quantiles})
    return [limit for limit in limits if limit > numbers.min()]


def class_labels(breaks: Sequence[float], decimals: int = 1) -> list[str]:
    """French labels of the classes cut by ``breaks``, lower limits included (« 80 à moins de 95 »)."""
    text = [fr_number(b, decimals) for b in breaks]
    if not text:
        return ["toutes valeurs"]
    middle = [f"{low} à moins de {high}" for low, high in zip(text, text[1:])]
    return [f"moins de {text[0]}", *middle, f"{text[-1]} ou plus"]


def classify(values: pd.Series, breaks: Sequence[float], labels: Sequence[str] | None = None) -> pd.Series:
    """The class of each value (ordered categorical, lower limits included); missing stays missing."""
    labels = list(labels) if labels is not None else class_labels(breaks)
    if len(labels) != len(breaks) + 1:
        raise ValueError(f"{len(breaks)} limites font {len(breaks) + 1} classes, pas {len(labels)}")
    numbers = pd.to_numeric(values).astype(float)
    positions = np.searchsorted(np.asarray(breaks, dtype=float), numbers.to_numpy(), side="right")
    codes = np.where(numbers.isna().to_numpy(), -1, positions)
    return pd.Series(pd.Categorical.from_codes(codes, categories=labels, ordered=True), index=numbers.index)
