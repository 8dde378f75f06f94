"""Territoires prioritaires: which territories a rule set puts first and why, and what tuned thresholds change.

The shipped rule sets and saved scenarios are read from the warehouse (computed at the refresh, stamped
with their version and data vintage). Thresholds edited here are evaluated live on the same values, compared
with the original or another rule set, and can be saved as a named scenario the next refresh stores in turn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
import streamlit as st

from app import access, charts, data, ui
from pipelines import paths
from pipelines.access.roles import CONFIDENTIAL, SCENARIOS
from pipelines.formatting import MISSING
from pipelines.priority import (RuleSet, RuleSetError, compare, list_rulesets, load_ruleset, ruleset_to_toml,
                                with_overrides)
from pipelines.priority.engine import CHANGES, NOT_PRIORITY, PRIORITY, UNDETERMINED
from pipelines.priority.rules import REFERENCES
from pipelines.priority.scenarios_store import list_scenarios, save_scenario, slug
from pipelines.priority.text import SIGNS, Display, displays, format_plain

MAP_LEVELS = ("epci", "commune")  # the levels with contours
PLURALS = {"epci": "EPCI", "commune": "Communes"}
NONE, ORIGINAL = "_aucune", "_origine"  # not rule set names: those start with a letter
TO_CLARIFY = "Prioritaire, classe à préciser"
EDITED_NOTE = re.compile(r" \(seuil modifié : [^)]*\)$")  # a scenario of a scenario gets one note
STATUS_LABELS = {PRIORITY: "Prioritaire", NOT_PRIORITY: "Non prioritaire", UNDETERMINED: "Indéterminé"}
# Colours shared with the other maps (charts.STATUS_COLOURS); extra classes and « à préciser » from Okabe-Ito.
EXTRA_CLASS_COLOURS = ("#009E73", "#0072B2")
TO_CLARIFY_COLOUR = "#F0E442"
UNCHANGED, UNCHANGED_COLOUR = "Inchangé", "#f2f2f2"
CHANGE_COLOURS = dict(zip(CHANGES, ("#D55E00", "#0072B2", "#E69F00", "#CC79A7")))
PLURAL_CHANGES = dict(zip(CHANGES, ("entrent en priorité", "sortent de la priorité", "changent de classe",
                                    "changent de statut")))
CLASS_CHANGE = CHANGES[2]  # « change de classe »
MET_ICONS = {True: ":green[✓]", False: ":red[✗]", None: ":gray[?]"}  # text symbols: emoji fonts can be missing
FLAG_TESTS = {"is_true": "= oui", "is_false": "= non"}
EDITOR_COLUMNS = 4
SAVED, PICK = "_scenario_enregistre", "_regle_a_choisir"
MAX_DETAILS = 60  # expanders per rerun: beyond that the page slows down; the status filter narrows the list


@dataclass(frozen=True)
class Evaluation:
    """A rule set's results on one level and year, and whether they come from the warehouse or were computed now."""

    ruleset: RuleSet
    status: pd.DataFrame
    reasons: pd.DataFrame
    stored: bool

    @property
    def title(self) -> str:
        return f"{data.ruleset_title(self.ruleset)}, version {self.ruleset.version}"


def readable_rulesets(v: str) -> dict[str, RuleSet]:
    """Shipped rule sets then saved scenarios by name; an unreadable or duplicate file is reported, not fatal."""
    found: dict[str, RuleSet] = {}
    for path in list_rulesets() + list_scenarios():
        try:
            ruleset = load_ruleset(path, data.catalogue(v))
        except RuleSetError as exc:
            st.error(f"{exc}. Ce fichier est ignoré.", icon="⚠️")
            continue
        if ruleset.name in found:
            st.warning(f"Le fichier « {path.name} » reprend le nom « {ruleset.name} » d'une autre règle : il est "
                       "ignoré ici, et l'actualisation le refusera. Renommez-le.", icon="⚠️")
            continue
        found[ruleset.name] = ruleset
    return found


def ruleset_label(v: str, ruleset: RuleSet) -> str:
    """The picker's wording: the rule set's title; a scenario also says what it was derived from."""
    derived = f", dérivé de {derived_text(v, ruleset)}" if ruleset.derived_from else ""
    return data.ruleset_title(ruleset) + derived


def derived_text(v: str, ruleset: RuleSet) -> str:
    """``sdsf71 1.0`` (how a scenario records its origin) as users read it: « title », version 1.0."""
    name, _, version = (ruleset.derived_from or "").partition(" ")
    return f"« {data.ruleset_titles(v).get(name, name)} », version {version}"


