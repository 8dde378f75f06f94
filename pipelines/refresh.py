"""One refresh run: validate every input, build the warehouse inside DuckDB, check its contracts, swap it in.

raw files → ``pipelines/sources`` (read + validate, one table per file) → ``pipelines/staging`` (typed
source tables, codes on the warehouse COG, scope) → ``pipelines/models`` (SQL: counts, levels, rates,
published figures, basket) → priority rules → ``pipelines/contracts`` → ``pipelines/warehouse`` (new file,
journal, swap). Everything happens in one in-memory DuckDB database: the national long table never
exists in Python.

Exit codes: 0 success or no-op, 2 rejected input (nothing changed), 1 failure (nothing changed: a bug, or a
contract of the built warehouse violated), 3 another refresh holds the lock.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines import contracts, models, paths
from pipelines.errors import InputError, Notice, Problem
from pipelines.formatting import fr_number
from pipelines.priority.evaluate_all import load_all, needed, priority_tables
from pipelines.secrecy.build import DEFAULT_THRESHOLD, create_secret_cells
from pipelines.sources.registry import BY_KEY, discover
from pipelines.plan.build import plan_tables
from pipelines.staging import geography, manifest as manifests, plan as plan_staging
from pipelines.staging.load import FileStat, panel_years, stage
from pipelines.warehouse import store, tables
from pipelines.warehouse.query import Warehouse

EXIT_OK, EXIT_FAILED, EXIT_REJECTED, EXIT_LOCKED = 0, 1, 2, 3
SHRINK_LIMIT = 0.20  # a source losing more rows than this against the last good warehouse is suspicious
MEMORY_LIMIT = "700MB"  # DuckDB spills beyond it; the national refresh peaks under 1 GB
# The code a warehouse depends on: its hash makes a changed computation rebuild. The demo generator, the
# outputs and the CLI are not part of it.
DATA_PATH_CODE = ("sources", "staging", "models", "contracts", "warehouse", "indicators", "priority",
                  "geography", "refresh.py", "errors.py", "formatting.py", "plan")


@dataclass
class RunResult:
    run_id: str
    outcome: str  # success | noop | rejected | failed | locked
    message: str
    exit_code: int
    rows: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class RefreshRequest:
    raw: Path
    departements: list[str] | None  # None = all of France
    base_year: int | None = None
    force: bool = False
    accept_shrink: bool = False
    secrecy_threshold: int = DEFAULT_THRESHOLD  # a count of persons below it is « secret statistique »


def run(request: RefreshRequest) -> RunResult:
    started = dt.datetime.now(dt.timezone.utc)
    clock = time.perf_counter()
    run_id = started.strftime("%Y%m%dT%H%M%S%fZ")
    entry = {"run_id": run_id, "started_at": started.isoformat(), "raw": str(request.raw),
             "departements": "toutes" if request.departements is None else ",".join(request.departements)}
    try:
        with _lock():
            removed = store.remove_leftovers()
            result = _run_locked(request, run_id, entry)
            if removed:
                result.notices.append(Notice(str(paths.warehouse_dir()), None, None,
                                             "fichiers temporaires d'une exécution interrompue supprimés",
                                             ", ".join(p.name for p in removed[:3]), count=len(removed)))
    except BlockingIOError:
        result = RunResult(run_id, "locked", "Une autre actualisation est en cours.", EXIT_LOCKED)
    result.seconds = time.perf_counter() - clock
    if result.outcome != "success":  # a success journals itself before the swap
        store.append_journal(_journal_entry(entry, result))
    return result


@contextmanager
def _lock():
    paths.warehouse_dir().mkdir(parents=True, exist_ok=True)
    with open(paths.warehouse_dir() / ".refresh.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield


class _Timer:
    def __init__(self):
        self.timings: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = now - self._last
        self._last = now


def _rejected(run_id: str, message: str, problems: list[Problem], notices: list[Notice] = ()) -> RunResult:
    return RunResult(run_id, "rejected", message, EXIT_REJECTED, problems=problems, notices=list(notices))


def _run_locked(request: RefreshRequest, run_id: str, entry: dict) -> RunResult:
    timer = _Timer()
    raw = request.raw
    if not raw.is_dir():
        return _rejected(run_id, f"Dossier de données introuvable : {raw}", [])
    files = discover(raw)
    digests = {p: _sha256(p) for ps in files.values() for p in ps}
    inputs = [{"source": key, "file": str(p.relative_to(raw)), "sha256": digests[p]}
              for key, ps in files.items() for p in ps]
    entry["inputs"] = inputs
    if not files:
        return _rejected(run_id, f"Aucun fichier reconnu dans {raw} (disposition : docs/architecture.md).", [])
    with duckdb.connect() as con:
        con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'; SET enable_progress_bar = false; "
                    f"SET preserve_insertion_order = true; SET temp_directory = {store.sql_literal(store.spill_dir())}")
        try:
            scope = geography.load(con, request.departements)
        except geography.GeographyMissing as exc:
            return _rejected(run_id, str(exc), [])
        try:
            manifest = manifests.read(raw, tuple(BY_KEY), scope.departements)
        except InputError as exc:
            return _rejected(run_id, str(exc), exc.problems)
        fingerprint = _fingerprint(inputs, request, manifest, geography.fingerprint(scope))
        if not request.force and _current_meta().get("input_fingerprint") == fingerprint:
            return RunResult(run_id, "noop", "Entrées inchangées : entrepôt conservé tel quel.", EXIT_OK)
        timer.lap("géographie")
        staged = stage(con, files)
        _stage_plan(con, files.get("plan", []), staged)
        timer.lap("lecture et validation")
        notices = staged.notices + _contours_notice(raw, scope.contours_missing)
        if staged.problems:
            names = sorted({Path(p.file).name for p in staged.problems})
            return _rejected(run_id, f"Fichier(s) rejeté(s) : {', '.join(names)}. Entrepôt précédent conservé.",
                             staged.problems, notices)
        declared = sorted({y for e in manifest.exhaustive for y in (e.years or ())})
        years = panel_years(con, staged.present, declared)
        if not years:
            return _rejected(run_id, "Aucune année : il faut au moins une source annuelle (données Cnaf, "
                                     "population, extrait annuel).", [], notices)
        shrunk = _shrinkage(staged.rows, staged.present, scope)
        if shrunk and not request.accept_shrink:
            return _rejected(run_id, "Source(s) en forte baisse par rapport à l'entrepôt précédent : vérifiez les "
                                     "fichiers, ou relancez avec --accept-shrink. Entrepôt précédent conservé.",
                             shrunk, notices)
        notices += [Notice(p.file, None, None, p.expected + " (acceptée avec --accept-shrink)") for p in shrunk]
        try:
            result = _build(con, request, run_id, entry, raw, scope, manifest, staged, years, digests, fingerprint,
                            notices, timer)
        except Exception as exc:  # anything unexpected: keep the last good warehouse, say what broke
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            return RunResult(run_id, "failed", f"Échec du calcul : {detail}. Entrepôt précédent conservé.",
                             EXIT_FAILED, notices=notices)
    return result


def _build(con, request, run_id, entry, raw, scope, manifest, staged, years, digests, fingerprint, notices,
           timer) -> RunResult:
    base_year = request.base_year if request.base_year in years else years[0]
    if request.base_year and request.base_year not in years:
        notices.append(Notice(str(raw), None, None, f"année de référence {request.base_year} absente des données : "
                              f"{base_year} retenue"))
    labels = tables.vintages(manifest, staged.stats)
    exhaustive = manifests.exhaustive_rows(manifest, scope.departements, years)
    tables.create_inputs(con, years, exhaustive, staged.present, labels, base_year, scope.whole_country)
    models.run(con)
    create_secret_cells(con, request.secrecy_threshold)
    models.create_protected(con)
    tables.create_indicator_years(con)
    timer.lap("modèles")
    tables.create_territories(con)
    tables.create_geometry(con, scope, None)
    tables.create_sources(con, staged.stats, digests, raw, labels, manifest.fictitious)
    data_vintage = " ; ".join(labels[k] for k in sorted(labels))
    notices += _priorities(con, years, data_vintage)
    plan_tables(con)
    timer.lap("règles de priorité et plan d'action")
    tables.create_meta(con, {
        "run_id": run_id, "input_fingerprint": fingerprint, "fictitious": "true" if manifest.fictitious else "false",
        "dataset": manifest.name, "departements": ",".join(scope.departements),
        "scope": "France entière" if scope.whole_country else ",".join(scope.departements),
        "cog_vintage": scope.vintage, "secrecy_threshold": str(request.secrecy_threshold),
        "years": ",".join(map(str, years)), "base_year": str(base_year),
        "exhaustive": " | ".join(e.describe() for e in manifest.exhaustive),
        "geography_note": f"Géographie au 1er janvier 2025 ({scope.vintage}) pour toutes les années : "
                          "les séries sont recalculées sur les périmètres actuels.",
    })
    results = contracts.check(con)
    tables.create_contract_results(con, results)
    notices += [Notice("contrats de l'entrepôt", None, r.table, f"contrat « {r.name} » : {r.violations} écarts",
                       r.examples[:200], count=r.violations) for r in results if r.severity == "warn" and r.violations]
    tables.create_run_tables(con, staged.mappings, notices, raw)
    timer.lap("contrats")
    failed = [r for r in results if r.failed]
    if failed:
        text = " ; ".join(f"« {r.name} » ({r.table}) : {r.violations} lignes, ex. {r.examples[:120]}" for r in failed)
        return RunResult(run_id, "failed", f"Contrat(s) de l'entrepôt violé(s) : {text}. Entrepôt précédent conservé.",
                         EXIT_FAILED, notices=notices, timings=timer.timings)
    entry.update(ended_at=None, outcome="success", message="", rows={}, rejected=[],
                 notices=[n.as_dict() for n in notices[:200]], mappings=len(staged.mappings))
    tables.create_run_log(con, store.read_journal() + [entry])
    version_file, rows = store.write_new(con, run_id, tables.WAREHOUSE_TABLES, models.definitions())
    timer.lap("écriture")
    entry.update(ended_at=dt.datetime.now(dt.timezone.utc).isoformat(), rows=rows, warehouse_file=version_file.name,
                 message=_summary(rows, staged), timings=timer.timings)
    store.append_journal(entry)
    store.publish(version_file)
    return RunResult(run_id, "success", entry["message"], EXIT_OK, rows=rows, notices=notices,
                     timings=timer.timings)


def _stage_plan(con, paths: list[Path], staged) -> None:
    """The plan workbooks (several tables each) beside the other sources: problems, notices, files, rows."""
    plan = plan_staging.stage(con, paths)
    staged.problems += plan.problems
    staged.notices += plan.notices
    for path, fiches, years in plan.files:
        staged.stats.append(FileStat("plan", path, fiches, fiches, years))
    if plan.files:
        staged.present.add("plan")
        staged.rows["plan"] = sum(n for _, n, _ in plan.files)


def _priorities(con, years: list[int], data_vintage: str) -> list[Notice]:
    catalogue = con.execute("SELECT * FROM indicator_catalogue").df()
    rulesets, skipped = load_all(catalogue)
    levels, indicators = needed(rulesets)
    values = con.execute("SELECT level, code, year, indicator, value FROM indicator_value "
                         "WHERE list_contains(?, level) AND list_contains(?, indicator)",
                         [sorted(levels), sorted(indicators)]).df()
    territories = con.execute("SELECT * FROM territory").df()
    status, reasons = priority_tables(rulesets, values, territories, catalogue, years, data_vintage)
    for name, frame in (("priority_status", status), ("priority_reason", reasons)):
        con.register("_frame", frame)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM _frame")
        con.unregister("_frame")
    return [Notice(str(path), None, None, f"scénario ignoré : {reason}") for path, reason in skipped]


def _contours_notice(raw: Path, missing: list[str]) -> list[Notice]:
    """One line for every département without contours (a national warehouse may miss a hundred)."""
    if not missing:
        return []
    shown = ", ".join(missing[:8]) + (" …" if len(missing) > 8 else "")
    command = "sdsf geo --all" if len(missing) > 8 else f"sdsf geo --departements {' '.join(missing)}"
    what = f"le département {missing[0]}" if len(missing) == 1 else f"{len(missing)} départements ({shown})"
    return [Notice(str(raw), None, None, f"pas de contours pour {what} : cartes indisponibles ({command})")]


def _shrinkage(rows: dict[str, int], present: set[str], scope: geography.Scope) -> list[Problem]:
    """Sources whose rows dropped by more than 20 % against the last good warehouse (same scope)."""
    meta = _current_meta()
    if not meta or meta.get("departements") != ",".join(scope.departements):
        return []
    wh = Warehouse.open_current()
    try:
        before = dict(wh.con.execute("SELECT source, rows FROM source").fetchall()) \
            if "source" in wh.tables() else {}
    finally:
        wh.close()
    problems = []
    for source, old in before.items():
        new = rows.get(source, 0) if source in present else 0
        if old and new < (1 - SHRINK_LIMIT) * old:
            problems.append(Problem(BY_KEY[source].label if source in BY_KEY else source, None, None,
                                    f"au plus {SHRINK_LIMIT * 100:.0f} % de lignes en moins que l'entrepôt "
                                    f"précédent ({old} lignes)", f"{new} lignes"))
    return problems


def _current_meta() -> dict[str, str]:
    if store.current_file() is None:
        return {}
    wh = Warehouse.open_current()
    try:
        return wh.meta()
    except duckdb.Error:
        return {}
    finally:
        wh.close()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _code_version() -> str:
    """Changing the computation must rebuild even when the inputs did not change."""
    digest = hashlib.sha256(store.SCHEMA_VERSION.encode())
    root = paths.REPO_ROOT / "pipelines"
    for part in DATA_PATH_CODE:
        target = root / part
        for path in sorted(target.rglob("*")) if target.is_dir() else [target]:
            if path.suffix in {".py", ".sql", ".toml"}:
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _fingerprint(inputs: list[dict], request: RefreshRequest, manifest, geography_digest: str) -> str:
    """Everything a warehouse depends on: inputs, scope, manifest, geography, code and saved scenarios."""
    from pipelines.priority.scenarios_store import list_scenarios

    scenarios = {p.name: _sha256(p) for p in list_scenarios()}
    payload = json.dumps({"inputs": inputs, "departements": request.departements, "base_year": request.base_year,
                          "secrecy_threshold": request.secrecy_threshold, "manifest": manifest.raw,
                          "scenarios": scenarios, "code": _code_version(),
                          "geography": geography_digest, "today": dt.date.today().year},
                         sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def _summary(rows: dict[str, int], staged) -> str:
    text = (f"{fr_number(rows.get('counts', 0), 0)} lignes d'effectifs, "
            f"{fr_number(rows.get('published_value', 0), 0)} valeurs publiées")
    if staged.mappings:
        text += f" ; {len(staged.mappings)} codes communes anciens rapprochés"
    if staged.notices:
        text += f" ; {len(staged.notices)} avertissements"
    return text


def _journal_entry(entry: dict, result: RunResult) -> dict:
    return {**entry, "ended_at": dt.datetime.now(dt.timezone.utc).isoformat(), "outcome": result.outcome,
            "message": result.message, "rows": result.rows, "rejected": [p.as_dict() for p in result.problems[:200]],
            "notices": [n.as_dict() for n in result.notices[:200]]}
