"""The warehouse tables that describe the data rather than compute it, built in the build database.

Territories, the indicator catalogue, the sources and their vintages (per source and per file), the
mappings of old commune codes and the notices of the run, the contracts' results, the run journal,
simplified contours, and the ``meta`` key/value table. The models (``pipelines/models``) build the figures.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.errors import Notice
from pipelines.indicators.catalogue import BY_CODE, PUBLISHED_BY, catalogue_frame
from pipelines.sources.checks import literal
from pipelines.sources.registry import BY_KEY, SOURCE_LABELS, SOURCES
from pipelines.staging.geography import Scope, contour_files
from pipelines.staging.load import FileStat
from pipelines.staging.manifest import Manifest
from pipelines.warehouse.store import SCHEMA_VERSION

PARTS_SOURCE = ("Cnaf, data.caf.fr (places et taux publiés des anciennes communes ou des arrondissements "
                "municipaux, recalculés sur la commune actuelle)")
# Tables copied into the warehouse file, in this order (everything else of the build database is scaffolding).
WAREHOUSE_TABLES = [
    "meta", "departement", "arrondissement", "epci", "commune", "territory", "commune_geometry", "epci_geometry",
    "indicator_catalogue", "counts", "published_value", "from_parts", "basket_share", "value_source",
    "context_vintage", "indicator_years", "published_comparison", "published_part", "published_outside_epci",
    "parenting_basket", "reporting", "source", "source_vintage", "code_mapping", "run_notice", "contract_result",
    "run_log", "priority_status", "priority_reason", "panel_year", "exhaustive", "secret_cell",
    "allocataires_iris",
    "equipment_event", "review_item", "annual_review", "sppe_obligation", "commune_obligation",
    "plan_schema", "plan_axis", "plan_action", "plan_status", "plan_indicator", "plan_entered_value",
    "plan_trajectory", "plan_tracking",
]


def vintages(manifest: Manifest, stats: list[FileStat]) -> dict[str, str]:
    """A French vintage label per source present: the manifest's, else its files and the years they cover."""
    out = {}
    for spec in SOURCES:
        mine = [s for s in stats if s.source == spec.key]
        if not mine:
            continue
        if spec.key in manifest.vintages:
            out[spec.key] = manifest.vintages[spec.key]
            continue
        years = sorted({y for s in mine if s.years for y in s.years.split("-")})
        span = "" if not years else f", année {years[0]}" if len(years) == 1 else f", années {years[0]}-{years[-1]}"
        out[spec.key] = f"{spec.label} ({', '.join(s.path.name for s in mine)}{span})"
    return out


def create_inputs(con: duckdb.DuckDBPyConnection, years: list[int], exhaustive: list[tuple], present: set[str],
                  labels: dict[str, str], base_year: int, whole_country: bool) -> None:
    """What the models read besides the staging: years, declarations, sources present, catalogue, sources of values."""
    con.execute("CREATE TABLE panel_year AS SELECT unnest(?::INTEGER[]) AS year", [years])
    con.execute("CREATE TABLE exhaustive (source VARCHAR, departement VARCHAR, year INTEGER)")
    if exhaustive:
        con.executemany("INSERT INTO exhaustive VALUES (?, ?, ?)", exhaustive)
    con.execute("CREATE TABLE source_present AS SELECT unnest(?::VARCHAR[]) AS source", [sorted(present)])
    catalogue = catalogue_frame()
    con.register("_catalogue", catalogue)
    con.execute("CREATE TABLE catalogue AS SELECT * FROM _catalogue")
    con.execute("CREATE TABLE indicator_catalogue AS SELECT * FROM _catalogue ORDER BY sort_order")
    con.unregister("_catalogue")
    con.register("_value_source", _value_source(present, labels))
    con.execute("CREATE TABLE value_source AS SELECT * FROM _value_source")
    con.unregister("_value_source")
    con.execute(f"SET VARIABLE base_year = {int(base_year)}")
    con.execute(f"SET VARIABLE whole_country = {literal(whole_country)}")


