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


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory) -> Path:
    """A home with the demo warehouse of Saône-et-Loire built through the real refresh path.

    Sets ``SDSF_HOME`` for the whole session (app tests read the warehouse from there).
    """
    import os

    from pipelines.demo import generate_demo
    from pipelines.refresh import RefreshRequest, run

    home = tmp_path_factory.mktemp("demo_home")
    previous = os.environ.get("SDSF_HOME")
    os.environ["SDSF_HOME"] = str(home)
    raw = home / "data" / "raw" / "demo"
    generate_demo(["71"], raw)
    result = run(RefreshRequest(raw, ["71"], base_year=2017))
    assert result.outcome == "success", result.message
    yield home
    if previous is None:
        os.environ.pop("SDSF_HOME", None)
    else:
        os.environ["SDSF_HOME"] = previous
