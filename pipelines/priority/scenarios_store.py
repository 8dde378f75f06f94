"""Saved scenarios: rule sets with thresholds tuned on screen, kept beside the data, not in the code.

A scenario lives in ``<home>/data/scenarios/<name>.toml`` so the refresh evaluates it like a shipped
rule set and the warehouse keeps its results with its name, version and data vintage. It never
replaces a shipped rule set: the official map must stay reproducible.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import replace
from pathlib import Path

from pipelines import paths
from pipelines.formatting import simplified
from pipelines.indicators.catalogue import catalogue_frame
from pipelines.priority.rules import RuleSet, RuleSetError, list_rulesets, load_ruleset
from pipelines.priority.scenario import ruleset_to_toml


def scenarios_dir() -> Path:
    return paths.home() / "data" / "scenarios"


def list_scenarios() -> list[Path]:
    """Saved scenario files, sorted by name (none when the folder does not exist yet)."""
    return list_rulesets(scenarios_dir())


def shipped_names() -> set[str]:
    """Names of the shipped rule sets (each shipped file is named after its rule set)."""
    return {path.stem for path in list_rulesets()}


def slug(title: str) -> str:
    """A rule set name from what an analyst types: « Seuil AM 35 % » → ``seuil_am_35``."""
    name = simplified(title, "_")
    return f"scenario_{name}" if name[:1].isdigit() else name


def save_scenario(ruleset: RuleSet, *, replace_existing: bool = False, author: str | None = None) -> Path:
    """Write ``ruleset`` as ``<name>.toml`` and return the path, after checking it reads back identically.

    Refuses a shipped rule set's name, and an existing scenario unless ``replace_existing``; the file
    appears only once valid (written aside, then renamed), so a refresh never meets a half-written one.
    The file carries who saved it (``author``) and when (``saved_at``, UTC).
    """
    ruleset = replace(ruleset, author=author or ruleset.author,
                      saved_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))
    if ruleset.name in shipped_names():
        raise RuleSetError(None, f"« {ruleset.name} » est le nom d'une règle livrée : choisir un autre nom "
                                 "de scénario")
    folder = scenarios_dir()
    target = folder / f"{ruleset.name}.toml"
    if target.exists() and not replace_existing:
        raise RuleSetError(target, f"un scénario « {ruleset.name} » existe déjà : choisir un autre nom ou "
                                   "demander à le remplacer")
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{ruleset.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(ruleset_to_toml(ruleset))
        reloaded = load_ruleset(temporary, catalogue_frame())
        if replace(reloaded, source=None) != replace(ruleset, source=None):
            raise RuleSetError(target, "le scénario ne se relit pas à l'identique ; rien n'a été enregistré")
        os.replace(temporary, target)
    finally:
        Path(temporary).unlink(missing_ok=True)
    return target
