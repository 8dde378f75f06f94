"""The plan's figures in the warehouse: values read the way the warehouse serves them, statuses, the demo's plan."""

from __future__ import annotations

import copy

import pytest

from pipelines.demo import plan as demo_plan
from pipelines.plan.build import plan_tables
from pipelines.plan.tracking import STATUSES
from pipelines.sources import plan
from pipelines.staging import plan as plan_staging
from tests.modeldata import build
from tests.test_models import ALL, staged  # noqa: F401  (fixture)


def test_indicator_values_come_from_the_warehouse_single_ctg_or_entered(staged, tmp_path):  # noqa: F811
    con = build(staged, [2017, 2018], exhaustive=ALL)
    rows = copy.deepcopy(plan.EXAMPLES)
    first = dict(rows["indicateurs"][0], indicateur="places_eaje", annee_reference="2017", cible="+5",
                 echeance="2019")
    rows["indicateurs"] = [
        first,
        dict(first, id_indicateur="ctg", niveau_territoire="epci", codes_territoire="200000001 ; 200000002",
             nom_territoire="CTG test"),
        dict(first, id_indicateur="one", niveau_territoire="epci", codes_territoire="200000002"),
        rows["indicateurs"][1],
    ]
    path = plan.write_plan(tmp_path / "plan_action_71.xlsx", rows)
    assert plan_staging.stage(con, [path]).problems == []
    plan_tables(con)
    observed = {(i, y): v for i, y, v in con.execute(
        "SELECT indicator_id, year, observed FROM plan_trajectory WHERE observed IS NOT NULL").fetchall()}
    # département: 20 + 30 EAJE places in 2017; 20 + 10 in 2018 (E3 closed on 31/12/2018, E2 opened)
    assert observed[("1-2024-a", 2017)] == 50 and observed[("1-2024-a", 2018)] == 30
    assert observed[("ctg", 2017)] == 50 and observed[("ctg", 2018)] == 30  # the two EPCI summed
    assert observed[("one", 2017)] == 30 and observed[("one", 2018)] == 0
    assert observed[("2-2025-a", 2025)] == 85  # entered, with its source
    status = dict(con.execute("SELECT indicator_id, status FROM plan_tracking").fetchall())
    assert status == {"1-2024-a": "en retard", "ctg": "en retard", "one": "en retard",
                      "2-2025-a": "dans la trajectoire"}
    source = con.execute("SELECT source FROM plan_trajectory WHERE indicator_id = '2-2025-a' AND year = 2025"
                         ).fetchone()[0]
    assert source == "Feuilles d'émargement"


@pytest.fixture(scope="module")
def wh(demo_warehouse):
    return demo_warehouse


def test_the_demo_ships_the_71_plan_modelled_on_the_real_one(wh):
    (schema,) = wh.plans().itertuples(index=False)
    assert (schema.departement, schema.first_year, schema.last_year) == ("71", 2024, 2026)
    assert wh.plan_axes("71")["axis"].tolist() == ["décideurs", "professionnels", "publics"]
    actions = wh.plan_actions("71", 2025).set_index("action")
    assert list(actions.index) == ["1-2024", "2-2024", "3-2024", "4-2024", "5-2024", "1-2025", "2-2025", "3-2025",
                                   "1-2026"]
    assert actions.loc["3-2024", ["status", "target_action"]].tolist() == ["intégrée à une autre fiche", "2-2025"]
    assert actions.loc["1-2024", "status"] == "fait" and wh.plan_actions("71", 2024).set_index("action").loc[
        "1-2024", "status"] == "en cours"
    assert actions["status"].isna().tolist().count(True) == 1  # 1-2026 has no status before 2026


