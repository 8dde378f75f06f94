"""Where the project keeps things; ``SDSF_HOME`` moves them all (tests point it at a tmp dir)."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def home() -> Path:
    return Path(os.environ.get("SDSF_HOME", REPO_ROOT)).resolve()


def raw_dir() -> Path:
    return home() / "data" / "raw"


def warehouse_dir() -> Path:
    return home() / "data" / "warehouse"


def warehouse_path() -> Path:
    """The stable name readers open; a symlink to the current versioned file."""
    return warehouse_dir() / "sdsf.duckdb"


def geo_dir() -> Path:
    """Built geography assets (committed for the demo départements), always read from the repo."""
    return Path(os.environ.get("SDSF_GEO_DIR", REPO_ROOT / "geo")).resolve()


def cache_dir() -> Path:
    return home() / "data" / "cache"
