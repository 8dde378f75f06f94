"""The three roles and what each may do; a page or an action names the permission it needs.

*lecteur*: portraits, explorer, maps and exports of aggregated indicators (published figures and indicators
no internal extract feeds); *analyste*: adds the indicators computed from the Caf / PMI extracts and the
priority scenarios; *administrateur*: adds uploads of extracts, refreshes, rule sets and accounts. Each role
has the permissions of the ones before it. The open demonstration is the analyste's view without anything
that writes (fictitious data: nothing is confidential; read-only: nothing changes).
"""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("lecteur", "analyste", "administrateur")
ROLE_LABELS = {"lecteur": "Lecteur", "analyste": "Analyste", "administrateur": "Administrateur"}

READ = "read"  # pages of aggregated indicators
CONFIDENTIAL = "confidential"  # indicators computed from internal extracts (statistical secrecy still applies)
SCENARIOS = "scenarios"  # save priority scenarios
UPLOAD = "upload"  # deposit extracts, queue a refresh
ACCOUNTS = "accounts"  # manage rule sets and accounts
WRITES = (SCENARIOS, UPLOAD, ACCOUNTS)

PERMISSIONS = {
    "lecteur": (READ,),
    "analyste": (READ, CONFIDENTIAL, SCENARIOS),
    "administrateur": (READ, CONFIDENTIAL, SCENARIOS, UPLOAD, ACCOUNTS),
}


@dataclass(frozen=True)
class Session:
    """Who is using the app: ``role`` decides the pages and data, ``read_only`` removes every write (demo)."""

    user: str
    role: str
    read_only: bool = False
    how: str = "local"  # local | oidc | demo
    name: str = ""  # shown on screen (the account's display name); never in a cache key

    def __post_init__(self):
        if self.role not in ROLES:
            raise ValueError(f"rôle inconnu : {self.role!r} (rôles : {', '.join(ROLES)})")

    def can(self, permission: str) -> bool:
        if self.read_only and permission in WRITES:
            return False
        return permission in PERMISSIONS[self.role]

    @property
    def clearance(self) -> str:
        """What the query layer may serve this session (pipelines/warehouse/query.py)."""
        return "confidential" if self.can(CONFIDENTIAL) else "public"

    @property
    def cache_key(self) -> str:
        """The restriction cached data depends on: role and clearance (never the user: caches are shared)."""
        return f"{self.role}:{self.clearance}"


def demo_session() -> Session:
    return Session("visiteur", "analyste", read_only=True, how="demo")
