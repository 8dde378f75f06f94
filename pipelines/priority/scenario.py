"""Scenarios: thresholds edited on screen, and saving them as a new rule file.

An edited rule set gets a bumped version and remembers what it came from, so a map computed
with modified thresholds is never mistaken for the official rule set.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import replace

from pipelines.priority.rules import IDENTIFIER, Criterion, RuleSet, RuleSetError, check_factor, check_number


def with_overrides(ruleset: RuleSet, overrides: Mapping[str, float], *, name: str | None = None) -> RuleSet:
    """New rule set where each criterion id gets a new threshold (absolute) or factor (relative).

    The original is untouched (frozen); a bad override raises ``RuleSetError`` before anything changes.
    """
    if not overrides and name is None:
        return ruleset
    if name is not None and not IDENTIFIER.fullmatch(name):
        _fail(ruleset, None, f"nom de scénario « {name} » : minuscules, chiffres et _ seulement")
    by_id = {c.id: c for c in ruleset.criteria}
    changed = {}
    for criterion_id, new in overrides.items():
        if criterion_id not in by_id:
            _fail(ruleset, criterion_id, f"critère inconnu (critères : {', '.join(by_id)})")
        changed[criterion_id] = _override(by_id[criterion_id], new, lambda p, i=criterion_id: _fail(ruleset, i, p))
    return replace(ruleset, name=name or ruleset.name, version=bump_version(ruleset.version),
                   criteria=tuple(changed.get(c.id, c) for c in ruleset.criteria),
                   derived_from=f"{ruleset.name} {ruleset.version}", source=None)


def _fail(ruleset: RuleSet, criterion_id: str | None, problem: str):
    raise RuleSetError(ruleset.source or ruleset.name, problem, criterion=criterion_id)


def _override(criterion: Criterion, new, fail) -> Criterion:
    if criterion.is_flag:
        fail("critère oui/non : pas de seuil à modifier")
    if criterion.relative_to is not None:
        return replace(criterion, factor=check_factor(new, fail))
    return replace(criterion, value=check_number(new, fail, "value"))


def bump_version(version: str) -> str:
    """``1.0`` → ``1.1``, ``2`` → ``3``; a version without a trailing number gets ``.1``."""
    match = re.search(r"(\d+)$", version)
    if not match:
        return f"{version}.1"
    return f"{version[:match.start()]}{int(match.group(1)) + 1}"


def ruleset_to_toml(ruleset: RuleSet) -> str:
    """The rule set as a TOML file that ``loads_ruleset`` reads back to an equal rule set."""
    lines = [f"name = {_string(ruleset.name)}", f"version = {_string(ruleset.version)}"]
    if ruleset.derived_from:
        lines.append(f"derived_from = {_string(ruleset.derived_from)}")
    for key in ("author", "saved_at"):
        if getattr(ruleset, key):
            lines.append(f"{key} = {_string(getattr(ruleset, key))}")
    if ruleset.description:
        lines.append(f"description = {_string(ruleset.description)}")
    lines.append(f"levels = [{', '.join(_string(level) for level in ruleset.levels)}]")
    lines += ["", "[combination]", f"mode = {_string(ruleset.mode)}"]
    lines += _optional(k=ruleset.k)
    if ruleset.classes:
        lines.append("classes = [")
        lines += [f"  {{ name = {_string(c.name)}, min_score = {_number(c.min_score)} }}," for c in ruleset.classes]
        lines.append("]")
    for group in ruleset.groups:
        lines += ["", "[[groups]]", f"id = {_string(group.id)}", f"label = {_string(group.label)}",
                  f"mode = {_string(group.mode)}"]
        lines += _optional(k=group.k, weight=group.weight)
    for criterion in ruleset.criteria:
        lines += ["", "[[criteria]]", f"id = {_string(criterion.id)}", f"label = {_string(criterion.label)}",
                  f"indicator = {_string(criterion.indicator)}", f"operator = {_string(criterion.operator)}"]
        lines += _optional(value=criterion.value, relative_to=criterion.relative_to,
                           factor=None if criterion.factor == 1.0 else criterion.factor,
                           weight=criterion.weight, group=criterion.group)
    return "\n".join(lines) + "\n"


def _optional(**values) -> list[str]:
    return [f"{key} = {_string(v) if isinstance(v, str) else _number(v)}"
            for key, v in values.items() if v is not None]


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _string(text: str) -> str:
    """Multi-line literal string when it is safe (readable descriptions), else a JSON-escaped basic string."""
    if "\n" in text and "'''" not in text and not any(ord(ch) < 32 and ch not in "\n\t" for ch in text):
        return f"'''\n{text}'''"
    return json.dumps(text, ensure_ascii=False)
