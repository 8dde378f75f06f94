"""Shared UI pieces: French formats, labels from the catalogue, URL state, banners, source captions."""

from __future__ import annotations

import threading
from typing import Callable, Sequence

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from app import data, inputs, tables
from pipelines.outputs.exports import to_csv_bytes, to_xlsx_bytes
from pipelines.formatting import MISSING, SECRET, fr_date, fr_day, fr_number, now_paris  # noqa: F401 (pages use them)

LEVEL_LABELS = {"commune": "Commune", "epci": "EPCI", "arrondissement": "Arrondissement",
                "departement": "Département", "france": "France"}
FLAG_UNIT = "oui = 1 / non = 0"
SYMBOL_UNITS = ("%", "€")  # short enough to follow the number on a headline figure
RELATIVE_KINDS = ("rate", "share", "ratio", "money")  # catalogue kinds comparable across territories
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
    return entry_text(entry(v, code), value)


def entry_text(e: dict, value) -> str:
    """``value`` in the catalogue entry ``e``'s decimals and unit (« 72,1 pour 100 enfants »): for a column of
    values, look the entry up once."""
    text = fr_number(value, int(e["decimals"]))
    return text if text == MISSING or e["unit"] in ("", FLAG_UNIT) else f"{text} {e['unit']}"


EPCI_FORMS = {"Communauté de communes ": "CC ", "Communauté d'agglomération ": "CA ", "Communauté urbaine ": "CU "}


def short_name(name: str) -> str:
    """« CC du Clunisois » for « Communauté de communes du Clunisois »: the usual abbreviation, in narrow places."""
    for form, abbreviation in EPCI_FORMS.items():
        if isinstance(name, str) and name.startswith(form):
            return abbreviation + name[len(form):]
    return name


MAX_LISTED = 6  # beyond, a list of codes reads as noise: the count says it


def departements_text(codes: str) -> str:
    """« départements 63, 71, 93 », or « 101 départements » for the whole of France."""
    found = [c for c in codes.split(",") if c]
    if len(found) > MAX_LISTED:
        return f"{len(found)} départements"
    return ("département " if len(found) == 1 else "départements ") + ", ".join(found)


def years(v: str) -> list[int]:
    """The years the warehouse holds, oldest first."""
    return [int(y) for y in data.meta(v).get("years", "").split(",") if y]


def set_params(**values) -> None:
    for key, value in values.items():
        if value is None:
            st.query_params.pop(key, None)
        elif st.query_params.get(key) != str(value):
            st.query_params[key] = str(value)


_notice_box = threading.local()  # one script thread per run: the notice area of the run in progress


def notice_area() -> None:
    """Where the links' problems are said (top of the page, under the banner); ``main.py`` calls it every run."""
    _notice_box.run = get_script_run_ctx()
    _notice_box.container = st.container()


def notice(text: str) -> None:
    """A warning in the notice area of this run (inline when the page runs without ``main.py``)."""
    current = getattr(_notice_box, "run", None) is get_script_run_ctx()
    (_notice_box.container if current else st).warning(text, icon=":material/link_off:")


def _seeded(key: str, raw: str | None, resolve: Callable[[], inputs.Resolved], adapt: Callable[[object], object]):
    """Seed ``st.session_state[key]`` from the URL once, then leave it to the widget.

    The URL is read again only when it no longer holds what the app last wrote there (a link followed, the
    page changed): the widget's own state, not its ``index``/``default``, carries the user's choice, so a
    choice is never undone by a rerun. ``adapt`` fits a kept value to options that depend on another choice.
    """
    shadow = f"_url_{key}"
    if key in st.session_state and st.session_state.get(shadow) == raw:
        st.session_state[key] = adapt(st.session_state[key])
        return
    resolved = resolve()
    if resolved.problem:
        notice(resolved.problem)
    st.session_state[key] = resolved.value


def _written(key: str, value: str | None) -> None:
    set_params(**{key: value})
    st.session_state[f"_url_{key}"] = value


def choose(label: str, key: str, options: Sequence, default, format_func=str, cast=str, **kwargs):
    """A selectbox whose choice lives in the URL (``?key=``): a shared link reopens the same view."""
    options = list(options)
    _seeded(key, st.query_params.get(key),
            lambda: inputs.resolve_one(st.query_params.get(key), options, default, cast, label, format_func),
            lambda value: value if value in options else default)
    kwargs.setdefault("placeholder", "Choisissez une option")
    choice = st.selectbox(label, options, key=key, format_func=format_func, **kwargs)
    _written(key, None if choice is None else str(choice))
    return choice


