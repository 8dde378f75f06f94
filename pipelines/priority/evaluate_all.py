"""Evaluate every shipped rule set and saved scenario on every year and level it covers, for the warehouse."""

from __future__ import annotations

import pandas as pd

from pipelines.priority.engine import REASON_COLUMNS, STATUS_COLUMNS, evaluate
from pipelines.priority.rules import RuleSetError, list_rulesets, load_ruleset
from pipelines.priority.scenarios_store import list_scenarios


def priority_tables(values: pd.DataFrame, territories: pd.DataFrame, catalogue: pd.DataFrame,
                    years: list[int], data_vintage: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Status and reasons for all shipped rule sets and saved scenarios, stamped with the data vintage.

    Two files with the same rule set name are refused: their rows would mix in the warehouse.
    """
    known = set(catalogue["code"])
    statuses, reasons = [], []
    seen: dict[str, str] = {}
    for path in list_rulesets() + list_scenarios():
        ruleset = load_ruleset(path, known)
        if ruleset.name in seen:
            raise RuleSetError(path, f"nom « {ruleset.name} » déjà utilisé par « {seen[ruleset.name]} »")
        seen[ruleset.name] = path.name
        for level in ruleset.levels:
            if not (territories["level"] == level).any():
                continue
            by_year = dict(tuple(_needed(values, ruleset, level).groupby("year")))
            for year in years:
                year_values = by_year.get(year, values.iloc[:0])
                status, reason = evaluate(ruleset, year_values, territories, year, level, catalogue)
                statuses.append(status)
                reasons.append(reason)
    status = pd.concat(statuses, ignore_index=True) if statuses else pd.DataFrame(columns=STATUS_COLUMNS)
    reason = pd.concat(reasons, ignore_index=True) if reasons else pd.DataFrame(columns=REASON_COLUMNS)
    return status.assign(data_vintage=data_vintage), reason


def _needed(values: pd.DataFrame, ruleset, level: str) -> pd.DataFrame:
    """Only the rows a rule set reads (its indicators, its level and the references): at national
    scale the full table has millions of commune rows an EPCI rule never looks at."""
    levels = {level, "departement", "france"}
    indicators = {criterion.indicator for criterion in ruleset.criteria}
    return values[values["level"].isin(levels) & values["indicator"].isin(indicators)]