def _value_source(present: set[str], labels: dict[str, str]) -> pd.DataFrame:
    """``indicator, basis, source, vintage``: the caption of a value, from how it was obtained."""
    rows = []
    for code, entry in BY_CODE.items():
        inputs = [k for k in entry["inputs"] if k in present]
        rows.append((code, "counts", " ; ".join(SOURCE_LABELS[k] for k in inputs),
                     " ; ".join(labels[k] for k in inputs)))
        if code in PUBLISHED_BY:
            key = PUBLISHED_BY[code]
            rows.append((code, key, SOURCE_LABELS[key], labels.get(key, "")))
            if key.startswith("caf_"):
                caf = [labels[k] for k in ("caf_places", "caf_rates") if k in labels]
                rows.append((code, "parts", PARTS_SOURCE, " ; ".join(caf)))
    return pd.DataFrame(rows, columns=["indicator", "basis", "source", "vintage"])


def create_indicator_years(con) -> None:
    """Which years the warehouse holds for each indicator and level (pages offer only those).

    Counted on what ``indicator_value`` is made of (one row per level and year of the counts), not on the view.
    """
    con.execute("""
        CREATE TABLE indicator_years AS
        WITH computed AS (
            SELECT level, year, count(COLUMNS(* EXCLUDE (level, code, year)))
            FROM with_indicators('counts') GROUP BY level, year
        ),
        found AS (
            SELECT level, year, indicator FROM (UNPIVOT computed ON COLUMNS(* EXCLUDE (level, year))
                                                INTO NAME indicator VALUE n)
            WHERE n > 0 AND NOT (level = 'commune' AND indicator = 'part_communes_frr')
            UNION SELECT DISTINCT level, year, 'frr' FROM counts WHERE level = 'commune' AND nb_communes_frr IS NOT NULL
            UNION SELECT DISTINCT level, year, 'part_epci_panier_complet' FROM basket_share
                  WHERE part_epci_panier_complet IS NOT NULL
            UNION SELECT DISTINCT level, year, indicator FROM published_value
            UNION SELECT DISTINCT level, year, indicator FROM from_parts
        )
        SELECT indicator, level, list(DISTINCT year ORDER BY year) AS years FROM found
        WHERE indicator IN (SELECT code FROM indicator_catalogue) GROUP BY ALL""")


def create_territories(con) -> None:
    con.execute("""
        CREATE TABLE territory AS
        SELECT 'commune' AS level, code, name, departement FROM commune
        UNION ALL
        SELECT 'epci', e.code, e.name, d.departement FROM epci e
        JOIN (SELECT epci, mode(departement) AS departement FROM commune WHERE epci IS NOT NULL GROUP BY epci) d
          ON d.epci = e.code
        UNION ALL SELECT 'arrondissement', code, name, departement FROM arrondissement
        UNION ALL SELECT 'departement', code, name, code FROM departement
        UNION ALL SELECT 'france', 'FR', 'France', NULL""")


def create_geometry(con, scope: Scope, geo_root: Path | None) -> None:
    """Simplified contours (WKB, WGS84) of the communes and EPCI of the scope, read by DuckDB from ``geo/``."""
    for kind, table in (("communes", "commune_geometry"), ("epci", "epci_geometry")):
        files = contour_files(scope, kind, geo_root)
        if not files:
            con.execute(f"CREATE TABLE {table} (code VARCHAR, geometry BLOB)")
            continue
        con.execute(f"""CREATE TABLE {table} AS SELECT code, geometry::BLOB AS geometry FROM read_parquet(?)
                        QUALIFY row_number() OVER (PARTITION BY code) = 1""", [files])


