"""The action plan with its figures, as the CDSF reads it: tables in French, an XLSX workbook, a printable report.

Everything comes from the warehouse (fiches, statuses as of a year, each linked indicator's values, trajectory
and status computed at the refresh); this module only words and lays it out, for ``sdsf plan``, the Suivi du
plan page and its downloads alike.
"""

from __future__ import annotations

import pandas as pd

from pipelines.formatting import MISSING, SECRET, fr_date, fr_number, now_paris
from pipelines.outputs.documents import Document, esc, source_lines, sparkline, status_html, table_html
from pipelines.outputs.exports import to_xlsx_bytes

LEVEL_WORDS = {"departement": "département", "epci": "EPCI", "commune": "commune"}


def _value(row, column: str) -> str:
    return fr_number(row[column], int(row["decimals"]))


def target_text(row) -> str:
    """The target as the plan writes it, else as the sheet gives it (« +120 », « 30 »)."""
    if isinstance(row["target_text"], str) and row["target_text"]:
        return row["target_text"]
    number = fr_number(row["target"], int(row["decimals"]))
    return (f"+{number}" if row["target"] > 0 else number) if row["target_kind"] == "évolution" else number


def fiches_frame(actions: pd.DataFrame, year: int) -> pd.DataFrame:
    """One row per fiche with its status as of ``year`` (``Warehouse.plan_actions``)."""
    status = [MISSING if not isinstance(s, str) else
              (f"{s} ({t})" if isinstance(t, str) and t else s) + f" en {int(y)}"
              for s, t, y in zip(actions["status"], actions["target_action"], actions["status_year"].fillna(0))]
    return pd.DataFrame({
        "Fiche": actions["action"], "Titre": actions["title"], "Axe": actions["axis_label"],
        "Pilotes": actions["pilots"], "Partenaires": actions["partners"], f"Statut en {year}": status,
        "Pourquoi cette action ?": actions["why"], "Quelles actions ont été entreprises ?": actions["done"],
        "Et après ?": actions["next_steps"], "Territoire": actions["territory"],
    })


def indicators_frame(indicators: pd.DataFrame) -> pd.DataFrame:
    """One row per linked indicator: target, latest value, trajectory, status (``Warehouse.plan_indicators``)."""
    def rounded(column):
        return [None if pd.isna(v) else round(float(v), int(d)) for v, d in zip(indicators[column],
                                                                                 indicators["decimals"])]
    return pd.DataFrame({
        "Fiche": indicators["action"], "Identifiant": indicators["indicator_id"],
        "Indicateur": indicators["indicator_label"], "Unité": indicators["indicator_unit"],
        "Valeurs": ["saisies" if e else "entrepôt" for e in indicators["entered"]],
        "Territoire": indicators["territory_label"],
        "Niveau": indicators["level"].map(LEVEL_WORDS), "Codes": indicators["codes"].map(" ; ".join),
        "Année de référence": indicators["baseline_year"], "Valeur de référence": rounded("baseline_value"),
        "Cible": [target_text(r) for _, r in indicators.iterrows()], "Valeur cible": rounded("goal"),
        "Échéance": indicators["deadline"], "Dernière année": indicators["year"],
        "Dernière valeur": rounded("value"), "Trajectoire cette année-là": rounded("expected"),
        "Statut": indicators["status"], "Lecture": indicators["reason"],
    })


def trajectories_frame(indicators: pd.DataFrame, trajectories: pd.DataFrame) -> pd.DataFrame:
    labels = indicators.set_index("indicator_id")
    return pd.DataFrame({
        "Identifiant": trajectories["indicator_id"],
        "Indicateur": trajectories["indicator_id"].map(labels["indicator_label"]),
        "Année": trajectories["year"],
        "Valeur observée": trajectories["observed"].astype(object).where(
            ~trajectories.get("secret", pd.Series(False, index=trajectories.index)).astype(bool), SECRET),
        "Trajectoire": trajectories["expected"].round(3), "Source de la valeur": trajectories["source"],
    })


def statuses_frame(statuses: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"Fiche": statuses["action"], "Année": statuses["year"], "Statut": statuses["status"],
                         "Fiche cible": statuses["target_action"], "Commentaire": statuses["comment"]})


