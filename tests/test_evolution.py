"""Evolution between two years, checked by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pipelines.indicators.evolution import evolution


def _long(rows):
    return pd.DataFrame(rows, columns=["level", "code", "year", "indicator", "value"])


def _row(frame, code):
    return frame.set_index("code").loc[code]


def test_hand_checked_changes():
    values = _long([
        ("epci", "A", 2017, "tcg", 60.0), ("epci", "A", 2024, "tcg", 66.0),   # +6 = +10 %
        ("epci", "B", 2017, "tcg", 80.0), ("epci", "B", 2024, "tcg", 72.0),   # -8 = -10 %
        ("epci", "B", 2020, "tcg", 99.0),                                       # ignored year
    ])
    out = evolution(values, 2017, 2024)
    assert list(out.columns) == ["level", "code", "indicator", "base_year", "last_year", "base", "last", "change",
                                 "change_pct"]
    a, b = _row(out, "A"), _row(out, "B")
    assert (a["base"], a["last"], a["change"]) == (60.0, 66.0, 6.0)
    assert a["change_pct"] == pytest.approx(10.0)
    assert (b["change"], b["change_pct"]) == (-8.0, pytest.approx(-10.0))


def test_missing_base_or_last_gives_missing_change_never_zero():
    values = _long([
        ("epci", "new", 2024, "places_eaje", 12.0),     # no value at the base year
        ("epci", "gone", 2017, "places_eaje", 30.0),    # no value at the last year
    ])
    out = evolution(values, 2017, 2024)
    new, gone = _row(out, "new"), _row(out, "gone")
    assert math.isnan(new["base"]) and new["last"] == 12.0
    assert math.isnan(new["change"]) and math.isnan(new["change_pct"])
    assert math.isnan(gone["last"]) and math.isnan(gone["change"])


def test_zero_base_gives_absolute_change_and_missing_relative_change():
    values = _long([("epci", "A", 2017, "nb_laep", 0.0), ("epci", "A", 2024, "nb_laep", 2.0)])
    row = _row(evolution(values, 2017, 2024), "A")
    assert row["change"] == 2.0
    assert math.isnan(row["change_pct"])


def test_keys_separate_levels_and_indicators():
    values = _long([
        ("epci", "71", 2017, "tcg", 1.0), ("departement", "71", 2017, "tcg", 70.0),
        ("departement", "71", 2024, "tcg", 77.0), ("departement", "71", 2024, "places_am", 5.0),
    ])
    out = evolution(values, 2017, 2024).set_index(["level", "indicator"])
    assert out.loc[("departement", "tcg"), "change"] == 7.0
    assert math.isnan(out.loc[("epci", "tcg"), "change"])
    assert math.isnan(out.loc[("departement", "places_am"), "change"])