def choose_many(label: str, key: str, options: Sequence, format_func=str, default: Sequence = (), **kwargs) -> list:
    """A multiselect kept in the URL as a comma list (``?key=a,b``), ``default`` without it; unknown codes named."""
    options = list(options)
    _seeded(key, st.query_params.get(key),
            lambda: inputs.resolve_many(st.query_params.get(key), options, default, label),
            lambda value: [item for item in value if item in options])
    # « Select all » cannot be translated (docs/streamlit-english.md): not offered.
    kwargs.setdefault("placeholder", "Choisissez une ou plusieurs options")
    choice = st.multiselect(label, options, key=key, format_func=format_func, select_all=False, **kwargs)
    _written(key, ",".join(map(str, choice)) or None)
    return choice


def choose_range(label: str, keys: tuple[str, str], stops: Sequence[float], format_func=str, **kwargs):
    """A range slider over ``stops`` kept in the URL as ``?min=&max=`` (each left out at its end of the scale)."""
    stops = list(stops)
    key, (low_key, high_key) = f"{keys[0]}_{keys[1]}", keys
    raw = f"{st.query_params.get(low_key)}:{st.query_params.get(high_key)}"
    _seeded(key, raw, lambda: inputs.resolve_range(st.query_params.get(low_key), st.query_params.get(high_key),
                                                   stops, label, format_func),
            lambda value: value if all(x in stops for x in value) else (stops[0], stops[-1]))
    low, high = st.select_slider(label, stops, key=key, format_func=format_func, **kwargs)
    set_params(**{low_key: low if low > stops[0] else None, high_key: high if high < stops[-1] else None})
    st.session_state[f"_url_{key}"] = f"{st.query_params.get(low_key)}:{st.query_params.get(high_key)}"
    return low, high


def number_field(label: str, key: str, value: float, decimals: int, minimum: float | None = None,
                 help: str | None = None) -> float:
    """A number typed the French way (« 1,2 ») or the English way (« 1.2 »), shown back with a comma.

    ``st.number_input`` parses a decimal point only: « 1,2 » became 12. An unreadable entry is said under the
    field and ``value`` is used meanwhile.
    """
    if key not in st.session_state:
        st.session_state[key] = inputs.number_text(value, decimals)
    st.text_input(label, key=key, help=help, on_change=_normalise, args=(key, decimals))
    text = st.session_state[key]
    parsed = inputs.parse_number(text)
    problem = inputs.number_problem(text, parsed, minimum, decimals)
    if problem:
        st.error(f"{problem} Valeur retenue : {inputs.number_text(value, decimals)}.")
        return value
    return parsed


def _normalise(key: str, decimals: int) -> None:
    """« 1.2 » typed is shown « 1,20 »: the field always reads the French way."""
    parsed = inputs.parse_number(st.session_state[key])
    if parsed is not None:
        st.session_state[key] = inputs.number_text(parsed, decimals)


def demo_banner(v: str) -> None:
    meta = data.meta(v)
    if meta.get("fictitious") == "true":
        st.warning("**Données fictives de démonstration** — générées pour illustrer l'outil sur la géographie "
                   "réelle ; elles ne décrivent pas la situation du territoire.", icon="⚠️")


ORIGINS = {"published": "publié", "computed": "calculé"}


def _producers(sources: pd.Series) -> list[str]:
    """« Cnaf », « Insee », « Caf / PMI »…: who made the figures, from their source labels (« Cnaf, data.caf.fr … »)."""
    names = (label.split(",")[0].strip() for text in sources.dropna() for label in str(text).split(" ; "))
    return list(dict.fromkeys(n for n in names if n))


def provenance(values: pd.DataFrame) -> str:
    """Short provenance of the figures shown, for a chart's subtitle: « publié (Cnaf) », « calculé (PMI, Insee) »,
    or both, from the rows themselves (a département's figure and a commune's may differ)."""
    if values.empty:
        return "aucune valeur"
    parts = [f"{ORIGINS[origin]} ({', '.join(_producers(rows['source']))})"
             for origin, rows in values.groupby("origin", sort=False)]
    return " et ".join(sorted(parts, key=lambda p: not p.startswith("publié")))


def carried(values: pd.DataFrame) -> pd.DataFrame:
    """The rows whose figure comes from an earlier vintage (a census, a Filosofi year) carried to later years."""
    return values[values["vintage_year"].notna() & (values["vintage_year"] < values["year"])]


def drawn(values: pd.DataFrame) -> pd.DataFrame:
    """The rows a trend may draw: a figure carried from an earlier vintage is not a point of the series."""
    return values.drop(carried(values).index)


