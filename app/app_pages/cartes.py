"""Cartes: an indicator on the map of EPCI or communes, in classes that mean the same every year,
and the map of priority territories under a rule set."""

from __future__ import annotations

import textwrap

import pandas as pd
import streamlit as st

from app import charts, data, ui
from app import crossed as crossed_view
from pipelines.formatting import MISSING, fr_number
from pipelines.indicators.classes import RATIO_BREAKS, class_labels, classify, fixed_breaks, ratio_to_reference

LEVELS = {"epci": "EPCI", "commune": "Communes"}
PLURALS = {"epci": "EPCI", "commune": "communes"}
METHODS = {"france": "Écart à la valeur France (indice, France = 100)",
           "fixes": "Classes fixes (mêmes limites toutes les années)"}
N_CLASSES = 5
FLAG_LABELS = ["non", "oui"]
ALL = "tous"

V = data.version()
meta = data.meta(V)
years = ui.years(V)
available = data.years_per_indicator(V)
departements = data.territories(V, "departement")
dep_names = dict(zip(departements["code"], departements["name"]))


@st.cache_data(show_spinner=False)
def breaks_all_years(v: str, level: str, indicator: str, decimals: int) -> list[float]:
    """Limits from the indicator's values over every year, once per indicator: all years' maps share them."""
    return fixed_breaks(data.values(v, level, None, (indicator,))["value"], N_CLASSES, decimals)


def wrap(text: str, width: int = 60) -> str:
    return "<br>".join(textwrap.wrap(text, width))


@st.cache_data(show_spinner=False)
def wrapped_summaries(v: str, year: int, ruleset: str) -> pd.Series:
    """Each EPCI's priority summary broken into hover lines, once per rule set and year (not per rerun)."""
    status = data.priority_status(v, "epci", year, ruleset)
    return status.set_index("code")["summary"].fillna("").map(lambda s: wrap(s, 70))


def joined(lines: list[pd.Series]) -> pd.Series:
    """Hover lines joined by ``<br>``, column-wise (a row-wise join took a quarter of a second nationally)."""
    out = lines[0]
    for line in lines[1:]:
        out = out + "<br>" + line
    return out


def map_frame(level: str, scope: str) -> pd.DataFrame:
    """Every territory of the map (its shapes) in ``scope``, named; values are joined to it so none goes missing
    silently. An EPCI belongs to the département holding most of its communes."""
    shapes = data.shape_bounds(V, level)[["code"]]
    named = shapes.merge(data.territories(V, level)[["code", "name", "departement"]], on="code", how="left")
    kept = named if scope == ALL else named[named["departement"] == scope]
    return kept.drop(columns="departement").reset_index(drop=True)


def scope_codes(level: str, scope: str) -> list[str]:
    """Every territory of ``level`` in ``scope``, drawable or not."""
    named = data.territories(V, level)
    return list(named["code"] if scope == ALL else named.loc[named["departement"] == scope, "code"])


st.title("Cartes")
top = st.columns([1, 1.4, 3, 1])
with top[0]:
    level = ui.choose("Niveau", "niveau", list(LEVELS), "epci", format_func=LEVELS.get)
# Communes are drawn one département at a time: France's 35 000 communes would make a map of tens of megabytes.
scopes = ([ALL] if level == "epci" and len(dep_names) > 1 else []) + list(dep_names)
with top[1]:
    scope = ui.choose("Territoire", "departement", scopes, scopes[0], disabled=len(scopes) == 1,
                      format_func=lambda c: "Tous les départements" if c == ALL else f"{dep_names[c]} ({c})",
                      help="Les communes se cartographient par département.")
codes_here = set(available.loc[available["level"] == level, "indicator"])
codes = [c for c in data.catalogue(V)["code"] if c in codes_here]
with top[2]:
    indicator = ui.choose("Indicateur", "indicateur", codes, "tcg" if "tcg" in codes else codes[0],
                          format_func=lambda c: ui.label(V, c))
held = available[(available["level"] == level) & (available["indicator"] == indicator)]["years"]
indicator_years = sorted(int(y) for y in held.iloc[0]) if not held.empty else years
with top[3]:  # only the years holding this indicator: no grey map for a year without data
    year = ui.choose("Année", "annee", indicator_years, indicator_years[-1], cast=int)
