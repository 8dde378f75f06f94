"""Store an accepted extract in ``data/raw/<jeu>/extracts/`` with its checksum and who deposited it.

The deposit log ``data/raw/<jeu>/depots.jsonl`` (one JSON line per file: name, original name, SHA-256, size,
uploader, time) sits beside the folders the refresh reads, never inside them, so it is not taken for data.
The file is checked again right before it is written (a validation is only a preview), written under a
temporary name, synced and renamed: the refresh never meets half a file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from pipelines.uploads.checks import UploadRefused, Validation, inside, validate

DEPOSITS = "depots.jsonl"


@dataclass(frozen=True)
class Deposit:
    path: Path
    sha256: str
    uploader: str
    at: str
    validation: Validation


def deposit(content: bytes, template: str, original: str, uploader: str, raw: Path,
            departements: list[str] | None) -> Deposit:
    """Validate, then store ``content``; raises ``UploadRefused`` if it does not pass (nothing is written)."""
    validation = validate(content, template, original, raw, departements)
    if not validation.accepted:
        raise UploadRefused(f"{len(validation.problems)} problème(s) : fichier non déposé")
    folder = raw / "extracts"
    folder.mkdir(parents=True, exist_ok=True)
    target = inside(folder, validation.name)
    if target.exists():
        raise UploadRefused(f"un fichier {target.name} existe déjà : réessayez dans une seconde")
    temporary = folder / f".{target.name}.part"
    with open(temporary, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, target)
    digest = hashlib.sha256(content).hexdigest()
    at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    entry = {"file": f"extracts/{target.name}", "original_name": original, "sha256": digest, "bytes": len(content),
             "uploader": uploader, "at": at, "rows": validation.rows, "years": validation.years}
    with open(raw / DEPOSITS, "a", encoding="utf-8") as log:
        log.write(json.dumps(entry, ensure_ascii=False) + "\n")
        log.flush()
        os.fsync(log.fileno())
    return Deposit(target, digest, uploader, at, validation)


def deposits(raw: Path) -> list[dict]:
    """The deposit log, newest first (a line cut by a kill is skipped)."""
    path = raw / DEPOSITS
    if not path.exists():
        return []
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            found.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return found[::-1]
