"""Every file of a raw folder into typed ``stg_<source>`` tables of the build database, on the warehouse COG.

Per source: each file is validated by its connector (all files are read, so one run reports every
problem); the files are stacked; a key present in two files is a problem naming both (the same extract
dropped twice would count twice); commune codes are mapped to the warehouse COG through the commune
history (fusions, communes déléguées, arrondissements municipaux), each mapping reported, an unknown code
a problem; rows outside the scope are dropped and counted. A source without any file gets an empty table
of the same shape, so the models know it is absent (its figures stay missing, never 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.errors import InputError, Notice, Problem
from pipelines.sources.allocataires import MEASURES as _ALLOCATAIRE_MEASURES
from pipelines.sources.caf_opendata import INDICATORS, PLACE_FIELDS, RATE_FIELDS
from pipelines.sources.checks import LISTED, literal
from pipelines.sources.files import RawTable
from pipelines.sources.registry import BY_KEY, SOURCES, SourceSpec

ALLOCATAIRE_COUNTS = tuple(_ALLOCATAIRE_MEASURES.values())

# The typed staging tables (docs/architecture.md), also the shape of an absent source.
SCHEMAS = {
    "caf_rates": "level VARCHAR, code VARCHAR, name VARCHAR, year BIGINT, tcg DOUBLE, tcg_eaje DOUBLE, "
                 "tcg_psu DOUBLE, tcg_hors_psu DOUBLE, tcg_ind DOUBLE, tcg_am DOUBLE, tcg_gad DOUBLE, "
                 "tcg_prescol DOUBLE, placeholder BOOLEAN, series VARCHAR, departement VARCHAR, epci VARCHAR",
    "caf_places": "level VARCHAR, code VARCHAR, name VARCHAR, year BIGINT, pl_psu DOUBLE, pl_hors_psu DOUBLE, "
                  "pl_eaje DOUBLE, pl_am DOUBLE, pl_gad DOUBLE, pl_ind DOUBLE, pl_prescol DOUBLE, tot_offre DOUBLE, "
                  "placeholder BOOLEAN, series VARCHAR, departement VARCHAR, epci VARCHAR",
    "population": "commune VARCHAR, year BIGINT, population DOUBLE, enfants_0_2 DOUBLE, enfants_3_5 DOUBLE, "
                  "enfants_6_10 DOUBLE, enfants_11_17 DOUBLE",
    "income": "level VARCHAR, code VARCHAR, year BIGINT, revenu_median DOUBLE, taux_pauvrete DOUBLE",
    "equipments": "equipment_id VARCHAR, type VARCHAR, commune VARCHAR, name VARCHAR, places BIGINT, opened DATE, "
                  "closed DATE, manager VARCHAR",
    "childminders": "year BIGINT, commune VARCHAR, am_agrees BIGINT, am_actifs BIGINT, am_places_agrees BIGINT, "
                    "am_places_u3 BIGINT, am_actifs_55_plus BIGINT",
    "rpe_staff": "year BIGINT, rpe_id VARCHAR, name VARCHAR, commune VARCHAR, etp DOUBLE",
    "complementary_places": "year BIGINT, commune VARCHAR, places_gad DOUBLE, places_prescol DOUBLE",
    "frr": "commune VARCHAR, frr_class VARCHAR, frr BOOLEAN",
    "qpv": "qpv_code VARCHAR, qpv_name VARCHAR, commune VARCHAR, population_qpv DOUBLE",
    "allocataires": "level VARCHAR, iris VARCHAR, commune VARCHAR, year BIGINT, note BIGINT, "
                    + ", ".join(f"{c} BIGINT" for c in ALLOCATAIRE_COUNTS),
}
# Collectivités d'outre-mer: in Caf files (97701 Saint-Barthélemy, 97801 Saint-Martin), not in the COG's départements.
OVERSEAS_COLLECTIVITIES = ("975", "977", "978", "986", "987", "988")
OFFER_SOURCES = ("caf_rates", "caf_places", "childminders", "complementary_places", "rpe_staff")


@dataclass
class FileStat:
    source: str
    path: Path
    rows_read: int
    rows_kept: int = 0
    years: str = ""


@dataclass
class Staged:
    problems: list[Problem] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    stats: list[FileStat] = field(default_factory=list)
    mappings: list[tuple] = field(default_factory=list)  # file, old code, new code, kind, rows
    present: set[str] = field(default_factory=set)  # sources with at least one accepted file
    rows: dict[str, int] = field(default_factory=dict)  # rows kept per source
    overseas: dict[str, int] = field(default_factory=dict)  # file -> rows of collectivités d'outre-mer, set aside


def stage(con: duckdb.DuckDBPyConnection, files: dict[str, list[Path]]) -> Staged:
    """Create ``stg_<source>`` for every known source (empty when absent) and ``stg_published``."""
    out = Staged()
    raws: dict[str, RawTable] = {}
    headers: dict[str, str] = {}  # file -> header of its commune codes
    for spec in SOURCES:
        if spec.stage is None:  # staged on its own (the plan)
            continue
        paths = files.get(spec.key, [])
        tables = []
        for number, path in enumerate(paths):
            try:
                checker = spec.stage(con, path, f"file_{spec.key}_{number}")
            except InputError as exc:
                out.problems.extend(exc.problems)
                continue
            raws[str(path)] = checker.raw
            headers[str(path)] = checker.commune_header or spec.commune_column
            out.notices.extend(checker.notices)
            out.stats.append(FileStat(spec.key, path, checker.raw.rows))
            tables.append(checker.table)
        if tables:
            out.present.add(spec.key)
        _stack(con, spec, tables)
        _map_communes(con, spec, raws, headers, out)
        _check_across_files(con, spec, raws, out)
        _check_periods_across_files(con, spec, raws, out)
        _keep_scope(con, spec, out)
    create_published(con)
    return out


def _stack(con, spec: SourceSpec, tables: list[str]) -> None:
    if not tables:
        con.execute(f"CREATE TABLE src_{spec.key} (_file VARCHAR, _row BIGINT, {SCHEMAS[spec.key]})")
        return
    union = " UNION ALL BY NAME ".join(f"SELECT * FROM {t}" for t in tables)
    columns = ", ".join(["_file", "_row", *(c.split()[0] for c in SCHEMAS[spec.key].split(", "))])
    con.execute(f"CREATE TABLE src_{spec.key} AS SELECT {columns} FROM ({union})")
    for table in tables:
        con.execute(f"DROP TABLE {table}")


def _commune_rows(spec: SourceSpec) -> str:
    """SQL condition of the rows whose ``commune_column`` holds a commune code."""
    return "level = 'commune'" if spec.levels else "true"


def _lines(raws: dict[str, RawTable], found) -> dict[tuple[str, int], int | None]:
    """(file, row) -> line, resolving each file's rows at once."""
    by_file: dict[str, list[int]] = {}
    for file, row in found:
        by_file.setdefault(file, []).append(row)
    return {(file, row): line for file, rows in by_file.items() for row, line in raws[file].lines(rows).items()}


