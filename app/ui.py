"""Shared UI pieces: French formats, labels from the catalogue, URL state, banners, source captions."""

from __future__ import annotations

from typing import Sequence

import pandas as pd
import streamlit as st

from app import data
from pipelines.formatting import MISSING, fr_number

LEVEL_LABELS = {"commune": "Commune", "epci": "EPCI", "arrondissement": "Arrondissement",
                "departement": "Département", "france": "France"}
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre"]


def fr_date(iso: str | None) -> str:
    """``2026-11-23T08:30:00+00:00`` -> ``23 novembre 2026 à 08 h 30`` (UTC as stored)."""
    if not iso:
        return MISSING
    ts = pd.Timestamp(iso)
    return f"{ts.day} {MONTHS[ts.month - 1]} {ts.year} à {ts.hour:02d} h {ts.minute:02d}"


def entry(v: str, code: str) -> dict:
    cat = data.catalogue(v)
    row = cat[cat["code"] == code]
    return row.iloc[0].to_dict() if not row.empty else {"code": code, "label": code, "short_label": code,
                                                         "unit": "", "decimals": 1}


def label(v: str, code: str, short: bool = False) -> str:
    e = entry(v, code)
    return e["short_label"] if short else e["label"]


def fmt(v: str, code: str, value) -> str:
    """A value in the indicator's own decimals, French format; missing shown as missing."""
    return fr_number(value, int(entry(v, code)["decimals"]))


def with_unit(v: str, code: str, value) -> str:
    e = entry(v, code)
    text = fmt(v, code, value)
    return text if text == MISSING or e["unit"] in ("", "oui = 1 / non = 0") else f"{text} {e['unit']}"


def param(key: str, options: Sequence, default, cast=str):
    """A value kept in the URL query string so a link reopens the same view."""
    raw = st.query_params.get(key)
    try:
        value = cast(raw) if raw is not None else default
    except (TypeError, ValueError):
        value = default
    return value if value in options else default


def set_params(**values) -> None:
    for key, value in values.items():
        if value is None:
            st.query_params.pop(key, None)
        elif st.query_params.get(key) != str(value):
            st.query_params[key] = str(value)


def demo_banner(v: str) -> None:
    meta = data.meta(v)
    if meta.get("fictitious") == "true":
        st.warning("**Données fictives de démonstration** — générées pour illustrer l'outil sur la géographie "
                   "réelle ; elles ne décrivent pas la situation du territoire.", icon="⚠️")


def source_caption(v: str, codes: Sequence[str], year: int | None = None) -> str:
    """Source and vintage of the indicators shown, for the caption under a figure or table."""
    vals = data.values(v, "departement", None, tuple(codes), None if year is None else (year,))
    pairs = sorted(set(zip(vals["source"], vals["vintage"]))) if not vals.empty else []
    meta = data.meta(v)
    parts = [f"{s} — {vint}" if vint else s for s, vint in pairs] or ["Source : n.d."]
    geo = f"Géographie : {meta.get('cog_vintage', 'n.d.')}"
    when = f" ; année {year}" if year else ""
    return "Sources : " + " | ".join(parts) + f"{when}. {geo}."
