"""Evaluate every shipped rule set and saved scenario on every year and level it covers, for the warehouse.

A saved scenario is data an analyst wrote: a broken or obsolete one (unknown indicator since a catalogue
change) is reported and skipped, never blocking the refresh. A shipped rule set is code: it must load.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipelines.priority.engine import REASON_COLUMNS, STATUS_COLUMNS, evaluate
from pipelines.priority.rules import RuleSet, RuleSetError, list_rulesets, load_ruleset
from pipelines.priority.scenarios_store import list_scenarios


def load_all(catalogue: pd.DataFrame) -> tuple[list[RuleSet], list[tuple[Path, str]]]:
    """Shipped rule sets and valid saved scenarios; the skipped scenarios with the reason.

    Two files with the same rule set name are refused: their rows would mix in the warehouse.
    """
    known = set(catalogue["code"])
    rulesets, skipped, seen = [], [], {}
    for path in list_rulesets():
        ruleset = load_ruleset(path, known)
        seen[ruleset.name] = path.name
        rulesets.append(ruleset)
    for path in list_scenarios():
        try:
            ruleset = load_ruleset(path, known)
            if ruleset.name in seen:
                raise RuleSetError(path, f"nom « {ruleset.name} » déjà utilisé par « {seen[ruleset.name]} »")
        except RuleSetError as exc:
            skipped.append((path, str(exc)))
            continue
        seen[ruleset.name] = path.name
        rulesets.append(ruleset)
    return rulesets, skipped


def needed(rulesets: list[RuleSet]) -> tuple[set[str], set[str]]:
    """Levels and indicators the rule sets read (their levels, plus the references: département, France)."""
    levels = {level for r in rulesets for level in r.levels} | {"departement", "france"}
    indicators = {c.indicator for r in rulesets for c in r.criteria}
    return levels, indicators


def priority_tables(rulesets: list[RuleSet], values: pd.DataFrame, territories: pd.DataFrame,
                    catalogue: pd.DataFrame, years: list[int], data_vintage: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Status and reasons of ``rulesets`` for every year, stamped with the data vintage.

    ``values`` holds (at least) the rows ``needed`` says: at national scale the full table has millions of
    commune rows an EPCI rule never looks at.
    """
    statuses, reasons = [], []
    for ruleset in rulesets:
        for level in ruleset.levels:
            if not (territories["level"] == level).any():
                continue
            by_year = dict(tuple(values.groupby("year")))
            for year in years:
                year_values = by_year.get(year, values.iloc[:0])
                status, reason = evaluate(ruleset, year_values, territories, year, level, catalogue)
                statuses.append(status)
                reasons.append(reason)
    status = pd.concat(statuses, ignore_index=True) if statuses else pd.DataFrame(columns=STATUS_COLUMNS)
    reason = pd.concat(reasons, ignore_index=True) if reasons else pd.DataFrame(columns=REASON_COLUMNS)
    return status.assign(data_vintage=data_vintage), reason