def _map_communes(con, spec: SourceSpec, raws: dict[str, RawTable], headers: dict[str, str], out: Staged) -> None:
    """Replace each commune code by its commune of the warehouse COG (``raw_code`` keeps the file's)."""
    column = spec.commune_column
    where = _commune_rows(spec)
    con.execute(f"""
        CREATE TABLE map_{spec.key} AS
        SELECT *, coalesce({_inside(spec)}, false) AS _inside
        FROM (SELECT s.*, s.{column} AS raw_code,
                     CASE WHEN NOT ({where}) OR s.{column} IS NULL THEN s.{column} ELSE coalesce(g.code, h.code) END
                         AS cog,
                     CASE WHEN g.code IS NULL THEN h.kind END AS mapping_kind, h.old_name AS mapped_from
              FROM src_{spec.key} s
              LEFT JOIN geo_commune g ON g.code = s.{column}
              LEFT JOIN commune_history h ON h.old_code = s.{column} AND g.code IS NULL)""")
    con.execute(f"DROP TABLE src_{spec.key}")
    unknown = f"({where}) AND raw_code IS NOT NULL AND cog IS NULL"
    overseas = f"left(raw_code, 3) IN ({', '.join(literal(c) for c in OVERSEAS_COLLECTIVITIES)})"
    for file, n, first in con.execute(f"""SELECT _file, count(*), min(raw_code) FROM map_{spec.key}
                                          WHERE {unknown} AND {overseas} GROUP BY _file ORDER BY _file""").fetchall():
        out.overseas[file] = n
        out.notices.append(Notice(file, None, headers[file], "collectivité d'outre-mer hors des départements du COG : "
                                  "lignes ignorées", first, count=n))
    bad = con.execute(f"""SELECT _file, _row, raw_code, count(*) OVER () FROM map_{spec.key}
                          WHERE {unknown} AND NOT {overseas} ORDER BY _file, _row LIMIT {LISTED}""").fetchall()
    if bad:
        lines = _lines(raws, [(f, r) for f, r, _, _ in bad])
        out.problems += [Problem(f, lines.get((f, r)), headers[f], "un code commune du COG 2025, ou un ancien code connu "
                                 "de l'historique des communes", code) for f, r, code, _ in bad]
        if bad[0][3] > len(bad):
            out.problems.append(Problem(bad[0][0], None, headers[bad[0][0]], f"codes inconnus — et {bad[0][3] - len(bad)} autres "
                                        "lignes", count=bad[0][3] - len(bad)))
    mapped = con.execute(f"""SELECT _file, raw_code, cog, mapping_kind, any_value(mapped_from), count(*)
                             FROM map_{spec.key} WHERE mapping_kind IS NOT NULL
                             GROUP BY ALL ORDER BY _file, raw_code""").fetchall()
    for file, old, new, kind, name, rows in mapped:
        out.mappings.append((file, old, new, kind, rows))
    for file in sorted({m[0] for m in mapped}):
        pairs = [m for m in mapped if m[0] == file]
        shown = ", ".join(f"{old} → {new}" for _, old, new, _, _, _ in pairs[:6]) + (" …" if len(pairs) > 6 else "")
        out.notices.append(Notice(file, None, headers[file],
                                  f"{len(pairs)} codes communes anciens rapprochés de leur commune actuelle (COG 2025) : "
                                  f"{shown}", count=sum(p[5] for p in pairs)))


