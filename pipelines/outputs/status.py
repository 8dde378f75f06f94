"""``sdsf status``: what the warehouse holds and how the last runs went, in French."""

from __future__ import annotations

import duckdb

from pipelines.warehouse import store
from pipelines.errors import Problem
from pipelines.formatting import fr_number
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
        lines.append(f"  {entry.get('started_at', '')[:19]}  {OUTCOMES.get(entry.get('outcome'), entry.get('outcome'))}"
                     f"  {entry.get('message', '')}")
        for problem in entry.get("rejected", [])[:5]:
            lines.append(f"      {Problem(**problem)}")
    return "\n".join(lines)


def _warehouse_lines(wh: Warehouse) -> list[str]:
    meta = wh.meta()
    lines = [
        f"Entrepôt : {wh.file}",
        f"Jeu de données : {meta.get('dataset')}" + ("  [DONNÉES FICTIVES DE DÉMONSTRATION]"
                                                     if meta.get("fictitious") == "true" else ""),
        f"Départements : {meta.get('departements')} — géographie {meta.get('cog_vintage')}",
        f"Années : {meta.get('years')} (référence des créations de places : {meta.get('base_year')})",
        f"Construit le {meta.get('built_at')} (exécution {meta.get('run_id')})",
        "",
        "Sources et millésimes :",
    ]
    for row in wh.sources().itertuples():
        lines.append(f"  {row.source:<22} {row.file:<48} {row.years:<10} {fr_number(row.rows, 0):>10} lignes  {row.vintage}")
    lines += ["", "Tables :"]
    for (table,) in wh.con.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall():
        count = wh.con.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
        lines.append(f"  {table:<22} {fr_number(count, 0):>10}")
    lines += ["", "Taux de couverture global (TCG) par département et par an (recalculé ; publié) :"]
    try:
        tcg = wh.con.execute("""
            SELECT v.code, v.year, v.value, p.value
            FROM indicator_value v LEFT JOIN indicator_value p
              ON p.level = v.level AND p.code = v.code AND p.year = v.year AND p.indicator = 'tcg_publie'
            WHERE v.level = 'departement' AND v.indicator = 'tcg' ORDER BY 1, 2""").fetchall()
    except duckdb.Error:
        tcg = []
    for code, year, value, published in tcg:
        lines.append(f"  {code}  {year}  {fr_number(value, 1):>6}  ; publié {fr_number(published, 1)}")
    return lines
