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


@pytest.fixture(scope="module")
def demo_warehouse(demo_home):
    """The demo warehouse opened read-only for a test module."""
    from pipelines.warehouse.query import Warehouse

    warehouse = Warehouse.open_current()
    yield warehouse
    warehouse.close()


@pytest.fixture
def downloads(monkeypatch):
    """Bytes behind an ``st.download_button`` in AppTest (deferred ones included).

    AppTest keeps no media manager: record the one each run creates, then run the button's deferred
    callable through it.
    """
    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.testing.v1 import app_test

    managers = []

    class Recording(MediaFileManager):
        def __init__(self, storage):
            super().__init__(storage)
            managers.append(self)

    monkeypatch.setattr(app_test, "MediaFileManager", Recording)

    def fetch(button) -> bytes:
        url = managers[-1].execute_deferred(button.proto.deferred_file_id)
        return managers[-1].read_file(url.rsplit("/", 1)[-1]).content

    return fetch


TEST_PASSWORD = "mot de passe de test 71"


def local_access(home: Path, *roles: str) -> Path:
    """``home`` switched to local accounts with one account per role, named after it (a warehouse of real data
    opens to nobody without them). Returns the accounts file."""
    from pipelines.access.accounts import add_account

    path = home / "data" / "access" / "accounts.json"
    for role in roles:
        add_account(path, role, role, TEST_PASSWORD, name=f"Compte {role}", replace=True)
    (home / "sdsf.toml").write_text(f'[access]\nmode = "local"\naccounts = "{path}"\n', encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def _accounts_file(demo_home) -> Path:
    """One local account per role on the demo home (hashing is slow on purpose: done once)."""
    from pipelines.access.accounts import add_account
    from pipelines.access.roles import ROLES

    path = demo_home / "data" / "access" / "accounts.json"
    for role in ROLES:
        add_account(path, role, role, TEST_PASSWORD, name=f"Compte {role}")
    return path


@pytest.fixture
def local_accounts(demo_home, _accounts_file):
    """The demo home switched to local accounts (``[access] mode = "local"``) for one test, then open again.

    Users are named after their role (``lecteur``, ``analyste``, ``administrateur``); an AppTest signs one in by
    setting ``at.session_state[app.access.SIGNED_IN]`` (server-side state: what the sign-in form sets).
    """
    import streamlit as st

    config = demo_home / "sdsf.toml"
    config.write_text(f'[access]\nmode = "local"\naccounts = "{_accounts_file}"\n', encoding="utf-8")
    st.cache_data.clear()
    st.cache_resource.clear()
    yield _accounts_file
    config.unlink()
    st.cache_data.clear()
    st.cache_resource.clear()
