"""Données et sources: what the warehouse holds, where it comes from, how the last runs went, what it means."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app import data, ui
from pipelines.formatting import MISSING, fr_number
from pipelines.outputs.status import OUTCOMES

ROUNDING = 0.05  # a rate published to 0.1 can differ from the exact one by up to half of it
LAST_RUNS = 10

V = data.version()
meta = data.meta(V)
catalogue = data.catalogue(V)
departements = data.territories(V, "departement")
dep_names = dict(zip(departements["code"], departements["name"]))


def year_span(years) -> str:
    """``[2017, 2018, 2019, 2022]`` → ``2017 à 2019, 2022``: consecutive years read as a span."""
    years = sorted(int(y) for y in years)
    runs: list[list[int]] = []
    for year in years:
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(f"{r[0]} à {r[-1]}" if len(r) > 2 else ", ".join(map(str, r)) for r in runs) or "—"


st.title("Données et sources")
if meta.get("fictitious") == "true":
    st.caption("Toutes les sources de ce jeu sont fictives (générées pour la démonstration), sur la géographie "
               "réelle.")
st.markdown(f"**{meta.get('dataset', '')}** — départements "
            f"{', '.join(f'{dep_names.get(c, c)} ({c})' for c in meta.get('departements', '').split(',') if c)} — "
            f"entrepôt construit le {ui.fr_date(meta.get('built_at'))}.")

st.header("Sources et millésimes")
summary = data.source_summary(V)
st.table(pd.DataFrame({
    "Source": summary["label"], "Producteur": summary["producer"],
    "Nature": summary["published"].map({True: "publiée (données ouvertes)", False: "extrait interne"}),
    "Millésime": summary["vintage"], "Années": summary["years"].fillna("—").replace("", "—"),
    "Fichiers": summary["files"].map(lambda n: fr_number(n, 0)), "Lignes retenues": summary["rows"].map(
        lambda n: fr_number(n, 0)),
}), hide_index=True, border="horizontal")
st.caption("Chaque valeur de l'application dit si elle est **publiée** (telle que la Cnaf ou l'Insee la publie) ou "
           "**calculée** à partir des extraits et de la population. Là où les deux existent, la valeur publiée est "
           "affichée ; la valeur recalculée est comparée plus bas.")
files = data.sources(V)
with st.expander(f"Fichiers lus ({len(files)})"):
    st.dataframe(pd.DataFrame({"Source": files["label"], "Fichier": files["file"], "Années": files["years"],
                               "Lignes lues": files["rows_read"], "Lignes retenues": files["rows"],
                               "Empreinte SHA-256": files["sha256"].str[:12] + "…"}),
                 hide_index=True, width="stretch")

st.header("Extraits : communes renseignées")
declared = [part for part in meta.get("exhaustive", "").split(" | ") if part]
st.markdown("Une commune absente d'un extrait n'est **pas renseignée** (valeur manquante, jamais 0), sauf si "
            "l'extrait est déclaré exhaustif dans le `manifest.toml` du jeu de données : elle n'a alors rien (0). "
            + ("Déclarations de ce jeu : " + " ; ".join(declared) + "." if declared
               else "Aucun extrait n'est déclaré exhaustif dans ce jeu."))
reporting = data.reporting(V, "departement")
if reporting.empty:
    st.caption("Pas d'extrait Caf / PMI ni de population dans ce jeu.")
else:
    latest = reporting[reporting["year"] == reporting["year"].max()]
    st.dataframe(pd.DataFrame({
        "Département": latest["code"].map(lambda c: dep_names.get(c, c)),
        "Source": latest["source"].map(summary.set_index("source")["label"]), "Année": latest["year"],
        "Communes renseignées": [f"{fr_number(r, 0)} sur {fr_number(n, 0)}"
                                 for r, n in zip(latest["reported"], latest["communes"])],
    }), hide_index=True, width="stretch")

st.header("Codes communes rapprochés de la géographie actuelle")
mapped = data.mappings(V)
if mapped.empty:
    st.caption("Aucun code ancien dans les fichiers : tous sont des communes du COG en vigueur.")
else:
    st.markdown(f"{fr_number(mapped['old_code'].nunique(), 0)} codes anciens (communes fusionnées, communes "
                "déléguées, arrondissements municipaux) ont été rapportés à leur commune actuelle : leurs effectifs "
                "y sont additionnés ; un taux publié n'est jamais additionné ni moyenné (il reste une partie de la "
                "commune actuelle).")
    st.dataframe(pd.DataFrame({"Fichier": mapped["file"], "Code du fichier": mapped["old_code"],
                               "Commune actuelle": mapped["code"] + " " + mapped["name"].fillna(""),
                               "Nature": mapped["kind"], "Lignes": mapped["rows"]}),
                 hide_index=True, width="stretch")

st.header("Avertissements de la dernière construction")
notices = data.notices(V)
if notices.empty:
    st.caption("Aucun avertissement.")
else:
    st.dataframe(ui.french_table(pd.DataFrame({
        "Fichier": notices["file"], "Ligne": notices["line"], "Colonne": notices["column"].fillna("—"),
        "Avertissement": notices["message"], "Valeur": notices["found"].fillna("—"), "Lignes concernées":
            notices["count"]}), {"Ligne": 0, "Lignes concernées": 0}), hide_index=True, width="stretch",
        column_config={"Avertissement": st.column_config.TextColumn(width="large")})

st.header("Années disponibles par indicateur")
spans = data.years_per_indicator(V)
spans = spans.assign(span=spans["years"].map(year_span)).pivot(index="indicator", columns="level", values="span")
levels = [lv for lv in ui.LEVEL_LABELS if lv in spans.columns]
spans = spans.reindex(index=[c for c in catalogue["code"] if c in spans.index], columns=levels).fillna("—")
spans.insert(0, "label", [ui.label(V, c) for c in spans.index])
st.dataframe(spans, hide_index=True, width="stretch", column_config={
    "label": st.column_config.TextColumn("Indicateur", width="large"),
    **{lv: st.column_config.TextColumn(ui.LEVEL_LABELS[lv]) for lv in levels}})
st.caption("« — » : l'indicateur n'existe pas à ce niveau (la Cnaf ne publie par exemple au niveau national que "
           "le taux de couverture global et ses composantes).")

st.header("Dernières actualisations")
runs = data.journal() or data.runs(V).to_dict("records")
runs = runs[:LAST_RUNS]
st.dataframe(pd.DataFrame({
    "Début": [ui.fr_date(r.get("started_at")) for r in runs],
    "Résultat": [OUTCOMES.get(r.get("outcome"), r.get("outcome")) for r in runs],
    "Départements": [r.get("departements") or MISSING for r in runs],
    "Fichiers lus": [len(r.get("inputs") or []) if isinstance(r.get("inputs"), list) else MISSING for r in runs],
    "Fichiers rejetés": [len({p.get("file") for p in r.get("rejected") or []}) for r in runs],
    "Message": [r.get("message") or "" for r in runs],
}), hide_index=True, width="stretch")
problems = [{"Exécution": ui.fr_date(r.get("started_at")), "Fichier": p.get("file"),
             "Ligne": p.get("line"), "Colonne": p.get("column"), "Attendu": p.get("expected"),
             "Trouvé": p.get("found")} for r in runs for p in (r.get("rejected") or [])]
if problems:
    st.subheader("Fichiers rejetés : problèmes à corriger")
    st.dataframe(ui.french_table(pd.DataFrame(problems), {"Ligne": 0}), hide_index=True, width="stretch",
                 column_config={"Attendu": st.column_config.TextColumn(width="large")})
else:
    st.caption("Aucun fichier rejeté lors des dernières actualisations.")

st.header("Catalogue des indicateurs")
themes = list(dict.fromkeys(catalogue["theme"]))
for tab, theme in zip(st.tabs(themes), themes):
    part = catalogue.loc[catalogue["theme"] == theme, ["label", "unit", "definition", "source"]]
    tab.table(part.rename(columns={"label": "Indicateur", "unit": "Unité", "definition": "Définition",
                                   "source": "Source"}), hide_index=True, border="horizontal")

st.header("Géographie")
epci = data.epci(V)
partial = epci[epci["partial"].astype(bool)]
st.markdown(meta.get("geography_note", MISSING))
if not partial.empty:
    st.markdown("EPCI à cheval sur plusieurs départements : leurs chiffres ne comptent que leurs communes des "
                "départements chargés.\n" + "\n".join(
                    f"- {r.name} : {r.n_communes_in_scope} communes sur {r.n_communes} "
                    f"(départements {r.departements.replace(',', ', ')})" for r in partial.itertuples()))

st.header("Contrats vérifiés à la construction")
contracts = data.contracts(V)
st.dataframe(pd.DataFrame({
    "Contrat": contracts["contract"], "Table": contracts["table_name"],
    "Gravité": contracts["severity"].map({"error": "bloquant", "warn": "avertissement"}),
    "Écarts": contracts["violations"], "Exemples": contracts["examples"].replace("", "—")}),
    hide_index=True, width="stretch")
st.caption("Un contrat bloquant en défaut arrête l'actualisation : l'entrepôt précédent reste en service.")

st.header("Taux de couverture publiés et recalculés")
comparison = data.comparison(V)
if comparison.empty:
    st.info("Aucune valeur n'est à la fois publiée par la Cnaf et recalculable ici (il y faut les extraits Caf / "
            "PMI et la population des mêmes territoires) : rien à comparer.")
    st.stop()
st.caption(f"La Cnaf publie ses taux arrondis au dixième : un écart jusqu'à {fr_number(ROUNDING, 2)} point "
           "s'explique par l'arrondi ; au-delà, les effectifs ou les périmètres diffèrent.")
comparison = comparison.assign(beyond=comparison["gap"].abs() > ROUNDING + 1e-9)
summary = comparison.groupby(["level", "indicator"], sort=False).agg(
    n=("gap", "size"), worst=("gap", lambda s: s.abs().max()), beyond=("beyond", "sum")).reset_index()
summary["level"] = summary["level"].map(ui.LEVEL_LABELS)
summary["indicator"] = summary["indicator"].map(lambda c: ui.label(V, c))
st.dataframe(ui.french_table(summary, {"n": 0, "worst": 3, "beyond": 0}), hide_index=True, width="stretch",
             column_config={"level": "Niveau", "indicator": st.column_config.TextColumn("Indicateur", width="large"),
                            "n": st.column_config.NumberColumn("Comparaisons"),
                            "worst": st.column_config.NumberColumn("Plus grand écart (points)"),
                            "beyond": st.column_config.NumberColumn("Écarts au-delà de l'arrondi")})
level_names = {lv: data.territories(V, lv).set_index("code")["name"] for lv in comparison["level"].unique()}
detail = comparison.sort_values("gap", key=lambda s: s.abs(), ascending=False).head(200).assign(
    name=lambda d: [level_names[lv].get(c, c) for lv, c in zip(d["level"], d["code"])],
    level=lambda d: d["level"].map(ui.LEVEL_LABELS),
    indicator=lambda d: d["indicator"].map(lambda c: ui.label(V, c)))
with st.expander("Les 200 plus grands écarts"):
    st.dataframe(ui.french_table(detail[["level", "name", "year", "indicator", "published", "computed", "gap"]],
                                 {"published": 1, "computed": 2, "gap": 3}), hide_index=True, width="stretch",
                 column_config={"level": "Niveau", "name": "Territoire", "indicator": "Indicateur",
                                "year": st.column_config.NumberColumn("Année", format="%d"), "published": "Publié",
                                "computed": "Recalculé", "gap": "Écart (points)"})
