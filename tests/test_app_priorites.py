"""The « Territoires prioritaires » page on the demo warehouse: stored results, live thresholds, comparison,
saved scenarios and exports. Expected figures come from the engine run directly on the warehouse values."""

from __future__ import annotations

import io
import shutil

import openpyxl
import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from pipelines.paths import REPO_ROOT
from pipelines.priority import RULESETS_DIR, compare, evaluate, load_ruleset, with_overrides
from app.access import SIGNED_IN
from pipelines.priority.scenarios_store import scenarios_dir
from pipelines.warehouse.query import Warehouse

PAGE = REPO_ROOT / "app" / "app_pages" / "priorites.py"
TCG_FACTOR = "seuil_sdsf71_1.0_tcg_sous_departement"
FONDS = "Transposition du fonds de rééquilibrage territorial de la Cnaf (2014-2017)"
SDSF71 = "Priorités inspirées du schéma départemental des services aux familles de Saône-et-Loire"


@pytest.fixture
def page(demo_home):
    """A fresh page on the demo warehouse; caches cleared and saved scenarios removed around each test."""
    st.cache_data.clear()
    st.cache_resource.clear()

    def open_page(user: str | None = None, **params) -> AppTest:
        at = AppTest.from_file(str(PAGE), default_timeout=30)
        at.query_params.update(params)
        if user:
            at.session_state[SIGNED_IN] = user
        return at.run(timeout=30)

    yield open_page
    shutil.rmtree(scenarios_dir(), ignore_errors=True)


@pytest.fixture
def warehouse(demo_home):
    wh = Warehouse.open_current()
    yield wh
    wh.close()


def live(wh: Warehouse, ruleset, year: int) -> pd.DataFrame:
    """The engine on the warehouse values, as the page should compute an edited rule set."""
    values = pd.concat([wh.values(level) for level in ("epci", "departement", "france")])
    status, _ = evaluate(ruleset, values, wh.territories("epci"), year, "epci", wh.catalogue())
    return status


def counts(at: AppTest) -> dict[str, int]:
    return {m.label: int(m.value) for m in at.metric}


def n_priority(at: AppTest) -> int:
    """Territories in a priority class (« Priorité 1 », « Prioritaire »…), not the comparison's counts."""
    return sum(n for label, n in counts(at).items() if label.startswith("Priorit"))


def changes_table(at: AppTest) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if "Changement" in d.value.columns)


def widget(widgets, label: str):
    return next(w for w in widgets if w.label == label)


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_page_shows_the_stored_results_with_rule_version_and_data_vintage(page, warehouse):
    at = ok(page())
    year = warehouse.years()[-1]
    stored = warehouse.priority_status("epci", year, "fonds_reequilibrage")
    assert at.title[0].value == "Territoires prioritaires"
    assert (at.query_params["regles"], at.query_params["annee"]) == ("fonds_reequilibrage", str(year))
    assert counts(at) == {"Prioritaire": int(stored["status"].eq("prioritaire").sum()),
                          "Non prioritaire": int(stored["status"].eq("non prioritaire").sum()),
                          "Indéterminé": int(stored["status"].eq("indéterminé").sum())}
    assert any(f"{FONDS}, version 1.0** · EPCI · année {year}" in m.value for m in at.markdown)
    provenance = " ".join(c.value for c in at.caption)
    assert warehouse.meta()["dataset"] in provenance and "résultats enregistrés dans l'entrepôt" in provenance
    assert len(at.get("plotly_chart")) == 1
    reasons = [m.value for e in at.expander for m in e.markdown if m.value.startswith("- ")]
    assert reasons and all(line[2:].startswith((":green[✓]", ":red[✗]", ":gray[?]"))
                           for text in reasons for line in text.splitlines())
    assert any("France" in text for text in reasons)  # reasons quote the reference they compare with


def test_query_params_choose_rule_set_year_and_level(page, warehouse):
    at = ok(page(regles="sdsf71", annee="2019", niveau="epci"))
    stored = warehouse.priority_status("epci", 2019, "sdsf71")
    assert any(f"{SDSF71}, version 1.0** · EPCI · année 2019" in m.value for m in at.markdown)
    assert counts(at)["Priorité 1"] == int(stored["priority_class"].eq("Priorité 1").sum())
    assert at.selectbox[0].value == "sdsf71" and at.selectbox[2].value == 2019
    unknown = ok(page(regles="inconnue", annee="1900"))
    assert unknown.selectbox[0].value == "fonds_reequilibrage" and unknown.selectbox[2].value == warehouse.years()[-1]