def _check_across_files(con, spec: SourceSpec, raws: dict[str, RawTable], out: Staged) -> None:
    """A key (on the current codes) in two files of one source is a problem naming both files and lines."""
    keys = [("cog" if k == spec.commune_column else k) for k in spec.key_columns]
    listed = ", ".join(keys)
    real = "NOT placeholder" if spec.key.startswith("caf_") else "true"
    rows = con.execute(f"""
        WITH k AS (SELECT {listed}, _file, min(_row) AS _row, min(raw_code) AS raw_code FROM map_{spec.key}
                   WHERE {real} GROUP BY ALL),
             d AS (SELECT {listed} FROM k GROUP BY ALL HAVING count(*) > 1)
        SELECT k.* FROM k JOIN d USING ({listed}) ORDER BY {listed}, _file LIMIT {2 * LISTED}""").fetchall()
    if not rows:
        return
    lines = _lines(raws, [(r[-3], r[-2]) for r in rows])
    first: dict[tuple, tuple] = {}
    for row in rows:
        key, file, number = tuple(row[:len(keys)]), row[-3], row[-2]
        if key not in first:
            first[key] = (file, lines.get((file, number)))
            continue
        other_file, other_line = first[key]
        out.problems.append(Problem(file, lines.get((file, number)), ", ".join(spec.key_columns),
                                    f"une seule ligne par clé dans les fichiers de la source (déjà dans "
                                    f"{Path(other_file).name}, ligne {other_line}) : un extrait déposé deux fois "
                                    "serait compté deux fois", " ; ".join(map(str, key))))


def _check_periods_across_files(con, spec: SourceSpec, raws: dict[str, RawTable], out: Staged) -> None:
    """Periods of one equipment spread over two files must not overlap either (each file checks its own)."""
    if spec.periods is None:
        return
    key, start, end, header = spec.periods
    rows = con.execute(f"""
        SELECT _file, _row, {key}, prev_file, prev_row FROM (
            SELECT _file, _row, {key}, {start},
                   lag(coalesce({end}, DATE '9999-12-31')) OVER w AS prev_end, lag(_file) OVER w AS prev_file,
                   lag(_row) OVER w AS prev_row
            FROM map_{spec.key} WHERE {key} IS NOT NULL WINDOW w AS (PARTITION BY {key} ORDER BY {start}, _file, _row))
        WHERE prev_end > {start} AND prev_file <> _file ORDER BY _file, _row LIMIT {LISTED}""").fetchall()
    lines = _lines(raws, [(f, r) for f, r, *_ in rows] + [(f, r) for *_, f, r in rows])
    for file, row, value, other_file, other_row in rows:
        out.problems.append(Problem(file, lines.get((file, row)), header, "une période qui ne chevauche pas celle du même "
                                    f"équipement dans {Path(other_file).name}, ligne {lines.get((other_file, other_row))}",
                                    value))