def evaluation(v: str, ruleset: RuleSet, year: int, level: str, edited: bool = False) -> Evaluation:
    """Stored results when the warehouse holds this very version, else a live evaluation of the rule set."""
    stored = data.priority_status(v, level, year, ruleset.name)
    if not edited and not stored.empty and set(stored["ruleset_version"]) == {ruleset.version}:
        return Evaluation(ruleset, stored, data.priority_reasons(v, level, year, ruleset.name), True)
    status, reasons = data.priority_live(v, ruleset_to_toml(ruleset), year, level)
    return Evaluation(ruleset, status, reasons, False)


def category(ruleset: RuleSet, status: str | None, priority_class) -> str:
    """What the map and the table show: the class when the rule set has classes, else the status."""
    if status is None:
        return "non évalué"
    if status == PRIORITY and ruleset.classes:
        return priority_class if isinstance(priority_class, str) and priority_class else TO_CLARIFY
    return STATUS_LABELS[status]


def categories(ruleset: RuleSet, present: set[str]) -> dict[str, str]:
    """Legend entries and their colours, from most to least priority (undetermined may still be priority);
    « à préciser » only when it occurs."""
    if ruleset.classes:
        extra = iter(EXTRA_CLASS_COLOURS)
        ranked = {c.name: charts.STATUS_COLOURS.get(c.name) or next(extra) for c in ruleset.classes}
        if TO_CLARIFY in present:
            ranked[TO_CLARIFY] = TO_CLARIFY_COLOUR
    else:
        ranked = {STATUS_LABELS[PRIORITY]: charts.STATUS_COLOURS[PRIORITY]}
    return ranked | {STATUS_LABELS[s]: charts.STATUS_COLOURS[s] for s in (UNDETERMINED, NOT_PRIORITY)}


def results_table(result: Evaluation, names: pd.Series) -> pd.DataFrame:
    """One row per territory, priority first (by class), then undetermined, then the others."""
    status = result.status
    table = pd.DataFrame({
        "code": status["code"], "Territoire": status["code"].map(names),
        "Catégorie": [category(result.ruleset, s, c) for s, c in zip(status["status"], status["priority_class"])],
        "Statut": status["status"].map(STATUS_LABELS), "Classe": status["priority_class"],
        "Score": pd.to_numeric(status["score"]), "Critères remplis": status["n_met"],
        "Critères sans donnée": status["n_missing"], "Synthèse": status["summary"],
    })
    order = list(categories(result.ruleset, set(table["Catégorie"])))
    table["_rank"] = table["Catégorie"].map(order.index)
    table = table.sort_values(["_rank", "Score", "Territoire"], ascending=[True, False, True])
    return table.drop(columns="_rank").reset_index(drop=True)


def threshold_text(criterion, display: Display) -> str:
    if criterion.is_flag:
        return ""
    if criterion.relative_to:
        reference = REFERENCES[criterion.relative_to]
        return reference if criterion.factor == 1.0 else f"{format_plain(criterion.factor)} × {reference}"
    return display.number(criterion.value)


def rules_table(ruleset: RuleSet, v: str) -> pd.DataFrame:
    """One row per criterion (the « Règles » sheet of the exports and the table under the description)."""
    shown = displays(data.catalogue(v))
    groups = {g.id: g for g in ruleset.groups}
    rows = []
    for c in ruleset.criteria:
        group = groups.get(c.group)
        weight = c.weight if c.weight is not None else (group.weight if group else None)
        rows.append({"Critère": c.label, "Indicateur": ui.label(v, c.indicator), "Test": FLAG_TESTS.get(c.operator,
                     SIGNS.get(c.operator)), "Seuil ou référence": threshold_text(c, shown[c.indicator]),
                     "Poids": weight, "Groupe": group.label if group else None})
    table = pd.DataFrame(rows)
    return table.drop(columns=[col for col in ("Poids", "Groupe") if table[col].isna().all()])


def combination_text(ruleset: RuleSet) -> str:
    if ruleset.mode == "score":
        total = sum(u.weight for u in ruleset.units())
        classes = ", ".join(f"« {c.name} » dès {format_plain(c.min_score)} points" for c in ruleset.classes)
        return f"Chaque critère rempli apporte son poids (total possible {format_plain(total)}) : {classes}."
    required = {"all": "tous les critères sont remplis", "any": "au moins un critère est rempli",
                "at_least": f"au moins {ruleset.k} critères sont remplis"}[ruleset.mode]
    groups = " Un groupe compte pour un critère." if ruleset.groups else ""
    return f"Prioritaire quand {required}.{groups}"