e = ui.entry(V, indicator)
decimals = int(e["decimals"])
france = data.values(V, "france", ("FR",), (indicator,), (year,))["value"]
france_value = float(france.iloc[0]) if not france.empty else None
methods = (["france"] if france_value is not None else []) + ["fixes"]
method = ui.choose("Classes", "classes", methods, methods[0], format_func=METHODS.get,
                   help="Les deux classements gardent le même sens d'une année à l'autre : l'indice compare à la "
                        "France de la même année ; les classes fixes ont des limites calculées une fois sur toutes "
                        "les années.")
if france_value is None:
    st.caption("Pas de valeur France pour cet indicateur : seules les classes fixes sont proposées.")

frame = map_frame(level, scope)
year_values = data.values(V, level, tuple(frame["code"]), (indicator,), (year,))
values = year_values.set_index("code")
frame["value"] = frame["code"].map(values["value"])
frame["secret"] = frame["code"].map(values["secret"]).fillna(False).astype(bool)
shown = frame["value"].map(lambda x: ui.entry_text(e, x)).mask(frame["secret"], ui.SECRET)
lines = ["<b>" + frame["name"].fillna(frame["code"]) + "</b>", e["short_label"] + " : " + shown]
if method == "france":
    frame["ratio"] = ratio_to_reference(frame["value"], france_value)
    labels = class_labels(RATIO_BREAKS, 0)
    frame["classe"] = classify(frame["ratio"], RATIO_BREAKS, labels)
    better = e["higher_is_better"]
    colours = charts.DIVERGING_CLASSES if better is None or pd.isna(better) or better else \
        charts.DIVERGING_CLASSES[::-1]  # red stays on the unfavourable side
    legend = f"Indice, France = 100<br>(France : {ui.with_unit(V, indicator, france_value)})"
    lines.append("Indice (France = 100) : " + frame["ratio"].map(lambda x: fr_number(x, 0)))
    how = (f"Indice = 100 × valeur du territoire / valeur France de {year} "
           f"({ui.with_unit(V, indicator, france_value)}) ; la classe du milieu se lit « comme la France ».")
else:
    if e["kind"] == "flag":
        limits, labels = [0.5], FLAG_LABELS
    else:
        limits = breaks_all_years(V, level, indicator, decimals)
        labels = class_labels(limits, decimals)
    frame["classe"] = classify(frame["value"], limits, labels)
    colours = charts.sequential_colours(len(labels))
    legend = wrap(e["unit"], 28) if e["unit"] and e["kind"] != "flag" else e["short_label"]
    how = (f"Limites des classes calculées une fois sur toutes les années ({years[0]}-{years[-1]}, quantiles des "
           f"{PLURALS[level]}) : une couleur veut dire la même chose chaque année.")
frame["hover"] = joined(lines) + "<br>Classe : " + \
    frame["classe"].astype(object).fillna(MISSING).astype(str)

if frame.empty:  # the territories of the scope have no contour in the geography installed
    st.info(ui.map_missing(V, level, scope_codes(level, scope)))
else:
    fig = charts.choropleth_classes(
        data.map_shapes(V, level, frame["code"], charts.MAP_PIXELS), frame, "classe", labels, colours,
        legend_title=legend, title=f"{e['label']}, {year}",
        subtitle=f"{LEVELS[level]} — {e['unit']} — {ui.provenance(year_values)}")
    st.plotly_chart(fig, width="stretch")
missing = int((frame["value"].isna() & ~frame["secret"]).sum())
secret = int(frame["secret"].sum())
withheld = f", {secret} en secret statistique (gris foncé)" if secret else ""
st.caption(f"{how} {missing} {PLURALS[level]} sur {len(frame)} sans valeur (n.d., en gris){withheld}. "
           f"{ui.values_caption(year_values, year)} {meta.get('geography_note', '')}")
