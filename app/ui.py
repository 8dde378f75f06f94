"""Shared UI pieces: French formats, labels from the catalogue, URL state, banners, source captions."""

from __future__ import annotations

from typing import Sequence

import pandas as pd
import streamlit as st

from app import data
from pipelines.formatting import MISSING, fr_number

LEVEL_LABELS = {"commune": "Commune", "epci": "EPCI", "arrondissement": "Arrondissement",
                "departement": "Département", "france": "France"}
FLAG_UNIT = "oui = 1 / non = 0"
SYMBOL_UNITS = ("%", "€")  # short enough to follow the number on a headline figure
RELATIVE_KINDS = ("rate", "share", "ratio", "money")  # catalogue kinds comparable across territories
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre"]


def fr_date(iso: str | None) -> str:
    """``2026-11-23T08:30:00+00:00`` -> ``23 novembre 2026 à 08 h 30`` (UTC as stored)."""
    if not iso:
        return MISSING
    ts = pd.Timestamp(iso)
    return f"{ts.day} {MONTHS[ts.month - 1]} {ts.year} à {ts.hour:02d} h {ts.minute:02d}"


@st.cache_resource(show_spinner=False)
def _entries(v: str) -> dict[str, dict]:
    """Catalogue rows by code, shared (not copied per call): formatting a table cell looks one up."""
    return {row["code"]: row for row in data.catalogue(v).to_dict("records")}


def entry(v: str, code: str) -> dict:
    row = _entries(v).get(code)
    return dict(row) if row else {"code": code, "label": code, "short_label": code, "unit": "", "decimals": 1}


def label(v: str, code: str, short: bool = False) -> str:
    e = entry(v, code)
    return e["short_label"] if short else e["label"]


def fmt(v: str, code: str, value) -> str:
    """A value in the indicator's own decimals, French format; missing shown as missing."""
    return fr_number(value, int(entry(v, code)["decimals"]))


def with_unit(v: str, code: str, value) -> str:
    e = entry(v, code)
    text = fmt(v, code, value)
    return text if text == MISSING or e["unit"] in ("", FLAG_UNIT) else f"{text} {e['unit']}"


EPCI_FORMS = {"Communauté de communes ": "CC ", "Communauté d'agglomération ": "CA ", "Communauté urbaine ": "CU "}


def short_name(name: str) -> str:
    """« CC du Clunisois » for « Communauté de communes du Clunisois »: the usual abbreviation, in narrow places."""
    for form, abbreviation in EPCI_FORMS.items():
        if isinstance(name, str) and name.startswith(form):
            return abbreviation + name[len(form):]
    return name


def years(v: str) -> list[int]:
    """The years the warehouse holds, oldest first."""
    return [int(y) for y in data.meta(v).get("years", "").split(",") if y]


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


def source_caption(v: str, codes: Sequence[str], year: int | None = None, level: str = "departement") -> str:
    """Source and vintage of the indicators shown (as measured at ``level``), for a figure's or table's caption."""
    vals = data.values(v, level, None, tuple(codes), None if year is None else (year,))
    pairs = sorted(set(zip(vals["source"], vals["vintage"]))) if not vals.empty else []
    meta = data.meta(v)
    parts = list(dict.fromkeys(part for s, vint in pairs for part in _source_parts(s, vint))) or ["Source : n.d."]
    geo = f"Géographie : {meta.get('cog_vintage', 'n.d.')}"
    when = f" ; année {year}" if year else ""
    return "Sources : " + " | ".join(parts) + f"{when}. {geo}."


def _source_parts(source: str, vintage: str | None) -> list[str]:
    """« source — vintage » per input: an indicator computed from several sources lists them joined by « ; »."""
    labels, vintages = source.split(" ; "), (vintage or "").split(" ; ")
    if len(labels) != len(vintages):
        return [f"{source} — {vintage}" if vintage else source]
    return [f"{label} — {when}" if when else label for label, when in zip(labels, vintages)]


def signed_number(value, decimals: int = 1) -> str:
    """A change with its sign (« +2,8 », « −1 204 »); none when it rounds to 0; missing stays missing."""
    if value is None or pd.isna(value):
        return MISSING
    size = fr_number(abs(value), decimals)
    return size if size.strip("0,") == "" else ("+" if value > 0 else "−") + size


def signed(v: str, code: str, value) -> str:
    """A change of indicator ``code`` with its sign, in the indicator's own decimals."""
    return signed_number(value, int(entry(v, code)["decimals"]))


