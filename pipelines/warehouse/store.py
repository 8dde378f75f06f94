"""The only writer of the DuckDB warehouse: versioned files behind a stable, atomically swapped name.

Each successful run writes ``versions/<run_id>.duckdb`` and then points the symlink ``sdsf.duckdb`` at it
with ``os.replace`` (atomic). Readers resolve the link, so an open app keeps its snapshot and a new
connection sees the new data (DuckDB caches database instances per path). A run that fails never touches
the link: the last good warehouse stays what readers open.

Nothing a killed run leaves behind can jam the next one: its temporary files are removed when the next
run starts, and a journal line cut by a kill is skipped (with a warning) instead of breaking every read.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
from pathlib import Path

import duckdb

from pipelines import paths
from pipelines.sources.files import quote

SCHEMA_VERSION = "3"  # 3: secret_cell and the served view protected_value
KEEP_VERSIONS = 3  # the current warehouse and the two before it (an app may still read them)
JOURNAL = "runs.jsonl"


def versions_dir() -> Path:
    return paths.warehouse_dir() / "versions"


def current_file() -> Path | None:
    """The versioned file the stable name points at, or None before the first good run."""
    link = paths.warehouse_path()
    return link.resolve() if link.exists() else None


def spill_dir() -> Path:
    """Where a refresh lets DuckDB spill beyond its memory limit (never the folder it is started from)."""
    return paths.warehouse_dir() / ".spill"


def remove_leftovers() -> list[Path]:
    """Temporary files of runs that were killed (never the current warehouse); returns what was removed."""
    removed = []
    patterns = [(versions_dir(), "*.tmp"), (versions_dir(), "*.tmp.wal"), (paths.warehouse_dir(), ".*.tmp"),
                (spill_dir(), "*")]
    for folder, pattern in patterns:
        for path in folder.glob(pattern) if folder.exists() else []:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def write_new(con: duckdb.DuckDBPyConnection, run_id: str, tables: list[str],
              definitions: list[str] = ()) -> tuple[Path, dict[str, int]]:
    """Copy ``tables`` of the build database into a fresh file (not yet visible to readers), then run the
    ``definitions`` (SQL creating macros and views) inside it."""
    versions_dir().mkdir(parents=True, exist_ok=True)
    final = versions_dir() / f"{run_id}.duckdb"
    tmp = final.with_suffix(".duckdb.tmp")
    tmp.unlink(missing_ok=True)
    rows = {}
    try:
        con.execute(f"ATTACH {sql_literal(tmp)} AS wh")
        try:
            for name in tables:
                con.execute(f"CREATE TABLE wh.{quote(name)} AS SELECT * FROM {quote(name)}")
                rows[name] = con.execute(f"SELECT count(*) FROM wh.{quote(name)}").fetchone()[0]
            con.execute("USE wh")
            try:
                for sql in definitions:
                    con.execute(sql)
            finally:
                con.execute("USE memory")
            con.execute("CHECKPOINT wh")
        finally:
            con.execute("DETACH wh")
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
        raise
    return final, rows


def sql_literal(path: Path) -> str:
    """A path as a SQL string literal (for statements that take no parameters: ATTACH, SET)."""
    return "'" + str(path).replace("'", "''") + "'"


def publish(version_file: Path) -> None:
    """Point ``sdsf.duckdb`` at ``version_file`` atomically, then prune old versions."""
    link = paths.warehouse_path()
    tmp_link = link.with_name(f".{link.name}.{os.getpid()}.tmp")
    tmp_link.unlink(missing_ok=True)
    tmp_link.symlink_to(os.path.relpath(version_file, link.parent))
    os.replace(tmp_link, link)
    _prune(keep=version_file)


def _prune(keep: Path) -> list[Path]:
    """Retention: the ``KEEP_VERSIONS`` newest files stay, and so does any older one a reader still has open.

    DuckDB readers hold a shared lock on the file (the app's replicas, a notebook): an old version is
    removed only when an exclusive lock can be taken on it, so nobody is reading it.
    """
    files = sorted(versions_dir().glob("*.duckdb"), key=lambda p: p.stat().st_mtime, reverse=True)
    removed = []
    for old in files[KEEP_VERSIONS:]:
        if old.resolve() != keep.resolve() and not in_use(old):
            old.unlink(missing_ok=True)
            removed.append(old)
    return removed


def in_use(path: Path) -> bool:
    """Whether another process holds a DuckDB lock on ``path`` (a reader has the warehouse open)."""
    try:
        with open(path, "rb+") as handle:
            try:
                fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return True
            fcntl.lockf(handle, fcntl.LOCK_UN)
            return False
    except FileNotFoundError:
        return False


def append_journal(entry: dict) -> None:
    """Every run, good or bad, is journaled beside the warehouse (a rejected run cannot write inside it).

    One ``write`` of the whole line then ``fsync``: a kill leaves at worst a cut last line, which readers skip.
    """
    paths.warehouse_dir().mkdir(parents=True, exist_ok=True)
    line = (json.dumps(entry, ensure_ascii=False, default=str) + "\n").encode("utf-8")
    fd = os.open(paths.warehouse_dir() / JOURNAL, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        if os.fstat(fd).st_size and not _ends_with_newline(fd):
            line = b"\n" + line  # after a cut line, start a fresh one
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


def _ends_with_newline(fd: int) -> bool:
    return os.pread(fd, 1, os.fstat(fd).st_size - 1) == b"\n"


def read_journal() -> list[dict]:
    """The runs journaled so far; a line cut by a kill is skipped with a warning on stderr."""
    path = paths.warehouse_dir() / JOURNAL
    if not path.exists():
        return []
    entries = []
    for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            print(f"{path.name}, ligne {number} : ligne incomplète ignorée (exécution interrompue)", file=sys.stderr)
    return entries
