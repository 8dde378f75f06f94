"""The Explorer, Cartes and Données pages on the demo warehouse (AppTest), and the livret CTG bundle.

Expected figures are read from the warehouse directly (``pipelines.warehouse.query``), not from the app's caches.
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from datetime import datetime

import openpyxl
import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from app import charts
from app.maps import MapShapes
from app.livret import LivretInput, build_livret
from app.ui import short_name
from pipelines.indicators.catalogue import catalogue_frame
from pipelines.paths import REPO_ROOT
from pipelines.formatting import SECRET
from pipelines.warehouse.query import Warehouse

MAIN = str(REPO_ROOT / "app" / "main.py")
PAGES = ("explorer", "cartes", "donnees")
TCG_HEADER = "Taux de couverture global (places pour 100 enfants de moins de 3 ans)"
GRAND_CHALON, BRESSE_LOUHANNAISE = "247100589", "200071579"


@pytest.fixture
def wh(demo_home):
    warehouse = Warehouse.open_current()
    yield warehouse
    warehouse.close()


@pytest.fixture
def page(demo_home):
    """Open a page through the app's navigation, caches cleared (they outlive AppTest instances)."""
    st.cache_data.clear()
    st.cache_resource.clear()

    def open_page(name: str, **params) -> AppTest:
        at = AppTest.from_file(MAIN, default_timeout=30)
        at.query_params.update(params)
        at.switch_page(f"app_pages/{name}.py")
        at.run(timeout=30)
        assert not at.exception, [e.value for e in at.exception]
        return at

    return open_page


@pytest.fixture
def downloads(monkeypatch):
    """What each ``st.download_button`` of a run offers, by label (a deferred callable is called)."""
    offered: dict[str, tuple[bytes, str]] = {}
    original = st.download_button

    def recording(label, data, file_name=None, *args, **kwargs):
        offered[label] = (data() if callable(data) else data, file_name)
        return original(label, data, file_name, *args, **kwargs)

    monkeypatch.setattr(st, "download_button", recording)
    return offered


@pytest.mark.parametrize("name", PAGES)
def test_page_renders_without_exception(page, name):
    start = time.perf_counter()
    at = page(name)
    print(f"\n{name}: {time.perf_counter() - start:.2f} s côté serveur (AppTest, caches vides)")
    assert at.title and not at.exception


def test_explorer_honours_the_query_string(page, wh):
    at = page("explorer", annee="2020", indicateurs="tcg,part_am_55_plus", type="CC", statut="non prioritaire",
              regles="sdsf71")
    assert {s.label: s.value for s in at.selectbox}["Année"] == 2020
    chosen = {m.label: m.value for m in at.multiselect}
    assert chosen["Indicateurs du tableau"] == ["tcg", "part_am_55_plus"]
    assert chosen["Type d'EPCI"] == ["CC"] and chosen["Statut de priorité"] == ["non prioritaire"]
    status = wh.priority_status("epci", 2020, "sdsf71").set_index("code")["status"]
    epci = wh.epci()
    expected = epci[(epci["type"] == "CC") & (epci["code"].map(status) == "non prioritaire")]
    refs, table = at.dataframe[0].value, at.dataframe[1].value
    assert sorted(table["name"]) == sorted(expected["name"].map(short_name))
    assert list(refs["name"]) == ["Saône-et-Loire", "France"]  # apart from the EPCI ranking
    assert list(table.columns[1:3]) == ["tcg", "part_am_55_plus"]


def test_explorer_headers_are_labels_not_codes(page):
    at = page("explorer", indicateurs="tcg,part_am_55_plus,places_total")
    config = json.loads(at.dataframe[0].proto.columns)
    labels = {key: spec.get("label") for key, spec in config.items() if not spec.get("hidden")}
    assert labels["tcg"] == "TCG" and labels["part_am_55_plus"] == "Part AM 55 ans et +"
    assert labels["places_total"] == "Offre totale" and labels["name"] == "Territoire"
    assert all(label and label not in {"tcg", "part_am_55_plus", "places_total", "name", "level"}
               for label in labels.values())