with st.expander("Valeurs de la carte"):
    table = frame[["name", "value", "classe"]].sort_values("value", ascending=False, na_position="last")
    flag = e["kind"] == "flag"  # « oui » / « non », not 1 / 0
    st.dataframe(ui.french_table(table.astype({"classe": object}), {} if flag else {"value": decimals},
                                 ["value"] if flag else [], secret=frame.loc[table.index, ["secret"]].rename(
                                     columns={"secret": "value"})), hide_index=True, width="stretch", column_config={
                     "name": st.column_config.TextColumn(ui.LEVEL_LABELS[level]),
                     "value": (st.column_config.TextColumn(e["short_label"]) if flag else
                               st.column_config.NumberColumn(f"{e['short_label']} ({e['unit']})")),
                     "classe": st.column_config.TextColumn("Classe")})

def crossed_section() -> None:
    """Coverage × share of allocataires on RSA (quadrants computed by the warehouse), under the priority map."""
    st.header("Petite enfance × insertion")
    cross = data.crossed(V, level, year, None if scope == ALL else scope)
    if cross.empty or cross["part_allocataires_rsa"].isna().all():
        st.info(f"Pas de données d'allocataires Caf pour {year} : la lecture croisée couverture × part des "
                "allocataires au RSA est indisponible.")
    else:
        quad = map_frame(level, scope).merge(cross.drop(columns="name"), on="code", how="left")
        quad["tcg_secret"] = quad["tcg_secret"].fillna(False).astype(bool)  # a territory the view lacks
        quad["secret"] = quad["tcg_secret"]
        quad["hover"] = crossed_view.hover(quad)
        st.plotly_chart(charts.choropleth_classes(
            data.map_shapes(V, level, quad["code"], charts.MAP_PIXELS), quad, "quadrant_label",
            crossed_view.QUADRANTS, crossed_view.COLOURS, legend_title="Lecture croisée",
            title=f"Couverture petite enfance et part des allocataires au RSA, {year}",
            subtitle=f"{LEVELS[level]} — TCG × part des allocataires Caf percevant le RSA"), width="stretch")
        notes = (crossed_view.reference_note(cross), crossed_view.missing_note(cross, PLURALS[level]),
                 ui.source_caption(V, ["tcg", "part_allocataires_rsa"], year, level))
        st.caption(" ".join(x for x in notes if x))
        first = crossed_view.table(cross)
        st.subheader(f"Couverture faible, part RSA élevée : {len(first)} {PLURALS[level]}")
        st.dataframe(ui.french_table(first, crossed_view.DECIMALS), hide_index=True, width="stretch")


st.header("Territoires prioritaires")
status = data.priority_status(V, "epci", year)
names = sorted(set(status["ruleset"]))
if not names:
    st.info(f"Aucune règle de priorité évaluée pour {year}.")
    crossed_section()
    st.stop()
titles = data.ruleset_titles(V)
ruleset = ui.choose("Règles de priorité", "regles", names, names[0], format_func=lambda r: titles.get(r, r))
status = status[status["ruleset"] == ruleset].set_index("code")
state = status["priority_class"].where(status["priority_class"].notna(), status["status"])
classes = sorted(c for c in state.dropna().unique() if c not in ("non prioritaire", "indéterminé")) or ["prioritaire"]
categories = [*classes, "non prioritaire", "indéterminé"]
spare = iter(c for c in charts.PALETTE if c not in charts.STATUS_COLOURS.values())
colours = [charts.STATUS_COLOURS.get(c) or next(spare) for c in categories]
epci = map_frame("epci", scope)
epci["classe"] = epci["code"].map(state)
epci["hover"] = ("<b>" + epci["name"] + "</b><br>" + epci["classe"].fillna(f"{MISSING} (non évalué)") + "<br>"
                 + epci["code"].map(wrapped_summaries(V, year, ruleset)).fillna(""))
if epci.empty:
    st.info(ui.map_missing(V, "epci", scope_codes("epci", scope)))
else:
    st.plotly_chart(charts.choropleth_classes(
        data.map_shapes(V, "epci", epci["code"], charts.MAP_PIXELS), epci, "classe", categories, colours,
        legend_title="Statut", title=f"Territoires prioritaires, {year}",
        subtitle=f"EPCI — règles « {titles.get(ruleset, ruleset)} », version {status['ruleset_version'].iloc[0]}"),
        width="stretch")
st.caption("« Indéterminé » : des données manquantes pourraient changer le résultat. Le détail des critères de "
           "chaque EPCI est dans la page Territoires prioritaires et dans son portrait. "
           f"{meta.get('geography_note', '')}")

crossed_section()
