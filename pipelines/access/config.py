"""The ``[access]`` section of ``sdsf.toml``: how people sign in and which role each one gets.

```toml
[access]
mode = "oidc"                  # "oidc" (st.login, .streamlit/secrets.toml), "local" (accounts file), "demo"
provider = "caf"               # oidc: the [auth.caf] block of secrets.toml ("" = the [auth] block itself)
groups_claim = "groups"        # oidc: the claim listing the user's groups
accounts = "data/access/accounts.json"   # local: the accounts file (sdsf users add|remove|list)

[access.roles]                 # oidc: who gets which role; the highest role matched wins
administrateur = ["alice.martin@caf71.fr"]
analyste = ["group:sdsf-analystes"]
lecteur = ["*@saone-et-loire.gouv.fr", "group:prefecture-71"]
```

Without an ``[access]`` section the app is open only on fictitious data (the demo, read-only); on real data it
shows nothing until access is configured: forgetting the section must never publish a Caf's extracts.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pipelines import paths
from pipelines.access.roles import ROLES

MODES = ("oidc", "local", "demo")
DEFAULT_ACCOUNTS = "data/access/accounts.json"


class AccessConfigError(ValueError):
    """The ``[access]`` section cannot be used as written."""


@dataclass(frozen=True)
class AccessConfig:
    mode: str | None  # None: no [access] section
    accounts: Path
    provider: str = ""
    groups_claim: str = "groups"
    roles: dict[str, tuple[str, ...]] = field(default_factory=dict)


def load_access(path: Path | None = None) -> AccessConfig:
    path = path or paths.home() / "sdsf.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    section = data.get("access")
    accounts = Path((section or {}).get("accounts", DEFAULT_ACCOUNTS))
    accounts = accounts if accounts.is_absolute() else paths.home() / accounts
    if section is None:
        return AccessConfig(None, accounts)
    mode = section.get("mode")
    if mode not in MODES:
        raise AccessConfigError(f"[access] mode : {', '.join(MODES)} attendu (trouvé : {mode!r})")
    roles = section.get("roles", {})
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise AccessConfigError(f"[access.roles] : rôle(s) inconnu(s) {', '.join(unknown)} ({', '.join(ROLES)})")
    if mode == "oidc" and not any(roles.values()):
        raise AccessConfigError("[access.roles] : en mode oidc, au moins un utilisateur ou groupe par rôle utilisé")
    return AccessConfig(mode, accounts, str(section.get("provider", "")), str(section.get("groups_claim", "groups")),
                        {role: tuple(str(x) for x in roles.get(role, ())) for role in ROLES})


def oidc_role(config: AccessConfig, claims: dict) -> str | None:
    """The highest role whose list names the user (e-mail or ``sub``), one of their groups (``group:NAME``) or
    their e-mail domain (``*@domain``); None when nothing matches (signed in, but no access)."""
    ids = {str(claims[k]).lower() for k in ("email", "sub", "preferred_username") if claims.get(k)}
    groups = claims.get(config.groups_claim) or []
    groups = {str(g).lower() for g in ([groups] if isinstance(groups, str) else groups)}
    domains = {i.split("@", 1)[1] for i in ids if "@" in i}
    if claims.get("email_verified") is False:  # an unverified address proves nothing
        ids -= {str(claims.get("email", "")).lower()}
        domains = set()
    for role in reversed(ROLES):
        for entry in config.roles.get(role, ()):
            entry = entry.lower()
            if (entry.startswith("group:") and entry[6:] in groups) or \
                    (entry.startswith("*@") and entry[2:] in domains) or entry in ids:
                return role
    return None
