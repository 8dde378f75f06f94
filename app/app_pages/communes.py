"""Communes autorités organisatrices: the communes above 3 500 and 10 000 inhabitants, their duties under the
service public de la petite enfance, their relais petite enfance and the figures that matter for them.

Tiers and duties are the warehouse's (model 096); each commune opens its portrait.
"""

from __future__ import annotations

import streamlit as st

from app import data, review_data, secrecy, sppe, ui
from pipelines.warehouse.query import RESERVED

TIER_CHOICES = {"plus_10000": "Plus de 10 000 habitants", "plus_3500": "De 3 501 à 10 000 habitants"}

V = data.version()
meta = data.meta(V)
st.title("Communes autorités organisatrices de l'accueil du jeune enfant")
st.markdown(sppe.INTRO)

departements = data.territories(V, "departement")
dep_names = dict(zip(departements["code"], departements["name"]))
pick = iter(st.container(key="selectors").columns([2, 3] if len(dep_names) > 1 else [3, 2]))
departement = next(iter(dep_names))
if len(dep_names) > 1:
    with next(pick):
        departement = ui.choose("Département", "departement", list(dep_names), departement, format_func=dep_names.get)
with next(pick):
    tiers = ui.choose_many("Seuils de population", "seuils", list(TIER_CHOICES), format_func=TIER_CHOICES.get,
                           default=list(TIER_CHOICES), placeholder="Choisissez un seuil")
communes = review_data.commune_obligations(V, departement, None, tuple(tiers or TIER_CHOICES))
if communes.empty:
    st.info("Aucune commune de plus de 3 500 habitants dans ce département (ou population inconnue).")
    st.stop()
year = int(communes["figures_year"].iloc[0])

big = communes[communes["tier"] == "plus_10000"]
ui.wrap_metric_labels()
cards = st.columns(4)
cards[0].metric("Communes de plus de 10 000 habitants", len(big))
cards[1].metric("Communes de 3 501 à 10 000 habitants", int((communes["tier"] == "plus_3500").sum()))
without = big["rpe_in_commune"].eq(0).sum()
cards[2].metric("Plus de 10 000 habitants sans RPE dans la commune",
                RESERVED if communes["rpe_reserved"].any() else int(without))
children = communes["enfants_0_2"].sum(min_count=len(communes))  # missing for one commune: no total
cards[3].metric("Enfants de moins de 3 ans (communes listées)", ui.fr_number(children, 0))

st.subheader("Leurs obligations")
ui.text_table(sppe.obligations_table(review_data.sppe_obligations(V)))

st.subheader(f"Les communes ({len(communes)}), chiffres {year}")
table = sppe.communes_table(V, communes)
shown = table.drop(columns=["level"]).rename(columns={"name": "Commune"})
shown.insert(1, "Portrait", [f"portrait?niveau=commune&territoire={c}&annee={year}" for c in shown.pop("code")])
labels = {c: ui.label(V, c, short=True) for c in sppe.figures(V)}
decimals = {"Population": 0, **{labels[c]: int(ui.entry(V, c)["decimals"]) for c in sppe.figures(V)}}
secret = secrecy.cells(V, table.assign(year=year)).drop(columns=["level"]).rename(columns={"name": "Commune"})
secret = secret.drop(columns="code").rename(columns=labels)
st.dataframe(ui.french_table(shown.rename(columns=labels), decimals, secret=secret), hide_index=True, width="stretch",
             height=min(35 * (len(shown) + 1) + 3, 640),
             column_config={"Portrait": st.column_config.LinkColumn("Portrait", display_text="ouvrir"),
                            "Commune": st.column_config.TextColumn(width="medium", pinned=True)})
st.caption(f"{sppe.POPULATION_NOTE} RPE : relais ouverts au 31 décembre {year} selon l'extrait des équipements "
           f"(« n.d. » : commune non renseignée). {ui.source_caption(V, list(sppe.figures(V)), year, 'commune')}")
ui.table_downloads(secrecy.marked(V, table.assign(year=year)).drop(columns="year"),
                   f"communes_autorites_organisatrices_{departement}_{year}", data.catalogue(V),
                   data.sources(V), meta, {"Obligations": sppe.obligations_table(review_data.sppe_obligations(V))},
                   xlsx_label="Télécharger la liste (Excel)", csv_label="Télécharger la liste (CSV)",
                   provenance=ui.values_of(V, table.assign(year=year)))
