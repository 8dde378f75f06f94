"""Accueil: the département at a glance for one year, with how it moved and where it stands against France."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app import charts, data, ui
from pipelines.indicators.evolution import evolution

SECTIONS = {
    "Couverture des besoins d'accueil des moins de 3 ans": [
        ("tcg", "tcg_eaje", "tcg_ind", "tcg_prescol"), ("tcg_psu", "tcg_hors_psu", "tcg_am", "tcg_gad")],
    "Places par mode d'accueil": [
        ("places_eaje_psu", "places_eaje_hors_psu", "places_am", "places_gad", "places_prescol")],
    "Autres services aux familles": [
        ("nb_mam", "places_mam", "nb_alsh", "places_alsh"),
        ("nb_laep", "nb_clas", "nb_reaap", "part_epci_panier_complet")],
}

V = data.version()
meta = data.meta(V)
years = ui.years(V)
first = years[0]
departements = data.territories(V, "departement")
dep_names = dict(zip(departements["code"], departements["name"]))

pick = st.columns([1, 1, 3])
with pick[0]:
    year = ui.choose("Année", "annee", years, years[-1], cast=int)
with pick[1]:
    dep = ui.choose("Département", "departement", list(dep_names), departements["code"].iloc[0],
                    format_func=dep_names.get, disabled=len(dep_names) == 1)

own = data.values(V, "departement", (dep,))
france = data.values(V, "france", ("FR",), None, (year,)).set_index("indicator")["value"]
now = own[own["year"] == year].set_index("indicator")["value"]
change = evolution(own, first, year).set_index("indicator")["change"]
history = own[own["year"] <= year].pivot_table(index="year", columns="indicator", values="value")

st.title(f"{dep_names[dep]} en {year}")
ui.wrap_metric_labels()
st.caption(f"Chiffres du département au 31 décembre {year}, évolutions depuis {first}. La France n'est publiée "
           "que pour le taux de couverture global et ses composantes.")

held = set(own["indicator"])  # indicators the département has in some year: the others are said absent
if not held:
    at_communes = data.years_per_indicator(V).query("level == 'commune'")["indicator"]
    st.info("Ce jeu de données n'a aucun chiffre au niveau du département (ni extrait Caf / PMI, ni fichier "
            "départemental de la Cnaf). " + ("Il a des valeurs par commune : voir la page Cartes, niveau Communes, "
                                             "et le portrait des EPCI." if not at_communes.empty else ""))
for title, rows in SECTIONS.items():
    st.subheader(title)
    shown = [[c for c in codes if c in held] for codes in rows]
    if not any(shown):
        st.info(ui.absent("chiffres de cette rubrique", V, [c for codes in rows for c in codes], "departement"))
        continue
    for codes in (c for c in shown if c):
        for column, code in zip(st.columns(len(codes)), codes):
            with column:
                ui.figure_card(V, code, now.get(code), change.get(code), first, {"France": france.get(code)},
                               history[code] if code in history else None)
st.caption(ui.source_caption(V, [c for rows in SECTIONS.values() for codes in rows for c in codes], year))

st.subheader("Taux de couverture global par EPCI")
main_dep = data.territories(V, "epci").set_index("code")["departement"]
epci = data.epci(V)
epci = epci[epci["code"].map(main_dep) == dep]
tcg = data.values(V, "epci", None, ("tcg",), (year,)).set_index("code")["value"]
frame = epci[["code", "name", "partial"]].assign(tcg=epci["code"].map(tcg))
dep_tcg = now.get("tcg")
left, right = st.columns([3, 2])
no_map = ui.map_missing(V, "epci", frame["code"]) or (
    None if frame["tcg"].notna().any() else ui.absent("taux de couverture", V, ["tcg"], "epci"))
with left:
    if no_map:
        st.info(no_map)
    else:
        fig = charts.choropleth(
            data.map_shapes(V, "epci", frame["code"], charts.CHOROPLETH_PIXELS), frame, "tcg", "TCG",
            "pour 100 enfants", title=f"Taux de couverture global par EPCI, {year}",
            subtitle=f"{ui.entry(V, 'tcg')['unit']} ; couleurs centrées sur le département "
                     f"({ui.fmt(V, 'tcg', dep_tcg)})", midpoint=None if pd.isna(dep_tcg) else dep_tcg)
        st.plotly_chart(fig, width="stretch")
with right:
    ranked = frame.dropna(subset=["tcg"]).sort_values("tcg")
    if not ranked.empty and not pd.isna(dep_tcg):
        for heading, row in (("EPCI le plus en dessous du département", ranked.iloc[0]),
                             ("EPCI le plus au-dessus du département", ranked.iloc[-1])):
            part = " (partie dans le département)" if row["partial"] else ""
            st.markdown(f"**{heading}**  \n{row['name']}{part}  \nTCG {ui.fmt(V, 'tcg', row['tcg'])}, soit "
                        f"{ui.signed(V, 'tcg', row['tcg'] - dep_tcg)} points par rapport au département "
                        f"({ui.fmt(V, 'tcg', dep_tcg)})")
    if frame["partial"].any():
        names = ", ".join(frame.loc[frame["partial"], "name"])
        st.caption("EPCI à cheval sur plusieurs départements, comptés pour leur seule partie dans le "
                   f"département : {names}.")
    st.caption(meta.get("geography_note", ""))

st.subheader("Fraîcheur des données")
runs = data.runs(V)
done = runs.loc[runs["outcome"] == "success", "started_at"]
last_run = ui.fr_date(done.iloc[0] if not done.empty else None)
st.markdown(f"Dernière actualisation réussie : **{last_run}** · entrepôt construit le "
            f"{ui.fr_date(meta.get('built_at'))} · géographie {meta.get('cog_vintage', 'n.d.')}")
sources = data.sources(V)[["label", "vintage", "years"]].drop_duplicates()
st.table(sources.rename(columns={"label": "Source", "vintage": "Millésime", "years": "Années couvertes"})
         .replace("", "n.d."), hide_index=True)
