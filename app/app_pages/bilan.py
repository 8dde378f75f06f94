"""Bilan annuel de l'offre: year N against N−1, « la dynamique de l'année en synthèse » the CDSF review opens with.

Every figure comes from the warehouse's ``annual_review`` (computed at the refresh from the equipment and
childminder extracts); the words are ``pipelines/outputs/review_summary``'s, the same as ``sdsf bilan`` and the
one-page printable summary offered below.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app import access, data, printing, review_data, ui
from pipelines.access.roles import CONFIDENTIAL
from pipelines.formatting import MISSING
from pipelines.outputs.review_summary import events_table, review_document, review_table, synthesis

LEVELS = ("departement", "epci", "arrondissement")
CARDS = (("eaje", "places_created", "Places de crèche créées"), ("eaje", "places_removed", "Places de crèche "
         "supprimées"), ("mam", "opened", "Nouvelles MAM"), ("alsh", "after", "Accueils de loisirs au 31/12"),
         ("am_agrees", "after", "Assistants maternels agréés"))

access.require(CONFIDENTIAL)
V = data.version()
printing.print_layout("selectors", "screen-only")
years = review_data.review_years(V)
if not years:
    st.title("Bilan annuel de l'offre")
    st.info("Pas de bilan annuel : il faut deux années consécutives d'extraits (équipements, assistants maternels) "
            "dans l'entrepôt.")
    st.stop()

pick = st.container(key="selectors").columns([1, 3, 1])
with pick[0]:
    level = ui.choose("Niveau", "niveau", LEVELS, "departement", format_func=ui.LEVEL_LABELS.get)
territories = data.territories(V, level)
names = dict(zip(territories["code"], territories["name"]))
with pick[1]:
    code = ui.choose("Territoire", "territoire", list(names), next(iter(names)), format_func=names.get)
with pick[2]:
    year = ui.choose("Année", "annee", years, years[-1], cast=int)

review = review_data.annual_review(V, level, code, year)
st.title(f"Bilan {year} de l'offre — {names[code]}")
st.caption(f"{ui.LEVEL_LABELS[level]} · année {year} par rapport à {year - 1}, situation au 31 décembre · "
           "calculé des extraits des équipements et des assistants maternels")

rows = review.set_index("item")
for column, (item, measure, label) in zip(st.columns(len(CARDS)), CARDS):
    value = rows.loc[item, measure]
    change = rows.loc[item, "after"] - rows.loc[item, "before"] if measure == "after" else None
    delta = None if change is None or pd.isna(change) else ui.signed_number(change, 0)
    column.metric(label, ui.SECRET if rows.loc[item, "secret"] else ui.fr_number(value, 0),
                  delta=None if delta in (None, MISSING) else delta.replace("−", "-"),
                  delta_description=f"depuis le 31/12/{year - 1}" if delta not in (None, MISSING) else None,
                  delta_color="off")

st.subheader("La dynamique de l'année en synthèse")
st.markdown("\n".join(f"- {sentence}" for sentence in synthesis(review, year)))

st.subheader("Offre au 31 décembre et mouvements de l'année")
table = review_table(review, year)
ui.text_table(table, numeric=table.columns[1:])
st.caption("« — » : sans objet (un LAEP n'a pas de places ; l'extrait des assistants maternels ne date pas les "
           "agréments) ; « n.d. » : donnée manquante (une commune au moins n'est pas renseignée par l'extrait). Un "
           "transfert entre deux communes du territoire s'annule dans son solde.")

events = review_data.review_events(V, level, code, year)
st.subheader(f"Ouvertures, fermetures, transferts et changements de capacité en {year}")
if events.empty:
    st.info(f"Aucun mouvement de l'offre en {year} dans l'extrait des équipements pour ce territoire.")
else:
    shown = events_table(events)
    st.dataframe(shown, hide_index=True, width="stretch", height=min(35 * (len(shown) + 1) + 3, 420),
                 column_config={"Places": st.column_config.TextColumn(help="Variation des places : + ouverture ou "
                                                                           "extension, − fermeture ou réduction ; "
                                                                           "transfert : places déplacées")})
sources = data.sources(V)
used = sources[sources["source"].isin(["equipments", "childminders"])]
st.caption("Sources : " + (" | ".join(f"{r.label} — {r.vintage}" for r in used.drop_duplicates("source")
                                      .itertuples()) or MISSING)
           + f". {data.meta(V).get('geography_note', '')}")

with st.container(key="screen-only"):
    st.download_button(
        "Télécharger la synthèse imprimable (HTML, une page)", lambda: review_document(data.wh(V), level, code, year),
        f"bilan_{level}_{code}_{year}.html", "text/html", on_click="ignore", icon=":material/download:",
        type="primary", help="Un fichier autonome : la synthèse, le tableau et les sources, prêt à imprimer sur une "
                             "page A4.")
    st.caption("Pour imprimer cette page, utilisez l'impression du navigateur (Ctrl+P) : menus et boutons sont "
               "masqués.")
