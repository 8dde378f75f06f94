"""The caches a server warms at start are the ones the pages read (same functions, same arguments)."""

from __future__ import annotations

import streamlit as st

from app import data
from pipelines.warehouse.query import Warehouse


def test_warming_fills_the_reads_the_pages_make(demo_home, monkeypatch):
    st.cache_data.clear()
    st.cache_resource.clear()
    v = data.version()
    data._warm(v, data.role_key())  # the demo: open, analyste view
    calls = []
    for name in ("values", "territories", "priority_status", "shapes", "catalogue"):
        original = getattr(Warehouse, name)
        monkeypatch.setattr(Warehouse, name, lambda self, *a, _o=original, _n=name, **k: calls.append(_n) or _o(
            self, *a, **k))
    data.values(v, "epci")
    data.territories(v, "commune")
    data.catalogue(v)
    data.priority_status(v, "epci", int(data.meta(v)["years"].split(",")[-1]))
    data.map_shapes(v, "epci", data.shape_bounds(v, "epci")["code"], data.charts.MAP_PIXELS)
    assert calls == []  # all served from the caches the warm-up filled
    data.values(v, "commune")
    assert calls == ["values"]  # not warmed: read on demand (the check above can fail)
