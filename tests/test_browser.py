"""The app in a real browser (headless Debian chromium through playwright), clicked as a user clicks.

AppTest has no browser: it cannot see a choice undone by the URL round trip, nor what a French keyboard
types. These tests start ``streamlit run`` on the demo warehouse and check each choice is the one shown.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from app.ui import short_name
from pipelines.priority import RULESETS_DIR, evaluate, load_ruleset, with_overrides
from pipelines.warehouse.query import Warehouse
from scripts import browser

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(browser.missing() is not None, reason=browser.missing() or "")]


@pytest.fixture(scope="module")
def wh(demo_home):
    warehouse = Warehouse.open_current()
    yield warehouse
    warehouse.close()


@pytest.fixture(scope="module")
def app_url(demo_home):
    port = browser.free_port()
    server = browser.start_app(demo_home, port)
    yield f"http://127.0.0.1:{port}"
    browser.stop(server)


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = browser.launch(pw)
        yield launched
        launched.close()


@pytest.fixture
def page(chromium):
    page = browser.new_page(chromium)
    yield page
    page.context.close()


def epci_names(wh: Warehouse) -> dict[str, str]:
    epci = wh.territories("epci")
    return dict(zip(epci["code"], epci["name"]))


def test_portrait_shows_each_of_four_territories_picked_in_a_row(page, app_url, wh):
    names = epci_names(wh)
    browser.open_url(page, f"{app_url}/portrait")
    first = page.locator("h1").first.inner_text()
    picks = [code for code, name in sorted(names.items(), key=lambda item: item[1]) if name != first][:4]
    for code in picks:
        browser.pick(page, "Territoire", names[code])
        assert page.locator("h1").first.inner_text() == names[code]
        assert browser.shown(page, "Territoire") == names[code]
        assert f"territoire={code}" in page.url


def test_livret_ctg_keeps_three_epci_added_one_after_another(page, app_url, wh):
    names = epci_names(wh)
    browser.open_url(page, f"{app_url}/explorer")
    added = []
    for code in sorted(names)[:3]:
        browser.add(page, "EPCI du territoire de la CTG", short_name(names[code]))
        added.append(short_name(names[code]))
        assert browser.chosen(page, "EPCI du territoire de la CTG") == added
    assert page.locator("[data-testid='stDownloadButton']", has_text="Télécharger le livret CTG").count() == 1


def test_a_threshold_typed_with_a_french_comma_is_read_as_a_decimal(page, app_url, wh):
    browser.open_url(page, f"{app_url}/priorites?regles=fonds_reequilibrage")
    label = "facteur × France"
    browser.type_text(page, label, "1,2")
    year = wh.years()[-1]
    ruleset = load_ruleset(RULESETS_DIR / "fonds_reequilibrage.toml", wh.catalogue())
    factor = next(c for c in ruleset.criteria if c.relative_to == "france" and c.indicator == "tcg")
    edited = with_overrides(ruleset, {factor.id: 1.2})
    values = pd.concat([wh.values(level) for level in ("epci", "departement", "france")])
    status, _ = evaluate(edited, values, wh.territories("epci"), year, "epci", wh.catalogue())
    expected = int(status["status"].eq("prioritaire").sum())
    metric = page.locator("[data-testid='stMetric']").filter(has_text="Prioritaire").first
    assert metric.locator("[data-testid='stMetricValue']").inner_text() == str(expected)
    assert browser.widget(page, "stTextInput", label).locator("input").input_value() == "1,20"


def test_a_bad_link_says_what_was_not_found_and_what_is_shown(page, app_url, wh):
    names = epci_names(wh)
    browser.open_url(page, f"{app_url}/portrait?territoire=999999999")
    shown = page.locator("h1").first.inner_text()
    alert = page.locator("[data-testid='stAlert']").filter(has_text="999999999")
    assert alert.count() == 1 and f"Affiché à la place : {shown}" in alert.inner_text()
    assert shown in names.values()

    browser.open_url(page, f"{app_url}/cartes?annee=1900")
    alert = page.locator("[data-testid='stAlert']").filter(has_text="1900")
    assert f"Affiché à la place : {wh.years()[-1]}" in alert.inner_text()

    known = sorted(names)[0]
    browser.open_url(page, f"{app_url}/explorer?ctg={known},123456789")
    alert = page.locator("[data-testid='stAlert']").filter(has_text="123456789")
    assert "ignorée" in alert.inner_text()
    assert browser.chosen(page, "EPCI du territoire de la CTG") == [short_name(names[known])]


def test_the_html_portrait_draws_its_charts_offline_from_a_file(page, wh, tmp_path):
    from app import data
    from app.portrait_html import portrait_html

    code = sorted(epci_names(wh))[0]
    path = tmp_path / "portrait.html"
    path.write_text(portrait_html(data.version(), "epci", code, wh.years()[-1]), encoding="utf-8")
    assert path.stat().st_size < 1.5e6
    page.context.set_offline(True)
    page.goto(path.as_uri())
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 2", timeout=30_000)
    assert page.locator(".js-plotly-plot").count() == 2


def test_the_crossed_map_is_drawn_with_its_quadrants_and_names_the_first_ones(page, app_url, wh):
    browser.open_url(page, f"{app_url}/cartes?niveau=epci&annee=2024")
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length >= 3", timeout=30_000)
    legend = page.locator(".js-plotly-plot").nth(2).locator(".legendtext").evaluate_all(
        "nodes => nodes.map(n => n.textContent)")  # SVG text: no inner text
    assert legend[:4] == ["Couverture faible, part RSA élevée", "Couverture faible, part RSA modérée",
                          "Couverture élevée, part RSA élevée", "Couverture élevée, part RSA modérée"]
    first = wh.crossed("epci", 2024, "71")
    count = int((first["quadrant"] == 1).sum())
    assert page.get_by_text(f"Couverture faible, part RSA élevée : {count} EPCI").count() == 1


def test_plan_filters_by_verdict_and_keeps_two_picks(page, app_url, wh):
    browser.open_url(page, f"{app_url}/plan?annee=2025")
    indicators = wh.plan_indicators("71")
    for picked in (["en retard"], ["en retard", "en avance"]):
        browser.add(page, "Indicateurs", picked[-1])
        assert browser.chosen(page, "Indicateurs") == picked
        fiches = sorted(set(indicators.loc[indicators["status"].isin(picked), "action"]))
        shown = sorted(t.split(" — ")[0] for t in page.locator("h4").all_inner_texts())
        assert shown == fiches
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 1", timeout=30_000)
    assert page.locator(".js-plotly-plot").count() == int(indicators["status"].isin(picked).sum())


def test_bilan_of_an_epci_picked_and_its_summary_printing_on_one_a4_page(page, app_url, wh, tmp_path):
    from pipelines.outputs.review_summary import review_document

    browser.open_url(page, f"{app_url}/bilan")
    browser.pick(page, "Niveau", "EPCI")
    name = wh.territories("epci")["name"].iloc[-1]  # not the first, shown by default: a pick must change it
    browser.pick(page, "Territoire", name)
    assert page.locator("h1").first.inner_text() == f"Bilan {wh.review_years()[-1]} de l'offre — {name}"
    path = tmp_path / "bilan.html"
    path.write_text(review_document(wh, "departement", "71", wh.review_years()[-1]), encoding="utf-8")
    page.goto(path.as_uri())
    pdf = page.pdf(format="A4")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1  # the one-page summary fits one A4 page


def test_a_lecteur_never_reaches_a_page_of_another_role_by_typed_url_or_query_string(page, app_url, demo_home,
                                                                                     _accounts_file):
    from tests.conftest import TEST_PASSWORD

    config = demo_home / "sdsf.toml"
    config.write_text(f'[access]\nmode = "local"\naccounts = "{_accounts_file}"\n', encoding="utf-8")
    try:
        # a typed URL of the deposit page, with a query string: signed out, only the sign-in page exists
        browser.open_url(page, f"{app_url}/depot?modele=assistants_maternels&page=depot")
        assert page.locator("[data-testid='stMain'] h1").first.inner_text() == "Connexion"
        assert page.locator("[data-testid='stSidebarNavLink']").count() == 0
        browser.widget(page, "stTextInput", "Identifiant").locator("input").fill("lecteur")
        browser.widget(page, "stTextInput", "Mot de passe").locator("input").fill(TEST_PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_function("() => [...document.querySelectorAll('h1')].length > 0 && "
                               "[...document.querySelectorAll('h1')].every(h => h.innerText !== 'Connexion')",
                               timeout=browser.TIMEOUT_MS)
        browser.settle(page)
        links = page.locator("[data-testid='stSidebarNavLink']")
        menu = [links.nth(i).inner_text().strip().split("\n")[-1] for i in range(links.count())]  # no icon
        assert "Explorer les EPCI" in menu and "Suivi du plan" in menu
        assert not {"Dépôt d'extraits", "Territoires prioritaires", "Bilan annuel"} & set(menu)
        # the URL still asks for the deposit page: none of it runs for a lecteur, said in French (no English box)
        assert page.locator("[data-testid='stMain'] h1").first.inner_text() == "Page non accessible"
        assert page.locator("[role='dialog']").count() == 0
        assert page.locator("[data-testid='stFileUploader']").count() == 0
    finally:
        config.unlink()
