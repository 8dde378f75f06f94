"""On track or not, on hand-checked trajectories: ahead, on it, behind, reached, missing data."""

from __future__ import annotations

import pandas as pd
import pytest

from pipelines.plan.tracking import AHEAD, BEHIND, MISSING, ON_TRACK, REACHED, Target, assess, track

# « +120 places EAJE par rapport à 2017 » by 2022: 2 402 places in 2017, goal 2 522; the trajectory gains 24 a year
PLACES = Target(2017, 2022, "évolution", 120)


@pytest.mark.parametrize("observed, status, expected", [
    # 2020 (3/5 of the time): trajectory 2 474. 2 500 is 98/120 = 82 % of the change: > 60 % + 10 points
    ({2017: 2402, 2019: 2430, 2020: 2500}, AHEAD, 2474),
    # 2 470 is 68/120 = 57 %: within 10 points of 60 %
    ({2017: 2402, 2020: 2470}, ON_TRACK, 2474),
    # 2 450 is 48/120 = 40 %: more than 10 points behind
    ({2017: 2402, 2020: 2450}, BEHIND, 2474),
    # 2 530 ≥ 2 522: reached before the deadline
    ({2017: 2402, 2021: 2530}, REACHED, 2498),
    # the deadline is past (2023) and 2 510 < 2 522: behind for good
    ({2017: 2402, 2023: 2510}, BEHIND, 2522),
])
def test_an_increase_target(observed, status, expected):
    result = assess(PLACES, observed)
    assert result.status == status
    assert result.goal == 2522 and result.baseline_value == 2402
    assert result.expected == pytest.approx(expected)


def test_the_latest_year_with_a_value_decides_and_says_why():
    result = assess(PLACES, {2017: 2402, 2018: 2500, 2020: 2440})  # ahead in 2018, behind in 2020
    assert (result.year, result.status) == (2020, BEHIND)
    assert result.reason == "2020 : 2\u202f440 pour une trajectoire de 2\u202f474 (cible 2\u202f522 en 2022)"
    assert result.progress == pytest.approx(38 / 120) and result.elapsed == pytest.approx(0.6)


@pytest.mark.parametrize("observed, reason", [
    ({2018: 2450, 2020: 2500}, "valeur de l'année de référence (2017) non disponible"),
    ({2017: 2402}, "aucune valeur après l'année de référence (2017)"),
    ({2016: 2300, 2017: 2402}, "aucune valeur après l'année de référence (2017)"),
    ({}, "valeur de l'année de référence (2017) non disponible"),
])
def test_missing_data_is_non_renseigne_never_a_guess(observed, reason):
    result = assess(PLACES, observed)
    assert (result.status, result.reason) == (MISSING, reason)
    assert result.value is None and result.progress is None


def test_a_decrease_target_value():
    # share of AM aged 55+ from 40 % (2023) down to 34 % by 2026: trajectory 38 in 2024
    target = Target(2023, 2026, "valeur", 34.0, higher_is_better=False, decimals=1)
    assert assess(target, {2023: 40.0, 2024: 37.0}).status == AHEAD  # 3/6 = 50 % of the way after 33 %
    assert assess(target, {2023: 40.0, 2024: 38.5}).status == ON_TRACK  # 25 %
    assert assess(target, {2023: 40.0, 2024: 41.0}).status == BEHIND  # the wrong way
    assert assess(target, {2023: 40.0, 2025: 33.9}).status == REACHED


def test_keeping_a_level():
    target = Target(2023, 2026, "évolution", 0, higher_is_better=True)
    assert assess(target, {2023: 13, 2024: 13}).status == REACHED
    assert assess(target, {2023: 13, 2024: 12}).status == BEHIND


def test_track_gives_each_indicator_its_trajectory_and_status():
    indicators = pd.DataFrame({
        "indicator_id": ["a", "b"], "baseline_year": [2017, 2024], "deadline": [2022, 2026],
        "target_kind": ["évolution", "valeur"], "target": [120.0, 150.0], "higher_is_better": [True, None],
        "decimals": [0, 0]})
    observed = pd.DataFrame({"indicator_id": ["a", "a", "b"], "year": [2017, 2023, 2025], "value": [2402.0, 2530.0,
                                                                                                    85.0]})
    trajectory, tracking = track(indicators, observed)
    assert tracking.set_index("indicator_id")["status"].to_dict() == {"a": REACHED, "b": MISSING}
    a = trajectory[trajectory["indicator_id"] == "a"].set_index("year")
    assert list(a.index) == list(range(2017, 2024))  # baseline to the latest value (after the deadline)
    assert a.loc[2019, "expected"] == pytest.approx(2450) and pd.isna(a.loc[2019, "observed"])
    assert a.loc[2023, "expected"] == 2522 and a.loc[2023, "observed"] == 2530
    b = trajectory[trajectory["indicator_id"] == "b"]
    assert list(b["year"]) == [2024, 2025, 2026] and b["expected"].isna().all()  # no baseline value, no line