def test_explorer_range_filter_keeps_only_epci_in_range(page, wh):
    year = wh.years()[-1]
    tcg = wh.values("epci", indicators=["tcg"], years=[year]).set_index("code")["value"].round(1)
    low = float(tcg.sort_values().iloc[len(tcg) // 2])
    at = page("explorer", indicateurs="tcg", filtre="tcg", min=str(low))
    shown = at.dataframe[1].value
    assert len(shown) == int((tcg >= low).sum())
    assert (shown["tcg"] >= low).all()


def test_explorer_csv_and_xlsx_give_back_the_warehouse_figures(page, wh, downloads):
    year = wh.years()[-1]
    page("explorer", annee=str(year), indicateurs="tcg,places_total,part_am_55_plus")
    csv_bytes, csv_name = downloads["Télécharger le tableau (CSV)"]
    xlsx_bytes, xlsx_name = downloads["Télécharger le tableau (Excel)"]
    assert csv_name.endswith(".csv") and xlsx_name.endswith(".xlsx") and csv_bytes.startswith(b"\xef\xbb\xbf")

    assert csv_bytes.decode("utf-8-sig").startswith("Données fictives de démonstration")
    csv = pd.read_csv(io.BytesIO(csv_bytes), sep=";", decimal=",", encoding="utf-8-sig", dtype={"Code": str},
                      skiprows=2)  # the « données fictives » line, then the origin of the values
    provenance = pd.read_excel(io.BytesIO(xlsx_bytes), sheet_name="Provenance", dtype={"Code": str})
    tcg = provenance[(provenance["Indicateur"] == "Taux de couverture global") & (provenance["Niveau"] == "EPCI")]
    assert set(tcg["Origine"]) == {"publiée"} and set(tcg["Source"]) == {
        "Cnaf, data.caf.fr (taux de couverture publiés)"}
    assert set(provenance.loc[provenance["Indicateur"].str.startswith("Part des assistants"), "Origine"]) == {
        "calculée"}
    # Statistical secrecy: the cells the warehouse serves as secret, and only those, say so in the file
    part = "Part des assistants maternels actifs de 55 ans ou plus (%)"
    secret = wh.values("epci", None, ["part_am_55_plus"], [year]).query("secret")["code"]
    assert set(csv.loc[csv[part].eq(SECRET), "Code"]) == set(secret) != set()
    csv[part] = pd.to_numeric(csv[part].mask(csv[part].eq(SECRET)).astype(str).str.replace(",", "."), errors="coerce")
    expected = wh.indicator_table("epci", [year], ["tcg", "places_total", "part_am_55_plus"]).set_index("code")
    got = csv[csv["Niveau"] == "EPCI"].set_index("Code")
    assert set(got.index) == set(expected.index)
    pd.testing.assert_series_equal(got[TCG_HEADER].sort_index(), expected["tcg"].sort_index(), check_names=False,
                                   atol=0.05)
    assert (got["Offre d'accueil totale (moins de 3 ans) (places)"].sort_index()
            == expected["places_total"].round().sort_index()).all()
    france = wh.values("france", indicators=["tcg"], years=[year])["value"].iloc[0]
    assert csv.loc[csv["Niveau"] == "France", TCG_HEADER].iloc[0] == pytest.approx(france, abs=0.05)
    assert csv.loc[csv["Niveau"] == "France", "Part des assistants maternels actifs de 55 ans ou plus (%)"].isna().all()

    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes))
    assert book.sheetnames[:2] == ["Indicateurs", "Documentation"] and "Filtres" in book.sheetnames
    sheet = pd.read_excel(io.BytesIO(xlsx_bytes), sheet_name="Indicateurs", dtype={"Code": str})
    assert set(sheet.loc[sheet[part].eq(SECRET), "Code"]) == set(secret)
    sheet[part] = pd.to_numeric(sheet[part].mask(sheet[part].eq(SECRET)))
    pd.testing.assert_frame_equal(sheet.reset_index(drop=True), csv.reset_index(drop=True), check_dtype=False,
                                  atol=0.05)