def plan_xlsx(wh, departement: str, year: int, clearance: str = "confidential") -> bytes:
    """The plan with its figures: indicators (first sheet), Documentation, fiches, statuses, trajectories
    (figures as ``clearance`` may see them)."""
    indicators = wh.plan_indicators(departement, clearance)
    sheets = {"Fiches": fiches_frame(wh.plan_actions(departement, year), year),
              "Statuts": statuses_frame(wh.plan_statuses(departement)),
              "Trajectoires": trajectories_frame(indicators, wh.plan_trajectories(departement, clearance))}
    schema = wh.plans().set_index("departement").loc[departement]
    return to_xlsx_bytes(indicators_frame(indicators), wh.catalogue(), wh.sources(), wh.meta(), sheets,
                         title=f"{schema['title']} : suivi du plan d'action (statuts de {year})")


def plan_document(wh, departement: str, year: int, clearance: str = "confidential") -> str:
    """The printable report: per axis, each fiche, its status and its indicators with their trajectory."""
    schema = wh.plans().set_index("departement").loc[departement]
    actions = wh.plan_actions(departement, year)
    indicators = wh.plan_indicators(departement, clearance)
    trajectories = wh.plan_trajectories(departement, clearance)
    doc = Document(f"Suivi du plan d'action — {schema['title']}", f"Statuts des fiches en {year} ; indicateurs à leur "
                   "dernière année renseignée", wh.meta().get("fictitious") == "true")
    counts = indicators["status"].value_counts()
    doc.add(None, "<p>" + esc(f"{len(actions)} fiches, {len(indicators)} indicateurs liés : " + ", ".join(
        f"{status} {n}" for status, n in counts.items())) + "</p>")
    for axis, fiches in actions.groupby("axis_order", sort=True):
        doc.add(fiches["axis_label"].iloc[0], "".join(_fiche_html(f, indicators, trajectories, year)
                                                     for _, f in fiches.iterrows()))
    doc.sources = source_lines(wh.sources(), {"plan", *_sources_used(indicators)})
    doc.edition = f"Édité le {now_paris()} ; entrepôt actualisé le {fr_date(wh.meta().get('built_at'))}."
    return doc.render()


def _sources_used(indicators: pd.DataFrame) -> set[str]:
    """Source keys of the catalogue indicators the plan links (their figures are the warehouse's)."""
    from pipelines.indicators.catalogue import BY_CODE, PUBLISHED_BY
    codes = set(indicators["indicator"].dropna())
    return {k for c in codes for k in BY_CODE[c]["inputs"]} | {PUBLISHED_BY[c] for c in codes if c in PUBLISHED_BY}


def _fiche_html(fiche: pd.Series, indicators: pd.DataFrame, trajectories: pd.DataFrame, year: int) -> str:
    status = fiche["status"] if isinstance(fiche["status"], str) else f"aucun statut en {year}"
    if isinstance(fiche["target_action"], str) and fiche["target_action"]:
        status += f" ({fiche['target_action']})"
    lines = [f"<h3>{esc(fiche['action'])} — {esc(fiche['title'])}</h3>",
             f"<p><strong>Pilotes</strong> : {esc(fiche['pilots'])} · <strong>Statut</strong> : {esc(status)}</p>"]
    for label, column in (("Pourquoi cette action ?", "why"), ("Quelles actions ont été entreprises ?", "done"),
                          ("Et après ?", "next_steps")):
        if isinstance(fiche[column], str) and fiche[column]:
            lines.append(f"<p><strong>{esc(label)}</strong> {esc(fiche[column])}</p>")
    mine = indicators[indicators["action"] == fiche["action"]]
    if not mine.empty:
        rows = pd.DataFrame({
            "Indicateur": [f"{r.indicator_label} ({r.territory_label})" for r in mine.itertuples()],
            "Référence": [f"{_value(r, 'baseline_value')} en {r['baseline_year']}" for _, r in mine.iterrows()],
            "Cible": [f"{target_text(r)} ({r['deadline']})" for _, r in mine.iterrows()],
            "Dernière valeur": [MISSING if pd.isna(r["year"]) else f"{_value(r, 'value')} en {int(r['year'])}"
                                for _, r in mine.iterrows()],
            "Statut": [status_html(s) for s in mine["status"]],
            "Trajectoire": [sparkline(trajectories[trajectories["indicator_id"] == i]) for i in mine["indicator_id"]],
        })
        lines.append(table_html(rows, raw=("Statut", "Trajectoire")))
    return '<div class="block">' + "".join(lines) + "</div>"
