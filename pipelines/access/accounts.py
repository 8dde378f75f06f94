"""Local accounts for a Caf without single sign-on: one JSON file of users, roles and scrypt hashes.

Managed with ``sdsf users add|remove|list`` (never from the app: creating an administrator must need shell
access to the server). Written aside then renamed (a reader never sees half a file), readable by its owner
only. An unknown user costs the same time as a wrong password, so the login form does not tell which exists.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pipelines.access.passwords import hash_password, verify_password
from pipelines.access.roles import ROLES

USER_NAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")
_DUMMY = hash_password("compte inexistant — même coût qu'un vrai")


@dataclass(frozen=True)
class Account:
    user: str
    role: str
    name: str
    created_at: str


class AccountError(ValueError):
    """A refused change of the accounts file, said in French."""


def _read(path: Path) -> dict:
    if not path.exists():
        return {"version": 1, "accounts": {}}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise AccountError(f"{path} : fichier des comptes illisible ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("accounts"), dict):
        raise AccountError(f"{path} : fichier des comptes illisible (clé « accounts » attendue)")
    return data


def _write(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(data, file, ensure_ascii=False, indent=2, sort_keys=True)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)


def list_accounts(path: Path) -> list[Account]:
    return [Account(user, a["role"], a.get("name", ""), a.get("created_at", ""))
            for user, a in sorted(_read(path)["accounts"].items())]


def add_account(path: Path, user: str, role: str, password: str, name: str = "", *, replace: bool = False) -> Account:
    """Add (or, with ``replace``, reset) an account; the password is hashed, never stored."""
    user = user.strip().lower()
    if not USER_NAME.match(user):
        raise AccountError("identifiant : 2 à 64 caractères parmi a-z, 0-9, « . », « _ », « @ », « - »")
    if role not in ROLES:
        raise AccountError(f"rôle inconnu « {role} » : {', '.join(ROLES)}")
    data = _read(path)
    if user in data["accounts"] and not replace:
        raise AccountError(f"le compte « {user} » existe déjà (--replace pour changer son rôle ou son mot de passe)")
    try:
        hashed = hash_password(password)
    except ValueError as exc:
        raise AccountError(str(exc)) from exc
    created = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    data["accounts"][user] = {"role": role, "name": name, "hash": hashed, "created_at": created}
    _write(path, data)
    return Account(user, role, name, created)


def remove_account(path: Path, user: str) -> None:
    data = _read(path)
    if user not in data["accounts"]:
        raise AccountError(f"aucun compte « {user} »")
    del data["accounts"][user]
    _write(path, data)


def authenticate(path: Path, user: str, password: str) -> Account | None:
    """The account if ``password`` is its own, else None (same cost whether the user exists or not)."""
    user = user.strip().lower()
    entry = _read(path)["accounts"].get(user)
    if entry is None:
        verify_password(password, _DUMMY)
        return None
    if not verify_password(password, entry.get("hash", "")):
        return None
    return Account(user, entry["role"], entry.get("name", ""), entry.get("created_at", ""))
