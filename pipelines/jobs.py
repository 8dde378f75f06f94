"""The refresh queue: the app asks for a refresh by writing a job file; a process outside Streamlit runs it.

``data/queue/pending/<id>.json`` → (claimed by ``os.rename``, atomic: one runner only) ``running/<id>.json`` →
``done/<id>.json`` with the run's outcome. Runners: ``sdsf worker`` (``--once`` to drain and exit; the app
starts one detached, or a systemd service keeps one waiting), and the scheduled ``sdsf refresh``, which runs
the pending jobs with its own run (their files are in its inputs) so nothing waits for a worker. The app only
reads job files: a refresh never runs inside a Streamlit server (it would run once per server process and die
with it).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

from pipelines import paths

STATES = ("pending", "running", "done")


def queue_dir() -> Path:
    return paths.home() / "data" / "queue"


def _folder(state: str) -> Path:
    folder = queue_dir() / state
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _write(path: Path, job: dict) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(job, ensure_ascii=False, default=str), encoding="utf-8")
    os.replace(temporary, path)


def enqueue(requested_by: str, reason: str) -> str:
    """A pending refresh job; returns its id (time first, so ids sort in order)."""
    job_id = f"{dt.datetime.now(dt.timezone.utc).strftime('%Y%m%dT%H%M%S%f')}-{uuid.uuid4().hex[:8]}"
    _write(_folder("pending") / f"{job_id}.json", {"id": job_id, "kind": "refresh", "requested_by": requested_by,
                                                     "reason": reason, "requested_at": _now(), "state": "pending"})
    return job_id


def pending() -> list[str]:
    """Ids of the jobs waiting for a runner, oldest first."""
    return sorted(path.stem for path in _folder("pending").glob("*.json"))


def claim() -> dict | None:
    """Take the oldest pending job (or None); a job another runner took first is skipped."""
    for path in sorted(_folder("pending").glob("*.json")):
        target = _folder("running") / path.name
        try:
            os.rename(path, target)
        except FileNotFoundError:
            continue
        job = json.loads(target.read_text(encoding="utf-8"))
        job.update(state="running", started_at=_now(), runner=os.getpid())
        _write(target, job)
        return job
    return None


def finish(job: dict, outcome: str, message: str, exit_code: int, run_id: str | None = None) -> dict:
    job = {**job, "state": "done", "ended_at": _now(), "outcome": outcome, "message": message,
           "exit_code": exit_code, "run_id": run_id}
    _write(_folder("done") / f"{job['id']}.json", job)
    (_folder("running") / f"{job['id']}.json").unlink(missing_ok=True)
    return job


def release(job: dict) -> None:
    """Put a claimed job back (another refresh held the lock: a later runner will take it)."""
    os.replace(_folder("running") / f"{job['id']}.json", _folder("pending") / f"{job['id']}.json")


def recover_stale() -> list[str]:
    """Jobs left ``running`` by a runner that died (killed): back to pending. Returns their ids."""
    back = []
    for path in _folder("running").glob("*.json"):
        job = json.loads(path.read_text(encoding="utf-8"))
        if not _alive(job.get("runner")):
            job["state"] = "pending"
            _write(_folder("pending") / path.name, job)
            path.unlink(missing_ok=True)
            back.append(job["id"])
    return back


def _alive(pid) -> bool:
    try:
        os.kill(int(pid), 0)
    except (TypeError, ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def job(job_id: str) -> dict | None:
    for state in reversed(STATES):
        path = queue_dir() / state / f"{job_id}.json"
        if path.exists():
            try:
                return json.loads(path.read_text(encoding="utf-8"))
            except json.JSONDecodeError:  # being rewritten: read it at the next look
                return None
    return None


def recent(limit: int = 10) -> list[dict]:
    """The latest jobs of every state, newest first."""
    found = []
    for state in STATES:
        folder = queue_dir() / state
        for path in folder.glob("*.json") if folder.exists() else []:
            try:
                found.append(json.loads(path.read_text(encoding="utf-8")))
            except json.JSONDecodeError:
                continue
    return sorted(found, key=lambda j: j["id"], reverse=True)[:limit]


def start_worker() -> int:
    """Start ``sdsf worker --once`` detached from the caller (its own session: it outlives a Streamlit rerun or
    restart); returns its pid. Output goes to ``data/queue/worker.log``."""
    queue_dir().mkdir(parents=True, exist_ok=True)
    log = open(queue_dir() / "worker.log", "ab")
    process = subprocess.Popen([sys.executable, "-m", "pipelines.cli", "worker", "--once"], cwd=paths.REPO_ROOT,
                               stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
                               env={**os.environ, "SDSF_HOME": str(paths.home())})
    log.close()
    return process.pid
