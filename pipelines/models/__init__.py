"""The warehouse's models: SQL files run in name order inside DuckDB, each building the tables it names.

Plain SQL files run by this small runner rather than dbt: the models are a dozen statements over tables the
staging step creates in the same in-memory database, they need DuckDB features dbt-duckdb adds nothing to
(ASOF joins, GROUPING SETS, COLUMNS(*)), and the refresh must stay one process with one dependency less.
Their order is their dependency order (each file reads only tables of earlier files or of the staging);
``macros.sql`` holds the business rules shared with the query layer, ``views.sql`` the views the warehouse
carries: indicators are derived from the stored counts when read, never stored twice.
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb

MODELS_DIR = Path(__file__).parent
MACROS = MODELS_DIR / "macros.sql"
VIEWS = MODELS_DIR / "views.sql"
PROTECTED = MODELS_DIR / "protected.sql"  # after secret_cell (pipelines/secrecy), what readers read


def model_files() -> list[Path]:
    return sorted(p for p in MODELS_DIR.glob("[0-9]*.sql"))


def definitions() -> list[str]:
    """The macros and views a warehouse carries besides its tables (the reader's ``indicator_value``)."""
    return [path.read_text(encoding="utf-8") for path in (MACROS, VIEWS, PROTECTED)]


def create_macros(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(MACROS.read_text(encoding="utf-8"))


def create_views(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(VIEWS.read_text(encoding="utf-8"))


def create_protected(con: duckdb.DuckDBPyConnection) -> None:
    """The served view ``protected_value``, once ``secret_cell`` exists."""
    con.execute(PROTECTED.read_text(encoding="utf-8"))


def run(con: duckdb.DuckDBPyConnection) -> list[tuple[str, float]]:
    """Run every model in order; returns (file, seconds). A failing model raises with its file name."""
    create_macros(con)
    timings = []
    for path in model_files():
        start = time.perf_counter()
        try:
            con.execute(path.read_text(encoding="utf-8"))
        except duckdb.Error as exc:
            raise RuntimeError(f"modèle {path.name} : {exc}") from exc
        timings.append((path.name, time.perf_counter() - start))
    create_views(con)
    return timings