def edited(original: RuleSet, overrides: dict[str, float], v: str, name: str | None = None) -> RuleSet:
    """``with_overrides``, and each edited criterion's label says so: labels often quote the old threshold
    (« Plus de 40 % … ») and reasons, summaries and saved files would otherwise contradict the new one."""
    ruleset = with_overrides(original, overrides, name=name)
    shown = displays(data.catalogue(v))

    def relabel(c):
        return replace(c, label=f"{EDITED_NOTE.sub('', c.label)} (seuil modifié : "
                                f"{threshold_text(c, shown[c.indicator])})")
    return replace(ruleset, criteria=tuple(relabel(c) if c.id in overrides else c for c in ruleset.criteria))


def threshold_editor(ruleset: RuleSet, v: str) -> dict[str, float]:
    """A number input per criterion with a threshold; returns the thresholds (or factors) changed."""
    editable = [c for c in ruleset.criteria if not c.is_flag]
    shown = displays(data.catalogue(v))
    keys = {c.id: f"seuil_{ruleset.name}_{ruleset.version}_{c.id}" for c in editable}
    overrides = {}
    with st.expander("Modifier les seuils : un scénario, calculé à l'instant", expanded=True):
        columns = st.columns(EDITOR_COLUMNS)
        for i, c in enumerate(editable):
            display = shown[c.indicator]
            with columns[i % len(columns)]:
                if c.relative_to:
                    reference = REFERENCES[c.relative_to]
                    new = ui.number_field(
                        f"{display.label} {SIGNS[c.operator]} facteur × {reference}", keys[c.id], c.factor, 2,
                        minimum=0.05, help=f"« {c.label} ». 1 = la valeur {reference} elle-même ; 0,9 = 10 % en "
                                           "dessous. « 1,2 » ou « 1.2 ».")
                    original = c.factor
                else:
                    unit = f" ({display.unit})" if display.unit else ""
                    new = ui.number_field(
                        f"{display.label} {SIGNS[c.operator]} seuil{unit}", keys[c.id], c.value, display.decimals,
                        help=f"« {c.label} ». Seuil de la règle : {display.number(c.value)}.")
                    original = c.value
            if abs(new - original) > 1e-12:
                overrides[c.id] = new
        flags = [c.label for c in ruleset.criteria if c.is_flag]
        if flags:
            st.caption("Sans seuil (critères oui/non) : " + ", ".join(flags) + ".")
        st.button("Revenir aux seuils de la règle", disabled=not overrides, on_click=_reset,
                  args=(list(keys.values()),))
    return overrides


def _reset(keys: list[str]) -> None:
    for key in keys:
        st.session_state.pop(key, None)


def priority_map(result: Evaluation, table: pd.DataFrame, level: str, year: int, v: str):
    colours = categories(result.ruleset, set(table["Catégorie"]))
    score = result.ruleset.mode == "score"
    hover = [f"<b>{n}</b><br>{c}" + (f" (score {format_plain(s)})" if score and pd.notna(s) else "")
             for n, c, s in zip(table["Territoire"], table["Catégorie"], table["Score"])]
    live = "" if result.stored else " — calculée à l'instant"
    return charts.choropleth_classes(
        data.map_shapes(v, level, table["code"], charts.MAP_PIXELS), table.assign(hover=hover), "Catégorie",
        list(colours), list(colours.values()),
        title=f"{PLURALS[level]} prioritaires en {year}", legend_title="",
        subtitle=f"Règle {result.title}{live}")


def change_map(before: Evaluation, after: Evaluation, changes: pd.DataFrame, names: pd.Series, level: str, v: str):
    moved = changes.set_index("code")["change"].str.capitalize()
    frame = after.status[["code"]].assign(change=lambda f: f["code"].map(moved).fillna(UNCHANGED))
    frame["hover"] = [f"<b>{names.get(c)}</b><br>{ch}" for c, ch in zip(frame["code"], frame["change"])]
    colours = {c.capitalize(): colour for c, colour in CHANGE_COLOURS.items()} | {UNCHANGED: UNCHANGED_COLOUR}
    return charts.choropleth_classes(
        data.map_shapes(v, level, frame["code"], charts.MAP_PIXELS), frame, "change", list(colours),
        list(colours.values()), legend_title="",
        title=f"Ce qui change avec {after.title}", subtitle=f"Par rapport à {before.title}")


