"""« secret statistique » in the app's own tables: which cells of a frame the query layer served as secret.

Pages keep numbers numeric (sorting, charts, filters; a secret value is missing there); what a person reads —
the grid on screen, every file downloaded, the livret — says « secret statistique » instead of « n.d. », from
the ``secret`` flag the query layer serves with each value (``pipelines/warehouse/query.py``).
"""

from __future__ import annotations

import pandas as pd

from app import data
from pipelines.formatting import SECRET

KEYS = ("level", "code", "year")


def cells(v: str, frame: pd.DataFrame) -> pd.DataFrame:
    """A boolean frame shaped like ``frame``: True where the value is secret (indicator columns only)."""
    mask = pd.DataFrame(False, index=frame.index, columns=frame.columns)
    if frame.empty or not set(KEYS) <= set(frame.columns):
        return mask
    catalogue = set(data.catalogue(v)["code"])
    indicators = [c for c in frame.columns if c in catalogue]
    for level, part in frame.groupby("level"):
        long = data.values(v, level, tuple(sorted(set(part["code"]))), tuple(indicators),
                           tuple(sorted({int(y) for y in part["year"].dropna()})))
        secret = long[long["secret"]]
        if secret.empty:
            continue
        hidden = set(zip(secret["code"], secret["year"], secret["indicator"]))
        for column in indicators:
            mask.loc[part.index, column] = [(c, int(y), column) in hidden for c, y in zip(part["code"], part["year"])]
    return mask


def marked(v: str, frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` (``level, code, year`` and indicator columns) with ``SECRET`` in each secret cell: what
    the exports write « secret statistique »."""
    mask = cells(v, frame)
    if not mask.to_numpy().any():
        return frame
    out = frame.astype({c: object for c in mask.columns[mask.any()]})
    return out.mask(mask, SECRET)
