"""Evaluate a rule set on one level and year: a status per territory and a reason per criterion.

Three-valued throughout: a criterion whose value or reference is missing is unknown (NA), never
met or unmet, and a territory is ``prioritaire`` or ``non prioritaire`` only when no missing figure
could change that; otherwise it is ``indéterminé``. Pure pandas, no I/O.
"""

from __future__ import annotations

import operator

import numpy as np
import pandas as pd

from pipelines.priority.rules import REFERENCES, Criterion, Group, RuleSet, required_count
from pipelines.priority.text import Display, displays, reason_text, summary

PRIORITY, NOT_PRIORITY, UNDETERMINED = "prioritaire", "non prioritaire", "indéterminé"
STATUS_COLUMNS = ["ruleset", "ruleset_version", "level", "code", "year", "status", "score", "priority_class",
                  "n_met", "n_missing", "summary"]
REASON_COLUMNS = ["ruleset", "ruleset_version", "level", "code", "year", "criterion", "label", "group",
                  "indicator", "value", "operator", "threshold", "reference", "reference_value", "met", "text"]
CHANGES = ("entre en priorité", "sort de la priorité", "change de classe", "change de statut")
_COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
            "==": operator.eq, "!=": operator.ne}


def evaluate(ruleset: RuleSet, values: pd.DataFrame, territories: pd.DataFrame, year: int, level: str,
             catalogue: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Status and reasons of the ``level`` territories for ``year``.

    ``values``: long frame ``level, code, year, indicator, value`` holding the territories' values, their
    départements' (``level='departement'``) and France's (``level='france', code='FR'``).
    ``territories``: ``level, code, departement`` (an EPCI's main département).
    ``catalogue`` (optional): ``code, short_label, unit, decimals`` to word the reasons.
    """
    if level not in ruleset.levels:
        raise ValueError(f"Les règles « {ruleset.name} » s'appliquent au(x) niveau(x) "
                         f"{', '.join(ruleset.levels)}, pas au niveau « {level} »")
    places = (territories.loc[territories["level"] == level, ["code", "departement"]]
              .drop_duplicates("code").reset_index(drop=True))
    rows = _year_values(values, year)
    names = displays(catalogue)
    reasons = [_reasons(c, places, rows, level, names.get(c.indicator, Display(c.indicator)))
               for c in ruleset.criteria]
    met = pd.DataFrame({c.id: r["met"] for c, r in zip(ruleset.criteria, reasons)}, index=places.index)
    status = _status(ruleset, met).assign(code=places["code"])
    reason_frame = pd.concat(reasons).sort_index(kind="stable").reset_index(drop=True)
    return (_stamp(status, ruleset, level, year)[STATUS_COLUMNS],
            _stamp(reason_frame, ruleset, level, year)[REASON_COLUMNS])


def _stamp(frame: pd.DataFrame, ruleset: RuleSet, level: str, year: int) -> pd.DataFrame:
    """Which rule set, version, level and year produced each row: results are kept per data vintage."""
    return frame.assign(ruleset=ruleset.name, ruleset_version=ruleset.version, level=level,
                        year=pd.Series(year, index=frame.index, dtype="Int64"))


def _year_values(values: pd.DataFrame, year: int) -> pd.DataFrame:
    rows = values.loc[values["year"] == year, ["level", "code", "indicator", "value"]]
    rows = rows.assign(value=pd.to_numeric(rows["value"]).astype(float)).dropna(subset=["value"])
    duplicated = rows[rows.duplicated(["level", "code", "indicator"], keep=False)]
    if not duplicated.empty:
        first = duplicated.iloc[0]
        raise ValueError(f"Valeurs en double pour {first['level']} {first['code']}, indicateur "
                         f"« {first['indicator']} », année {year} : une seule valeur attendue")
    return rows


def _lookup(rows: pd.DataFrame, level: str, indicator: str) -> pd.Series:
    """``code → value`` of one indicator at one level."""
    found = rows[(rows["level"] == level) & (rows["indicator"] == indicator)]
    return found.set_index("code")["value"]


def _reasons(criterion: Criterion, places: pd.DataFrame, rows: pd.DataFrame, level: str,
             display: Display) -> pd.DataFrame:
    value = places["code"].map(_lookup(rows, level, criterion.indicator)).astype(float)
    reference_value = _reference(criterion, places, value, rows)
    if criterion.relative_to:
        threshold = reference_value * criterion.factor
    else:
        threshold = pd.Series(criterion.value, index=places.index, dtype=float)  # NaN for flags
    met = _met(criterion, value, threshold)
    text = [reason_text(criterion, display, v, t, r, m)
            for v, t, r, m in zip(value, threshold, reference_value, met)]
    return pd.DataFrame({
        "code": places["code"], "criterion": criterion.id, "label": criterion.label,
        "group": _text_column(criterion.group, places.index), "indicator": criterion.indicator, "value": value,
        "operator": criterion.operator, "threshold": threshold,
        "reference": _text_column(REFERENCES.get(criterion.relative_to), places.index),
        "reference_value": reference_value, "met": met, "text": text}, index=places.index)


def _text_column(value: str | None, index: pd.Index) -> pd.Series:
    """Typed text even when every row is missing, so the warehouse column stays VARCHAR."""
    return pd.Series(value, index=index, dtype="string")


def _reference(criterion: Criterion, places: pd.DataFrame, value: pd.Series, rows: pd.DataFrame) -> pd.Series:
    """The figure a relative threshold multiplies; NaN when absent (never replaced by another one)."""
    if criterion.relative_to == "france":
        france = _lookup(rows, "france", criterion.indicator)
        return pd.Series(france.get("FR", np.nan), index=places.index, dtype=float)
    if criterion.relative_to == "departement":
        return places["departement"].map(_lookup(rows, "departement", criterion.indicator)).astype(float)
    if criterion.relative_to == "median":
        return value.groupby(places["departement"]).transform("median").astype(float)
    return pd.Series(np.nan, index=places.index)


def _met(criterion: Criterion, value: pd.Series, threshold: pd.Series) -> pd.Series:
    if criterion.is_flag:
        known = value.notna()
        result = (value != 0) if criterion.operator == "is_true" else (value == 0)
    else:
        known = value.notna() & threshold.notna()
        result = _COMPARE[criterion.operator](value, threshold)
    met = pd.Series(pd.NA, index=value.index, dtype="boolean")
    met[known] = result[known]
    return met


def _at_least(frame: pd.DataFrame, k: int) -> pd.Series:
    """True when k are surely met, False when k can no longer be reached even if every unknown were met."""
    n_true = frame.fillna(False).astype(int).sum(axis=1)
    n_unknown = frame.isna().sum(axis=1)
    out = pd.Series(pd.NA, index=frame.index, dtype="boolean")
    out[n_true >= k] = True
    out[n_true + n_unknown < k] = False
    return out


def _units(ruleset: RuleSet, met: pd.DataFrame) -> pd.DataFrame:
    """One column per element the top-level combination counts: a criterion, or a group's own result."""
    columns = {}
    for unit in ruleset.units():
        if isinstance(unit, Group):
            members = met[[c.id for c in ruleset.members(unit)]]
            columns[unit.id] = _at_least(members, required_count(unit.mode, unit.k, members.shape[1]))
        else:
            columns[unit.id] = met[unit.id]
    return pd.DataFrame(columns, index=met.index)


def _status(ruleset: RuleSet, met: pd.DataFrame) -> pd.DataFrame:
    units = _units(ruleset, met)
    n = len(units)
    if ruleset.mode == "score":
        weights = pd.Series({u.id: u.weight for u in ruleset.units()})
        low = units.fillna(False).astype(float).mul(weights).sum(axis=1)
        high = low + units.isna().astype(float).mul(weights).sum(axis=1)
        low_class, high_class = low.map(_classifier(ruleset)), high.map(_classifier(ruleset))
        surely, surely_not = low_class.notna(), high_class.isna()
        classes = [lo if lo == hi else None for lo, hi in zip(low_class, high_class)]
        scores = list(zip(low, high, [weights.sum()] * n))
    else:
        result = _at_least(units, required_count(ruleset.mode, ruleset.k, units.shape[1]))
        surely, surely_not = result.eq(True).fillna(False), result.eq(False).fillna(False)
        classes, scores = [None] * n, [None] * n
    status = np.select([surely, surely_not], [PRIORITY, NOT_PRIORITY], UNDETERMINED)
    labels = [u.label for u in ruleset.units()]
    summaries = []
    for row, state, priority_class, score in zip(units.astype(object).to_numpy(), status, classes, scores):
        outcome = {True: [], False: [], None: []}
        for label, v in zip(labels, row):
            outcome[None if v is pd.NA else bool(v)].append(label)
        summaries.append(summary(state, outcome[True], outcome[False], outcome[None],
                                 priority_class=priority_class, score=score))
    return pd.DataFrame({
        "status": status,
        "score": pd.array([s and s[0] for s in scores], dtype="Float64"),
        "priority_class": pd.Series(classes, index=met.index, dtype="string"),
        "n_met": met.fillna(False).astype(int).sum(axis=1).astype("Int64"),
        "n_missing": met.isna().sum(axis=1).astype("Int64"),
        "summary": summaries}, index=met.index)


def _classifier(ruleset: RuleSet):
    """``score → name of the highest class reached`` (None below every class)."""
    def classify(score: float) -> str | None:
        return next((c.name for c in ruleset.classes if score >= c.min_score), None)
    return classify


def compare(status_a: pd.DataFrame, status_b: pd.DataFrame) -> pd.DataFrame:
    """Territories whose priority changes from evaluation A to B (other rules, thresholds or year).

    A territory present on one side only counts as not prioritaire on the other (status None).
    """
    keys = ["level", "code"]
    for frame in (status_a, status_b):
        if frame.duplicated(keys).any():
            raise ValueError("compare attend une ligne par territoire : filtrer sur une année et une règle")
    both = status_a[keys + ["status", "priority_class"]].merge(
        status_b[keys + ["status", "priority_class"]], on=keys, how="outer", suffixes=("_a", "_b"))
    was, now = both["status_a"].eq(PRIORITY), both["status_b"].eq(PRIORITY)
    class_changed = both["priority_class_a"].fillna("").ne(both["priority_class_b"].fillna(""))
    status_changed = both["status_a"].fillna("").ne(both["status_b"].fillna(""))
    change = np.select([now & ~was, was & ~now, was & now & class_changed, status_changed], CHANGES, "")
    changed = both.assign(change=change)[lambda f: f["change"] != ""]
    order = changed["change"].map(CHANGES.index)
    changed = changed.assign(_order=order).sort_values(["_order", "code"]).drop(columns="_order")
    return changed.astype(object).where(changed.notna(), None).reset_index(drop=True)
