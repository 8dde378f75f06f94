"""Cached reads of the action plan, the bilan annuel and the communes' SPPE obligations, for the pages.

Beside ``app/data.py`` (the other reads), keyed the same way by the warehouse version ``v``: a refresh is picked
up without clearing anything. Everything shown was computed at the refresh (``pipelines/plan``, models 095
and 096); the pages only choose and lay out.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.data import clearance_of, role_key, wh


@st.cache_data(show_spinner=False)
def plans(v: str) -> pd.DataFrame:
    return wh(v).plans()


@st.cache_data(show_spinner=False)
def plan_axes(v: str, departement: str) -> pd.DataFrame:
    return wh(v).plan_axes(departement)


@st.cache_data(show_spinner=False)
def plan_actions(v: str, departement: str, year: int) -> pd.DataFrame:
    return wh(v).plan_actions(departement, year)


def plan_indicators(v: str, departement: str) -> pd.DataFrame:
    return _plan_indicators(v, role_key(), departement)


@st.cache_data(show_spinner=False)
def _plan_indicators(v: str, key: str, departement: str) -> pd.DataFrame:
    return wh(v).plan_indicators(departement, clearance_of(key))


def plan_trajectories(v: str, departement: str) -> pd.DataFrame:
    return _plan_trajectories(v, role_key(), departement)


@st.cache_data(show_spinner=False)
def _plan_trajectories(v: str, key: str, departement: str) -> pd.DataFrame:
    return wh(v).plan_trajectories(departement, clearance_of(key))


@st.cache_data(show_spinner=False)
def review_years(v: str) -> list[int]:
    return wh(v).review_years()


@st.cache_data(show_spinner=False)
def annual_review(v: str, level: str, code: str, year: int) -> pd.DataFrame:
    return wh(v).annual_review(level, code, year)


@st.cache_data(show_spinner=False)
def review_events(v: str, level: str, code: str, year: int) -> pd.DataFrame:
    return wh(v).review_events(level, code, year)


@st.cache_data(show_spinner=False)
def sppe_obligations(v: str) -> pd.DataFrame:
    return wh(v).sppe_obligations()


def commune_obligations(v: str, departement: str | None = None, year: int | None = None,
                        tiers: tuple[str, ...] = ("plus_3500", "plus_10000")) -> pd.DataFrame:
    """Communes with their duties and figures, as the session may see them (role in the cache key)."""
    return _commune_obligations(v, role_key(), departement, year, tiers)


@st.cache_data(show_spinner=False)
def _commune_obligations(v: str, key: str, departement: str | None, year: int | None,
                         tiers: tuple[str, ...]) -> pd.DataFrame:
    return wh(v).commune_obligations(departement, year, tiers, clearance_of(key))