def create_sources(con, stats: list[FileStat], digests: dict[Path, str], raw: Path, labels: dict[str, str],
                   fictitious: bool) -> None:
    """``source`` (one row per source present) and ``source_vintage`` (one row per file)."""
    files = pd.DataFrame([{
        "source": s.source, "label": SOURCE_LABELS[s.source], "producer": BY_KEY[s.source].producer,
        "file": str(s.path.relative_to(raw)), "sha256": digests.get(s.path, ""), "vintage": labels.get(s.source, ""),
        "years": s.years, "rows": s.rows_kept, "rows_read": s.rows_read, "fictitious": fictitious,
    } for s in stats], columns=["source", "label", "producer", "file", "sha256", "vintage", "years", "rows",
                                "rows_read", "fictitious"])
    con.register("_files", files)
    con.execute("CREATE TABLE source_vintage AS SELECT * FROM _files ORDER BY source, file")
    con.unregister("_files")
    published = {spec.key: spec.published for spec in SOURCES}
    con.register("_published", pd.DataFrame({"source": list(published), "published": list(published.values())}))
    con.execute("""
        CREATE TABLE source AS
        SELECT f.source, any_value(f.label) AS label, any_value(f.producer) AS producer, p.published,
               any_value(f.vintage) AS vintage,
               CASE WHEN min(split_part(f.years, '-', 1)) = max(coalesce(nullif(split_part(f.years, '-', 2), ''),
                                                                     split_part(f.years, '-', 1)))
                    THEN min(split_part(f.years, '-', 1))
                    ELSE min(split_part(f.years, '-', 1)) || '-' || max(coalesce(nullif(split_part(f.years, '-', 2),
                                                                        ''), split_part(f.years, '-', 1))) END AS years,
               count(*) AS files, sum(f.rows) AS rows,
               any_value(f.fictitious) AS fictitious
        FROM source_vintage f JOIN _published p USING (source) GROUP BY f.source, p.published ORDER BY f.source""")
    con.unregister("_published")


def create_run_tables(con, mappings: list[tuple], notices: list[Notice], raw: Path) -> None:
    """``code_mapping`` (file, old → current code, rows) and ``run_notice`` (the warnings of the run)."""
    def relative(file: str) -> str:
        path = Path(file)
        return str(path.relative_to(raw)) if path.is_relative_to(raw) else path.name

    mapping = pd.DataFrame([(relative(f), old, new, kind, rows) for f, old, new, kind, rows in mappings],
                           columns=["file", "old_code", "code", "kind", "rows"])
    notice = pd.DataFrame([(relative(n.file), n.line, n.column, n.message, n.found, n.count) for n in notices],
                          columns=["file", "line", "column", "message", "found", "count"])
    for name, frame in (("code_mapping", mapping), ("run_notice", notice)):
        con.register("_frame", frame)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM _frame")
        con.unregister("_frame")


def create_contract_results(con, results) -> None:
    con.execute("CREATE TABLE contract_result (contract VARCHAR, table_name VARCHAR, severity VARCHAR, "
                "violations BIGINT, examples VARCHAR)")
    if results:
        con.executemany("INSERT INTO contract_result VALUES (?, ?, ?, ?, ?)",
                        [(r.name, r.table, r.severity, r.violations, r.examples) for r in results])


def create_meta(con, values: dict[str, str]) -> None:
    values = {**values, "schema_version": SCHEMA_VERSION,
              "built_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
    con.execute("CREATE TABLE meta (key VARCHAR, value VARCHAR)")
    con.executemany("INSERT INTO meta VALUES (?, ?)", [(k, str(v)) for k, v in values.items()])


def create_run_log(con, entries: list[dict]) -> None:
    rows = [(e.get("run_id"), e.get("started_at"), e.get("ended_at"), e.get("outcome"), e.get("message", ""),
             e.get("departements"), json.dumps(e.get("inputs", []), ensure_ascii=False),
             json.dumps(e.get("rows", {}), ensure_ascii=False), json.dumps(e.get("rejected", []), ensure_ascii=False),
             e.get("warehouse_file")) for e in entries]
    con.execute("CREATE TABLE run_log (run_id VARCHAR, started_at VARCHAR, ended_at VARCHAR, outcome VARCHAR, "
                "message VARCHAR, departements VARCHAR, inputs VARCHAR, rows VARCHAR, rejected VARCHAR, "
                "warehouse_file VARCHAR)")
    if rows:
        con.executemany("INSERT INTO run_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
