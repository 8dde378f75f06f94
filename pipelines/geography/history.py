"""Commune history: every code a file of a past year may carry, mapped to its commune of the warehouse COG.

Read from ``@etalab/decoupage-administratif``'s ``communes.json``, which has no dates but tells, for every
code that is not a current commune, what it belongs to today:

- ``commune-deleguee`` / ``commune-associee`` entries: a former commune inside a *commune nouvelle*,
  with its ``chefLieu`` (the current commune);
- ``arrondissement-municipal`` entries: Paris, Lyon and Marseille districts, with their ``commune``;
- ``anciensCodes`` of current communes: older codes (fusions, changes of chef-lieu).

The present status wins over an older ``anciensCodes`` entry (a commune associated elsewhere since), and a
code that is a current commune maps to itself: so every old code has exactly one successor.
"""

from __future__ import annotations

import pandas as pd

KINDS = {
    "arrondissement-municipal": "arrondissement municipal",
    "commune-deleguee": "commune déléguée",
    "commune-associee": "commune associée",
    "ancien-code": "ancien code",
}
COLUMNS = ["old_code", "old_name", "code", "kind"]


def commune_history(entries: list[dict], current: set[str]) -> pd.DataFrame:
    """``old_code, old_name, code, kind`` for every non-current code; ``code`` is in ``current``.

    ``entries`` is the parsed ``communes.json``; ``current`` the commune codes of the warehouse COG. An
    entry whose successor is not a current commune (collectivités d'outre-mer) is left out.
    """
    found: dict[str, tuple[str | None, str, str]] = {}
    for entry in entries:  # present status first
        kind = entry.get("type")
        successor = entry.get("chefLieu") if kind in ("commune-deleguee", "commune-associee") else (
            entry.get("commune") if kind == "arrondissement-municipal" else None)
        if successor and entry["code"] != successor:
            found[entry["code"]] = (entry.get("nom"), successor, KINDS[kind])
    for entry in entries:  # then the older codes of current communes, where nothing newer says otherwise
        if entry.get("type") == "commune-actuelle":
            for old in entry.get("anciensCodes", []):
                if old != entry["code"]:
                    found.setdefault(old, (None, entry["code"], KINDS["ancien-code"]))
    rows = [(old, name, code, kind) for old, (name, code, kind) in sorted(found.items())
            if old not in current and code in current]
    return pd.DataFrame(rows, columns=COLUMNS)
