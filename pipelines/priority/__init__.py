"""Territoires prioritaires: rule sets as data (TOML), their evaluation with a reason per criterion.

``rules`` reads and validates rule files, ``engine`` evaluates them (pure pandas), ``scenario``
edits thresholds and saves scenarios, ``text`` words the results in French.
"""

from pipelines.priority.engine import REASON_COLUMNS, STATUS_COLUMNS, compare, evaluate
from pipelines.priority.rules import (RULESETS_DIR, Criterion, Group, PriorityClass, RuleSet, RuleSetError,
                                      list_rulesets, load_ruleset, loads_ruleset)
from pipelines.priority.scenario import bump_version, ruleset_to_toml, with_overrides

__all__ = [
    "REASON_COLUMNS", "RULESETS_DIR", "STATUS_COLUMNS", "Criterion", "Group", "PriorityClass", "RuleSet",
    "RuleSetError", "bump_version", "compare", "evaluate", "list_rulesets", "load_ruleset", "loads_ruleset",
    "ruleset_to_toml", "with_overrides",
]
