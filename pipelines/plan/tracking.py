"""Is a linked indicator on track? Its trajectory from the baseline to the target, and a status.

Pure functions on small frames (a plan has tens of linked indicators, a few years each): the status is
branching logic — direction of the target, deadline passed, missing baseline — that reads and tests better in
Python than in SQL, and its inputs are already computed figures (the warehouse's, or entered ones).

The rule, one home for it:

- the **goal** is the target value, or the baseline value plus the targeted change (« +120 places par rapport
  à 2017 »);
- the **trajectory** goes in a straight line from the baseline value (baseline year) to the goal (deadline);
  after the deadline it stays at the goal;
- the status reads the **latest year with a value** after the baseline year:
  « objectif atteint » when that value reaches the goal (in the goal's direction); else, by the share of the
  planned change achieved against the share of the time elapsed, « en avance » (more than ``TOLERANCE``
  ahead), « en retard » (more than ``TOLERANCE`` behind, or the deadline passed), else « dans la
  trajectoire »;
- « non renseigné » when the baseline value or any later value is missing: never a guess.

A goal equal to the baseline (« maintenir ») is reached when the value holds in the indicator's better
direction (``higher_is_better``, higher when the catalogue does not say).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from pipelines.formatting import fr_number

REACHED, AHEAD, ON_TRACK, BEHIND, MISSING = ("objectif atteint", "en avance", "dans la trajectoire", "en retard",
                                             "non renseigné")
STATUSES = (REACHED, AHEAD, ON_TRACK, BEHIND, MISSING)
TOLERANCE = 0.10  # share of the planned change: within ± this of the trajectory is on it
TRAJECTORY_COLUMNS = ["indicator_id", "year", "observed", "expected"]
TRACKING_COLUMNS = ["indicator_id", "baseline_value", "goal", "year", "value", "expected", "progress", "elapsed",
                    "status", "reason"]


@dataclass(frozen=True)
class Target:
    baseline_year: int
    deadline: int
    kind: str  # "valeur" or "évolution"
    target: float
    higher_is_better: bool | None = None
    decimals: int = 0


@dataclass(frozen=True)
class Assessment:
    baseline_value: float | None
    goal: float | None
    year: int | None  # the latest year with a value after the baseline year
    value: float | None
    expected: float | None  # the trajectory's value that year
    progress: float | None  # share of the planned change achieved
    elapsed: float | None  # share of the time from baseline to deadline elapsed
    status: str
    reason: str


def goal_of(target: Target, baseline_value: float | None) -> float | None:
    if target.kind == "valeur":
        return target.target
    return None if baseline_value is None else baseline_value + target.target


def expected_at(target: Target, baseline_value: float, goal: float, year: int) -> float:
    """The trajectory: a straight line from the baseline to the goal, then the goal."""
    share = min(max((year - target.baseline_year) / (target.deadline - target.baseline_year), 0.0), 1.0)
    return baseline_value + (goal - baseline_value) * share


def assess(target: Target, observed: dict[int, float]) -> Assessment:
    """The status of one indicator from its values by year (missing years absent from ``observed``)."""
    n = target.decimals
    baseline = observed.get(target.baseline_year)
    goal = goal_of(target, baseline)
    later = sorted(y for y in observed if y > target.baseline_year)
    if baseline is None:
        return Assessment(None, goal, None, None, None, None, None, MISSING,
                          f"valeur de l'année de référence ({target.baseline_year}) non disponible")
    if not later:
        return Assessment(baseline, goal, None, None, None, None, None, MISSING,
                          f"aucune valeur après l'année de référence ({target.baseline_year})")
    year = later[-1]
    value = observed[year]
    expected = expected_at(target, baseline, goal, year)
    elapsed = min((year - target.baseline_year) / (target.deadline - target.baseline_year), 1.0)
    where = f"{year} : {fr_number(value, n)} pour une trajectoire de {_shown(expected, n)} (cible " \
            f"{fr_number(goal, n)} en {target.deadline})"
    if goal == baseline:
        higher = target.higher_is_better is not False
        held = value >= goal if higher else value <= goal
        return Assessment(baseline, goal, year, value, expected, None, elapsed, REACHED if held else BEHIND,
                          f"{year} : {fr_number(value, n)} pour {fr_number(goal, n)} à maintenir")
    progress = (value - baseline) / (goal - baseline)
    if progress >= 1:
        status = REACHED
    elif year >= target.deadline or progress < elapsed - TOLERANCE:
        status = BEHIND
    elif progress > elapsed + TOLERANCE:
        status = AHEAD
    else:
        status = ON_TRACK
    if status == BEHIND and year >= target.deadline:
        where += " : échéance atteinte sans la cible"
    return Assessment(baseline, goal, year, value, expected, progress, elapsed, status, where)


def _shown(value: float, decimals: int) -> str:
    """A trajectory value; a count's with one decimal when it falls between two (6,5 contrôles, not 6)."""
    return fr_number(value, 1 if decimals == 0 and abs(value - round(value)) > 1e-9 else decimals)


def track(indicators: pd.DataFrame, observed: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Trajectories and statuses of every linked indicator.

    ``indicators``: ``indicator_id, baseline_year, deadline, target_kind, target, higher_is_better, decimals``;
    ``observed``: ``indicator_id, year, value`` (missing values have no row). Returns the trajectory (one row per
    indicator and year from the baseline year to the deadline or the latest value) and the tracking (one row
    per indicator).
    """
    trajectory, tracking = [], []
    values = {key: dict(zip(rows["year"], rows["value"])) for key, rows in observed.groupby("indicator_id")}
    for row in indicators.itertuples(index=False):
        higher = None if pd.isna(row.higher_is_better) else bool(row.higher_is_better)
        target = Target(int(row.baseline_year), int(row.deadline), row.target_kind, float(row.target), higher,
                        int(row.decimals) if not pd.isna(row.decimals) else 0)
        mine = {int(y): float(v) for y, v in values.get(row.indicator_id, {}).items() if not pd.isna(v)}
        result = assess(target, mine)
        tracking.append((row.indicator_id, result.baseline_value, result.goal, result.year, result.value,
                         result.expected, result.progress, result.elapsed, result.status, result.reason))
        last = max([target.deadline, *(y for y in mine if y >= target.baseline_year)])
        for year in range(target.baseline_year, last + 1):
            expected = None if result.baseline_value is None or result.goal is None else \
                expected_at(target, result.baseline_value, result.goal, year)
            trajectory.append((row.indicator_id, year, mine.get(year), expected))
    return (pd.DataFrame(trajectory, columns=TRAJECTORY_COLUMNS).astype({"observed": float, "expected": float}),
            pd.DataFrame(tracking, columns=TRACKING_COLUMNS).astype(
                {"year": "Int64", **{c: float for c in ("baseline_value", "goal", "value", "expected", "progress",
                                                        "elapsed")}}))
