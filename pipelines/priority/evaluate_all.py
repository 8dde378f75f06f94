"""Evaluate every shipped rule set on every year and level it covers, for the warehouse."""

from __future__ import annotations

import pandas as pd

from pipelines.priority.engine import REASON_COLUMNS, STATUS_COLUMNS, evaluate
from pipelines.priority.rules import list_rulesets, load_ruleset


def priority_tables(values: pd.DataFrame, territories: pd.DataFrame, catalogue: pd.DataFrame,
                    years: list[int], data_vintage: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Status and reasons for all shipped rule sets, stamped with the data vintage they were applied to."""
    known = set(catalogue["code"])
    statuses, reasons = [], []
    for path in list_rulesets():
        ruleset = load_ruleset(path, known)
        for level in ruleset.levels:
            if not (territories["level"] == level).any():
                continue
            for year in years:
                status, reason = evaluate(ruleset, values, territories, year, level, catalogue)
                statuses.append(status)
                reasons.append(reason)
    status = pd.concat(statuses, ignore_index=True) if statuses else pd.DataFrame(columns=STATUS_COLUMNS)
    reason = pd.concat(reasons, ignore_index=True) if reasons else pd.DataFrame(columns=REASON_COLUMNS)
    return status.assign(data_vintage=data_vintage), reason