def source_caption(v: str, codes: Sequence[str], year: int | None = None, level: str = "departement") -> str:
    """Where the figures of ``codes`` at ``level`` come from — published or computed, by whom, which vintage —,
    read from the values themselves; an absent indicator is said absent."""
    vals = data.values(v, level, None, tuple(codes), None if year is None else (year,))
    return values_caption(vals, year)


LEVEL_PHRASES = {"commune": "des communes", "epci": "des EPCI", "arrondissement": "des arrondissements",
                 "departement": "du département", "france": "de la France"}


def map_missing(v: str, level: str, codes) -> str | None:
    """Why a map of ``codes`` cannot be drawn (no contour in the geography installed), or None when it can."""
    drawable = set(data.shape_bounds(v, level)["code"])
    if drawable & set(map(str, codes)):
        return None
    deps = sorted(set(data.territories(v, level).set_index("code")["departement"].reindex(list(codes)).dropna()))
    command = f"sdsf geo --departements {' '.join(deps)}" if deps else "sdsf geo --departements …"
    return (f"Pas de carte : les contours de ces territoires ne sont pas installés (« {command} » les construit, "
            "puis « sdsf refresh »).")


def absent(what: str, v: str, codes: Sequence[str], level: str) -> str:
    """« Pas de … dans ce jeu : » and which sources would bring the indicators ``codes`` at ``level``."""
    entries = [entry(v, c) for c in codes]
    sources = list(dict.fromkeys(part for e in entries for text in (e.get("published_by"), e.get("computed_from"))
                                 if isinstance(text, str) for part in text.split(" ; ")))
    return (f"Pas de {what} {LEVEL_PHRASES.get(level, '')} dans ce jeu de données. "
            + (f"Sources qui les apportent : {', '.join(sources)}." if sources else ""))


def _source_parts(source: str, vintage: str | None) -> list[str]:
    """« source — vintage » per input: an indicator computed from several sources lists them joined by « ; »."""
    labels, vintages = source.split(" ; "), (vintage or "").split(" ; ")
    if len(labels) != len(vintages):
        return [f"{source} — {vintage}" if vintage else source]
    return [f"{label} — {when}" if when else label for label, when in zip(labels, vintages)]


def values_caption(vals: pd.DataFrame, year: int | None = None) -> str:
    """The caption of the figures ``vals`` (rows of ``indicator_value``); pages add the geography note."""
    if vals.empty:
        when = f" en {year}" if year else ""
        return f"Aucune valeur de ces indicateurs{when} à ce niveau dans l'entrepôt."
    parts = []
    for origin in ("published", "computed"):
        rows = vals[vals["origin"] == origin]
        pairs = sorted(set(zip(rows["source"].fillna(""), rows["vintage"].fillna(""))))
        found = list(dict.fromkeys(part for s, vint in pairs for part in _source_parts(s, vint)))
        if found:
            parts.append(f"{ORIGINS[origin].capitalize()} : " + " | ".join(found) + ".")
    old = carried(vals)
    if not old.empty:
        vintages = ", ".join(str(int(y)) for y in sorted(old["vintage_year"].unique()))
        parts.append(f"Certaines valeurs sont celles du dernier millésime disponible ({vintages}), reportées sur "
                     "les années suivantes.")
    when = f" Année {year}." if year else ""
    return " ".join(parts) + when


def signed_number(value, decimals: int = 1) -> str:
    """A change with its sign (« +2,8 », « −1 204 »); none when it rounds to 0; missing stays missing."""
    if value is None or pd.isna(value):
        return MISSING
    size = fr_number(abs(value), decimals)
    return size if size.strip("0,") == "" else ("+" if value > 0 else "−") + size


def signed(v: str, code: str, value) -> str:
    """A change of indicator ``code`` with its sign, in the indicator's own decimals."""
    return signed_number(value, int(entry(v, code)["decimals"]))


def text_table(frame: pd.DataFrame, numeric: Sequence[str] = ()) -> None:
    """A static table (prints whole, unlike a scrolling grid) of French-formatted text; figures right-aligned."""
    right = {"text-align": "right !important"}  # beats the inline left alignment Streamlit puts on cells
    st.table(frame.reset_index(drop=True).style.set_properties(subset=list(numeric), **right), hide_index=True)


