"""Bilan annuel and Suivi du plan on the demo warehouse (AppTest): what the pages show is what the warehouse holds,
the filters filter, the downloads carry the plan and the one-page summary."""

from __future__ import annotations

import io

import openpyxl

from pipelines.formatting import fr_number
from pipelines.outputs.review_summary import events_table, synthesis
from tests.test_app_explorer_cartes_donnees import downloads, page, wh  # noqa: F401 (the pages' fixtures)

CHAROLAIS = "200071884"  # CC Le Grand Charolais: a MAM moved out of it in 2024


def markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_bilan_opens_on_the_departement_s_latest_year_with_the_synthesis(page, wh):
    at = page("bilan")
    review = wh.annual_review("departement", "71", 2024)
    assert at.title[0].value == "Bilan 2024 de l'offre — Saône-et-Loire"
    assert markdown(at).count("\n- ") >= 4
    for sentence in synthesis(review, 2024):
        assert f"- {sentence}" in markdown(at)
    created = review.set_index("item").loc["eaje", "places_created"]
    assert next(m for m in at.metric if m.label == "Places de crèche créées").value == fr_number(created, 0)
    table = at.table[0].value
    assert list(table.iloc[0])[:3] == ["Crèches (EAJE)", fr_number(review["before"].iloc[0], 0),
                                       fr_number(review["after"].iloc[0], 0)]
    assert "—" in set(table.loc[table["Offre"] == "LAEP"].iloc[0])  # a LAEP has no places: not applicable


def test_bilan_of_an_epci_lists_the_year_s_events_and_offers_the_printable_page(page, wh, downloads):
    at = page("bilan", niveau="epci", territoire=CHAROLAIS, annee="2024")
    assert "Communauté de communes Le Grand Charolais" in at.title[0].value
    events = events_table(wh.review_events("epci", CHAROLAIS, 2024))
    shown = at.dataframe[0].value
    assert len(shown) == len(events) and "Transfert" in set(shown["Événement"])
    assert "transferts : −1 MAM" in markdown(at)
    content, name = downloads["Télécharger la synthèse imprimable (HTML, une page)"]
    assert name == f"bilan_epci_{CHAROLAIS}_2024.html" and "Bilan 2024 de l&#x27;offre" in content


def test_plan_shows_every_fiche_with_its_status_and_indicators(page, wh):
    at = page("plan", annee="2025")
    text = markdown(at)
    for code in ("1-2024", "2-2024", "3-2024", "4-2024", "5-2024", "1-2025", "2-2025", "3-2025", "1-2026"):
        assert f"#### {code} — " in text
    indicators = wh.plan_indicators("71")
    assert f"**{len(indicators)} indicateur(s) lié(s)**" in text
    for status, n in indicators["status"].value_counts().items():
        assert f"{status} {n}" in text
    assert "intégrée à une autre fiche" in text and len(at.get("plotly_chart")) == len(indicators)
    eaje = indicators.set_index("indicator_id").loc["1-2024-a"]
    assert f"dernière valeur : {fr_number(eaje['value'], 0)} places en {int(eaje['year'])}" in text


def test_plan_filters_by_axis_pilot_status_and_verdict(page, wh):
    at = page("plan", annee="2025", suivi="en retard")
    behind = wh.plan_indicators("71").query("status == 'en retard'")
    text = markdown(at)
    assert f"**{len(behind)} indicateur(s) lié(s)** : en retard {len(behind)}" in text
    assert {f"#### {a} — " in text for a in behind["action"]} == {True}
    assert "#### 2-2025 — " not in text  # no indicator behind in this fiche
    at = page("plan", annee="2025", axes="publics", pilotes="UDAF")
    text = markdown(at)
    assert "#### 4-2024 — " in text and "#### 3-2025 — " not in text  # 3-2025 is piloted by the Caf alone
    at = page("plan", annee="2024", statuts="sans statut")
    assert "#### 1-2025 — " in markdown(at) and "#### 1-2024 — " not in markdown(at)  # 1-2025 had none in 2024


def test_plan_downloads_the_workbook_and_the_printable_report(page, downloads):
    page("plan", annee="2025")
    content, name = downloads["Télécharger le plan et ses indicateurs (Excel)"]
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert name == "plan_action_71_2025.xlsx" and book.sheetnames[0] == "Indicateurs"
    content, name = downloads["Télécharger le document imprimable (HTML)"]
    assert name == "plan_action_71_2025.html" and content.count("<svg") == 10
