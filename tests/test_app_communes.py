"""Communes as autorités organisatrices in the app (AppTest, demo warehouse): the commune portrait compared with
its EPCI, its SPPE duties and RPE; the list of communes above 3 500 and 10 000 inhabitants; the livret CTG of a
territory made of communes, with their portraits."""

from __future__ import annotations

import io
import json
import zipfile

import pandas as pd
import pytest

from pipelines.formatting import SECRET, fr_number
from tests.test_app_explorer_cartes_donnees import downloads, page, wh  # noqa: F401 (the pages' fixtures)

MACON, CHARNAY = "71270", "71105"  # Mâcon (more than 10 000 inhabitants), Charnay-lès-Mâcon (3 501 to 10 000)
MACONNAIS = "200070308"


def test_commune_portrait_compares_with_its_epci_and_gives_its_duties(page, wh):
    at = page("portrait", niveau="commune", territoire=MACON, annee="2024")
    assert at.title[0].value == "Mâcon"
    key = at.table[next(i for i, t in enumerate(at.table) if "Indicateur" in t.value.columns)].value
    assert list(key.columns[2:6]) == ["Territoire 2024", "CA Mâconnais Beaujolais Agglomération", "Saône-et-Loire",
                                      "France"]
    tcg = key.set_index("Indicateur").loc["Taux de couverture global"]
    epci_tcg = wh.values("epci", [MACONNAIS], ["tcg"], [2024])["value"].iloc[0]
    assert tcg["CA Mâconnais Beaujolais Agglomération"] == fr_number(epci_tcg, 1)
    assert any(s.value == "Service public de la petite enfance" for s in at.subheader)
    duties = next(t.value for t in at.table if "Base légale" in t.value.columns)
    assert len(duties) == 6 and duties.iloc[-1]["Obligation"] == "Mettre en place un relais petite enfance"
    text = " ".join(m.value for m in at.markdown)
    assert "commune de plus de 10 000 habitants : 6 obligations" in text and "Relais petite enfance : oui" in text
    assert not any(s.value.startswith("Communes du territoire") for s in at.subheader)  # no list of one
    trend = [t["name"] for t in json.loads(at.get("plotly_chart")[0].proto.spec)["data"]]
    assert "CA Mâconnais Beaujolais Agglomération" in trend


def test_a_smaller_commune_has_four_duties(page):
    at = page("portrait", niveau="commune", territoire=CHARNAY, annee="2024")
    duties = next(t.value for t in at.table if "Base légale" in t.value.columns)
    assert len(duties) == 4 and "relais" not in " ".join(duties["Obligation"])


def test_communes_page_lists_tiers_duties_rpe_and_figures(page, wh):
    at = page("communes")
    expected = wh.commune_obligations("71")
    table = at.dataframe[0].value
    assert len(table) == len(expected)
    shown = table.set_index("Commune")
    assert shown.loc["Mâcon", "Seuil"] == "plus de 10 000 habitants"
    assert shown.loc["Mâcon", "RPE obligatoire"] == "oui, depuis le 1er janvier 2026"
    assert shown.loc["Mâcon", "Portrait"] == f"portrait?niveau=commune&territoire={MACON}&annee=2024"
    assert next(m for m in at.metric if m.label == "Communes de plus de 10 000 habitants").value == str(
        (expected["tier"] == "plus_10000").sum())
    at = page("communes", seuils="plus_10000")
    assert set(at.dataframe[0].value["Seuil"]) == {"plus de 10 000 habitants"}


def test_communes_list_downloads_with_its_obligations(page, downloads):
    page("communes")
    content, name = downloads["Télécharger la liste (Excel)"]
    assert name == "communes_autorites_organisatrices_71_2024.xlsx"
    book = pd.ExcelFile(io.BytesIO(content))
    assert "Obligations" in book.sheet_names
    listed = pd.read_excel(book, "Indicateurs", dtype={"Code": str})
    assert MACON in set(listed["Code"]) and "RPE dans la commune" in listed.columns


def test_livret_of_a_ctg_made_of_communes_holds_their_portraits(page, downloads, wh):
    page("explorer", annee="2024", ctg_niveau="commune", ctg_communes=f"{MACON},{CHARNAY}")
    label = next(k for k in downloads if k.startswith("Télécharger le livret CTG"))
    with zipfile.ZipFile(io.BytesIO(downloads[label][0])) as archive:
        root = archive.namelist()[0].split("/")[0]
        names = {n.split("/", 1)[1] for n in archive.namelist()}
        assert {"portraits/macon.html", "portraits/charnay-les-macon.html"} <= names
        portrait = archive.read(f"{root}/portraits/macon.html").decode("utf-8")
        assert "Service public de la petite enfance" in portrait and "CA Mâconnais Beaujolais" in portrait
        readme = archive.read(f"{root}/LISEZMOI.txt").decode("utf-8")
        assert "Communes du territoire :" in readme
        table = pd.read_csv(io.BytesIO(archive.read(f"{root}/indicateurs-territoire-ctg-2024.csv")), sep=";",
                            decimal=",", encoding="utf-8-sig", dtype={"Code": str}, skiprows=1)
    assert list(table["Niveau"]) == ["Commune", "Commune", "Territoire de la CTG (total)", "Département", "France"]
    counts = wh.values("commune", [MACON, CHARNAY], ["places_total", "enfants_0_2"], [2024])
    sums = counts.groupby("indicator")["value"].sum()
    tcg = next(c for c in table.columns if c.startswith("Taux de couverture global"))
    total = table[table["Niveau"] == "Territoire de la CTG (total)"].iloc[0]
    if counts["secret"].any():  # a member's places are secret: the total would give them back by difference
        assert total[tcg] == SECRET
    else:
        assert float(total[tcg]) == pytest.approx(round(100 * sums["places_total"] / sums["enfants_0_2"], 1))
