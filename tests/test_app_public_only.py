"""Every page on warehouses of published figures only (no Caf / PMI extract): pages show what they can and say
what is absent, never an empty chart without a sentence."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from app.access import SIGNED_IN
from pipelines.refresh import RefreshRequest, run
from tests.conftest import local_access
from tests.test_app_explorer_cartes_donnees import MAIN
from tests.test_staging import caf_only

PAGES = ["accueil", "portrait", "explorer", "cartes", "priorites", "tendances", "donnees", "bilan", "plan",
         "communes"]


def _open(name: str) -> AppTest:
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(MAIN, default_timeout=60)
    at.session_state[SIGNED_IN] = "analyste"  # real (not fictitious) data: signed in, with the extracts' pages
    at.switch_page(f"app_pages/{name}.py")
    at.run(timeout=60)
    assert not at.exception, [e.value for e in at.exception]
    return at


def _said(at: AppTest) -> str:
    return " ".join([i.value for i in at.info] + [w.value for w in at.warning] + [c.value for c in at.caption])


@pytest.fixture
def cnaf_only(tmp_path, monkeypatch):
    monkeypatch.setenv("SDSF_HOME", str(tmp_path))
    raw = caf_only(tmp_path / "raw", ["2021;200070308;CC DU GRAND AUTUNOIS MORVAN;72.1;30;28;2;40;38;2;2.1",
                                      "2022;200070308;CC DU GRAND AUTUNOIS MORVAN;73.0;31;29;2;40;38;2;2.0"])
    assert run(RefreshRequest(raw, ["71"])).outcome == "success"
    local_access(tmp_path, "analyste")
    yield tmp_path
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.mark.parametrize("name", PAGES)
def test_pages_on_cnaf_open_data_alone(cnaf_only, name):
    at = _open(name)
    said = _said(at)
    if name == "accueil":
        assert "Pas de chiffres de cette rubrique du département dans ce jeu de données" in said
    if name == "portrait":  # the EPCI with a published rate is drawn; the places by mode are said absent
        assert len(at.get("plotly_chart")) >= 1 and "Pas de places par mode d'accueil" in said
    if name == "donnees":
        assert "rien à comparer" in said
    if name == "plan":
        assert "Aucun plan d'action dans l'entrepôt" in said
    if name == "communes":  # no census: no tier is known, none is guessed
        assert "population inconnue" in said
    if name == "bilan":
        assert "aucune commune renseignée" in " ".join(m.value for m in at.markdown)
    for chart in at.get("plotly_chart"):
        assert "aucune valeur" not in str(chart.proto.spec)  # no chart drawn over nothing


def test_pages_on_the_real_public_files_of_all_france(shared_data, tmp_path, monkeypatch):
    monkeypatch.setenv("SDSF_HOME", str(tmp_path))
    assert run(RefreshRequest(shared_data, None)).outcome == "success"
    local_access(tmp_path, "analyste")
    try:
        for name in PAGES:
            at = _open(name)
            if name == "portrait":  # EPCI of the Ain: no contour installed, said so rather than an empty map
                assert "Pas de carte : les contours de ces territoires ne sont pas installés" in _said(at)
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()
