"""French number formatting shared by the CLI, the exports and the app: ``72,1``, ``14 957``."""

from __future__ import annotations

import math

NARROW_NBSP = "\u202f"
MISSING = "n.d."


def fr_number(value, decimals: int = 1, missing: str = MISSING) -> str:
    """``14957 -> '14 957'``, ``72.13 -> '72,1'``; None/NaN -> ``n.d.`` (missing is never 0)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return missing
    try:
        if value != value:  # pandas NA-likes
            return missing
    except TypeError:
        return missing
    text = f"{float(value):,.{decimals}f}"
    return text.replace(",", NARROW_NBSP).replace(".", ",")