def test_explorer_sort_orders_the_screen_and_the_files_and_keeps_references_apart(page, wh, downloads):
    year = wh.years()[-1]
    at = page("explorer", annee=str(year), indicateurs="tcg,panier_complet", tri="tcg", ordre="decroissant")
    tcg = wh.values("epci", indicators=["tcg"], years=[year]).set_index("code")["value"]
    names = wh.territories("epci").set_index("code")["name"]
    expected = [short_name(names[c]) for c in tcg.sort_values(ascending=False, kind="stable").index]
    refs, table = at.dataframe[0].value, at.dataframe[1].value
    assert list(table["name"]) == expected and list(refs["name"]) == ["Saône-et-Loire", "France"]
    assert set(table["panier_complet"]) <= {"oui", "non", "n.d."}  # a flag reads as words, not 1/0
    raw = downloads["Télécharger le tableau (CSV)"][0].decode("utf-8-sig").splitlines()
    assert raw[1].startswith("Origine des valeurs : Taux de couverture global : publiée ") and ";" not in raw[1]
    csv = pd.read_csv(io.BytesIO(downloads["Télécharger le tableau (CSV)"][0]), sep=";", decimal=",",
                      encoding="utf-8-sig", dtype={"Code": str}, skiprows=2)
    assert list(csv["Niveau"][:2]) == ["Département", "France"]
    assert list(csv.loc[csv["Niveau"] == "EPCI", "Territoire"].map(short_name)) == expected
    assert list(downloads)[:2] == ["Télécharger le tableau (Excel)", "Télécharger le tableau (CSV)"]  # Excel first


def test_explorer_livret_zip_holds_tables_charts_and_portraits(page, downloads, wh):
    year = 2024
    page("explorer", annee=str(year), ctg=f"{GRAND_CHALON},{BRESSE_LOUHANNAISE}")
    label = next(k for k in downloads if k.startswith("Télécharger le livret CTG"))
    content, file_name = downloads[label]
    assert file_name == f"livret-ctg-territoire-ctg-{year}.zip"
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = {n.split("/", 1)[1] for n in archive.namelist()}
        assert names == {"LISEZMOI.txt", f"indicateurs-territoire-ctg-{year}.csv",
                         f"indicateurs-territoire-ctg-{year}.xlsx", f"graphiques/tcg-{year}.png",
                         "graphiques/tcg-evolution.png", "portraits/communaute-d-agglomeration-le-grand-chalon.html",
                         "portraits/communaute-de-communes-bresse-louhannaise-intercom.html"}
        root = archive.namelist()[0].split("/")[0]
        assert archive.read(f"{root}/graphiques/tcg-{year}.png").startswith(b"\x89PNG")
        assert "Le Grand Chalon" in archive.read(
            f"{root}/portraits/communaute-d-agglomeration-le-grand-chalon.html").decode("utf-8")
        readme = archive.read(f"{root}/LISEZMOI.txt").decode("utf-8")
        assert "Données fictives" in readme
        table = pd.read_csv(io.BytesIO(archive.read(f"{root}/indicateurs-territoire-ctg-{year}.csv")), sep=";",
                            decimal=",", encoding="utf-8-sig", dtype={"Code": str}, skiprows=1)
    assert list(table["Niveau"]) == ["EPCI", "EPCI", "Territoire de la CTG (total)", "Département", "France"]
    assert set(table["Code"][:2]) == {GRAND_CHALON, BRESSE_LOUHANNAISE}
    # the CTG row: its two EPCI's counts summed, the rate recomputed from the sums (not the mean of their rates)
    counts = wh.values("epci", [GRAND_CHALON, BRESSE_LOUHANNAISE], ["places_total", "enfants_0_2"], [year])
    sums = counts.groupby("indicator")["value"].sum()
    total = table[table["Niveau"] == "Territoire de la CTG (total)"].iloc[0]
    tcg = next(c for c in table.columns if c.startswith("Taux de couverture global"))
    assert total[tcg] == pytest.approx(round(100 * sums["places_total"] / sums["enfants_0_2"], 1))
    assert total["Territoire"] == "Territoire CTG"


def _livret(name: str, tcg: list[float | None]) -> LivretInput:
    rows = pd.DataFrame({"level": ["epci", "epci", "departement", "france"], "code": ["1", "2", "71", "FR"],
                         "name": [name, "CC B", "Saône-et-Loire", "France"], "year": 2024, "tcg": tcg})
    history = pd.concat([rows.assign(year=2023), rows], ignore_index=True)
    sources = pd.DataFrame({"source": ["x"], "label": ["Source X"], "producer": ["Caf"], "vintage": ["2024"],
                            "years": ["2023-2024"], "file": ["x.csv"], "sha256": ["0"]})
    return LivretInput(territory="=CTG test", year=2024, table=rows, history=history, catalogue=catalogue_frame(),
                       sources=sources, meta={"fictitious": "true", "cog_vintage": "COG 2025"},
                       source_text="Sources : test.", references=("Saône-et-Loire", "France"),
                       portraits={name: "<html>portrait</html>"})


