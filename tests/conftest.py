"""Shared fixtures: the real public samples in ../shared (skipped, with the reason, when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.paths import REPO_ROOT

SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Folder of real public samples; CI has ../shared beside the checkout, a user's clone may not."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real public samples not found at {SHARED_DATA} (the ../shared folder ships with CI only)")
    return SHARED_DATA
