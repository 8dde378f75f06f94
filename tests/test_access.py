"""Access: password hashes, the accounts file and ``sdsf users``, the OIDC role mapping, and the app per role
(AppTest: which pages exist, a typed URL of a forbidden page, sign-in, the demo, caches keyed by role)."""

from __future__ import annotations

import io
import json
import stat

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from app import data
from app.access import SIGNED_IN
from pipelines.access import passwords
from pipelines.access.accounts import AccountError, add_account, authenticate, list_accounts, remove_account
from pipelines.access.config import AccessConfig, AccessConfigError, load_access, oidc_role
from pipelines.access.roles import Session, demo_session
from pipelines.cli import main
from pipelines.paths import REPO_ROOT
from tests.conftest import TEST_PASSWORD

MAIN = str(REPO_ROOT / "app" / "main.py")
READER_PAGES = ["", "portrait", "explorer", "cartes", "tendances", "plan", "communes", "donnees"]  # "": Accueil
ANALYST_PAGES = ["", "portrait", "explorer", "cartes", "priorites", "tendances", "bilan", "plan", "communes",
                 "donnees"]


# --- passwords and accounts -------------------------------------------------------------------------------------

def test_password_hashes_are_salted_slow_and_verified_in_constant_time():
    first, second = passwords.hash_password("un long mot de passe"), passwords.hash_password("un long mot de passe")
    assert first != second  # a fresh salt each time
    scheme, n, r, p, salt, key = first.split("$")
    assert (scheme, int(n), int(r), int(p)) == ("scrypt", 2 ** 15, 8, 4)
    assert passwords.verify_password("un long mot de passe", first)
    assert not passwords.verify_password("un long mot de passE", first)
    assert not passwords.verify_password("un long mot de passe", "md5$abc") and not passwords.verify_password("x", "")
    with pytest.raises(ValueError, match="trop court"):
        passwords.hash_password("court")


def test_accounts_file_add_list_authenticate_remove(tmp_path):
    path = tmp_path / "access" / "accounts.json"
    add_account(path, "Alice.Martin@caf71.fr", "administrateur", "phrase de passe assez longue", "Alice Martin")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # readable by its owner only
    stored = json.loads(path.read_text())["accounts"]["alice.martin@caf71.fr"]
    assert "phrase" not in json.dumps(stored) and stored["hash"].startswith("scrypt$")
    assert [(a.user, a.role) for a in list_accounts(path)] == [("alice.martin@caf71.fr", "administrateur")]
    assert authenticate(path, "ALICE.martin@caf71.fr ", "phrase de passe assez longue").role == "administrateur"
    assert authenticate(path, "alice.martin@caf71.fr", "mauvaise phrase de passe") is None
    assert authenticate(path, "bob", "phrase de passe assez longue") is None
    with pytest.raises(AccountError, match="existe déjà"):
        add_account(path, "alice.martin@caf71.fr", "lecteur", "phrase de passe assez longue")
    with pytest.raises(AccountError, match="rôle inconnu"):
        add_account(path, "bob", "chef", "phrase de passe assez longue")
    with pytest.raises(AccountError, match="identifiant"):
        add_account(path, "../bob", "lecteur", "phrase de passe assez longue")
    remove_account(path, "alice.martin@caf71.fr")
    assert list_accounts(path) == []


