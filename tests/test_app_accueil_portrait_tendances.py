"""Accueil, Portrait de territoire and Tendances on the demo warehouse, through the real entry point.

Expected figures are read from the warehouse directly and formatted the French way, so a page that
shows a wrong, rounded-away or zero-for-missing value fails.
"""

from __future__ import annotations

import json
import time
from html.parser import HTMLParser

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from pipelines.formatting import fr_date, fr_number
from pipelines.paths import REPO_ROOT
from pipelines.warehouse.query import Warehouse

MAIN = str(REPO_ROOT / "app" / "main.py")
PAGES = ("app_pages/accueil.py", "app_pages/portrait.py", "app_pages/tendances.py")
EPCI = "200070308"  # Mâconnais Beaujolais Agglomération: straddles Ain and Saône-et-Loire
OTHER_EPCI = "247100589"  # Le Grand Chalon


@pytest.fixture
def open_page(demo_home):
    """Run the app, switch to ``page`` with ``params`` in the URL; caches cleared so the page runs cold."""

    def run(page: str, **params) -> AppTest:
        at = AppTest.from_file(MAIN, default_timeout=30)
        at.run(timeout=30)  # the default page: registers the pages so switch_page finds them
        st.cache_data.clear()
        st.cache_resource.clear()
        at.switch_page(page)
        at.query_params.clear()  # as a browser does when it follows a link to another page
        at.query_params.update(params)
        start = time.perf_counter()
        at.run(timeout=30)
        at.seconds = time.perf_counter() - start
        assert not at.exception, [e.value for e in at.exception]
        return at

    return run


@pytest.fixture(scope="module")
def wh(demo_home):
    warehouse = Warehouse.open_current()
    yield warehouse
    warehouse.close()


def value(wh: Warehouse, level: str, code: str, indicator: str, year: int) -> float:
    found = wh.values(level, [code], [indicator], [year])
    return float(found["value"].iloc[0])


def metric(at: AppTest, label: str):
    return next(m for m in at.metric if m.label == label)


def captions(at: AppTest) -> str:
    return " ".join(c.value for c in at.caption)


