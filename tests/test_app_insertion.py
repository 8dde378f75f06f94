"""The crossed view petite enfance × insertion on Cartes and in the portrait (AppTest, demo warehouse)."""

from __future__ import annotations

import json

from app import crossed as crossed_view
from pipelines.warehouse.query import Warehouse
from tests.test_app_explorer_cartes_donnees import GRAND_CHALON, page  # noqa: F401 (the pages' fixture)


def expected(level: str, year: int):
    wh = Warehouse.open_current()
    try:
        return wh.crossed(level, year, "71")
    finally:
        wh.close()


def test_cartes_maps_the_quadrants_and_names_the_first_ones(page):
    at = page("cartes", niveau="epci", annee="2024")
    spec = json.loads(at.get("plotly_chart")[-1].proto.spec)
    assert [t["name"] for t in spec["data"]][:4] == crossed_view.QUADRANTS
    first = expected("epci", 2024)
    first = first[first["quadrant"] == 1]
    table = next(d.value for d in at.dataframe if "Part des allocataires au RSA (%)" in d.value.columns)
    assert sorted(table["Territoire"]) == sorted(first["name"]) and len(first) > 0
    assert any(s.value == f"Couverture faible, part RSA élevée : {len(first)} EPCI" for s in at.subheader)


def test_cartes_communes_carry_the_reference_of_their_departement(page):
    at = page("cartes", niveau="commune", annee="2024")
    note = next(c.value for c in at.caption if "« Faible » et « élevée »" in c.value)
    row = expected("commune", 2024).iloc[0]
    assert "par rapport au département —" in note and f"{row['part_allocataires_rsa_reference']:.1f}".replace(".", ",") in note


def test_portrait_places_the_epci_and_lists_its_communes_and_iris(page):
    at = page("portrait", niveau="epci", territoire=GRAND_CHALON, annee="2024")
    assert any(s.value == "Petite enfance × insertion" for s in at.subheader)
    own = expected("epci", 2024).set_index("code").loc[GRAND_CHALON]
    assert any(own["quadrant_label"] in m.value for m in at.markdown)
    iris_picker = next(s for s in at.selectbox if s.label == "Détail par IRIS de la commune")
    assert iris_picker.value == "71076"  # Chalon-sur-Saône, the one town split into IRIS
    iris = next(d.value for d in at.dataframe if "IRIS" in d.value.columns)
    assert iris["IRIS"].str.startswith("71076").all() and set(iris["Diffusion"]) == {"publiée"}
    assert any("Pas de carte des IRIS" in c.value for c in at.caption)