def test_livret_neutralises_formulas_and_keeps_missing_empty():
    content = build_livret(_livret("=HYPERLINK(\"http://x\")", [60.04, None, 72.3, 61.2]), datetime(2026, 1, 2, 3, 4))
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = archive.namelist()
        assert all(n.startswith("livret-ctg-ctg-test-2024/") for n in names)
        csv_name = next(n for n in names if n.endswith(".csv"))
        table = pd.read_csv(io.BytesIO(archive.read(csv_name)), sep=";", decimal=",", encoding="utf-8-sig",
                            skiprows=1)  # the « données fictives » line
        assert archive.getinfo(csv_name).date_time == (2026, 1, 2, 3, 4, 0)
    assert table["Territoire"][0] == "'=HYPERLINK(\"http://x\")"
    assert table[TCG_HEADER].tolist()[:1] == [60.0] and pd.isna(table[TCG_HEADER][1])  # missing stays empty, not 0


def test_livret_is_reproducible():
    made = [build_livret(_livret("CC A", [60.0, 65.0, 72.3, 61.2]), datetime(2026, 1, 2)) for _ in range(2)]
    with zipfile.ZipFile(io.BytesIO(made[0])) as first, zipfile.ZipFile(io.BytesIO(made[1])) as second:
        for name in first.namelist():
            if not name.endswith((".png", ".xlsx")):  # renderers stamp their own metadata
                assert first.read(name) == second.read(name), name


def test_cartes_honours_the_query_string(page):
    at = page("cartes", indicateur="part_am_55_plus", niveau="commune", annee="2019")
    chosen = {s.label: s.value for s in at.selectbox}
    assert chosen["Indicateur"] == "part_am_55_plus" and chosen["Niveau"] == "commune"
    assert chosen["Année"] == 2019
    classes = next(s for s in at.selectbox if s.label == "Classes")
    assert classes.options == ["Classes fixes (mêmes limites toutes les années)"]  # no France value for it
    assert len(at.get("plotly_chart")) == 3  # the indicator, the priority territories, coverage × RSA


def _legend(at: AppTest, index: int = 0) -> list[str]:
    spec = json.loads(at.get("plotly_chart")[index].proto.spec)
    return [trace["name"] for trace in spec["data"]]


def test_cartes_ratio_classes_are_fixed_around_france(page):
    at = page("cartes", indicateur="tcg", niveau="epci", annee="2024", classes="france")
    assert _legend(at)[:5] == ["moins de 80", "80 à moins de 95", "95 à moins de 105", "105 à moins de 120",
                               "120 ou plus"]


def test_cartes_fixed_classes_do_not_change_with_the_year(page):
    first = _legend(page("cartes", indicateur="tcg", niveau="commune", annee="2017", classes="fixes"))
    last = _legend(page("cartes", indicateur="tcg", niveau="commune", annee="2024", classes="fixes"))
    assert first == last and len(first) >= 3


def test_cartes_priority_map_lists_every_status(page):
    legend = _legend(page("cartes", regles="sdsf71", annee="2024"), 1)
    assert legend[-2:] == ["non prioritaire", "indéterminé"] and "Priorité 1" in legend


def test_map_draws_missing_as_missing_not_as_a_class():
    geojson = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": code, "properties": {},
         "geometry": {"type": "Polygon", "coordinates": [[[x, 46], [x + 1, 46], [x + 1, 47], [x, 47], [x, 46]]]}}
        for x, code in enumerate(["a", "b", "c"])]}
    frame = pd.DataFrame({"code": ["a", "b", "c"], "classe": ["bas", None, "haut"], "hover": ["A", "B", "C"]})
    fig = charts.choropleth_classes(MapShapes(geojson, {"lon": 1.5, "lat": 46.5}, 6), frame, "classe",
                                    ["bas", "moyen", "haut"], ["#111", "#222", "#333"],
                                    title="t", subtitle="s", legend_title="l")
    traces = {t.name: list(t.locations) for t in fig.data}
    assert traces["bas"] == ["a"] and traces["haut"] == ["c"] and traces["n.d. (donnée manquante)"] == ["b"]
    assert "moyen" in traces  # an empty class keeps its legend entry
    assert all(len(t.geojson["features"]) == len(t.locations) for t in fig.data)  # each trace carries its shapes only


