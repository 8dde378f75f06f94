"""The only writer of the DuckDB warehouse: versioned files behind a stable, atomically swapped name.

Each successful run writes ``versions/<run_id>.duckdb`` and then points the symlink ``sdsf.duckdb``
at it with ``os.replace`` (atomic). Readers resolve the link, so an open app keeps its snapshot and
a new connection sees the new data (DuckDB caches database instances per path). A run that fails
never touches the link: the last good warehouse stays what readers open.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pandas as pd

from pipelines import paths

SCHEMA_VERSION = "1"
KEEP_VERSIONS = 3
JOURNAL = "runs.jsonl"


def versions_dir() -> Path:
    return paths.warehouse_dir() / "versions"


def current_file() -> Path | None:
    """The versioned file the stable name points at, or None before the first good run."""
    link = paths.warehouse_path()
    return link.resolve() if link.exists() else None


def write_new(run_id: str, tables: dict[str, pd.DataFrame]) -> tuple[Path, dict[str, int]]:
    """Write every table into a fresh file (not yet visible to readers); return it and row counts."""
    versions_dir().mkdir(parents=True, exist_ok=True)
    final = versions_dir() / f"{run_id}.duckdb"
    tmp = final.with_suffix(".duckdb.tmp")
    tmp.unlink(missing_ok=True)
    rows = {}
    try:
        with duckdb.connect(str(tmp)) as con:
            con.execute("SET enable_progress_bar = false")  # the scheduled job's log is not a terminal
            for name, frame in tables.items():
                con.register("_frame", frame)
                con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM _frame')
                con.unregister("_frame")
                rows[name] = len(frame)
            con.execute("CHECKPOINT")
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return final, rows


def publish(version_file: Path) -> None:
    """Point ``sdsf.duckdb`` at ``version_file`` atomically, then prune old versions."""
    link = paths.warehouse_path()
    tmp_link = link.with_name(f".{link.name}.{os.getpid()}.tmp")
    tmp_link.unlink(missing_ok=True)
    tmp_link.symlink_to(os.path.relpath(version_file, link.parent))
    os.replace(tmp_link, link)
    _prune(keep=version_file)


def _prune(keep: Path) -> None:
    files = sorted(versions_dir().glob("*.duckdb"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[KEEP_VERSIONS:]:
        if old.resolve() != keep.resolve():
            old.unlink(missing_ok=True)


def append_journal(entry: dict) -> None:
    """Every run, good or bad, is journaled beside the warehouse (a rejected run cannot write inside it)."""
    paths.warehouse_dir().mkdir(parents=True, exist_ok=True)
    with open(paths.warehouse_dir() / JOURNAL, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")


def read_journal() -> list[dict]:
    path = paths.warehouse_dir() / JOURNAL
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
