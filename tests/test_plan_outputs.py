"""The bilan's words and documents, the plan's workbook and report: what `sdsf bilan`, `sdsf plan` and the pages
hand out, checked against the warehouse they read."""

from __future__ import annotations

import io

import openpyxl
import pytest

from pipelines.cli import main
from pipelines.outputs import plan_report, review_summary
from pipelines.warehouse.review_queries import ReviewQueries
from tests.modeldata import build
from tests.test_annual_review import CHILDMINDERS, EQUIPMENTS, EXHAUSTIVE, YEARS


class BuildReader(ReviewQueries):
    """The query layer's reads on a build database (the models' tables, before any warehouse file)."""

    def __init__(self, con):
        self.con = con

    def _df(self, sql, params=None):
        return self.con.execute(sql, params or []).df()

    def tables(self):
        return {r[0] for r in self.con.execute("SELECT table_name FROM information_schema.tables").fetchall()}


def test_synthesis_says_the_hand_checked_year():
    con = build({"equipments": EQUIPMENTS, "childminders": CHILDMINDERS}, YEARS, exhaustive=EXHAUSTIVE,
                base_year=2023)
    review = BuildReader(con).annual_review("departement", "71", 2024)
    crèches, mam, am, alsh, parenting = review_summary.synthesis(review, 2024)
    assert crèches == ("Crèches : 37 places créées (27 dans 2 nouvelles structures, 10 par extension), dont 2 "
                       "nouvelles structures PSU (27 places) ; 41 places supprimées (2 fermetures). Au 31 décembre "
                       "2024 : 101 places (−4 en un an) dans 5 crèches.")
    assert mam == ("Maisons d'assistants maternels : 1 nouvelle MAM (12 places) : 1 MAM au 31 décembre 2024, "
                   "12 places.")
    assert am == "Assistants maternels : 32 agréés (−2 en un an), dont 25 actifs (−2) ; 114 places agréées."
    assert alsh.startswith("Accueils de loisirs (ALSH) : 1 structure (inchangé) ; Relais petite enfance : 0 relais")
    assert "LAEP : de 0 lieu (2023) à 1 (2024)" in parenting
    table = review_summary.review_table(review, 2024).set_index("Offre")
    assert table.loc["LAEP", "Places 2024"] == "—" and table.loc["AM agréés (places agréées)", "Ouvertures"] == "—"
    assert table.loc["Crèches (EAJE)", "Places supprimées"] == "41"


def test_missing_is_said_with_how_many_communes_report():
    listed = EQUIPMENTS[EQUIPMENTS["commune"] != "71002"]
    con = build({"equipments": listed, "childminders": CHILDMINDERS}, YEARS, base_year=2023)
    review = BuildReader(con).annual_review("departement", "71", 2024)
    crèches = review_summary.synthesis(review, 2024)[0]
    assert crèches == "Crèches : n.d. (2 communes renseignées sur 3 par l'extrait, les deux années)"
    table = review_summary.review_table(review, 2024).set_index("Offre")
    assert table.loc["Crèches (EAJE)", "Places créées"] == "n.d." and table.loc["LAEP", "Places 2024"] == "—"


@pytest.fixture(scope="module")
def wh(demo_warehouse):
    return demo_warehouse


def test_the_bilan_page_for_print_holds_the_synthesis_the_table_and_the_sources(wh):
    document = review_summary.review_document(wh, "departement", "71", 2024)
    review = wh.annual_review("departement", "71", 2024).set_index("item")
    assert "<h1>Bilan 2024 de l&#x27;offre — Saône-et-Loire</h1>" in document
    assert f"{int(review.loc['eaje', 'places_created'])} places créées" in document
    assert "Caf / PMI, extrait des équipements" in document and "PMI, extrait des assistants maternels" in document
    assert "Données fictives de démonstration" in document and "<script" not in document


def test_events_table_names_each_change_once(wh):
    events = review_summary.events_table(wh.review_events("departement", "71", 2024))
    review = wh.annual_review("departement", "71", 2024).set_index("item")
    opened = events[(events["Événement"] == "Ouverture") & events["Type"].str.startswith("Crèche")]
    assert len(opened) == review.loc["eaje", "opened"]
    moves = events[events["Événement"] == "Transfert"]
    assert moves["Commune"].str.contains(" → ").all()


def test_plan_workbook_has_the_figures_and_its_documentation(wh):
    book = openpyxl.load_workbook(io.BytesIO(plan_report.plan_xlsx(wh, "71", 2025)))
    assert book.sheetnames == ["Indicateurs", "Documentation", "Fiches", "Statuts", "Trajectoires"]
    rows = list(book["Indicateurs"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert len(body) == 10 and "Statut" in header and "Trajectoire cette année-là" in header
    by_id = {r[header.index("Identifiant")]: r for r in body}
    eaje = wh.plan_indicators("71").set_index("indicator_id").loc["1-2024-a"]
    assert by_id["1-2024-a"][header.index("Dernière valeur")] == eaje["value"]
    assert by_id["1-2024-a"][header.index("Cible")] == "+120 places EAJE par rapport à 2017"  # as typed
    assert "suivi du plan d'action (statuts de 2025)" in book["Documentation"]["A1"].value
    fiches = list(book["Fiches"].iter_rows(values_only=True))
    assert fiches[0][5] == "Statut en 2025" and len(fiches) == 10


def test_plan_report_prints_each_fiche_with_its_indicators(wh):
    document = plan_report.plan_document(wh, "71", 2025)
    for code in ("1-2024", "3-2024", "1-2026"):
        assert f"<h3>{code} — " in document
    assert "intégrée à une autre fiche (2-2025)" in document and document.count("<svg") == 10
    assert "Plan d&#x27;action du schéma" in document  # its source, beside the warehouse's


def test_cli_bilan_and_plan(wh, tmp_path, capsys):
    assert main(["bilan", "--out", str(tmp_path / "bilan.html")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Bilan 2024 de l'offre — Saône-et-Loire") and (tmp_path / "bilan.html").exists()
    assert main(["bilan", "--year", "2017"]) == 2  # no 2016 to compare with
    assert main(["plan", "--out", str(tmp_path / "plan.xlsx")]) == 0
    assert main(["plan", "--out", str(tmp_path / "plan.pdf")]) == 2
    assert main(["plan", "--departement", "63", "--out", str(tmp_path / "plan.html")]) == 2


def test_plan_workbook_for_a_lecteur_withholds_the_figures_computed_from_extracts(wh):
    from pipelines.warehouse.review_queries import RESERVED

    public = wh.plan_indicators("71", "public").set_index("indicator_id")
    hidden = public.index[public["status"] == RESERVED]
    assert len(hidden) and public.loc[hidden, ["value", "baseline_value", "expected"]].isna().all().all()
    assert not (wh.plan_indicators("71")["status"] == RESERVED).any()  # an analyste sees them
    book = openpyxl.load_workbook(io.BytesIO(plan_report.plan_xlsx(wh, "71", 2025, "public")))
    rows = list(book["Indicateurs"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    withheld = {r[header.index("Identifiant")] for r in body if r[header.index("Statut")] == RESERVED}
    assert withheld == set(hidden)
    trajectory = list(book["Trajectoires"].iter_rows(values_only=True))
    observed = [r[trajectory[0].index("Valeur observée")] for r in trajectory[1:]
                if r[trajectory[0].index("Identifiant")] in withheld]
    assert observed and all(v is None for v in observed)
    assert RESERVED in plan_report.plan_document(wh, "71", 2025, "public")
