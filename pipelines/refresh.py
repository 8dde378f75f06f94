"""One refresh run: validate every input, compute, write a new warehouse, swap it in, journal the run.

Exit codes: 0 success or no-op, 2 rejected input (nothing changed), 1 failure (nothing changed),
3 another refresh holds the lock.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import time
import tomllib
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipelines import paths, warehouse
from pipelines.errors import InputError, Problem
from pipelines.geography.build import cog_dir
from pipelines.geography.load import GeographyMissing, load_geography
from pipelines.indicators.catalogue import SOURCE_LABELS
from pipelines.indicators.compute import compute
from pipelines.priority.scenarios_store import list_scenarios
from pipelines.query import Warehouse
from pipelines.sources.registry import SOURCES, discover
from pipelines.warehouse_tables import build_tables

EXIT_OK, EXIT_FAILED, EXIT_REJECTED, EXIT_LOCKED = 0, 1, 2, 3
SPECS = {spec.key: spec for spec in SOURCES}


@dataclass
class RunResult:
    run_id: str
    outcome: str  # success | noop | rejected | failed | locked
    message: str
    exit_code: int
    rows: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0


@dataclass(frozen=True)
class RefreshRequest:
    raw: Path
    departements: list[str] | None  # None = all of France
    base_year: int | None = None
    force: bool = False


def run(request: RefreshRequest) -> RunResult:
    started = dt.datetime.now(dt.timezone.utc)
    clock = time.perf_counter()
    run_id = started.strftime("%Y%m%dT%H%M%S%fZ")
    entry = {"run_id": run_id, "started_at": started.isoformat(), "raw": str(request.raw),
             "departements": "toutes" if request.departements is None else ",".join(request.departements)}
    try:
        with _lock():
            result = _run_locked(request, run_id, entry)
    except BlockingIOError:
        result = RunResult(run_id, "locked", "Une autre actualisation est en cours.", EXIT_LOCKED)
    result.seconds = time.perf_counter() - clock
    if result.outcome != "success":  # a success journals itself before the swap
        warehouse.append_journal(_journal_entry(entry, result))
    return result


@contextmanager
def _lock():
    paths.warehouse_dir().mkdir(parents=True, exist_ok=True)
    with open(paths.warehouse_dir() / ".refresh.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield


def _run_locked(request: RefreshRequest, run_id: str, entry: dict) -> RunResult:
    raw = request.raw
    if not raw.is_dir():
        return RunResult(run_id, "rejected", f"Dossier de données introuvable : {raw}", EXIT_REJECTED)
    files = discover(raw)
    digests = {p: _sha256(p) for ps in files.values() for p in ps}
    inputs = [{"source": key, "file": str(p.relative_to(raw)), "sha256": digests[p]}
              for key, ps in files.items() for p in ps]
    entry["inputs"] = inputs
    try:
        manifest = _manifest(raw)
    except InputError as exc:
        return RunResult(run_id, "rejected", str(exc), EXIT_REJECTED, problems=exc.problems)
    fingerprint = _fingerprint(inputs, request, manifest)
    if not request.force and _current_fingerprint() == fingerprint:
        return RunResult(run_id, "noop", "Entrées inchangées : entrepôt conservé tel quel.", EXIT_OK)
    try:
        geo = load_geography(request.departements)
    except GeographyMissing as exc:
        return RunResult(run_id, "rejected", str(exc), EXIT_REJECTED)
    tables, problems, dropped, per_file = read_sources(files, geo.communes, _national_communes())
    for path, stats in per_file.items():
        stats["sha256"] = digests[path]
    if problems:
        names = sorted({Path(p.file).name for p in problems})
        return RunResult(run_id, "rejected", f"Fichier(s) rejeté(s) : {', '.join(names)}. Entrepôt précédent conservé.",
                         EXIT_REJECTED, problems=problems)
    try:
        vintages = _vintages(manifest, files, tables)
        indicators = compute(tables, geo.communes, vintages, whole_country=request.departements is None,
                             base_year=request.base_year)
        entry.update(ended_at=None, outcome="success", message="", rows={}, rejected=[], dropped_rows=dropped)
        frames = build_tables(geo, indicators, per_file, raw, manifest, vintages,
                              meta={"run_id": run_id, "input_fingerprint": fingerprint},
                              run_log=warehouse.read_journal() + [entry])
        version_file, rows = warehouse.write_new(run_id, frames)
        entry.update(ended_at=dt.datetime.now(dt.timezone.utc).isoformat(), rows=rows,
                     warehouse_file=version_file.name, message=_summary(rows, dropped))
        warehouse.append_journal(entry)
        warehouse.publish(version_file)
    except Exception as exc:  # anything unexpected: keep the last good warehouse, say what broke
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return RunResult(run_id, "failed", f"Échec du calcul : {detail}. Entrepôt précédent conservé.", EXIT_FAILED)
    return RunResult(run_id, "success", entry["message"], EXIT_OK, rows=rows)


def read_sources(files: dict[str, list[Path]], scope: pd.DataFrame, national: set[str]):
    """Read every file (all of them, so one run reports every problem); keep rows of the scope.

    Returns the tables, the problems, the rows dropped as outside the scope, and per file its
    rows and years (for the ``source_vintage`` table).
    """
    tables, problems, dropped, per_file = {}, [], {}, {}
    in_scope = set(scope["code"])
    for key, file_list in files.items():
        spec = SPECS[key]
        frames = []
        for path in file_list:
            try:
                frame = spec.read(path)
            except InputError as exc:
                problems.extend(exc.problems)
                continue
            if spec.commune_column:
                codes = frame[spec.commune_column].astype(object)  # hashed lookups, not Arrow scans
                unknown = ~codes.isin(national)
                problems.extend(Problem(str(path), int(i) + 2, spec.commune_column,
                                        "un code commune du COG 2025", code)
                                for i, code in codes[unknown].items())
                outside = ~codes.isin(in_scope) & ~unknown
                if outside.any():
                    dropped[str(path.name)] = int(outside.sum())
                frame = frame[codes.isin(in_scope)]
            years = frame["year"].dropna() if "year" in frame else pd.Series(dtype=float)
            per_file[path] = {"source": key, "rows": len(frame),
                              "years": f"{int(years.min())}-{int(years.max())}" if len(years) else ""}
            frames.append(frame)
        if frames:
            tables[key] = spec.combine(frames)
    return tables, problems, dropped, per_file


def _current_fingerprint() -> str | None:
    if warehouse.current_file() is None:
        return None
    wh = Warehouse.open_current()
    try:
        return wh.meta().get("input_fingerprint")
    finally:
        wh.close()


def _national_communes() -> set[str]:
    return set(pd.read_parquet(cog_dir() / "communes.parquet", columns=["code"])["code"])


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _code_version() -> str:
    """Changing the computation must rebuild even when the inputs did not change."""
    digest = hashlib.sha256(warehouse.SCHEMA_VERSION.encode())
    for path in sorted((paths.REPO_ROOT / "pipelines").rglob("*")):
        if path.suffix in {".py", ".toml"}:
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _fingerprint(inputs: list[dict], request: RefreshRequest, manifest: dict) -> str:
    """Everything a warehouse depends on: inputs, scope, manifest, code and saved priority scenarios."""
    scenarios = {p.name: _sha256(p) for p in list_scenarios()}
    payload = json.dumps({"inputs": inputs, "departements": request.departements, "base_year": request.base_year,
                          "manifest": manifest, "scenarios": scenarios, "code": _code_version()},
                         sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def _manifest(raw: Path) -> dict:
    path = raw / "manifest.toml"
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError.single(path, getattr(exc, "lineno", None), None, "un fichier TOML valide", str(exc)) from exc


def _vintages(manifest: dict, files: dict[str, list[Path]], tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    """A French vintage label per source: the manifest's, else the files and years it covers."""
    declared = manifest.get("vintages", {})
    out = {}
    for key, file_list in files.items():
        if key in declared:
            out[key] = declared[key]
            continue
        years = tables.get(key, pd.DataFrame()).get("year")
        span = f", années {int(years.min())}-{int(years.max())}" if years is not None and years.notna().any() else ""
        out[key] = f"{SOURCE_LABELS[key]} ({', '.join(p.name for p in file_list)}{span})"
    return out


def _summary(rows: dict[str, int], dropped: dict[str, int]) -> str:
    text = f"{rows.get('indicator_value', 0):,} valeurs d'indicateurs".replace(",", "\u202f")
    if dropped:
        text += " ; lignes hors périmètre ignorées : " + ", ".join(f"{k} ({v})" for k, v in dropped.items())
    return text


def _journal_entry(entry: dict, result: RunResult) -> dict:
    return {**entry, "ended_at": dt.datetime.now(dt.timezone.utc).isoformat(), "outcome": result.outcome,
            "message": result.message, "rows": result.rows, "rejected": [p.as_dict() for p in result.problems]}