def figures(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def widget(widgets, label: str):
    return next(w for w in widgets if w.label == label)


class _Text(HTMLParser):
    """Visible text and tag counts of an HTML document (the standard library parser fails loudly on nothing)."""

    def __init__(self):
        super().__init__()
        self.text, self.tags = [], {}

    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1

    def handle_data(self, data):
        self.text.append(data)


@pytest.mark.parametrize("page", PAGES)
def test_each_page_renders_with_a_titled_chart(open_page, page):
    at = open_page(page)
    assert at.title and len(at.get("plotly_chart")) >= 1
    for fig in figures(at):
        title = fig["layout"]["title"]
        assert title["text"] and title["subtitle"]["text"], "every chart names its subject, unit and source"
        assert fig["layout"]["separators"] == ", "
    print(f"{page}: {at.seconds:.2f} s")  # server-side time of one cold run (pytest -s shows it)


def test_accueil_headline_figures_are_the_warehouse_values_with_france_where_published(open_page, wh):
    at = open_page("app_pages/accueil.py")
    year, first = wh.years()[-1], wh.years()[0]
    assert at.title[0].value == f"Saône-et-Loire en {year}"
    tcg = metric(at, "TCG")
    assert tcg.value == fr_number(value(wh, "departement", "71", "tcg", year), 1)
    change = value(wh, "departement", "71", "tcg", year) - value(wh, "departement", "71", "tcg", first)
    assert tcg.proto.delta.replace("-", "−") == ("+" if change > 0 else "−") + fr_number(abs(change), 1)
    assert metric(at, "Places en EAJE PSU").value == fr_number(value(wh, "departement", "71", "places_eaje_psu",
                                                                     year), 0)
    assert metric(at, "EPCI au panier complet").value.endswith(" %")
    text = captions(at)
    assert f"France : {fr_number(value(wh, 'france', 'FR', 'tcg', year), 1)}" in text
    assert "France : n.d." in text  # places, MAM, LAEP… are not published for France
    assert "Dernière actualisation réussie" in " ".join(m.value for m in at.markdown)


def test_accueil_year_and_extreme_epci_follow_the_url(open_page, wh):
    at = open_page("app_pages/accueil.py", annee="2019")
    assert at.title[0].value == "Saône-et-Loire en 2019"
    assert metric(at, "TCG").value == fr_number(value(wh, "departement", "71", "tcg", 2019), 1)
    epci_tcg = wh.values("epci", indicators=["tcg"], years=[2019]).set_index("code")["value"]
    names = wh.epci().set_index("code")["name"]
    text = " ".join(m.value for m in at.markdown)
    assert names[epci_tcg.idxmin()] in text and names[epci_tcg.idxmax()] in text


def test_portrait_shows_the_epci_of_the_url_with_its_partial_scope_and_comparisons(open_page, wh):
    at = open_page("app_pages/portrait.py", niveau="epci", territoire=EPCI, annee="2022")
    name = wh.epci().set_index("code").loc[EPCI, "name"]
    assert at.title[0].value == name
    assert widget(at.selectbox, "Territoire").value == EPCI and widget(at.selectbox, "Année").value == 2022
    assert any("seules ses 38 communes sur 39" in w.value for w in at.warning)
    tcg = metric(at, "TCG")
    assert tcg.value == fr_number(value(wh, "epci", EPCI, "tcg", 2022), 1)
    assert f"Saône-et-Loire : {fr_number(value(wh, 'departement', '71', 'tcg', 2022), 1)}" in captions(at)
    assert f"France : {fr_number(value(wh, 'france', 'FR', 'tcg', 2022), 1)}" in captions(at)
    key = next(t.value for t in at.table if "Indicateur" in t.value.columns)
    row = key[key["Indicateur"] == "Taux de couverture global"].iloc[0]
    assert (row["Territoire 2022"], row["France"]) == (tcg.value, fr_number(value(wh, "france", "FR", "tcg", 2022), 1))
    assert key.loc[key["Indicateur"] == "Assistants maternels actifs", "France"].iloc[0] == "n.d."
    trend, modes, communes = figures(at)
    assert {t["name"] for t in trend["data"]} == {name, "Saône-et-Loire", "France"}
    assert len(modes["data"]) == 5 and communes["data"][-1]["type"] == "choroplethmap"
    assert len(next(d.value for d in at.dataframe if "Commune" in d.value.columns)) == 38


def test_portrait_gives_each_rule_set_verdict_with_the_reasons_wording(open_page, wh):
    at = open_page("app_pages/portrait.py", niveau="epci", territoire=OTHER_EPCI)
    year = wh.years()[-1]
    shown = " ".join(" ".join(t.value.get("Détail", [])) for t in at.table)
    for ruleset in ("fonds_reequilibrage", "sdsf71"):
        status = wh.priority_status("epci", year, ruleset).set_index("code").loc[OTHER_EPCI, "status"]
        assert any(status.capitalize() in m.value for m in at.markdown)
        for text in wh.priority_reasons("epci", year, ruleset, OTHER_EPCI)["text"]:
            assert text in shown
    assert not any("_" in m.value.split("**")[1] for m in at.markdown if m.value.startswith("**")), \
        "rule sets are named by their French title, not their identifier"


def test_portrait_of_an_arrondissement_says_no_rule_covers_it_and_lists_its_epci(open_page, wh):
    at = open_page("app_pages/portrait.py", niveau="arrondissement", territoire="711")
    assert at.title[0].value == "Arrondissement d'Autun"
    assert any("Aucune règle de priorité" in i.value for i in at.info)
    members = next(t.value for t in at.table if "EPCI" in t.value.columns)
    assert "Communauté de communes du Grand Autunois Morvan" in set(members["EPCI"])
    assert metric(at, "TCG").value == fr_number(value(wh, "arrondissement", "711", "tcg", wh.years()[-1]), 1)


def test_choosing_another_territory_rewrites_the_url(open_page):
    at = open_page("app_pages/portrait.py", territoire=EPCI)
    widget(at.selectbox, "Territoire").select(OTHER_EPCI).run(timeout=30)
    assert at.query_params["territoire"] == OTHER_EPCI and at.query_params["niveau"] == "epci"
    assert at.title[0].value == "Communauté d'agglomération Le Grand Chalon"


def test_portrait_download_is_a_standalone_html_with_name_figures_and_charts(open_page, downloads, wh):
    at = open_page("app_pages/portrait.py", niveau="epci", territoire=EPCI, annee="2024")
    button = next(b for b in at.get("download_button") if "portrait" in b.proto.label.lower())
    document = downloads(button).decode("utf-8")
    parsed = _Text()
    parsed.feed(document)
    text = " ".join(parsed.text)
    name = wh.epci().set_index("code").loc[EPCI, "name"]
    assert document.startswith("<!DOCTYPE html>") and name in text
    assert fr_number(value(wh, "epci", EPCI, "tcg", 2024), 1) in text
    assert "Données fictives de démonstration" in text and "seules ses 38 communes sur 39" in text
    assert document.count("Plotly.newPlot") == 2 and document.count("plotly.js (basic - minified) v") == 1  # once
    assert len(document.encode("utf-8")) < 1.5e6  # the full plotly.js bundle made 4.8 MB
    assert f"données de l'entrepôt actualisées le {fr_date(wh.meta()['built_at'])}" in text and "Édité le " in text
    assert '"type":"choroplethmap"' not in document and '<script src="http' not in document  # no map, no CDN
    assert parsed.tags["table"] >= 4


def test_the_inlined_plotly_bundle_is_the_version_plotly_writes_figures_for():
    import plotly.offline

    from app.portrait_html import plotly_basic
    assert f"plotly.js (basic - minified) v{plotly.offline.get_plotlyjs_version()}\n" in plotly_basic()[:200]


def test_printed_portrait_says_when_it_was_edited_and_how_old_its_data_is(open_page, wh):
    at = open_page("app_pages/portrait.py", territoire=EPCI)
    assert any(c.value.startswith("Édité le ") and f"actualisées le {fr_date(wh.meta()['built_at'])}" in c.value
               for c in at.caption)
    assert not any("carte et tableau" in m.value and "HTML" in m.value for m in at.markdown)  # no map in the HTML


def test_tendances_shows_the_indicator_and_epci_of_the_url_against_departement_and_france(open_page, wh):
    at = open_page("app_pages/tendances.py", indicateur="tcg", epci=f"{EPCI},{OTHER_EPCI}")
    first, last = wh.years()[0], wh.years()[-1]
    assert at.title[0].value == "Taux de couverture global"
    assert widget(at.multiselect, "EPCI à comparer").value == [EPCI, OTHER_EPCI]
    (fig,) = figures(at)
    assert len(fig["data"]) == 4 and "France" in {t["name"] for t in fig["data"]}
    table = at.table[0].value.set_index("Territoire")
    chalon = "Communauté d'agglomération Le Grand Chalon"
    base, now = value(wh, "epci", OTHER_EPCI, "tcg", first), value(wh, "epci", OTHER_EPCI, "tcg", last)
    assert table.loc[chalon, f"Valeur {first}"] == fr_number(base, 1)
    assert table.loc[chalon, "Évolution"] == ("+" if now > base else "−") + fr_number(abs(now - base), 1)
    assert table.loc[chalon, "Évolution relative"].endswith(" %")
    assert table.loc["France", f"Valeur {last}"] == fr_number(value(wh, "france", "FR", "tcg", last), 1)


def test_tendances_says_france_is_not_published_for_other_indicators(open_page):
    at = open_page("app_pages/tendances.py", indicateur="nb_laep")
    assert at.title[0].value == "Lieux d'accueil enfants-parents (LAEP)"
    assert "France : n.d." in captions(at)
    assert list(at.table[0].value["Territoire"]) == ["Saône-et-Loire"]
    options = widget(at.selectbox, "Indicateur").options
    assert "Taux de couverture global" in options
    assert "Commune en zone France Ruralités Revitalisation" not in options  # a summed 0/1 flag is not a trend


def test_a_bad_territory_in_a_link_is_named_with_what_is_shown_instead(open_page, wh):
    at = open_page("app_pages/portrait.py", territoire="999999999", annee="1900")
    warnings = " ".join(w.value for w in at.warning)
    assert "« 999999999 » pour « Territoire »" in warnings and f"Affiché à la place : {at.title[0].value}" in warnings
    assert f"« 1900 » pour « Année » : cette valeur n'existe pas ici. Affiché à la place : {wh.years()[-1]}" in warnings


def test_a_choice_made_after_another_is_the_one_shown(open_page, wh):
    at = open_page("app_pages/portrait.py")
    names = wh.territories("epci").set_index("code")["name"]
    for code in names.index[:3]:
        next(s for s in at.selectbox if s.label == "Territoire").select(code)
        at.run(timeout=30)
        assert at.title[0].value == names[code] and at.query_params["territoire"] in (code, [code])
