"""Every broken input of the battery (tests/faults.py) is rejected or accepted with its precise message, and
a rejection leaves the previous warehouse as it was."""

from __future__ import annotations

import hashlib
import shutil

import pytest

from pipelines.refresh import EXIT_OK, EXIT_REJECTED, RefreshRequest, run
from pipelines.warehouse import store
from tests.faults import CASES, apply, said, write_base


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The base raw folder and the warehouse built from it, copied for each case."""
    import os

    root = tmp_path_factory.mktemp("battery")
    previous = os.environ.get("SDSF_HOME")
    os.environ["SDSF_HOME"] = str(root / "home")
    try:
        raw = write_base(root / "raw")
        result = run(RefreshRequest(raw, ["71"]))
        assert result.outcome == "success", result.message
    finally:
        os.environ.pop("SDSF_HOME") if previous is None else os.environ.__setitem__("SDSF_HOME", previous)
    return root


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_broken_input(case, built, tmp_path, monkeypatch):
    home, raw = tmp_path / "home", tmp_path / "raw"
    shutil.copytree(built / "home", home, symlinks=True)
    shutil.copytree(built / "raw", raw)
    monkeypatch.setenv("SDSF_HOME", str(home))
    good = store.current_file()
    digest = _digest(good)
    apply(case, raw)
    result = run(RefreshRequest(raw, ["71"]))
    if case.rejected:
        assert (result.outcome, result.exit_code) == ("rejected", EXIT_REJECTED), result.message
        assert store.current_file() == good and _digest(good) == digest  # nothing lost
    else:
        assert (result.outcome, result.exit_code) == ("success", EXIT_OK), result.message
    assert said(case, result), [str(p) for p in (result.problems if case.rejected else result.notices)]
