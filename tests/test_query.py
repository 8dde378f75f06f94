"""The query layer's totals of a territory made of several (a CTG territory), hand-checked."""

from __future__ import annotations

import pandas as pd
import pytest

from pipelines.refresh import RefreshRequest, run
from pipelines.warehouse.query import PUBLISHED_TOTAL_SOURCE, Warehouse
from tests.modeldata import build
from tests.rawdata import write_raw
from tests.test_staging import caf_only


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SDSF_HOME", str(tmp_path))
    return tmp_path


def _total(wh, level, codes, year):
    frame = wh.total(level, codes, [year])
    return frame.set_index("indicator")


def test_total_of_two_territories_sums_counts_and_recomputes_rates(home):
    raw = write_raw(home / "raw")
    assert run(RefreshRequest(raw, ["71"])).outcome == "success"
    wh = Warehouse.open_current()
    try:
        # Mâcon 71270: 60 EAJE + 250 AM + 10 GAD + 20 prescol = 340 places, 900.2 children;
        # Chalon 71076: 10 + 320 + 12 + 15 = 357 places, 1 200 children -> 697 / 2 100.2 (not the mean of rates)
        total = _total(wh, "commune", ["71270", "71076"], 2022)
        assert total.loc["places_total", "value"] == 697
        assert total.loc["enfants_0_2", "value"] == pytest.approx(2100.2)
        assert total.loc["tcg", "value"] == pytest.approx(100 * 697 / 2100.2)
        assert set(total["origin"]) == {"computed"}
        # 71001 has no complementary places row: its places are not reported, so neither is a total with it
        assert "places_total" not in _total(wh, "commune", ["71270", "71001"], 2022).index
    finally:
        wh.close()


def test_total_from_published_places_and_rates_when_there_are_no_counts(home):
    raw = caf_only(home / "raw", ["2021;200070308;CC DU GRAND AUTUNOIS MORVAN;50.0;20.0;;;;;;",
                                  "2021;200071579;CC X;75.0;30.0;;;;;;"])
    (raw / "caf" / "nbpla_pe_epci.csv").write_text(
        "annee;numepci;nomepci;pl_eaje_epci;pl_am_ind_epci;pl_gad_ind_epci;pl_prescol_epci;tot_offre_epci\n"
        "2021;200070308;A;40;50;5;5;100\n2021;200071579;B;90;130;15;15;300\n", encoding="utf-8")
    assert run(RefreshRequest(raw, ["71"])).outcome == "success"
    wh = Warehouse.open_current()
    try:
        # children: 100 × 100 / 50 = 200 and 300 × 100 / 75 = 400 -> TCG 400 / 600 = 66.7, EAJE 130 / 600
        total = _total(wh, "epci", ["200070308", "200071579"], 2021)
        assert total.loc["tcg", "value"] == pytest.approx(100 * 400 / 600)
        assert total.loc["tcg_eaje", "value"] == pytest.approx((20 * 200 + 30 * 400) / 600)
        assert total.loc["places_total", "value"] == 400
        assert total.loc["tcg", "source"] == PUBLISHED_TOTAL_SOURCE
    finally:
        wh.close()


def test_share_of_active_childminders_aged_55_plus_by_hand():
    # macros.sql computes it for the models, the view and the totals alike: 2 of 8 active AM -> 25 %
    staged = {"childminders": pd.DataFrame({"year": [2017], "commune": ["71001"], "am_agrees": [10],
                                            "am_actifs": [8], "am_places_agrees": [35], "am_places_u3": [20],
                                            "am_actifs_55_plus": [2]})}
    con = build(staged, [2017])
    assert con.execute("SELECT part_am_55_plus FROM with_indicators('counts') WHERE code = '71001'").fetchone()[0] == 25.0