@pytest.mark.parametrize("factor, direction", [(0.8, -1), (1.2, +1)])
def test_editing_a_threshold_moves_the_priority_count_the_expected_way(page, warehouse, factor, direction):
    at = ok(page(regles="sdsf71"))
    before = n_priority(at)
    at.text_input(key=TCG_FACTOR).input(str(factor).replace(".", ","))  # typed the French way
    ok(at.run(timeout=30))
    year = warehouse.years()[-1]
    edited = with_overrides(load_ruleset(RULESETS_DIR / "sdsf71.toml", warehouse.catalogue()),
                            {"tcg_sous_departement": factor})
    expected = int(live(warehouse, edited, year)["status"].eq("prioritaire").sum())
    assert n_priority(at) == expected and (expected - before) * direction > 0
    assert any(f"version 1.1** — seuils modifiés, dérivée de « {SDSF71} », version 1.0" in m.value
               for m in at.markdown)
    assert any("calculés à l'instant" in c.value for c in at.caption)
    comparer = next(s for s in at.selectbox if s.label == "Comparer avec")
    assert comparer.value == "_origine"  # without a choice, an edited rule is compared with its original


def test_comparison_lists_territories_entering_and_leaving_priority(page, warehouse):
    year = warehouse.years()[-1]
    names = warehouse.territories("epci").set_index("code")["name"]
    at = ok(page(regles="sdsf71"))
    comparer = next(s for s in at.selectbox if s.label == "Comparer avec")
    ok(comparer.select("fonds_reequilibrage").run(timeout=30))
    changes = changes_table(at)
    expected = compare(warehouse.priority_status("epci", year, "fonds_reequilibrage"),
                       warehouse.priority_status("epci", year, "sdsf71"))
    entering = expected.loc[expected["change"] == "entre en priorité", "code"].map(names)
    assert entering.size > 0
    assert sorted(changes.loc[changes["Changement"] == "Entre en priorité", "Territoire"]) == sorted(entering)

    at.text_input(key=TCG_FACTOR).input("0.8")  # or the English way
    ok(at.run(timeout=30))
    comparer = next(s for s in at.selectbox if s.label == "Comparer avec")
    assert comparer.value == "fonds_reequilibrage"  # the user's choice sticks when a threshold is edited
    ok(comparer.select("_origine").run(timeout=30))
    changes = changes_table(at)
    sdsf71 = load_ruleset(RULESETS_DIR / "sdsf71.toml", warehouse.catalogue())
    expected = compare(warehouse.priority_status("epci", year, "sdsf71"),
                       live(warehouse, with_overrides(sdsf71, {"tcg_sous_departement": 0.8}), year))
    leaving = expected.loc[expected["change"] == "sort de la priorité", "code"].map(names)
    assert leaving.size > 0
    assert sorted(changes.loc[changes["Changement"] == "Sort de la priorité", "Territoire"]) == sorted(leaving)
    assert counts(at)["Sortent de la priorité"] == leaving.size


