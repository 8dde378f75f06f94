"""Change of an indicator between two years, for trend tables and headline figures.

Kept out of the app so pages only display results: a missing value at either year gives a missing
change (never 0), and a relative change from a base of 0 is missing rather than infinite.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

KEYS = ("level", "code", "indicator")
COLUMNS = ["base_year", "last_year", "base", "last", "change", "change_pct"]


def evolution(values: pd.DataFrame, base_year: int, last_year: int, keys: tuple[str, ...] = KEYS) -> pd.DataFrame:
    """Per ``keys`` (those present in ``values``): value at each year, absolute and relative (%) change.

    ``values`` is the warehouse's long format (``..., year, value``; missing = no row). Every key
    combination seen at either year gets a row.
    """
    keys = [k for k in keys if k in values.columns]
    long = values.assign(value=pd.to_numeric(values["value"]).astype(float))
    base = long[long["year"] == base_year].set_index(keys)["value"].rename("base")
    last = long[long["year"] == last_year].set_index(keys)["value"].rename("last")
    out = pd.concat([base, last], axis=1)
    out["change"] = out["last"] - out["base"]
    out["change_pct"] = 100 * out["change"] / out["base"].replace(0, np.nan)
    out.insert(0, "base_year", base_year)
    out.insert(1, "last_year", last_year)
    out = out.reset_index()
    return out[[*keys, *COLUMNS]]
