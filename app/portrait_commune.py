"""What the portrait of a commune adds to a territory's: its EPCI as a comparison, its duties as an autorité
organisatrice (SPPE) and its relais petite enfance — in the page and in the HTML portrait (livret CTG).

Kept apart from ``portrait_model`` (the figures every territory has); the duties are ``app.sppe``'s wording of
the warehouse's tables.
"""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from app import data, sppe, ui


def parent(v: str, level: str, code: str) -> tuple[str | None, str | None]:
    """``(EPCI code, EPCI short name)`` of a commune; ``(None, None)`` for any other territory or a commune
    outside any EPCI."""
    if level != "commune":
        return None, None
    epci = data.communes(v).set_index("code").loc[code, "epci"]
    if not isinstance(epci, str):
        return None, None
    return epci, ui.short_name(data.territories(v, "epci").set_index("code").loc[epci, "name"])


def duties(v: str, level: str, code: str, departement: str) -> sppe.CommuneDuties | None:
    return sppe.load(v, code, departement) if level == "commune" else None


def render(p) -> None:
    """The page's section for a commune's portrait ``p`` (nothing for other territories)."""
    if p.duties is None:
        return
    st.subheader("Service public de la petite enfance")
    st.markdown(f"{p.duties.summary}  \n{p.duties.rpe}")
    ui.text_table(p.duties.duties)
    st.caption(f"{sppe.INTRO} {sppe.POPULATION_NOTE}")


def html_section(p) -> str:
    """The same for the HTML portrait (escaped), or an empty string."""
    if p.duties is None:
        return ""
    table = p.duties.duties.to_html(index=False, escape=True, border=0, na_rep="n.d.")
    return (f"<section><h2>Service public de la petite enfance</h2><p>{html.escape(p.duties.summary)}</p>"
            f"<p>{html.escape(p.duties.rpe)}</p>{table}<p class=\"note\">{html.escape(sppe.POPULATION_NOTE)}</p>"
            "</section>")


def at(values: pd.DataFrame | None, year: int) -> pd.Series:
    """``indicator → value`` of the EPCI for the year (empty when there is none)."""
    if values is None:
        return pd.Series(dtype=float)
    return values[values["year"] == year].set_index("indicator")["value"]