def reasons_list(reasons: pd.DataFrame) -> str:
    lines = []
    for row in reasons.itertuples():
        met = None if pd.isna(row.met) else bool(row.met)
        lines.append(f"- {MET_ICONS[met]} **{row.label}** : {row.text}")
    return "\n".join(lines)


def details(result: Evaluation, table: pd.DataFrame) -> None:
    """One expander per territory with each criterion met, not met or missing, and the figures."""
    shown = st.pills("Statuts", list(STATUS_LABELS.values()), selection_mode="multi",
                     default=[STATUS_LABELS[PRIORITY], STATUS_LABELS[UNDETERMINED]], key="details_filtre")
    rows = table[table["Statut"].isin(shown)]
    by_code = dict(tuple(result.reasons.groupby("code", sort=False)))
    for row in rows.head(MAX_DETAILS).itertuples():
        with st.expander(f"{row.Territoire} — {row.Catégorie}"):
            st.markdown(row.Synthèse)
            st.markdown(reasons_list(by_code[row.code]))
    if len(rows) > MAX_DETAILS:
        st.caption(f"{MAX_DETAILS} premiers territoires sur {len(rows)} : filtrez les statuts pour voir les autres.")
    if rows.empty:
        st.caption("Aucun territoire avec ces statuts.")


def comparison(result: Evaluation, base: Evaluation | None, rulesets: dict[str, RuleSet], names: pd.Series,
               year: int, level: str, v: str) -> None:
    others = [n for n, r in rulesets.items() if n != result.ruleset.name and level in r.levels]
    # Not in the URL (« origine » exists only while thresholds are edited); keyed, so editing keeps the choice.
    options = ([ORIGINAL] if base else []) + [NONE] + others
    labels = {NONE: "Pas de comparaison", ORIGINAL: f"La règle d'origine ({base.title if base else ''})"}
    if st.session_state.get("comparer") not in options or not st.session_state.get("comparer_choisi"):
        st.session_state["comparer"] = options[0]  # the original while thresholds are edited, until a choice
    choice = st.selectbox("Comparer avec", options, key="comparer",
                          on_change=lambda: st.session_state.update(comparer_choisi=True),
                          format_func=lambda n: labels.get(n) or ruleset_label(v, rulesets[n]))
    if choice == NONE:
        return
    before = base if choice == ORIGINAL else evaluation(v, rulesets[choice], year, level)
    changes = compare(before.status, result.status)
    n_before, n_after = (int(r.status["status"].eq(PRIORITY).sum()) for r in (before, result))
    st.markdown(f"Territoires prioritaires : **{n_before}** avec {before.title}, **{n_after}** avec {result.title}."
                + ("" if len(changes) else " Aucun ne change de statut ni de classe."))
    left, right = st.columns([4, 1])
    with left:
        no_map = ui.map_missing(v, level, result.status["code"])
        if no_map:
            st.info(no_map)
        else:
            st.plotly_chart(change_map(before, result, changes, names, level, v), width="stretch")
    with right:
        counts = changes["change"].value_counts()
        for change in shown_changes(before.ruleset, result.ruleset):
            st.metric(PLURAL_CHANGES[change].capitalize(), int(counts.get(change, 0)))
    if len(changes):
        st.dataframe(pd.DataFrame({
            "Territoire": changes["code"].map(names), "Changement": changes["change"].str.capitalize(),
            f"Avec {before.title}": [category(before.ruleset, s, c)
                                     for s, c in zip(changes["status_a"], changes["priority_class_a"])],
            f"Avec {result.title}": [category(result.ruleset, s, c)
                                     for s, c in zip(changes["status_b"], changes["priority_class_b"])],
        }), hide_index=True, width="stretch")


def shown_changes(before: RuleSet, after: RuleSet) -> list[str]:
    """The kinds of change the counters report: « changent de classe » only when a rule set has classes."""
    return [c for c in CHANGES if c != CLASS_CHANGE or before.classes or after.classes]