def choose(label: str, key: str, options: Sequence, default, format_func=str, cast=str, **kwargs):
    """A selectbox whose choice lives in the URL (``?key=``): a shared link reopens the same view."""
    options = list(options)
    current = param(key, options, default, cast)
    choice = st.selectbox(label, options, index=options.index(current), format_func=format_func, **kwargs)
    set_params(**{key: choice})
    return choice


def choose_many(label: str, key: str, options: Sequence, format_func=str, default: Sequence = (), **kwargs) -> list:
    """A multiselect kept in the URL as a comma list (``?key=a,b``), ``default`` without it; unknown codes ignored."""
    raw = st.query_params.get(key)
    current = [item for item in (raw.split(",") if raw else default) if item in options]
    choice = st.multiselect(label, list(options), default=current, format_func=format_func, **kwargs)
    set_params(**{key: ",".join(choice) or None})
    return choice


def text_table(frame: pd.DataFrame, numeric: Sequence[str] = ()) -> None:
    """A static table (prints whole, unlike a scrolling grid) of French-formatted text; figures right-aligned."""
    right = {"text-align": "right !important"}  # beats the inline left alignment Streamlit puts on cells
    st.table(frame.reset_index(drop=True).style.set_properties(subset=list(numeric), **right), hide_index=True)


def french_table(frame: pd.DataFrame, decimals: dict[str, int]):
    """``frame`` styled for ``st.dataframe``: numbers of the ``decimals`` columns French (« 14 957 », « 72,1 »),
    missing « n.d. », text gaps « — ».

    Streamlit draws a null number as « None » whatever the Styler says, so a missing value travels as −∞: shown
    « n.d. », sorted first; the cells stay numbers, so clicking a header still sorts by value.
    """
    shown = frame.copy()
    for column in decimals:
        shown[column] = pd.to_numeric(shown[column]).astype(float).fillna(float("-inf"))
    text = [c for c in shown.columns
            if c not in decimals and (shown[c].dtype == object or pd.api.types.is_string_dtype(shown[c]))]
    shown[text] = shown[text].fillna("—")
    formats = {column: (lambda x, d=d: MISSING if x == float("-inf") else fr_number(x, d))
               for column, d in decimals.items()}
    return shown.style.format(formats)


def wrap_metric_labels() -> None:
    """Let headline labels wrap on two lines (aligned) instead of being cut: catalogue labels can be long."""
    st.markdown("""<style>
    [data-testid="stMetricLabel"] { min-height: 2.8em; align-items: flex-start; }
    [data-testid="stMetricLabel"] .stMarkdownEllipsis, [data-testid="stMetricLabel"] p {
      white-space: normal !important; overflow: visible !important; text-overflow: clip !important; }
    </style>""", unsafe_allow_html=True)


def figure_card(v: str, code: str, value, change=None, since: int | None = None,
                references: dict[str, float | None] | None = None, history: Sequence[float] | None = None) -> None:
    """A headline figure: value, change since a year (coloured by what is better), references and their gap."""
    e = entry(v, code)
    symbol = e["unit"] in SYMBOL_UNITS
    text = fmt(v, code, value)
    delta = signed(v, code, change)
    moved = delta[0] in "+−"  # a change visible at the displayed precision
    better = e.get("higher_is_better")
    colour = "off" if not moved or better is None or pd.isna(better) else ("normal" if better else "inverse")
    st.metric(e["short_label"], f"{text} {e['unit']}" if symbol and text != MISSING else text,
              delta=None if delta == MISSING else delta.replace("−", "-"),  # Streamlit colours by an ASCII minus
              delta_color=colour, delta_arrow=("up" if change > 0 else "down") if moved else "off",
              delta_description=f"depuis {since}" if since and delta != MISSING else None, help=e["definition"],
              chart_data=history if history is not None and not pd.isna(list(history)).any() else None)
    notes = [] if symbol or e["unit"] in ("", FLAG_UNIT) else [e["unit"]]
    if since and delta == MISSING:
        notes.append(f"évolution depuis {since} : {MISSING}")
    comparable = e.get("kind") in RELATIVE_KINDS  # a count is not compared with a larger territory's
    for name, ref in (references or {}).items():
        gap = MISSING if not comparable or value is None or ref is None else signed(v, code, value - ref)
        notes.append(f"{name} : {fmt(v, code, ref)}" + ("" if gap == MISSING else f" (écart {gap})"))
    st.caption(" · ".join(notes))
