"""``sdsf status``: what the warehouse holds and how the last runs went, in French."""

from __future__ import annotations

import duckdb

from pipelines.errors import Notice, Problem
from pipelines.formatting import fr_date, fr_number
from pipelines.warehouse import store
from pipelines.warehouse.query import Warehouse, WarehouseMissing

OUTCOMES = {"success": "succès", "noop": "inchangé", "rejected": "rejeté", "failed": "échec", "locked": "verrouillé"}


def describe(last_runs: int = 8) -> str:
    lines = []
    try:
        wh = Warehouse.open_current()
    except WarehouseMissing as exc:
        lines.append(str(exc))
    else:
        try:
            lines += _warehouse_lines(wh)
        finally:
            wh.close()
    lines.append("")
    lines.append(f"Dernières exécutions (journal {store.JOURNAL}) :")
    for entry in store.read_journal()[-last_runs:][::-1]:
        lines.append(f"  {fr_date(entry.get('started_at'))}  {OUTCOMES.get(entry.get('outcome'), entry.get('outcome'))}"
                     f"  {entry.get('message', '')}")
        for problem in entry.get("rejected", [])[:5]:
            lines.append(f"      {Problem(**problem)}")
        if entry.get("outcome") != "success":  # a success's notices are in the warehouse, listed above
            for notice in entry.get("notices", [])[:5]:
                lines.append(f"      avertissement : {Notice(**notice)}")
    return "\n".join(lines)


def _warehouse_lines(wh: Warehouse) -> list[str]:
    meta = wh.meta()
    lines = [
        f"Entrepôt : {wh.file}",
        f"Jeu de données : {meta.get('dataset')}" + ("  [DONNÉES FICTIVES DE DÉMONSTRATION]"
                                                     if meta.get("fictitious") == "true" else ""),
        f"Périmètre : {meta.get('scope') or meta.get('departements')} — géographie {meta.get('cog_vintage')}",
        f"Années : {meta.get('years')} (référence des créations de places : {meta.get('base_year')})",
        f"Construit le {fr_date(meta.get('built_at'))} (exécution {meta.get('run_id')})",
        "",
        "Sources et millésimes :",
    ]
    for row in wh.sources().itertuples():
        lines.append(f"  {row.source:<22} {row.file:<48} {row.years:<10} {fr_number(row.rows, 0):>10} lignes  {row.vintage}")
    lines += ["", "Tables :"]
    for (table,) in wh.con.execute("SELECT table_name FROM information_schema.tables "
                                   "WHERE table_type = 'BASE TABLE' ORDER BY 1").fetchall():
        count = wh.con.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
        lines.append(f"  {table:<22} {fr_number(count, 0):>10}")
    lines += _tcg_lines(wh) + _plan_lines(wh) + _notice_lines(wh)
    return lines


def _tcg_lines(wh: Warehouse) -> list[str]:
    """The département's TCG as shown (published where it exists), and the one computed from the counts."""
    try:
        rows = wh.con.execute("""
            SELECT v.code, v.year, v.value, v.origin, c.computed
            FROM indicator_value v LEFT JOIN published_comparison c USING (level, code, year, indicator)
            WHERE v.level = 'departement' AND v.indicator = 'tcg' ORDER BY 1, 2""").fetchall()
    except duckdb.Error:
        return []
    lines = ["", "Taux de couverture global (TCG) par département et par an (affiché ; recalculé des effectifs) :"]
    for code, year, value, origin, computed in rows:
        shown = f"{fr_number(value, 1):>6} {'publié' if origin == 'published' else 'calculé'}"
        lines.append(f"  {code}  {year}  {shown}" + (f" ; recalculé {fr_number(computed, 1)}"
                                                    if computed is not None else ""))
    return lines


def _plan_lines(wh: Warehouse) -> list[str]:
    """The action plans loaded, their fiches and where their linked indicators stand."""
    plans = wh.plans()
    if plans.empty:
        return ["", "Plan d'action : aucun (modèle : sdsf templates, à déposer dans plan/plan_action*.xlsx)"]
    lines = ["", "Plan d'action :"]
    for row in plans.itertuples(index=False):
        indicators = wh.plan_indicators(row.departement)
        counts = indicators["status"].value_counts()
        statuses = ", ".join(f"{status} {n}" for status, n in counts.items())
        fiches = len(wh.plan_actions(row.departement, row.last_year))
        lines.append(f"  {row.departement}  {row.title} ({row.file}) : {fiches} fiches, {len(indicators)} "
                     f"indicateurs liés ({statuses})")
    return lines


def _notice_lines(wh: Warehouse, shown: int = 30) -> list[str]:
    """Warnings of the run that built the warehouse, and the old commune codes it mapped."""
    if "run_notice" not in wh.tables():
        return []
    notices = wh.con.execute("SELECT file, line, \"column\", message, found, count FROM run_notice").fetchall()
    mapped = wh.con.execute("SELECT count(*), coalesce(sum(rows), 0) FROM code_mapping").fetchone()
    lines = ["", f"Avertissements de la construction ({len(notices)}) :"]
    lines += [f"  - {Notice(*row)}" for row in notices[:shown]]
    if len(notices) > shown:
        lines.append(f"  … et {len(notices) - shown} autres (page Données)")
    lines.append(f"Codes communes anciens rapprochés de leur commune actuelle : {fr_number(mapped[0], 0)} codes, "
                 f"{fr_number(mapped[1], 0)} lignes")
    return lines