def _inside(spec: SourceSpec) -> str:
    """SQL: the row belongs to the scope (a commune of the scope, its EPCI, département, or France)."""
    if not spec.levels:
        return "cog IN (SELECT code FROM commune)"
    placeholder = " OR placeholder" if spec.key.startswith("caf_") else ""
    return ("CASE level WHEN 'commune' THEN cog IN (SELECT code FROM commune) "
            f"WHEN 'epci' THEN code IN (SELECT code FROM epci){placeholder} "
            f"WHEN 'departement' THEN code IN (SELECT code FROM departement){placeholder} "
            "WHEN 'france' THEN true ELSE false END")


def _keep_scope(con, spec: SourceSpec, out: Staged) -> None:
    """``stg_<source>``: the rows of the scope, on current codes; dropped rows counted per file."""
    column = spec.commune_column
    first, last = "min(year) FILTER (WHERE _inside)", "max(year) FILTER (WHERE _inside)"
    span = (f"CASE WHEN {first} = {last} THEN {first}::VARCHAR ELSE {first} || '-' || {last} END"
            if "year" in SCHEMAS[spec.key] else "NULL")
    kept = {file: (n, years) for file, n, years in con.execute(
        f"SELECT _file, count(*) FILTER (WHERE _inside), {span} FROM map_{spec.key} GROUP BY _file").fetchall()}
    for stat in out.stats:
        if stat.source == spec.key:
            stat.rows_kept, years = kept.get(str(stat.path), (0, None))
            stat.years = years or ""
            dropped = stat.rows_read - stat.rows_kept - out.overseas.get(str(stat.path), 0)
            if dropped:
                out.notices.append(Notice(str(stat.path), None, None, "lignes hors du périmètre de l'entrepôt "
                                          "(autres territoires) : non stockées", count=dropped))
    extra = "raw_code, mapping_kind, " if spec.levels else ""  # what the models need to tell a whole from its parts
    con.execute(f"""CREATE TABLE stg_{spec.key} AS
                    SELECT _file, _row, {extra}* EXCLUDE (_file, _row, raw_code, cog, mapping_kind, mapped_from, _inside,
                                                          {column}),
                           cog AS {column}
                    FROM map_{spec.key} WHERE _inside""")
    con.execute(f"DROP TABLE map_{spec.key}")
    out.rows[spec.key] = sum(n for n, _ in kept.values())


def create_published(con) -> None:
    """``stg_published``: Cnaf rates and places long (``measure``, ``value``); missing cells have no row.

    ``published_measure`` says which indicator each measure is, and whether it is a rate or places.
    """
    rows = ", ".join(f"({literal(m)}, {literal(i)}, {literal('rate' if m in RATE_FIELDS else 'places')})"
                     for m, i in INDICATORS.items())
    con.execute(f"CREATE TABLE published_measure AS SELECT * FROM (VALUES {rows}) t(measure, indicator, kind)")
    parts = []
    for key, measures in (("caf_rates", list(RATE_FIELDS)), ("caf_places", list(PLACE_FIELDS))):
        parts.append(f"""SELECT level, code, raw_code, mapping_kind, name, year, series, placeholder, _file, measure, value
                         FROM (UNPIVOT (SELECT level, code, raw_code, mapping_kind, name, year, series, placeholder, _file,
                                               {', '.join(measures)} FROM stg_{key})
                               ON {', '.join(measures)} INTO NAME measure VALUE value)""")
    con.execute("CREATE TABLE stg_published AS " + " UNION ALL ".join(parts))


def panel_years(con, present: set[str], declared: list[int]) -> list[int]:
    """The warehouse's years: those of its offer sources (and declared exhaustive extracts), else of context ones."""
    def years_of(keys) -> set[int]:
        found: set[int] = set()
        for key in keys:
            if key in present:
                found |= {r[0] for r in con.execute(f"SELECT DISTINCT year FROM stg_{key}").fetchall()
                          if r[0] is not None}
        return found

    years = years_of(OFFER_SOURCES) | set(declared)
    if not years:
        years = years_of(k for k in BY_KEY if BY_KEY[k].yearly and BY_KEY[k].context)
    return sorted(years)
