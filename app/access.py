"""Who is using the app, resolved once per script run, and the sign-in page.

``[access]`` of ``sdsf.toml`` (pipelines/access/config.py) says how: OIDC through ``st.login`` (identity from
``st.user``, role from ``[access.roles]``), local accounts (a form checked against the scrypt hashes of the
accounts file, the role read again from the file at every run so a removed account stops at once), or the
open demonstration (fictitious data only, read-only). ``main.py`` calls ``resolve()`` first; pages and
``app/data.py`` read ``active()``.
"""

from __future__ import annotations

import threading
import time

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from pipelines.access.accounts import AccountError, authenticate, list_accounts
from pipelines.access.config import AccessConfigError, load_access, oidc_role
from pipelines.access.roles import ROLE_LABELS, Session, demo_session

SIGNED_IN = "_sdsf_signed_in"  # session_state: the local account signed in (user name only)
FAILURES = "_sdsf_login_failures"
MAX_FAILURES, PAUSE_SECONDS = 5, 30
_run = threading.local()


class Closed(Exception):
    """No session can be opened, and why (said on the page in French)."""


def _resolve() -> Session | None:
    """The session of this run, None when nobody is signed in; ``Closed`` when the app must show nothing."""
    from app import data  # late: data imports this module

    try:
        config = load_access()
    except AccessConfigError as exc:
        raise Closed(f"Configuration d'accès invalide dans sdsf.toml : {exc}") from exc
    fictitious = data.meta(data.version()).get("fictitious") == "true"
    if config.mode in (None, "demo"):
        if fictitious:
            return demo_session()
        raise Closed("Accès non configuré : ces données ne sont pas fictives, renseignez la section [access] de "
                     "sdsf.toml (connexion OIDC ou comptes locaux, voir docs/access.md).")
    if config.mode == "local":
        user = st.session_state.get(SIGNED_IN)
        if not user:
            return None
        account = next((a for a in list_accounts(config.accounts) if a.user == user), None)
        if account is None:  # removed since sign-in
            st.session_state.pop(SIGNED_IN, None)
            return None
        return Session(account.user, account.role, how="local", name=account.name)
    if not _oidc_signed_in():
        return None
    claims = st.user.to_dict()
    role = oidc_role(config, claims)
    name = str(claims.get("email") or claims.get("name") or claims.get("sub"))
    if role is None:
        raise Closed(f"Vous êtes connecté comme {name}, mais aucun rôle ne vous est attribué : demandez-le à "
                     "l'administrateur de l'application.")
    return Session(name, role, how="oidc", name=str(claims.get("name") or ""))


def _oidc_signed_in() -> bool:
    """``st.user.is_logged_in``, read as a key: AppTest's stand-in for ``st.user`` has no such attribute."""
    return bool(st.user.get("is_logged_in", False))


def resolve() -> Session | None:
    """Resolve and remember the session for the current script run (``main.py``, first thing)."""
    _run.ctx, _run.session = get_script_run_ctx(), _resolve()
    return _run.session


def active() -> Session | None:
    """The session of the current run (resolved now when a page runs without ``main.py``, as in tests)."""
    if getattr(_run, "ctx", None) is not get_script_run_ctx() or get_script_run_ctx() is None:
        try:
            return resolve()
        except Closed:
            return None
    return _run.session


def require(permission: str) -> Session:
    """Stop the page unless the session may ``permission`` (a page checks even though navigation hides it)."""
    session = active()
    if session is None or not session.can(permission):
        st.error("Cette page n'est pas accessible avec votre rôle.")
        st.stop()
    return session


def login_page() -> None:
    """Sign-in: the OIDC button, or the local accounts form."""
    config = load_access()
    st.title("Connexion")
    st.write("Tableau de bord des schémas départementaux des services aux familles. Les indicateurs calculés à "
             "partir des extraits de la Caf et de la PMI sont réservés aux comptes autorisés.")
    if config.mode == "oidc":
        st.button("Se connecter avec le compte de l'organisme", type="primary", icon=":material/login:",
                  on_click=st.login, args=(config.provider or None,) if config.provider else ())
        return
    paused = st.session_state.get(FAILURES, (0, 0.0))
    if paused[0] >= MAX_FAILURES and time.time() - paused[1] < PAUSE_SECONDS:
        st.error(f"Trop d'essais : réessayez dans {PAUSE_SECONDS} secondes.")
        return
    with st.form("connexion"):
        user = st.text_input("Identifiant", autocomplete="username")
        password = st.text_input("Mot de passe", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Se connecter", type="primary", icon=":material/login:")
    if not submitted:
        return
    try:
        account = authenticate(config.accounts, user, password)
    except AccountError as exc:
        st.error(str(exc))
        return
    if account is None:
        count = paused[0] + 1 if time.time() - paused[1] < PAUSE_SECONDS * 10 else 1
        st.session_state[FAILURES] = (count, time.time())
        st.error("Identifiant ou mot de passe incorrect.")
        return
    st.session_state.pop(FAILURES, None)
    st.session_state[SIGNED_IN] = account.user
    st.rerun()


def sign_out() -> None:
    if _oidc_signed_in():  # drops the identity cookie
        st.logout()
    st.session_state.pop(SIGNED_IN, None)


def sidebar(session: Session) -> None:
    """Who is signed in, with which role, and the way out; the demo says it is open and read-only."""
    if session.how == "demo":
        st.caption("Démonstration en accès libre et en **lecture seule** : pas de connexion, ni dépôt d'extraits, "
                   "ni enregistrement.")
        return
    who = f"{session.name} ({session.user})" if session.name and session.name != session.user else session.user
    st.caption(f"Connecté : {who}  \nRôle : {ROLE_LABELS[session.role].lower()}")
    st.button("Se déconnecter", on_click=sign_out, icon=":material/logout:", key="_sdsf_sign_out")
