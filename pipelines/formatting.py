"""French number formatting shared by the CLI, the exports and the app: ``72,1``, ``14 957``."""

from __future__ import annotations

import math
from datetime import datetime, timezone
from zoneinfo import ZoneInfo
import re
import unicodedata

NARROW_NBSP = "\u202f"
MISSING = "n.d."
SECRET = "secret statistique"  # a value masked by statistical secrecy (pipelines/secrecy), never shown as missing


def fr_number(value, decimals: int = 1, missing: str = MISSING) -> str:
    """``14957 -> '14 957'``, ``72.13 -> '72,1'``; None/NaN -> ``n.d.`` (missing is never 0); a secret value
    (``SECRET``, as the query layer's wide tables carry it) -> « secret statistique »."""
    if isinstance(value, str) and value == SECRET:
        return SECRET
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


MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre"]
PARIS = ZoneInfo("Europe/Paris")


def fr_day(when) -> str:  # a date or datetime
    """« 1er décembre 2026 », « 23 novembre 2026 »."""
    return f"{'1er' if when.day == 1 else when.day} {MONTHS[when.month - 1]} {when.year}"


def fr_date(iso: str | datetime | None) -> str:
    """``2026-11-30T23:30:00+00:00`` -> ``1er décembre 2026 à 00 h 30 (heure de Paris)``.

    Times are stored in UTC; users read them in Europe/Paris, and are told so. A time without a zone is UTC.
    """
    if not iso:
        return MISSING
    ts = datetime.fromisoformat(iso) if isinstance(iso, str) else iso
    ts = (ts.replace(tzinfo=timezone.utc) if ts.tzinfo is None else ts).astimezone(PARIS)
    return f"{fr_day(ts)} à {ts.hour:02d} h {ts.minute:02d} (heure de Paris)"


def now_paris() -> str:
    """The edition time of a document, as ``fr_date`` words it."""
    return fr_date(datetime.now(timezone.utc))