def french_table(frame: pd.DataFrame, decimals: dict[str, int], flags: Sequence[str] = (),
                 secret: pd.DataFrame | None = None):
    """``frame`` styled for ``st.dataframe``: numbers of the ``decimals`` columns French (« 14 957 », « 72,1 »),
    ``flags`` columns « oui » / « non », missing « n.d. », text gaps « — »; cells True in ``secret`` (same
    shape, ``app/secrecy.py``) « secret statistique ».

    Streamlit draws a null number as « None » whatever the Styler says, so a missing value travels as −∞: shown
    « n.d. », sorted first (a secret one as +∞, no indicator being infinite); the cells stay numbers, so clicking
    a header still sorts by value.
    """
    shown = frame.copy()
    for column in decimals:
        shown[column] = pd.to_numeric(shown[column]).astype(float)
        if secret is not None and column in secret:
            shown[column] = shown[column].mask(secret[column].reindex(shown.index, fill_value=False), float("inf"))
        shown[column] = shown[column].fillna(float("-inf"))
    for column in flags:
        shown[column] = tables.flag_words(shown[column])
    text = [c for c in shown.columns
            if c not in decimals and (shown[c].dtype == object or pd.api.types.is_string_dtype(shown[c]))]
    shown[text] = shown[text].fillna("—")
    formats = {column: (lambda x, d=d: MISSING if x == float("-inf") else SECRET if x == float("inf")
                        else fr_number(x, d))
               for column, d in decimals.items()}
    return shown.style.format(formats)


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def values_of(v: str, table: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``indicator_value`` behind a wide table (``level, code, year`` and indicator columns)."""
    codes = set(catalogue_codes(v))
    indicators = tuple(c for c in table.columns if c in codes)
    parts = [data.values(v, level, tuple(rows["code"].unique()), indicators,
                         tuple(int(y) for y in rows["year"].unique())) for level, rows in table.groupby("level")]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def catalogue_codes(v: str) -> list[str]:
    return list(_entries(v))


def table_downloads(table: pd.DataFrame, stem: str, catalogue: pd.DataFrame, sources: pd.DataFrame, meta: dict,
                    sheets: dict[str, pd.DataFrame] | None = None, *, xlsx_label: str, csv_label: str,
                    order_note: str = "", provenance: pd.DataFrame | None = None) -> None:
    """The Excel file first (it keeps codes as text), then the CSV, with what the CSV cannot keep said beside it.

    Both are built on click, not on every rerun; ``provenance`` (the values' rows) says which are published.
    """
    with st.container(horizontal=True):
        st.download_button(xlsx_label, lambda: to_xlsx_bytes(table, catalogue, sources, meta, sheets,
                                                             provenance=provenance),
                           f"{stem}.xlsx", XLSX_MIME, on_click="ignore", icon=":material/download:", type="primary",
                           help="Avec une feuille Documentation : définitions, sources, millésimes ; les codes "
                                "restent du texte.")
        st.download_button(csv_label, lambda: to_csv_bytes(table, catalogue, meta, provenance), f"{stem}.csv",
                           "text/csv",
                           on_click="ignore", icon=":material/download:",
                           help="Pour Excel en français : « ; », virgule décimale, UTF-8.")
    st.caption(" ".join(part for part in (order_note, csv_note(table)) if part))


def csv_note(table: pd.DataFrame) -> str:
    """What a CSV opened by double-click loses, when the table has codes starting with 0 (01001, 01)."""
    codes = table["code"].astype(str) if "code" in table else pd.Series(dtype=str)
    leading = int(codes.str.startswith("0").sum())
    if not leading:
        return ""
    return (f"Ouvert par double-clic dans Excel ou LibreOffice, le CSV perd le zéro initial de {leading} code"
            f"{'s' if leading > 1 else ''} (01001 devient 1001) : préférez le fichier Excel, ou importez le CSV en "
            "déclarant la colonne « Code » en texte.")


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
    st.metric(e["short_label"], f"{text} {e['unit']}" if symbol and text not in (MISSING, SECRET) else text,
              delta=None if delta == MISSING else delta.replace("−", "-"),  # Streamlit colours by an ASCII minus
              delta_color=colour, delta_arrow=("up" if change > 0 else "down") if moved else "off",
              delta_description=f"depuis {since}" if since and delta != MISSING else None, help=e["definition"],
              chart_data=history if history is not None and not pd.isna(list(history)).any() else None)
    notes = [] if symbol or e["unit"] in ("", FLAG_UNIT) else [e["unit"]]
    if since and delta == MISSING:
        notes.append(f"évolution depuis {since} : {MISSING}")
    comparable = e.get("kind") in RELATIVE_KINDS  # a count is not compared with a larger territory's
    for name, ref in (references or {}).items():
        numbers = not isinstance(value, str) and not isinstance(ref, str)  # « secret statistique » has no gap
        gap = MISSING if not comparable or value is None or ref is None or not numbers else \
            signed(v, code, value - ref)
        notes.append(f"{name} : {fmt(v, code, ref)}" + ("" if gap == MISSING else f" (écart {gap})"))
    st.caption(" · ".join(notes))
