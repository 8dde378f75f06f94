"""Portrait de territoire: what a sous-préfet reads before a meeting about an EPCI or an arrondissement, and what a
commune, autorité organisatrice since 2025, reads about itself."""

from __future__ import annotations

import streamlit as st

from app import data, portrait_commune, portrait_insertion, portrait_model, ui
from app.portrait_html import edition_line, portrait_html

# The browser's print gives the paper fiche: no menus or widgets, the screen layout scaled down to A4
# (columns kept side by side), without the communes (the map's WebGL canvas prints blank): two pages.
PRINT_CSS = """<style>
.print-only { display: none; }
@media print {
  @page { size: A4; margin: 10mm; }
  body { zoom: 0.7; }
  [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
  [data-testid="stStatusWidget"], [data-testid="stDownloadButton"], .st-key-selectors, .st-key-communes,
  .st-key-screen-only { display: none !important; }
  .print-only { display: block; }
  [data-testid="stMainBlockContainer"] { padding: 0 !important; max-width: 100% !important; }
  [data-testid="stHorizontalBlock"] { display: flex !important; flex-wrap: nowrap !important; }
  [data-testid="stColumn"] { min-width: 0 !important; flex: 1 1 0 !important; }
  [data-testid="stPlotlyChart"], [data-testid="stMetric"], [data-testid="stAlert"], tr { break-inside: avoid; }
  h1, h2, h3 { break-after: avoid; }
}
</style>"""

V = data.version()
st.markdown(PRINT_CSS, unsafe_allow_html=True)
years = ui.years(V)

pick = st.container(key="selectors").columns([1, 3, 1])
with pick[0]:
    level = ui.choose("Niveau", "niveau", portrait_model.LEVELS, "epci", format_func=ui.LEVEL_LABELS.get)
territories = portrait_model.options(V, level)
if level == "commune" and data.territories(V, "departement").shape[0] > 1:  # 35 000 communes: one département's
    departements = data.territories(V, "departement")
    of = data.communes(V).set_index("code")["departement"]
    linked = of.get(st.query_params.get("territoire"), departements["code"].iloc[0])  # a link's commune: its own
    with pick[0]:
        dep = ui.choose("Département", "departement", list(departements["code"]), linked,
                        format_func=dict(zip(departements["code"], departements["name"])).get)
    territories = territories[territories["code"].isin(data.communes(V).query("departement == @dep")["code"])]
names = dict(zip(territories["code"], territories["name"]))
population = data.values(V, level, tuple(names), ("population",), (years[-1],)).set_index("code")["value"]
default = population.idxmax() if not population.empty else territories["code"].iloc[0]  # the main territory first
with pick[1]:
    code = ui.choose("Territoire", "territoire", list(names), default, format_func=names.get)
with pick[2]:
    year = ui.choose("Année", "annee", years, years[-1], cast=int)

p = portrait_model.load(V, level, code, year)
figs = portrait_model.figures(V, p)

st.title(p.name)
ui.wrap_metric_labels()
st.caption(f"{ui.LEVEL_LABELS[level]} · {p.departement} · données {year} (évolutions depuis {p.first_year})")
if p.scope_note:
    st.warning(p.scope_note, icon="✂️")

for column, row in zip(st.columns(len(p.headline)), p.headline.itertuples()):
    with column:
        ui.figure_card(V, row.indicator, row.territory, row.change, p.first_year,
                       {**({p.parent: row.epci} if p.parent else {}), p.departement: row.departement,
                        "France": row.france})

left, right = st.columns(2)
with left:
    st.subheader("Territoire prioritaire ?")
    if p.priority_note:
        st.info(p.priority_note)
    if not p.member_priorities.empty:
        st.markdown(f"Résultats de son EPCI ({year}) :" if level == "commune" else
                    f"Résultats des EPCI ayant au moins une commune dans le territoire ({year}) :")
        st.table(p.member_priorities, hide_index=True)
    for verdict in p.priorities:
        st.markdown(f"**{verdict.title}** : {verdict.status}")
        st.table(verdict.reasons, hide_index=True)
with right:
    st.subheader("Panier de services parentalité")
    st.markdown(p.basket_summary)
    ui.text_table(p.basket_table, numeric=["Nombre"])
    st.subheader("Assistants maternels : renouvellement")
    st.markdown(p.am_risk)

st.subheader("Chiffres clés")
ui.text_table(p.key_table, numeric=p.key_table.columns[2:])

left, right = st.columns(2)
with left:
    if p.trend.empty:
        st.info(ui.absent("taux de couverture", V, ["tcg"], level))
    else:
        st.plotly_chart(figs["trend"], width="stretch")
with right:
    if p.modes.empty:
        st.info(ui.absent("places par mode d'accueil", V, list(portrait_model.MODES), level))
    else:
        st.plotly_chart(figs["modes"], width="stretch")

portrait_commune.render(p)
if level != "commune":  # a commune's portrait is about the commune: no list of one
    with st.container(key="communes"):
        st.subheader(f"Communes du territoire ({len(p.communes_table)})")
        left, right = st.columns(2)
        no_map = ui.map_missing(V, "commune", p.communes["code"])
        if no_map:
            left.info(no_map)
        else:
            left.plotly_chart(figs["map"], width="stretch")
        right.dataframe(ui.french_table(p.communes_table, p.communes_decimals, secret=p.communes_secret),
                        hide_index=True, height=480,
                        column_config={"Commune": st.column_config.TextColumn(width="medium")})
with st.container(key="insertion"):
    portrait_insertion.render(V, level, code, year, p.communes[["code", "name"]])
st.markdown('<p class="print-only">La carte des communes est dans l\'application ; leur tableau y est aussi, et dans '
            "le portrait HTML.</p>", unsafe_allow_html=True)
st.caption(p.caption)
st.caption(edition_line(ui.now_paris(), p.refreshed))  # printed too: a paper fiche says how old it is

screen_only = st.container(key="screen-only")
screen_only.download_button(
    "Télécharger le portrait (HTML)", data=lambda: portrait_html(V, level, code, year), on_click="ignore",
    file_name=f"portrait_{level}_{code}_{year}.html", mime="text/html", icon=":material/download:",
    help="Un fichier autonome, lisible hors connexion, avec les graphiques (sans la carte).")
screen_only.caption("Pour une fiche papier, utilisez l'impression du navigateur (Ctrl+P) : menus et boutons sont "
                    "masqués.")
