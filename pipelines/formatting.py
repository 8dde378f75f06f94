"""French number formatting shared by the CLI, the exports and the app: ``72,1``, ``14 957``."""

from __future__ import annotations

import math
import re
import unicodedata

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


def ascii_fold(text: str) -> str:
    """``Mâcon`` -> ``Macon``: accents dropped, for keys, file names and the Caf's spellings."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def simplified(text: str, sep: str) -> str:
    """Lower-case ASCII words joined by ``sep``: « Seuil AM 35 % » -> ``seuil_am_35`` with ``_``."""
    return re.sub(r"[^a-z0-9]+", sep, ascii_fold(text).lower()).strip(sep)