def save_form(original: RuleSet, overrides: dict[str, float], v: str) -> None:
    """Name + description → a scenario file; the refresh will store its results in the warehouse."""
    with st.form("scenario"):
        title = st.text_input("Nom du scénario", help="Minuscules, chiffres et _ : « Seuil AM 35 % » devient "
                                                      "« seuil_am_35 ».")
        note = st.text_area("Description", placeholder="Hypothèse testée, auteur, date…")
        replace_existing = st.checkbox("Remplacer le scénario du même nom s'il existe")
        submitted = st.form_submit_button("Enregistrer le scénario", type="primary")
    if not submitted:
        return
    name = slug(title)
    if not name:
        st.error("Donnez un nom au scénario (avec au moins une lettre ou un chiffre).")
        return
    try:
        scenario = edited(original, overrides, v, name=name)
        scenario = replace(scenario, description=scenario_description(original, scenario, title, note, v))
        path = save_scenario(scenario, replace_existing=replace_existing,
                             author=access.active().user)
    except RuleSetError as exc:
        st.error(str(exc))
        return
    # Shown once the page has rerun with the scenario chosen above: « it is in the list » is then true.
    st.session_state[SAVED] = {
        "text": f"{data.ruleset_title(scenario)} (version {scenario.version}, dérivé de {derived_text(v, scenario)}) "
                f"enregistré dans {path.relative_to(paths.home())}. Il est choisi ci-dessus, calculé à l'instant ; ses "
                "résultats seront enregistrés dans l'entrepôt, avec sa version et le millésime des données, à la "
                "prochaine actualisation qui reconstruit l'entrepôt (« sdsf refresh --force » si les données n'ont "
                "pas changé).", "path": str(path)}
    st.session_state[PICK] = scenario.name
    st.rerun()


def saved_message() -> None:
    """The message of a scenario saved by the previous run, and its file to download."""
    saved = st.session_state.pop(SAVED, None)
    if saved:
        st.success(saved["text"], icon=":material/check_circle:")
        path = Path(saved["path"])
        st.download_button("Télécharger le scénario (TOML)", path.read_bytes(), file_name=path.name,
                           mime="application/toml", on_click="ignore", icon=":material/download:")


def scenario_description(original: RuleSet, scenario: RuleSet, title: str, note: str, v: str) -> str:
    """The title and note the analyst typed, then what differs from the original: a scenario file explains
    itself, and its title (the first clause, as for a shipped rule set) names it on every page."""
    shown = displays(data.catalogue(v))
    changed = []
    for old, new in zip(original.criteria, scenario.criteria):
        if (old.value, old.factor) != (new.value, new.factor):
            display = shown[old.indicator]
            changed.append(f"{old.label} : {threshold_text(old, display)} → {threshold_text(new, display)}")
    origin = (f"Scénario dérivé de « {data.ruleset_title(original)} », version {original.version}. "
              f"Seuils modifiés : {' ; '.join(changed)}. "
              f"Enregistré par {access.active().user}, le {ui.now_paris()}.")
    return f"{' '.join(title.split())} : {note.strip() or 'scénario sans description'}\n{origin}"


def export_table(result: Evaluation, table: pd.DataFrame, level: str, year: int) -> pd.DataFrame:
    """The priority table with the rule set, its version and the criteria's figures (catalogue columns)."""
    figures = result.reasons.pivot_table(index="code", columns="indicator", values="value", aggfunc="first")
    out = pd.DataFrame({"level": level, "code": table["code"], "name": table["Territoire"], "year": year,
                        "Règle": data.ruleset_title(result.ruleset), "Version": result.ruleset.version})
    out = out.join(table.drop(columns=["code", "Territoire", "Catégorie"]))
    if not result.ruleset.classes:
        out = out.drop(columns=["Classe", "Score"])
    indicators = list(dict.fromkeys(c.indicator for c in result.ruleset.criteria))
    return out.join(figures.reindex(columns=indicators), on="code")


# --- page ---------------------------------------------------------------------------------------------------

session = access.require(CONFIDENTIAL)  # also when the page is opened without the navigation
V = data.version()
meta = data.meta(V)
years = ui.years(V)

st.title("Territoires prioritaires")
st.caption("Une règle liste des critères, leurs seuils et leur combinaison. Chaque territoire est prioritaire, non "
           "prioritaire ou indéterminé (des données manquantes pourraient changer le résultat), avec ses raisons "
           "chiffrées. Modifiez un seuil pour voir ce qui change, puis enregistrez le scénario.")

rulesets = readable_rulesets(V)
if not rulesets:
    st.error("Aucune règle de priorité lisible : voir les messages ci-dessus.")
    st.stop()
