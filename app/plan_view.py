"""How the Suivi du plan page shows a fiche action and its linked indicators (kept apart from the page's choices).

Statuses, values, trajectories and the « en avance / en retard » verdict come from the warehouse (computed at
the refresh by ``pipelines/plan``); here they are only laid out: a card per fiche, a line and a chart per
indicator.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app import charts
from pipelines.formatting import MISSING, fr_number
from pipelines.outputs.plan_report import target_text
from pipelines.warehouse.review_queries import RESERVED

NO_STATUS = "sans statut"
FICHE_STATUSES = ("à faire", "en cours", "fait", "abandonnée", "intégrée à une autre fiche", NO_STATUS)
TRACKING = ("objectif atteint", "en avance", "dans la trajectoire", "en retard", "non renseigné", RESERVED)
BADGES = {  # st.badge colours: the verdict at a glance, its words always beside the colour
    "objectif atteint": ("green", ":material/check_circle:"), "en avance": ("green", ":material/trending_up:"),
    "dans la trajectoire": ("blue", ":material/trending_flat:"), "en retard": ("red", ":material/trending_down:"),
    "non renseigné": ("gray", ":material/help:"), RESERVED: ("gray", ":material/lock:"),
    "à faire": ("gray", ":material/schedule:"), "en cours": ("blue", ":material/autorenew:"),
    "fait": ("green", ":material/check:"), "abandonnée": ("red", ":material/block:"),
    "intégrée à une autre fiche": ("violet", ":material/merge:"), NO_STATUS: ("gray", ":material/remove:"),
}


def pilots(actions: pd.DataFrame) -> list[str]:
    """Every pilot named by a fiche (« Caf ; Département » is two), in alphabetical order."""
    names = {p.strip() for text in actions["pilots"].dropna() for p in str(text).split(";") if p.strip()}
    return sorted(names, key=str.casefold)


def fiche_status(row) -> str:
    return row["status"] if isinstance(row["status"], str) else NO_STATUS


def badge(status: str) -> None:
    colour, icon = BADGES.get(status, ("gray", None))
    st.badge(status, color=colour, icon=icon)


def value_text(row, column: str) -> str:
    return fr_number(row[column], int(row["decimals"]))


def with_unit(row, column: str) -> str:
    """« 2 744 places », « 85,0 % »; missing stays « n.d. » without a unit."""
    text = value_text(row, column)
    unit = row["indicator_unit"] if isinstance(row["indicator_unit"], str) else ""
    return text if text == MISSING or unit in ("", "oui = 1 / non = 0") else f"{text} {unit}"


def indicator_line(row) -> str:
    """« Places en EAJE (Saône-et-Loire) · référence 2 402 places en 2017 · cible … · dernière valeur 2 744 places
    en 2024 »."""
    reserved = row["status"] == RESERVED  # figures from an internal extract, to a lecteur
    latest = RESERVED if reserved else MISSING if pd.isna(row["year"]) else \
        f"{with_unit(row, 'value')} en {int(row['year'])}"
    origin = "valeurs saisies" if row["entered"] else "valeurs de l'entrepôt"
    return (f"**{row['indicator_label']}** ({row['territory_label']}, {origin}) · référence "
            f"{RESERVED if reserved else with_unit(row, 'baseline_value')} en {row['baseline_year']} · cible : "
            f"{target_text(row)} "
            f"(échéance {row['deadline']}) · dernière valeur : {latest}")


def indicator_chart(row, trajectory: pd.DataFrame):
    unit = row["indicator_unit"] if isinstance(row["indicator_unit"], str) else ""
    # who made the figures (« Cnaf », « PMI », « Insee », the entered source): the page's caption has the vintages
    sources = ", ".join(dict.fromkeys(part.split(",")[0].split(" — ")[0].strip() for text in trajectory["source"].dropna()
                                      for part in str(text).split(" ; ")))
    return charts.trajectory(
        trajectory, title=f"{row['indicator_label']}, {int(trajectory['year'].min())}-{int(trajectory['year'].max())}",
        subtitle=f"{unit} — {row['territory_label']} — {sources or 'aucune valeur'}", unit=unit,
        decimals=int(row["decimals"]), goal=row["goal"], deadline=int(row["deadline"]), height=280)


def fiche_card(fiche, indicators: pd.DataFrame, trajectories: pd.DataFrame) -> None:
    """One fiche: code, title, status, pilots, the three questions of the plan, its indicators."""
    with st.container(border=True):
        head, status = st.columns([5, 2])
        head.markdown(f"#### {fiche['action']} — {fiche['title']}")
        with status:
            badge(fiche_status(fiche))
            if isinstance(fiche["status_year"], (int, float)) and not pd.isna(fiche["status_year"]):
                target = f" dans la fiche {fiche['target_action']}" if isinstance(fiche["target_action"], str) else ""
                st.caption(f"statut de {int(fiche['status_year'])}{target}")
        facts = [f"**Pilotes** : {fiche['pilots']}"]
        for label, column in (("Partenaires", "partners"), ("Territoire", "territory")):
            if isinstance(fiche[column], str) and fiche[column]:
                facts.append(f"**{label}** : {fiche[column]}")
        st.markdown(" · ".join(facts))
        questions = [(q, fiche[c]) for q, c in (("Pourquoi cette action ?", "why"),
                                                ("Quelles actions ont été entreprises ?", "done"),
                                                ("Et après ?", "next_steps")) if isinstance(fiche[c], str) and fiche[c]]
        if questions:
            for column, (question, answer) in zip(st.columns(len(questions)), questions):
                column.markdown(f"**{question}**  \n{answer}")
        mine = indicators[indicators["action"] == fiche["action"]]
        if mine.empty:
            st.caption("Aucun indicateur lié à cette fiche.")
        for _, row in mine.iterrows():
            line, verdict = st.columns([5, 2])
            line.markdown(indicator_line(row))
            with verdict:
                badge(row["status"])
            st.caption(row["reason"])
            trajectory = trajectories[trajectories["indicator_id"] == row["indicator_id"]]
            if trajectory["observed"].notna().any() or trajectory["expected"].notna().any():
                st.plotly_chart(indicator_chart(row, trajectory), width="stretch",
                                key=f"trajectory-{row['indicator_id']}")
