"""Dates and times as French users read them: « 1er décembre », Europe/Paris, said as such."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from pipelines.formatting import fr_date, fr_day
from pipelines.paths import REPO_ROOT
from pipelines.warehouse.query import Warehouse


@pytest.mark.parametrize("iso, expected", [
    ("2026-11-30T23:30:00+00:00", "1er décembre 2026 à 00 h 30 (heure de Paris)"),  # UTC → Paris, next day
    ("2026-07-14T08:05:00+00:00", "14 juillet 2026 à 10 h 05 (heure de Paris)"),  # summer time: UTC+2
    ("2026-01-02T08:05:00", "2 janvier 2026 à 09 h 05 (heure de Paris)"),  # no zone: stored UTC
    (datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc), "1er mars 2026 à 13 h 00 (heure de Paris)"),
    (None, "n.d."),
])
def test_times_are_shown_in_paris_time_and_say_so(iso, expected):
    assert fr_date(iso) == expected


def test_the_first_of_the_month_is_premier():
    assert fr_day(date(2024, 12, 1)) == "1er décembre 2024" and fr_day(date(2024, 12, 2)) == "2 décembre 2024"


def test_pages_show_the_refresh_time_in_french_paris_time(demo_home):
    st.cache_data.clear()
    st.cache_resource.clear()
    wh = Warehouse.open_current()
    built = wh.meta()["built_at"]
    wh.close()
    at = AppTest.from_file(str(REPO_ROOT / "app" / "main.py"), default_timeout=30)
    at.switch_page("app_pages/donnees.py")
    at.run(timeout=30)
    assert not at.exception
    sidebar = " ".join(c.value for c in at.sidebar.caption)
    assert f"actualisées le {fr_date(built)}" in sidebar and "(heure de Paris)" in sidebar
    assert "T" not in fr_date(built) and any(f"construit le {fr_date(built)}" in m.value for m in at.markdown)
