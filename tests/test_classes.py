"""Map classes: hand-checked index to France, fixed limits and classification."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pipelines.indicators.classes import RATIO_BREAKS, class_labels, classify, fixed_breaks, ratio_to_reference

NNBSP = "\u202f"


def test_ratio_to_reference_hand_checked():
    # 72.1 / 60.9 × 100 = 118.39...; France itself is 100; missing stays missing
    out = ratio_to_reference(pd.Series([72.1, 60.9, None]), 60.9)
    assert out[0] == pytest.approx(118.3908, abs=1e-4)
    assert out[1] == pytest.approx(100.0)
    assert math.isnan(out[2])


@pytest.mark.parametrize("reference", [None, float("nan"), 0])
def test_ratio_without_a_usable_reference_is_missing_not_zero(reference):
    assert ratio_to_reference(pd.Series([50.0, 70.0]), reference).isna().all()


def test_ratio_classes_include_their_lower_limit():
    values = pd.Series([79.9, 80, 94.99, 95, 100, 104.99, 105, 119.9, 120, 250, None])
    classes = classify(values, RATIO_BREAKS, class_labels(RATIO_BREAKS, 0))
    assert list(classes.cat.categories) == ["moins de 80", "80 à moins de 95", "95 à moins de 105",
                                            "105 à moins de 120", "120 ou plus"]
    assert classes.cat.codes.tolist() == [0, 1, 1, 2, 2, 2, 3, 3, 4, 4, -1]
    assert pd.isna(classes.iloc[-1])


def test_fixed_breaks_are_the_quantiles_rounded():
    # 1..10, linear quantiles at 20/40/60/80 %: positions 1.8, 3.6, 5.4, 7.2 → 2.8, 4.6, 6.4, 8.2
    assert fixed_breaks(pd.Series(range(1, 11)), 5, 1) == [2.8, 4.6, 6.4, 8.2]
    assert fixed_breaks(pd.Series(range(1, 11)), 5, 0) == [3.0, 5.0, 6.0, 8.0]


def test_fixed_breaks_collapse_ties_rather_than_make_empty_classes():
    # seven zeros: the 20, 40, 60 % quantiles are 0 (the minimum) and the 80 % one is 1.2
    assert fixed_breaks(pd.Series([0, 0, 0, 0, 0, 0, 0, 1, 2, 3]), 5, 1) == [1.2]


def test_fixed_breaks_ignore_missing_and_survive_no_data():
    assert fixed_breaks(pd.Series([None, 1.0, 2.0, None, 3.0, 4.0, 5.0]), 2, 1) == [3.0]
    assert fixed_breaks(pd.Series([], dtype=float)) == []
    assert fixed_breaks(pd.Series([7.0, 7.0, 7.0])) == []


def test_fixed_breaks_do_not_move_with_the_year_shown():
    # limits from all years: sorted 50 54 58 60 62 64 66 68 72 76, median (62 + 64) / 2 = 63;
    # the 2024 values alone would put it at 68 and 64 would change class without changing figure
    all_years = pd.DataFrame({"year": [2017] * 5 + [2024] * 5,
                              "value": [50, 54, 58, 62, 66, 60, 64, 68, 72, 76]})
    later = all_years.loc[all_years["year"] == 2024, "value"]
    breaks = fixed_breaks(all_years["value"], 2, 0)
    assert breaks == [63.0] and fixed_breaks(later, 2, 0) == [68.0]
    assert classify(later, breaks).astype(str).tolist() == ["moins de 63,0", "63,0 ou plus", "63,0 ou plus",
                                                            "63,0 ou plus", "63,0 ou plus"]
    assert classify(later, breaks, class_labels(breaks, 0)).astype(str).tolist()[:2] == ["moins de 63",
                                                                                         "63 ou plus"]


def test_class_labels_are_french():
    assert class_labels([2.8, 4600.5], 1) == ["moins de 2,8", f"2,8 à moins de 4{NNBSP}600,5",
                                               f"4{NNBSP}600,5 ou plus"]
    assert class_labels([], 1) == ["toutes valeurs"]


def test_classify_needs_one_label_per_class():
    with pytest.raises(ValueError):
        classify(pd.Series([1.0]), [0.5], ["non"])
    assert classify(pd.Series([0, 1, None]), [0.5], ["non", "oui"]).astype(object).tolist()[:2] == ["non", "oui"]