if PICK in st.session_state:  # a scenario just saved: choose it before the picker is drawn
    st.session_state["regles"] = st.session_state.pop(PICK)
pick = st.columns([3, 1, 1])
with pick[0]:
    name = ui.choose("Règle", "regles", list(rulesets), next(iter(rulesets)),
                     format_func=lambda n: ruleset_label(V, rulesets[n]))
original = rulesets[name]
levels = [level for level in MAP_LEVELS if level in original.levels]
if not levels:
    st.warning(f"La règle « {name} » porte sur les niveaux {', '.join(original.levels)} : cette page cartographie "
               "les EPCI et les communes.")
    st.stop()
with pick[1]:
    level = ui.choose("Niveau", "niveau", levels, levels[0], format_func=ui.LEVEL_LABELS.get,
                      disabled=len(levels) == 1)
with pick[2]:
    year = ui.choose("Année", "annee", years, years[-1], cast=int)

with st.expander("Ce que dit la règle"):
    st.markdown(original.description or "Pas de description.")
    st.markdown(combination_text(original))
    st.dataframe(rules_table(original, V).fillna(""), hide_index=True, width="stretch")

overrides = threshold_editor(original, V)
try:
    current = edited(original, overrides, V)
    result = evaluation(V, current, year, level, edited=bool(overrides))
    base = evaluation(V, original, year, level) if overrides else None
except RuleSetError as exc:
    st.error(str(exc))
    st.stop()

names = data.territories(V, level).set_index("code")["name"]
table = results_table(result, names)
provenance = (f"résultats enregistrés dans l'entrepôt (géographie {result.status['data_vintage'].iloc[0]})"
              if result.stored else "résultats calculés à l'instant, pas encore dans l'entrepôt")
st.markdown(f"**{data.ruleset_title(current)}, version {current.version}**"
            + (f" — seuils modifiés, dérivée de {derived_text(V, current)}" if overrides else "")
            + f" · {ui.LEVEL_LABELS[level]} · année {year}")
st.caption(f"Données : {meta.get('dataset', MISSING)}, entrepôt actualisé le {ui.fr_date(meta.get('built_at'))} ; "
           f"{provenance}.")
saved_message()

counts = table["Catégorie"].value_counts()
before_counts = results_table(base, names)["Catégorie"].value_counts() if base else None
left, right = st.columns([4, 1])
with left:
    no_map = ui.map_missing(V, level, table["code"])
    if no_map:
        st.info(no_map)
    else:
        st.plotly_chart(priority_map(result, table, level, year, V), width="stretch")
with right:
    for label in categories(current, set(counts.index)):
        delta = None if before_counts is None else int(counts.get(label, 0) - before_counts.get(label, 0))
        st.metric(label, int(counts.get(label, 0)), delta=delta, delta_color="off")
    if base:
        st.caption(f"Flèches : écart avec la règle d'origine ({base.title}).")
shown_columns = ["Territoire", "Statut"] + (["Classe", "Score"] if current.classes else []) + ["Synthèse"]
st.dataframe(table[shown_columns], hide_index=True, width="stretch", column_config={
    "Territoire": st.column_config.TextColumn(width="large"),
    "Statut": st.column_config.TextColumn(width="small"),
    "Classe": st.column_config.TextColumn(width="small"),
    "Score": st.column_config.NumberColumn(format="%g", width="small"),
    "Synthèse": st.column_config.TextColumn(width="large"),
})

st.subheader("Pourquoi : les critères de chaque territoire")
details(result, table)

st.subheader("Comparer")
comparison(result, base, rulesets, names, year, level, V)

if overrides and session.can(SCENARIOS):
    st.subheader("Enregistrer ce scénario")
    save_form(original, overrides, V)
elif overrides:
    st.caption("Démonstration en lecture seule : l'enregistrement des scénarios est désactivé.")

st.subheader("Exporter le tableau des priorités")
export = export_table(result, table, level, year)
stem = f"priorites_{current.name}_{current.version}_{level}_{year}"
rules_sheet = {"Règles": rules_table(current, V)}
ui.table_downloads(export, stem, data.catalogue(V), data.sources(V), meta, rules_sheet,
                   xlsx_label="XLSX (avec les règles)", csv_label="CSV (Excel français)")
st.caption("Chaque export porte la règle et sa version ; le classeur XLSX y ajoute une feuille « Règles » "
           "(critères, seuils, poids) et la documentation des indicateurs et des sources.")