def test_saving_a_scenario_writes_its_toml_and_lists_it(page, demo_home, warehouse, local_accounts):
    at = ok(page("analyste", regles="sdsf71"))
    at.text_input(key="seuil_sdsf71_1.0_am_55_plus").input("50")
    ok(at.run(timeout=30))
    widget(at.text_input, "Nom du scénario").input("Seuil AM 50 %")
    at.text_area[0].input("Hypothèse : départs en retraite plus tardifs.")
    ok(at.button[1].click().run(timeout=30))  # [0] resets the thresholds, [1] submits the form
    path = demo_home / "data" / "scenarios" / "seuil_am_50.toml"
    assert path.exists()
    saved = load_ruleset(path, warehouse.catalogue())
    assert (saved.version, saved.derived_from) == ("1.1", "sdsf71 1.0")
    am = next(c for c in saved.criteria if c.id == "am_55_plus")
    assert am.value == 50 and am.label.endswith("(seuil modifié : 50,0\u00a0%)")  # not only « Plus de 40 % … »
    assert saved.description.startswith(f"Seuil AM 50 % : Hypothèse : départs en retraite plus tardifs.\n"
                                        f"Scénario dérivé de « {SDSF71} », version 1.0. Seuils modifiés : Plus de 40 %")
    assert "Enregistré par analyste, le " in saved.description  # its author and date travel with it
    assert saved.author == "analyste" and saved.saved_at  # and as data, for the refresh's report
    assert any("prochaine actualisation" in s.value and "Il est choisi ci-dessus" in s.value for s in at.success)
    assert at.selectbox[0].value == "seuil_am_50"  # what the message says is already true
    assert (at.selectbox[0].format_func("seuil_am_50")
            == f"Scénario « Seuil AM 50 % », dérivé de « {SDSF71} », version 1.0")

    listed = ok(page("analyste", regles="seuil_am_50"))
    assert listed.selectbox[0].value == "seuil_am_50"
    assert any("Scénario « Seuil AM 50 % », version 1.1" in m.value for m in listed.markdown)
    assert any("pas encore dans l'entrepôt" in c.value for c in listed.caption)


def test_a_shipped_name_or_a_broken_scenario_is_refused_in_french_without_traceback(page, local_accounts):
    at = ok(page("analyste", regles="sdsf71"))
    at.text_input(key="seuil_sdsf71_1.0_am_55_plus").input("50")
    ok(at.run(timeout=30))
    widget(at.text_input, "Nom du scénario").input("SDSF71")
    ok(at.button[1].click().run(timeout=30))
    assert any("« sdsf71 » est le nom d'une règle livrée" in e.value for e in at.error)

    scenarios_dir().mkdir(parents=True, exist_ok=True)
    (scenarios_dir() / "casse.toml").write_text('name = "casse"\nversion = 1\n', encoding="utf-8")
    broken = ok(page("analyste"))
    assert any(e.value.startswith("Règles « casse.toml » : clé obligatoire") for e in broken.error)


def test_exports_parse_back_and_carry_the_rule_set(page, downloads, warehouse):
    at = ok(page(regles="sdsf71"))
    buttons = {b.proto.label.split()[0]: b for b in at.get("download_button")}
    assert [b.proto.label.split()[0] for b in at.get("download_button")] == ["XLSX", "CSV"]  # Excel first
    csv_button, xlsx_button = buttons["CSV"], buttons["XLSX"]
    table = pd.read_csv(io.BytesIO(downloads(csv_button)), sep=";", decimal=",", encoding="utf-8-sig",
                        dtype={"Code": str}, skiprows=1)
    stored = warehouse.priority_status("epci", warehouse.years()[-1], "sdsf71")
    assert len(table) == len(stored) and set(table["Règle"]) == {SDSF71} and set(table["Version"]) == {"1.0"}
    assert set(table["Code"]) == set(stored["code"])
    assert {"Territoire", "Statut", "Classe", "Score", "Synthèse"} <= set(table.columns)
    tcg = next(c for c in table.columns if c.startswith("Taux de couverture global"))
    assert pd.api.types.is_float_dtype(table[tcg])

    book = openpyxl.load_workbook(io.BytesIO(downloads(xlsx_button)), read_only=True)
    rules = list(book["Règles"].values)
    assert rules[0][:4] == ("Critère", "Indicateur", "Test", "Seuil ou référence")
    assert len(rules) == 1 + 5 and ("Couverture inférieure au département", "Taux de couverture global", "<",
                                    "département", 2) == rules[1][:5]


def test_counters_do_not_report_class_changes_for_rule_sets_without_classes(page):
    at = ok(page(regles="fonds_reequilibrage"))
    at.text_input(key="seuil_fonds_reequilibrage_1.0_tcg_sous_france").input("1,2")
    ok(at.run(timeout=30))
    labels = [m.label for m in at.metric]
    assert "Entrent en priorité" in labels and "Changent de classe" not in labels
    with_classes = ok(page(regles="sdsf71"))
    ok(next(s for s in with_classes.selectbox if s.label == "Comparer avec").select("fonds_reequilibrage").run())
    assert "Changent de classe" in [m.label for m in with_classes.metric]
