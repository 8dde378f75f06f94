"""Suivi du plan d'action: the schéma's fiches, their status year by year, and where each linked indicator stands.

Filterable by axis, pilot, fiche status and indicator verdict; the plan with its figures downloads as an Excel
workbook and as a printable report (``pipelines/outputs/plan_report``, the same as ``sdsf plan``). Nothing is
computed here: trajectories and verdicts are the refresh's (``plan_tracking``).
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from app import data, plan_view, printing, review_data, ui
from pipelines.outputs.plan_report import plan_document, plan_xlsx

V = data.version()
clearance = data.clearance_of(data.role_key())  # the downloads show what the page shows
printing.print_layout("selectors", "screen-only")
plans = review_data.plans(V)
st.title("Suivi du plan d'action")
if plans.empty:
    st.info("Aucun plan d'action dans l'entrepôt. Le modèle vierge s'obtient par « sdsf templates » "
            "(plan_action.xlsx : axes, fiches, statuts, indicateurs, valeurs) ; déposez le plan rempli dans le "
            "dossier des données, sous plan/plan_action_<département>.xlsx, puis « sdsf refresh ».")
    st.stop()

schemas = plans.set_index("departement")
selectors = st.container(key="selectors")
if len(schemas) > 1:
    with selectors:
        departement = ui.choose("Plan", "plan", list(schemas.index), schemas.index[0],
                                format_func=lambda d: schemas.loc[d, "title"])
else:
    departement = schemas.index[0]
schema = schemas.loc[departement]
first, last = int(schema["first_year"]), int(schema["last_year"])
filters = selectors.columns([1, 2, 2, 2, 2])
with filters[0]:
    year = ui.choose("Année", "annee", list(range(first, last + 1)), min(max(dt.date.today().year, first), last),
                     cast=int, help="Les fiches sont montrées avec le dernier statut donné jusqu'à cette année.")

actions = review_data.plan_actions(V, departement, year)
indicators = review_data.plan_indicators(V, departement)
trajectories = review_data.plan_trajectories(V, departement)
axes = review_data.plan_axes(V, departement)
axis_labels = dict(zip(axes["axis"], axes["label"]))

with filters[1]:
    chosen_axes = ui.choose_many("Axes", "axes", list(axis_labels), format_func=axis_labels.get,
                                 placeholder="Tous les axes")
with filters[2]:
    chosen_pilots = ui.choose_many("Pilotes", "pilotes", plan_view.pilots(actions), placeholder="Tous les pilotes")
with filters[3]:
    chosen_statuses = ui.choose_many(f"Statut des fiches en {year}", "statuts", list(plan_view.FICHE_STATUSES),
                                     placeholder="Tous les statuts")
with filters[4]:
    chosen_tracking = ui.choose_many("Indicateurs", "suivi", list(plan_view.TRACKING),
                                     placeholder="Tous les indicateurs")

st.caption(f"{schema['title']} · {first}-{last} · statuts des fiches en {year} · indicateurs à leur dernière année "
           f"renseignée · plan chargé depuis {schema['file']}")

shown = actions.assign(fiche_status=[plan_view.fiche_status(r) for _, r in actions.iterrows()])
if chosen_axes:
    shown = shown[shown["axis"].isin(chosen_axes)]
if chosen_pilots:
    shown = shown[[any(p in [x.strip() for x in str(text).split(";")] for p in chosen_pilots)
                   for text in shown["pilots"]]]
if chosen_statuses:
    shown = shown[shown["fiche_status"].isin(chosen_statuses)]
if chosen_tracking:
    matching = set(indicators.loc[indicators["status"].isin(chosen_tracking), "action"])
    shown = shown[shown["action"].isin(matching)]
linked = indicators[indicators["action"].isin(shown["action"])]
if chosen_tracking:
    linked = linked[linked["status"].isin(chosen_tracking)]

counts = shown["fiche_status"].value_counts()
verdicts = linked["status"].value_counts()
left, right = st.columns(2)
with left:
    st.markdown(f"**{len(shown)} fiche(s)** sur {len(actions)} : " + (" · ".join(
        f"{status} {counts[status]}" for status in plan_view.FICHE_STATUSES if status in counts) or "aucune"))
with right:
    st.markdown(f"**{len(linked)} indicateur(s) lié(s)** : " + (" · ".join(
        f"{status} {verdicts[status]}" for status in plan_view.TRACKING if status in verdicts) or "aucun"))

if shown.empty:
    st.info("Aucune fiche ne répond à ces filtres.")
for axis, fiches in shown.groupby("axis_order", sort=True):
    st.subheader(fiches["axis_label"].iloc[0])
    for _, fiche in fiches.iterrows():
        plan_view.fiche_card(fiche, linked, trajectories)

st.caption("Un indicateur est « dans la trajectoire » quand la part de l'évolution visée déjà réalisée est à moins "
           "de 10 points de la part du temps écoulé depuis l'année de référence ; « en avance » ou « en retard » "
           "au-delà ; « non renseigné » sans valeur de référence ou sans valeur ultérieure (jamais d'estimation). "
           + ui.source_caption(V, sorted(set(indicators["indicator"].dropna())), None, "departement"))

screen_only = st.container(key="screen-only")
with screen_only.container(horizontal=True):
    st.download_button("Télécharger le plan et ses indicateurs (Excel)",
                       lambda: plan_xlsx(data.wh(V), departement, year, clearance),
                       f"plan_action_{departement}_{year}.xlsx",
                       ui.XLSX_MIME, on_click="ignore", icon=":material/download:", type="primary",
                       help="Feuilles Indicateurs (valeurs, cibles, statuts), Fiches, Statuts, Trajectoires et "
                            "Documentation (sources, millésimes).")
    st.download_button("Télécharger le document imprimable (HTML)",
                       lambda: plan_document(data.wh(V), departement, year, clearance),
                       f"plan_action_{departement}_{year}.html",
                       "text/html", on_click="ignore", icon=":material/print:",
                       help="Un fichier autonome : chaque fiche, son statut et ses indicateurs avec leur trajectoire.")
screen_only.caption("Les fichiers contiennent tout le plan (sans les filtres). Pour imprimer cette page telle "
                    "qu'affichée, utilisez l'impression du navigateur (Ctrl+P).")
