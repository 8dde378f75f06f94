"""Saved scenarios: written under SDSF_HOME, never over a shipped rule set, evaluated by the refresh."""

from __future__ import annotations

import datetime as dt

from dataclasses import replace

import pytest

from pipelines.indicators.catalogue import catalogue_frame
from pipelines.priority import RULESETS_DIR, RuleSetError, load_ruleset, with_overrides
from pipelines.priority.evaluate_all import load_all, priority_tables
from pipelines.priority.scenarios_store import list_scenarios, save_scenario, scenarios_dir, slug
from tests.test_priority_engine import YEAR, sdsf_case


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SDSF_HOME", str(tmp_path))
    return tmp_path


@pytest.fixture
def sdsf71():
    return load_ruleset(RULESETS_DIR / "sdsf71.toml", catalogue_frame())


def test_save_then_list_and_reload_identically(home, sdsf71):
    scenario = with_overrides(sdsf71, {"am_55_plus": 35, "tcg_sous_departement": 0.9}, name="am_35")
    path = save_scenario(scenario, author="c.martin")
    assert path == home / "data" / "scenarios" / "am_35.toml" and scenarios_dir() == path.parent
    assert list_scenarios() == [path]
    assert sorted(p.name for p in path.parent.iterdir()) == ["am_35.toml"]  # no temporary file left
    reloaded = load_ruleset(path, catalogue_frame())
    assert replace(reloaded, source=None, author=None, saved_at=None) == scenario
    assert (reloaded.version, reloaded.derived_from, reloaded.author) == ("1.1", "sdsf71 1.0", "c.martin")
    assert dt.datetime.fromisoformat(reloaded.saved_at) <= dt.datetime.now(dt.timezone.utc)


def test_no_scenario_folder_means_no_scenario(home):
    assert list_scenarios() == []


def test_a_shipped_rule_set_name_is_refused(home, sdsf71):
    with pytest.raises(RuleSetError, match="« sdsf71 » est le nom d'une règle livrée"):
        save_scenario(with_overrides(sdsf71, {"am_55_plus": 35}))
    assert list_scenarios() == []


def test_an_existing_scenario_is_replaced_only_on_request(home, sdsf71):
    path = save_scenario(with_overrides(sdsf71, {"am_55_plus": 35}, name="am"))
    with pytest.raises(RuleSetError, match="un scénario « am » existe déjà"):
        save_scenario(with_overrides(sdsf71, {"am_55_plus": 30}, name="am"))
    assert "value = 35" in path.read_text(encoding="utf-8")
    save_scenario(with_overrides(sdsf71, {"am_55_plus": 30}, name="am"), replace_existing=True)
    assert "value = 30" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("title, name", [
    ("Seuil AM 35 %", "seuil_am_35"), ("  Élargi : ruralité ", "elargi_ruralite"),
    ("2026 test", "scenario_2026_test"), ("%%", ""),
])
def test_slug_turns_a_typed_title_into_a_rule_set_name(title, name):
    assert slug(title) == name


def test_refresh_tables_include_saved_scenarios_with_their_version(home, sdsf71):
    save_scenario(with_overrides(sdsf71, {"am_55_plus": 35, "tcg_sous_departement": 0.8}, name="am_35"))
    data, territories = sdsf_case()
    rulesets, skipped = load_all(catalogue_frame())
    assert skipped == []
    status, reasons = priority_tables(rulesets, data, territories, catalogue_frame(), [YEAR], "COG 2025")
    versions = status.groupby("ruleset")["ruleset_version"].unique().map(list).to_dict()
    assert versions == {"am_35": ["1.1"], "fonds_reequilibrage": ["1.0"], "sdsf71": ["1.0"]}
    assert set(status["data_vintage"]) == {"COG 2025"}
    scenario = status[status["ruleset"] == "am_35"].set_index("code")
    # Same hand-checked outcome as the engine test: S3 enters, S4 and S5 leave, S1 drops to Priorité 2.
    assert scenario["status"].to_dict() == dict(S1="prioritaire", S2="prioritaire", S3="prioritaire",
                                                S4="non prioritaire", S5="indéterminé", S6="indéterminé",
                                                S7="indéterminé")
    assert set(reasons.loc[reasons["ruleset"] == "am_35", "criterion"]) == {c.id for c in sdsf71.criteria}


def test_refresh_skips_a_scenario_file_reusing_a_rule_set_name(home, sdsf71):
    save_scenario(with_overrides(sdsf71, {"am_55_plus": 35}, name="am_35"))
    copy = scenarios_dir() / "copie.toml"
    copy.write_text((scenarios_dir() / "am_35.toml").read_text(encoding="utf-8"), encoding="utf-8")
    # A saved scenario is data: the broken one is reported and skipped, the refresh goes on.
    rulesets, skipped = load_all(catalogue_frame())
    assert [r.name for r in rulesets].count("am_35") == 1
    ((path, reason),) = skipped
    assert path.name == "copie.toml" and "nom « am_35 » déjà utilisé par « am_35.toml »" in reason