def test_demo_statuses_follow_the_warehouse_figures(wh):
    indicators = wh.plan_indicators("71").set_index("indicator_id")
    assert set(indicators["status"]) <= set(STATUSES)
    eaje = wh.values("departement", ["71"], ["places_eaje"]).set_index("year")["value"]
    row = indicators.loc["1-2024-a"]
    assert (row["baseline_value"], row["goal"], row["value"]) == (eaje[2017], eaje[2017] + 120, eaje[2024])
    assert eaje[2024] >= eaje[2017] + 120 and row["status"] == "objectif atteint"
    ctg = wh.total("epci", list(demo_plan.PRIORITY_EPCI))
    tcg = ctg[ctg["indicator"] == "tcg"].set_index("year")["value"]
    assert indicators.loc["1-2024-b", "value"] == pytest.approx(tcg[2024])
    assert indicators.loc["1-2024-b", "baseline_value"] == pytest.approx(tcg[2017])
    assert tcg[2024] < tcg[2017] and indicators.loc["1-2024-b", "status"] == "en retard"  # the wrong way
    assert indicators.loc["1-2024-b", "territory_label"] == "CTG des EPCI prioritaires"
    entered = indicators[indicators["entered"]]["status"].to_dict()
    assert entered == {"2-2024-a": "dans la trajectoire", "2-2024-b": "en avance", "1-2025-a": "objectif atteint",
                       "2-2025-a": "dans la trajectoire", "3-2025-a": "en retard", "1-2026-a": "non renseigné"}


def test_demo_bilan_adds_up_and_names_the_year_s_events(wh):
    years = wh.review_years()
    assert years == list(range(2018, 2025))
    review = wh.annual_review("departement", "71", 2024).set_index("item")
    assert review["after"].notna().all()  # the demo's extracts are declared exhaustive
    eaje = review.loc["eaje"]
    assert eaje["places_after"] - eaje["places_before"] == (eaje["places_created"] - eaje["places_removed"]
                                                            + eaje["places_moved"])
    assert eaje["places_after"] == wh.values("departement", ["71"], ["places_eaje"], [2024])["value"].iloc[0]
    events = wh.review_events("departement", "71", 2024)
    openings = events[(events["kind"] == "ouverture") & events["type"].isin(["EAJE_PSU", "EAJE_HORS_PSU"])]
    assert len(openings) == eaje["opened"] and openings["places"].sum() == eaje["places_opened"]
    by_epci = wh._df("SELECT sum(places_created) AS s FROM annual_review WHERE level = 'epci' AND year = 2024 "
                     "AND item = 'eaje'")["s"].iloc[0]
    assert by_epci == eaje["places_created"]


def test_demo_communes_above_10_000_have_the_schema_and_rpe_duties(wh):
    communes = wh.commune_obligations("71").set_index("commune")
    big = communes[communes["tier"] == "plus_10000"]
    assert {"71076", "71270"} <= set(big.index)  # Chalon-sur-Saône, Mâcon
    assert all("rpe" in duties and "schema" in duties for duties in big["obligations"])
    assert (communes.loc[communes["tier"] == "plus_3500", "population"].between(3500, 10000)).all()
    assert (communes["figures_year"] == 2024).all()
    # every commune has its TCG, or « secret statistique » (AM places of a small commune): never silently missing
    tcg = wh.values("commune", list(communes.index), ["tcg"], [2024]).set_index("code")
    assert set(tcg.index) == set(communes.index) and (tcg["value"].notna() ^ tcg["secret"]).all()
    assert communes.loc[tcg.index[tcg["secret"]], "tcg"].isna().all()


def test_cli_writes_the_blank_plan_and_status_reports_the_plan(wh, tmp_path, capsys):
    from pipelines.cli import main
    assert main(["templates", "--out", str(tmp_path)]) == 0
    assert str(tmp_path / plan.BLANK_NAME) in capsys.readouterr().out
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "Plan d'action :" in out and "plan_action_71.xlsx) : 9 fiches, 10 indicateurs liés" in out


def test_the_demo_workbook_has_the_template_s_sheets_and_headers():
    assert demo_plan.HEADERS == {name: [f.column for f in t.fields] for name, t in plan.SHEETS.items()}
    assert demo_plan.INTEGRATED == plan.INTEGRATED



def test_demo_crèches_change_capacity_and_mam_move_after_2017_only(wh):
    changes = wh._df("SELECT kind, min(year) AS first, count(*) AS n FROM equipment_event "
                     "WHERE kind IN ('capacité', 'transfert') GROUP BY kind ORDER BY kind").set_index("kind")
    assert changes.loc["capacité", "first"] >= 2018 and changes.loc["capacité", "n"] >= 10
    assert changes.loc["transfert", "first"] >= 2018
    moved = wh._df("SELECT sum(moved) AS n, count_if(moved <> 0) AS epci FROM annual_review "
                   "WHERE level = 'epci' AND item = 'mam'")
    assert moved["n"].iloc[0] == 0 and moved["epci"].iloc[0] > 0  # across EPCI borders: out of one, into another
