"""The demo's fictitious allocataires files: the real layout, the real file's identities, and a crossed view
that has something to show on the demo warehouse."""

from __future__ import annotations

import pandas as pd
import pytest

from pipelines.demo import generate_demo
from pipelines.sources.allocataires import read_allocataires
from pipelines.warehouse.query import Warehouse
from tests.test_allocataires import HEADER


@pytest.fixture(scope="module")
def demo71(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo_alloc")
    generate_demo(["71"], out, years=[2023, 2024])
    return out


def test_files_have_the_real_layout_and_identities(demo71):
    iris_file = demo71 / "caf" / "data_CAF_2024_IRIS.csv"
    assert iris_file.read_bytes().startswith((HEADER + "\r\n").encode())  # no BOM, CRLF, the year in the name
    raw = pd.read_csv(iris_file, sep=";", dtype={"CODGEO": str})
    assert (raw["A"] == raw["AI"] + raw["AM"] + raw["ACSSENF"] + raw["ACAVENF"]).all()
    ages = ["ENF_2", "ENF_3_5", "ENF_6_10", "ENF_11_14", "ENF_15_17", "ENF_18_24"]
    assert (raw["ENF"] == raw[ages].sum(axis=1)).all()
    iris = read_allocataires(iris_file)
    communes = read_allocataires(demo71 / "caf" / "data_CAF_2024_COM.csv")
    assert set(iris["level"]) == {"iris"} and set(communes["level"]) == {"commune"}
    assert not set(iris["commune"]) & set(communes["commune"])  # a commune is in one file or the other
    assert len(set(iris["commune"]) | set(communes["commune"])) == 563  # every commune of 71


def test_the_iris_of_a_town_add_up_to_what_its_population_gives(demo71):
    iris = read_allocataires(demo71 / "caf" / "data_CAF_2024_IRIS.csv")
    population = pd.read_csv(demo71 / "insee" / "base-cc-evol-struct-pop-2024.csv", sep=";", dtype={"CODGEO": str})
    town = iris.groupby("commune")[["allocataires", "enfants_alloc_0_2"]].sum().join(
        population.set_index("CODGEO")[["P24_POP", "P24_POP0002"]])
    assert (town["allocataires"] / town["P24_POP"]).between(0.12, 0.3).all()
    assert (town["enfants_alloc_0_2"] <= town["P24_POP0002"]).all()  # not every child is an allocataire's


def test_the_demo_warehouse_crosses_coverage_and_rsa_for_every_epci(demo_home):
    wh = Warehouse.open_current()
    try:
        crossed = wh.crossed("epci", 2024, "71")
        assert len(crossed) == len(wh.territories("epci"))
        assert crossed["quadrant"].notna().all() and set(crossed["reference"]) == {"département"}
        assert crossed["quadrant"].nunique() == 4  # the demo shows every case
        assert crossed["tcg_departement"].round(1).eq(crossed["tcg_departement"].iloc[0].round(1)).all()
        chalon = wh.iris("71076", 2024)  # Chalon-sur-Saône, split into fictitious IRIS
        total = wh.values("commune", ["71076"], ["allocataires"], [2024])["value"].item()
        assert len(chalon) > 5 and chalon["allocataires"].sum() == total
    finally:
        wh.close()


def test_the_documented_insertion_scenario_flags_the_first_quadrant(demo_home):
    """The TOML example of docs/priority.md, evaluated on the demo: its priorities are quadrant 1."""
    from pipelines.paths import REPO_ROOT
    from pipelines.priority import evaluate, loads_ruleset

    doc = (REPO_ROOT / "docs" / "priority.md").read_text(encoding="utf-8")
    text = doc.split("data/scenarios/insertion.toml")[1].split("```toml\n")[1].split("```")[0]
    wh = Warehouse.open_current()
    try:
        ruleset = loads_ruleset(text, wh.catalogue())
        values = pd.concat([wh.values(level, None, ["tcg", "part_allocataires_rsa"], [2024])
                            for level in ("epci", "departement")])
        status, reasons = evaluate(ruleset, values, wh.territories(), 2024, "epci", wh.catalogue())
        crossed = wh.crossed("epci", 2024, "71").set_index("code")["quadrant"]
    finally:
        wh.close()
    flagged = set(status.loc[status["status"] == "prioritaire", "code"])
    assert flagged and flagged == set(crossed[crossed == 1].index)
    assert reasons["text"].str.contains("allocataires RSA|Part RSA", regex=True).any()


def test_the_crossed_view_shows_only_what_the_reader_may_see(demo_home):
    """A commune TCG masked by statistical secrecy is not shown (nor classed) beside the RSA share, and a
    reader without the extracts sees no computed TCG there at all."""
    wh = Warehouse.open_current()
    try:
        crossed = wh.crossed("commune", 2024, "71").set_index("code")
        shown = wh.values("commune", None, ["tcg"], [2024]).set_index("code")
        secret = shown.index[shown["secret"]]
        assert len(secret) > 0 and crossed.loc[secret, "tcg_secret"].all()
        assert crossed.loc[secret, "tcg"].isna().all() and crossed.loc[secret, "quadrant"].isna().all()
        visible = crossed.index.difference(secret)
        assert crossed.loc[visible, "tcg"].round(6).equals(shown.loc[visible, "value"].round(6))
        public = wh.crossed("commune", 2024, "71", clearance="public")
        assert public["tcg"].isna().all() or (public.loc[public["tcg"].notna(), "tcg_origin"] == "published").all()
    finally:
        wh.close()
