"""Tendances: one indicator over the years for chosen EPCI, against the département and France."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app import charts, data, ui
from pipelines.indicators.evolution import evolution

V = data.version()
meta = data.meta(V)
years = ui.years(V)
catalogue = data.catalogue(V)
measured = set(data.values(V, "departement")["indicator"]) | set(data.values(V, "epci")["indicator"])
# a 0/1 flag summed over communes is not a trend: flags are read through their shares (e.g. EPCI au panier complet)
codes = [c for c, kind in zip(catalogue["code"], catalogue["kind"]) if c in measured and kind != "flag"]
departements = data.territories(V, "departement")
dep_names = dict(zip(departements["code"], departements["name"]))
epci = data.territories(V, "epci")

pick = st.columns([2, 1, 1])
with pick[0]:
    indicator = ui.choose("Indicateur", "indicateur", codes, "tcg" if "tcg" in codes else codes[0],
                          format_func=lambda c: ui.label(V, c))
with pick[1]:
    dep = ui.choose("Département", "departement", list(dep_names), departements["code"].iloc[0],
                    format_func=dep_names.get, disabled=len(dep_names) == 1)
with pick[2]:
    base = ui.choose("Année de référence", "de", years[:-1], years[0], cast=int)
last = years[-1]
local = epci[epci["departement"] == dep]
names = dict(zip(local["code"], local["name"]))
chosen = ui.choose_many("EPCI à comparer", "epci", list(names), format_func=names.get,
                        placeholder="Choisissez un ou plusieurs EPCI")

entry = ui.entry(V, indicator)
parts = [data.values(V, "epci", tuple(chosen), (indicator,)) if chosen else None,
         data.values(V, "departement", (dep,), (indicator,)),
         data.values(V, "france", ("FR",), (indicator,))]
long = pd.concat([p for p in parts if p is not None], ignore_index=True)
long = long[long["year"] >= base]
series_names = {**names, dep: dep_names[dep], "FR": "France"}
long["series"] = long["code"].map(series_names)

st.title(entry["label"])
st.caption(f"{entry['definition']} Unité : {entry['unit']}.")
if long.empty:
    st.info("Aucune valeur pour cet indicateur sur la période choisie.")
    st.stop()

points = ui.drawn(long)  # a figure carried from an earlier vintage is no point of the series
fig = charts.lines(points, title=f"{entry['label']}, {base}-{last}",
                   subtitle=f"{entry['unit']} — {ui.provenance(points)}", unit=entry["unit"],
                   decimals=int(entry["decimals"]), references=(dep_names[dep], "France"))
st.plotly_chart(fig, width="stretch")
notes = [ui.values_caption(long), meta.get("geography_note", "")]
if len(points) < len(long):
    notes.append("Les années sans nouvelle valeur (dernier millésime reporté) ne sont pas tracées.")
if not (long["code"] == "FR").any():
    notes.append("France : n.d. (la Cnaf ne publie au niveau national que le taux de couverture global et ses "
                 "composantes).")
partial = data.epci(V).set_index("code")["partial"].reindex(chosen)
if partial.any():
    notes.append("EPCI à cheval sur plusieurs départements, comptés pour leur seule partie dans le département : "
                 + ", ".join(names[c] for c in partial[partial].index) + ".")
st.caption(" ".join(n for n in notes if n))

st.subheader(f"Évolution entre {base} et {last}")
changes = evolution(long, base, last)
order = {code: i for i, code in enumerate([*chosen, dep, "FR"])}
changes = changes.sort_values("code", key=lambda s: s.map(order))
table = pd.DataFrame({
    "Territoire": changes["code"].map(series_names),
    f"Valeur {base}": changes["base"].map(lambda x: ui.fmt(V, indicator, x)),
    f"Valeur {last}": changes["last"].map(lambda x: ui.fmt(V, indicator, x)),
    "Évolution": changes["change"].map(lambda x: ui.signed(V, indicator, x)),
    "Évolution relative": changes["change_pct"].map(lambda x: ui.signed_number(x) + ("" if pd.isna(x) else " %")),
})
ui.text_table(table, numeric=table.columns[1:])
st.caption("Évolution : différence des valeurs, dans l'unité de l'indicateur (points pour un taux). Évolution "
           "relative : en % de la valeur de l'année de référence ; n.d. quand une valeur manque ou vaut 0.")