def test_map_draws_a_secret_value_apart_from_a_missing_one():
    geojson = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": code, "properties": {},
         "geometry": {"type": "Polygon", "coordinates": [[[x, 46], [x + 1, 46], [x + 1, 47], [x, 47], [x, 46]]]}}
        for x, code in enumerate(["a", "b", "c"])]}
    frame = pd.DataFrame({"code": ["a", "b", "c"], "classe": ["bas", None, None], "hover": ["A", "B", "C"],
                          "secret": [False, False, True]})
    fig = charts.choropleth_classes(MapShapes(geojson, {"lon": 1.5, "lat": 46.5}, 6), frame, "classe",
                                    ["bas"], ["#111"], title="t", subtitle="s", legend_title="l")
    traces = {t.name: list(t.locations) for t in fig.data}
    assert traces["n.d. (donnée manquante)"] == ["b"] and traces["secret statistique"] == ["c"]


def test_donnees_shows_sources_years_runs_catalogue_and_comparison(page, wh):
    at = page("donnees")
    headers = [h.value for h in at.header]
    assert headers == ["Sources et millésimes", "Extraits : communes renseignées",
                       "Codes communes rapprochés de la géographie actuelle", "Avertissements de la dernière construction",
                       "Années disponibles par indicateur", "Dernières actualisations", "Catalogue des indicateurs",
                       "Géographie", "Contrats vérifiés à la construction", "Taux de couverture publiés et recalculés"]
    natures = at.table[0].value.set_index("Source")["Nature"]
    assert natures["Cnaf, data.caf.fr (taux de couverture publiés)"] == "publiée (données ouvertes)"
    assert natures["PMI, extrait des assistants maternels"] == "extrait interne"
    reported = next(df.value for df in at.dataframe if "Communes renseignées" in df.value.columns)
    assert set(reported["Communes renseignées"]) == {"563 sur 563"}  # the demo's extracts are declared exhaustive
    contracts = next(df.value for df in at.dataframe if "Contrat" in df.value.columns)
    assert (contracts.loc[contracts["Gravité"] == "bloquant", "Écarts"] == 0).all()
    spans = next(df.value for df in at.dataframe if "label" in df.value.columns)
    assert spans.set_index("label").loc["Taux de couverture global", "epci"] == "2017 à 2024"
    text = " ".join(m.value for m in at.markdown)
    assert wh.meta()["geography_note"] in text and "41 communes sur 44" in text
    comparison = next(df.value for df in at.dataframe if "beyond" in df.value.columns)
    assert comparison["beyond"].sum() == 0 and (comparison["worst"] <= 0.05 + 1e-9).all()


def test_donnees_lists_rejected_files_with_their_problems(page, monkeypatch):
    from app import data
    rejected = {"started_at": "2026-11-23T09:00:00+00:00", "outcome": "rejected", "departements": "71",
                "message": "1 fichier rejeté", "inputs": [],
                "rejected": [{"file": "extracts/equipements.csv", "line": 12, "column": "places",
                              "expected": "un entier positif", "found": "douze"}]}
    monkeypatch.setattr(data, "journal", lambda: [rejected])
    at = page("donnees")
    problems = next(df.value for df in at.dataframe if "Attendu" in df.value.columns)
    assert problems.iloc[0][["Fichier", "Colonne", "Attendu", "Trouvé"]].tolist() == [
        "extracts/equipements.csv", "places", "un entier positif", "douze"]
    assert problems.iloc[0]["Ligne"] == 12


def test_cartes_values_of_a_flag_read_oui_non(page):
    at = page("cartes", indicateur="panier_complet", niveau="epci", classes="fixes")
    values = set(at.dataframe[0].value["value"])
    assert values and values <= {"oui", "non", "n.d."}
    assert _legend(at)[:2] == ["non", "oui"]
