"""The plan workbooks of a raw folder into the warehouse's ``plan_*`` tables, on the warehouse's scope.

Each workbook is typed and checked by ``pipelines/sources/plan.py``; here, what needs the other files or the
scope: one plan per département (a second workbook for the same département would mix two plans), a plan
of a département outside the scope is left out with a notice, and every territory code of a linked indicator
must be a territory of the scope at its level (named with the sheet row). Without any plan the tables exist,
empty: the app says there is no plan, never shows an empty one as a plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.errors import Notice, Problem
from pipelines.sources import plan as plan_source
from pipelines.sources.checks import LISTED, literal

# level -> (SQL of the canonical code from the upper-cased text ``{u}``, table of the scope, expected)
CODES = {
    "departement": ("CASE WHEN regexp_full_match({u}, '[0-9]') THEN '0' || {u} ELSE {u} END", "departement",
                    "des codes de départements du périmètre de l'entrepôt (71)"),
    "epci": ("{u}", "epci", "des SIREN d'EPCI du périmètre de l'entrepôt (200070308)"),
    "commune": ("CASE WHEN regexp_full_match({u}, '[0-9]{{4}}') THEN '0' || {u} ELSE {u} END", "commune",
                "des codes communes (COG 2025) du périmètre de l'entrepôt (71270)"),
}


@dataclass
class StagedPlan:
    problems: list[Problem] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    files: list[tuple[Path, int, str]] = field(default_factory=list)  # accepted workbook, fiches, « 2024-2026 »


def stage(con: duckdb.DuckDBPyConnection, paths: list[Path]) -> StagedPlan:
    """Create the ``plan_*`` tables from ``paths`` (every problem of every workbook reported at once)."""
    out = StagedPlan()
    plans: list[plan_source.PlanFile] = []
    for number, path in enumerate(paths):
        plan = plan_source.read(con, path, f"plan{number}")
        out.problems += plan.problems
        if "indicateurs" in plan.tables:  # the scope's rules too, so one run lists every problem
            out.problems += _territory_problems(con, plan)
        if not plan.problems:
            plans.append(plan)
    departements = {}
    for plan in plans:
        out.notices.extend(plan.notices)
        departement, = con.execute(f"SELECT departement FROM {plan.tables['schema']}").fetchone()
        if departement in departements:
            out.problems.append(Problem(plan_source.sheet_file(plan.path, "schema"), 2, "departement",
                                        f"un seul plan par département (déjà dans {departements[departement].name})",
                                        departement))
            continue
        if not con.execute("SELECT count(*) FROM departement WHERE code = ?", [departement]).fetchone()[0]:
            out.notices.append(Notice(str(plan.path), None, None, f"plan du département {departement}, hors du "
                                      "périmètre de l'entrepôt : non chargé"))
            continue
        departements[departement] = plan.path
        fiches, = con.execute(f"SELECT count(*) FROM {plan.tables['fiches']}").fetchone()
        years, = con.execute(f"SELECT first_year || '-' || last_year FROM {plan.tables['schema']}").fetchone()
        out.files.append((plan.path, fiches, years))
    kept = [p for p in plans if p.path in departements.values()]
    if not out.problems:
        _create_tables(con, kept)
    return out


def _codes(table: str) -> str:
    """SQL: each indicator line's territory codes, split on « ; », « , » or spaces, canonical for its level."""
    cases = " ".join(f"WHEN {literal(level)} THEN {sql.format(u='code')}" for level, (sql, _, _) in CODES.items())
    return f"""SELECT _row, level, list(CASE level {cases} END ORDER BY n) AS codes
               FROM (SELECT _row, level, upper(trim(unnest(regexp_split_to_array(codes, '[;,[:space:]]+')))) AS code,
                            generate_subscripts(regexp_split_to_array(codes, '[;,[:space:]]+'), 1) AS n
                     FROM {table})
               WHERE code <> '' GROUP BY _row, level"""


def _territory_problems(con, plan: plan_source.PlanFile) -> list[Problem]:
    problems = []
    table = plan.tables["indicateurs"]
    for level, (_, scope_table, expected) in CODES.items():
        found = con.execute(f"""
            SELECT _row, string_agg(code, ' ; ' ORDER BY code) FROM (
                SELECT _row, unnest(codes) AS code FROM ({_codes(table)}) WHERE level = ?)
            WHERE code NOT IN (SELECT code FROM {scope_table})
            GROUP BY _row ORDER BY _row LIMIT {LISTED}""", [level]).fetchall()
        lines = plan.raws["indicateurs"].lines([r[0] for r in found]) if found else {}
        problems += [Problem(plan_source.sheet_file(plan.path, "indicateurs"), lines.get(row), "codes_territoire",
                             expected, codes) for row, codes in found]
    return problems


def _create_tables(con, plans: list[plan_source.PlanFile]) -> None:
    """One table per sheet, every plan stacked with its département and the order of its rows."""
    for name, template in plan_source.SHEETS.items():
        columns = ", ".join(f.target for f in template.fields if not (name == "indicateurs" and f.target == "codes"))
        parts = []
        for plan in plans:
            table = plan.tables[name]
            departement = f"(SELECT departement FROM {plan.tables['schema']})"
            if name == "indicateurs":
                parts.append(f"SELECT {departement} AS departement, t._row AS sort_order, t.* EXCLUDE (_file, _row, "
                             f"codes), c.codes FROM {table} t JOIN ({_codes(table)}) c USING (_row)")
            elif name != "schema":
                parts.append(f"SELECT {departement} AS departement, _row AS sort_order, {columns} FROM {table}")
            else:
                parts.append(f"SELECT {columns}, {literal(plan.path.name)} AS file FROM {table}")
        if not parts:
            extra = {"indicateurs": ", NULL::VARCHAR[] AS codes", "schema": ", NULL::VARCHAR AS file"}.get(name, "")
            typed = ", ".join(f"NULL::{f.kind.sql} AS {f.target}" for f in template.fields
                              if not (name == "indicateurs" and f.target == "codes"))
            lead = "" if name == "schema" else "NULL::VARCHAR AS departement, NULL::BIGINT AS sort_order, "
            parts.append(f"SELECT {lead}{typed}{extra} WHERE false")
        con.execute(f"CREATE TABLE {template.table} AS " + " UNION ALL BY NAME ".join(parts))