def test_sdsf_users_commands(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SDSF_HOME", str(tmp_path))
    monkeypatch.setattr("sys.stdin", io.StringIO("phrase de passe assez longue\n"))
    assert main(["users", "add", "claire", "--role", "analyste", "--name", "Claire", "--password-stdin"]) == 0
    assert main(["users", "list"]) == 0
    assert "claire" in capsys.readouterr().out and (tmp_path / "data" / "access" / "accounts.json").exists()
    monkeypatch.setattr("sys.stdin", io.StringIO("court\n"))
    assert main(["users", "add", "denis", "--role", "lecteur", "--password-stdin"]) == 2
    assert "trop court" in capsys.readouterr().err
    assert main(["users", "remove", "claire"]) == 0 and main(["users", "remove", "claire"]) == 2


# --- configuration and OIDC roles -------------------------------------------------------------------------------

def test_access_section_and_oidc_role_mapping(tmp_path):
    path = tmp_path / "sdsf.toml"
    path.write_text('[access]\nmode = "oidc"\nprovider = "caf"\n[access.roles]\n'
                    'administrateur = ["alice@caf71.fr"]\nanalyste = ["group:sdsf-analystes"]\n'
                    'lecteur = ["*@saone-et-loire.gouv.fr"]\n', encoding="utf-8")
    config = load_access(path)
    assert (config.mode, config.provider) == ("oidc", "caf")
    assert oidc_role(config, {"email": "Alice@caf71.fr"}) == "administrateur"
    assert oidc_role(config, {"email": "bob@caf71.fr", "groups": ["SDSF-analystes"]}) == "analyste"
    assert oidc_role(config, {"email": "sp@saone-et-loire.gouv.fr"}) == "lecteur"
    assert oidc_role(config, {"email": "sp@saone-et-loire.gouv.fr", "email_verified": False}) is None
    assert oidc_role(config, {"email": "x@ailleurs.fr"}) is None  # signed in, but no role
    path.write_text('[access]\nmode = "sso"\n', encoding="utf-8")
    with pytest.raises(AccessConfigError, match="mode"):
        load_access(path)
    path.write_text('[access]\nmode = "local"\n[access.roles]\nchef = ["x"]\n', encoding="utf-8")
    with pytest.raises(AccessConfigError, match="inconnu"):
        load_access(path)
    assert load_access(tmp_path / "absent.toml").mode is None


def test_roles_permissions_and_cache_keys():
    reader, analyst, admin = (Session("u", r) for r in ("lecteur", "analyste", "administrateur"))
    assert (reader.clearance, analyst.clearance, admin.clearance) == ("public", "confidential", "confidential")
    assert not reader.can("scenarios") and analyst.can("scenarios")
    assert not analyst.can("upload") and admin.can("upload")
    assert len({reader.cache_key, analyst.cache_key, admin.cache_key}) == 3
    demo = demo_session()
    assert demo.read_only and demo.can("confidential") and not demo.can("scenarios") and not demo.can("upload")
    with pytest.raises(ValueError):
        Session("u", "chef")


# --- the app per role -------------------------------------------------------------------------------------------

@pytest.fixture
def app(demo_home, monkeypatch):
    """Run ``main.py`` as ``user`` (None: nobody signed in) and record the pages given to ``st.navigation``."""
    offered: list[list[str]] = []
    original = st.navigation

    def spy(pages, **kwargs):
        offered.append([page.url_path for page in pages if page.visibility == "visible"])  # the menu
        return original(pages, **kwargs)

    monkeypatch.setattr(st, "navigation", spy)

    def run(user: str | None = None, page: str | None = None, **params) -> tuple[AppTest, list[str]]:
        st.cache_data.clear()
        at = AppTest.from_file(MAIN, default_timeout=30)
        at.query_params.update(params)
        if user:
            at.session_state[SIGNED_IN] = user
        if page:
            at.switch_page(f"app_pages/{page}.py")
        at.run(timeout=30)
        assert not at.exception, [e.value for e in at.exception]
        return at, offered[-1]

    return run


@pytest.mark.parametrize("role, pages", [
    ("lecteur", READER_PAGES),
    ("analyste", ANALYST_PAGES),
    ("administrateur", ANALYST_PAGES + ["depot"]),
])
def test_each_role_gets_its_pages_only(app, local_accounts, role, pages):
    at, offered = app(role)
    assert offered == pages
    assert any(f"Connecté : Compte {role} ({role})" in c.value and f"Rôle : {role}" in c.value
               for c in at.sidebar.caption)


@pytest.mark.parametrize("role, page, title", [("lecteur", "depot", "Dépôt d'extraits"),
                                               ("lecteur", "priorites", "Territoires prioritaires"),
                                               ("lecteur", "bilan", "Bilan"),
                                               ("analyste", "depot", "Dépôt d'extraits")])
def test_a_typed_url_of_a_forbidden_page_runs_none_of_it_and_says_so(app, local_accounts, role, page, title):
    at, _ = app(role, page, territoire="200070308")  # a query string changes nothing
    assert [t.value for t in at.title] == ["Page non accessible"]
    assert not at.get("file_uploader")
    # the page file itself refuses too, when run without the navigation
    direct = AppTest.from_file(str(REPO_ROOT / "app" / "app_pages" / f"{page}.py"), default_timeout=30)
    direct.session_state[SIGNED_IN] = role
    direct.run(timeout=30)
    assert any("pas accessible avec votre rôle" in e.value for e in direct.error)


def test_signed_out_only_the_sign_in_page_exists_and_the_form_signs_in(app, local_accounts):
    at, offered = app(None, "explorer")
    assert offered == ["connexion"] and [t.value for t in at.title] == ["Connexion"]
    at.text_input[0].input("analyste")
    at.text_input[1].input("pas le bon mot de passe")
    at.button[0].click().run(timeout=30)
    assert any("incorrect" in e.value for e in at.error) and SIGNED_IN not in at.session_state
    at.text_input[1].input(TEST_PASSWORD)
    at.button[0].click().run(timeout=30)
    assert at.session_state[SIGNED_IN] == "analyste"


def test_a_removed_account_is_signed_out_at_the_next_run(app, local_accounts):
    from pipelines.access.accounts import add_account as add
    add(local_accounts, "temporaire", "administrateur", TEST_PASSWORD)
    at, offered = app("temporaire")
    assert "depot" in offered
    remove_account(local_accounts, "temporaire")
    at.run(timeout=30)
    assert [t.value for t in at.title] == ["Connexion"]


def test_the_demo_is_open_read_only_and_says_so(app):
    at, offered = app(None)
    assert offered == ANALYST_PAGES  # no deposit, no sign-in
    assert any("lecture seule" in c.value for c in at.sidebar.caption)


def test_real_data_without_access_configuration_shows_nothing(demo_home, monkeypatch):
    st.cache_data.clear()
    monkeypatch.setattr(data, "meta", lambda v: {"fictitious": "false"})
    at = AppTest.from_file(MAIN, default_timeout=30).run(timeout=30)
    assert any("Accès non configuré" in e.value for e in at.error) and not at.title


def test_oidc_mode_offers_the_provider_button(app, demo_home):
    config = demo_home / "sdsf.toml"
    config.write_text('[access]\nmode = "oidc"\n[access.roles]\nlecteur = ["*@caf71.fr"]\n', encoding="utf-8")
    try:
        at, offered = app(None)
    finally:
        config.unlink()
    assert offered == ["connexion"] and at.button[0].label == "Se connecter avec le compte de l'organisme"


def test_restricted_caches_are_keyed_by_role(demo_home):
    st.cache_data.clear()
    v = data.version()
    reader = data._values(v, Session("u", "lecteur").cache_key, "epci")
    analyst = data._values(v, Session("u", "analyste").cache_key, "epci")
    assert "am_actifs" in set(analyst["indicator"]) and "am_actifs" not in set(reader["indicator"])
    assert set(reader["origin"]) <= {"published", "computed"}
    assert data._basket(v, "lecteur:public", "epci").empty
    assert not data._basket(v, "analyste:confidential", "epci").empty


def test_a_lecteur_reads_the_plan_and_the_communes_without_the_extracts_figures(app, local_accounts):
    at, offered = app("lecteur", "plan")
    assert "plan" in offered and not at.exception
    said = " ".join([m.value for m in at.markdown] + [c.value for c in at.caption])
    assert "réservé aux analystes" in said  # an indicator computed from an extract: line kept, figures withheld
    analyst, _ = app("analyste", "plan")
    assert "réservé aux analystes" not in " ".join([m.value for m in analyst.markdown] +
                                                     [c.value for c in analyst.caption])
    communes, _ = app("lecteur", "communes")
    table = communes.dataframe[0].value
    assert set(table["RPE dans la commune"]) == {"réservé aux analystes"}
    assert "Enfants 0-2 ans" in table.columns or any("Enfants" in c for c in table.columns)
    assert not any(c.startswith("AM actifs") for c in table.columns)  # from the PMI extract: not a lecteur's column
