"""Cached access to the warehouse for the app: the only place pages get data from.

Caches are keyed by the warehouse version (the resolved versioned file), so a refresh is
picked up without clearing anything. Caches are shared by every user: each read of restricted data
(values, tables, basket, comparisons, priority reasons, years per indicator) goes through a cached
function whose key holds the session's role and clearance (``access``), so a lecteur never gets an
analyste's cached frame. Pages call the public wrappers, which add the key of the current session.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit import runtime

from app import access, charts, maps

from pipelines.priority.engine import evaluate
from pipelines.priority.rules import RuleSetError, list_rulesets, load_ruleset, loads_ruleset
from pipelines.priority.scenarios_store import list_scenarios
from pipelines.warehouse.query import Warehouse, current_version_file
from pipelines.warehouse.store import read_journal

_LOG = logging.getLogger(__name__)


def version() -> str:
    """The current warehouse file name (changes with every successful refresh)."""
    return str(current_version_file())


@st.cache_resource(show_spinner=False)
def _open(file: str) -> Warehouse:
    return Warehouse(file)


def wh(v: str | None = None) -> Warehouse:
    return _open(v or version())


@st.cache_data(show_spinner=False)
def meta(v: str) -> dict[str, str]:
    return wh(v).meta()


@st.cache_data(show_spinner=False)
def catalogue(v: str) -> pd.DataFrame:
    return wh(v).catalogue()


@st.cache_data(show_spinner=False)
def territories(v: str, level: str) -> pd.DataFrame:
    return wh(v).territories(level)


@st.cache_data(show_spinner=False)
def communes(v: str) -> pd.DataFrame:
    return wh(v).communes()


@st.cache_data(show_spinner=False)
def epci(v: str) -> pd.DataFrame:
    return wh(v).epci()


@st.cache_data(show_spinner=False)
def arrondissements(v: str) -> pd.DataFrame:
    return wh(v).arrondissements()


def role_key() -> str:
    """The restriction of the current session (``role:clearance``), part of every restricted cache key; the
    narrowest one when nobody is signed in."""
    session = access.active()
    return session.cache_key if session is not None else "aucun:public"


def clearance_of(key: str) -> str:
    """The clearance part of a ``role_key``."""
    return key.split(":")[-1]



def values(v: str, level: str, codes: tuple[str, ...] | None = None, indicators: tuple[str, ...] | None = None,
           years: tuple[int, ...] | None = None) -> pd.DataFrame:
    """Long values as the session may see them (secret values have their row, value missing, ``secret``)."""
    return _values(v, role_key(), level, codes, indicators, years)


@st.cache_data(show_spinner=False)
def _values(v: str, key: str, level: str, codes: tuple[str, ...] | None = None,
            indicators: tuple[str, ...] | None = None, years: tuple[int, ...] | None = None) -> pd.DataFrame:
    return wh(v).values(level, _list(codes), _list(indicators), _list(years), clearance_of(key))


def indicator_table(v: str, level: str, years: tuple[int, ...] | None = None,
                    indicators: tuple[str, ...] | None = None, codes: tuple[str, ...] | None = None) -> pd.DataFrame:
    return _indicator_table(v, role_key(), level, years, indicators, codes)


@st.cache_data(show_spinner=False)
def _indicator_table(v: str, key: str, level: str, years, indicators, codes) -> pd.DataFrame:
    return wh(v).indicator_table(level, _list(years), _list(indicators), _list(codes), clearance_of(key))


@st.cache_data(show_spinner=False)
def sources(v: str) -> pd.DataFrame:
    return wh(v).sources()


@st.cache_data(show_spinner=False)
def source_summary(v: str) -> pd.DataFrame:
    return wh(v).source_summary()


@st.cache_data(show_spinner=False)
def mappings(v: str) -> pd.DataFrame:
    return wh(v).mappings()


@st.cache_data(show_spinner=False)
def notices(v: str) -> pd.DataFrame:
    return wh(v).notices()


@st.cache_data(show_spinner=False)
def contracts(v: str) -> pd.DataFrame:
    return wh(v).contracts()


@st.cache_data(show_spinner=False)
def reporting(v: str, level: str) -> pd.DataFrame:
    return wh(v).reporting(level)


@st.cache_data(show_spinner=False)
def parts(v: str, code: str, year: int | None = None) -> pd.DataFrame:
    return wh(v).parts(code, year)


def total(v: str, level: str, codes: tuple[str, ...], years: tuple[int, ...] | None = None) -> pd.DataFrame:
    """A territory made of several (a CTG territory): counts summed, rates recomputed by the query layer, as the
    session may see them (a total is secret when a member's value is)."""
    return _total(v, role_key(), level, codes, years)


@st.cache_data(show_spinner=False)
def _total(v: str, key: str, level: str, codes: tuple[str, ...], years: tuple[int, ...] | None) -> pd.DataFrame:
    return wh(v).total(level, list(codes), _list(years), clearance_of(key))


@st.cache_data(show_spinner=False)
def runs(v: str) -> pd.DataFrame:
    return wh(v).runs()


def basket(v: str, level: str, year: int | None = None) -> pd.DataFrame:
    return _basket(v, role_key(), level, year)


@st.cache_data(show_spinner=False)
def _basket(v: str, key: str, level: str, year: int | None = None) -> pd.DataFrame:
    return wh(v).basket(level, year, clearance_of(key))


def comparison(v: str, level: str | None = None) -> pd.DataFrame:
    return _comparison(v, role_key(), level)


@st.cache_data(show_spinner=False)
def _comparison(v: str, key: str, level: str | None = None) -> pd.DataFrame:
    return wh(v).comparison(level, clearance_of(key))


@st.cache_data(show_spinner=False)
def priority_status(v: str, level: str, year: int, ruleset: str | None = None) -> pd.DataFrame:
    return wh(v).priority_status(level, year, ruleset)


def priority_reasons(v: str, level: str, year: int, ruleset: str, code: str | None = None) -> pd.DataFrame:
    return _priority_reasons(v, role_key(), level, year, ruleset, code)


@st.cache_data(show_spinner=False)
def _priority_reasons(v: str, key: str, level: str, year: int, ruleset: str, code: str | None = None) -> pd.DataFrame:
    return wh(v).priority_reasons(level, year, ruleset, code, clearance_of(key))


def priority_live(v: str, ruleset_toml: str, year: int, level: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    return _priority_live(v, role_key(), ruleset_toml, year, level)


@st.cache_data(show_spinner=False)
def _priority_live(v: str, key: str, ruleset_toml: str, year: int, level: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Status and reasons of a rule set not stored in the warehouse (thresholds edited on screen, a scenario
    saved since the last refresh), evaluated on the warehouse values; raises ``RuleSetError`` if invalid."""
    cat = catalogue(v)
    ruleset = loads_ruleset(ruleset_toml, cat)
    indicators = tuple(sorted({c.indicator for c in ruleset.criteria}))
    found = pd.concat([_values(v, key, scope, None, indicators, (year,)) for scope in (level, "departement", "france")])
    return evaluate(ruleset, found, territories(v, level), year, level, cat)


@st.cache_resource(show_spinner=False)
def _shapes(v: str, level: str):
    """The contours of ``level``, decoded once (35 000 communes take seconds): shared, never mutated."""
    return wh(v).shapes(level)


@st.cache_data(show_spinner=False)
def shape_bounds(v: str, level: str) -> pd.DataFrame:
    """``code, minx, miny, maxx, maxy`` of every contour of ``level`` (the territories a map can draw)."""
    return maps.bounds(_shapes(v, level))


@st.cache_resource(show_spinner=False, max_entries=64)
def _layer(v: str, level: str, tolerance: float, codes: tuple[str, ...]) -> dict:
    """Shared, never mutated: traces take subsets of its features."""
    shapes = _shapes(v, level)
    return maps.simplified(shapes[shapes["code"].isin(codes)], tolerance)


def map_shapes(v: str, level: str, codes, pixels: tuple[int, int]) -> maps.MapShapes:
    """The contours of ``codes`` simplified for the zoom that fits them in ``pixels``, and that view."""
    boxes = shape_bounds(v, level)
    boxes = boxes[boxes["code"].isin(set(map(str, codes)))]
    center, zoom = maps.fit(boxes, pixels)
    return maps.MapShapes(_layer(v, level, maps.tolerance(zoom), tuple(sorted(boxes["code"]))), center, zoom)


def years_per_indicator(v: str) -> pd.DataFrame:
    """``indicator, level, years`` (sorted list): which years the warehouse holds, per level, for this session."""
    return _years_per_indicator(v, role_key())


@st.cache_data(show_spinner=False)
def _years_per_indicator(v: str, key: str) -> pd.DataFrame:
    return wh(v).years_per_indicator(clearance_of(key))


def journal() -> list[dict]:
    """Every refresh run, newest first, from the journal beside the warehouse.

    Not cached and not keyed by version: a rejected run cannot write inside the warehouse, so ``runs(v)``
    stops at the last build while the journal (a small file) already holds the rejection and its reasons.
    """
    return read_journal()[::-1]


TITLE_END = " : "  # a rule set's description opens with its title: « Transposition du fonds … : un EPCI est … »
MAX_TITLE = 120


def ruleset_title(ruleset) -> str:
    """What users call a rule set (its description's first clause), never its file name ``sdsf71``;
    « Scénario « … » » for a saved scenario, with the title its analyst typed."""
    head = ruleset.description.strip().split("\n\n")[0]
    title = " ".join(head.split(TITLE_END)[0].split()) if TITLE_END in head else ""
    if not title or len(title) > MAX_TITLE:
        title = ruleset.name.replace("_", " ").capitalize()
    return f"Scénario « {title} »" if ruleset.derived_from else title


@st.cache_data(show_spinner=False)
def ruleset_titles(v: str) -> dict[str, str]:
    """Rule set name → French title, for the shipped rule sets and the saved scenarios (the refresh stores both)."""
    titles = {}
    for path in list_rulesets() + list_scenarios():
        try:
            ruleset = load_ruleset(path, catalogue(v))
        except RuleSetError:
            continue  # the priorities page says why; other pages fall back on the name
        titles.setdefault(ruleset.name, ruleset_title(ruleset))
    return titles


LEVELS = ("commune", "epci", "arrondissement", "departement", "france")


def warm_reads(v: str, key: str) -> list[tuple]:
    """The cached reads every page starts from, as ``(function, *arguments)``: what a first visit would wait for.

    Keyed like the pages call them (the same arguments, the role's key), so the pages find them in the cache.
    """
    years = [int(y) for y in meta(v).get("years", "").split(",") if y]
    last = years[-1] if years else None
    calls: list[tuple] = [(catalogue, v), (_years_per_indicator, v, key), (sources, v), (runs, v), (communes, v),
                          (epci, v), (arrondissements, v), (ruleset_titles, v), (_comparison, v, key, None)]
    calls += [(territories, v, level) for level in LEVELS]
    calls += [(_values, v, key, level, None, None, None) for level in ("epci", "departement", "france")]
    calls += [(shape_bounds, v, level) for level in ("epci", "commune")]
    if last is not None:
        calls += [(priority_status, v, "epci", last), (_basket, v, key, "epci", last),
                  (_basket, v, key, "arrondissement", last)]
    return calls


def _warm(v: str, key: str) -> None:
    for function, *arguments in warm_reads(v, key):
        try:
            function(*arguments)
        except Exception as exc:  # a read that fails here fails again, and is reported, on the page that needs it
            _LOG.warning("préchauffage de %s : %s", function.__name__, exc)
    for level in ("epci", "commune"):  # maps of the whole warehouse (Cartes, Territoires prioritaires)
        try:
            map_shapes(v, level, shape_bounds(v, level)["code"], charts.MAP_PIXELS)
        except Exception as exc:
            _LOG.warning("préchauffage des contours %s : %s", level, exc)


@st.cache_resource(show_spinner=False)
def warm(v: str, key: str) -> threading.Thread | None:
    """Fill the caches of warehouse version ``v`` for role key ``key`` in the background, once per server
    process, version and role: the first visit of each page then finds its reads done (a refresh makes a new
    version, warmed in turn).

    Only in a real server: under ``AppTest`` (no runtime) tests clear the caches and time cold pages.
    """
    if not runtime.exists() or type(runtime.Runtime.instance()) is not runtime.Runtime:  # AppTest's is a mock
        return None
    thread = threading.Thread(target=_warm, args=(v, key), name=f"sdsf-warm-{Path(v).stem}", daemon=True)
    thread.start()
    return thread


def _list(items):
    return None if items is None else list(items)


def crossed(v: str, level: str, year: int, departement: str | None = None) -> pd.DataFrame:
    """Coverage × share of allocataires on RSA, with the quadrant, as the session may see it
    (``Warehouse.crossed``)."""
    return _crossed(v, role_key(), level, year, departement)


@st.cache_data(show_spinner=False)
def _crossed(v: str, key: str, level: str, year: int, departement: str | None) -> pd.DataFrame:
    return wh(v).crossed(level, year, departement, clearance_of(key))


@st.cache_data(show_spinner=False)
def iris(v: str, commune: str, year: int) -> pd.DataFrame:
    """The IRIS of a commune in the allocataires file of ``year`` (``Warehouse.iris``)."""
    return wh(v).iris(commune, year)


@st.cache_data(show_spinner=False)
def iris_communes(v: str) -> list[str]:
    return wh(v).iris_communes()
