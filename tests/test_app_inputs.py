"""What a link or a keyboard gives the app's inputs: pure functions, no Streamlit."""

from __future__ import annotations

import pytest

from app.inputs import number_problem, number_text, parse_number, resolve_many, resolve_one, resolve_range


@pytest.mark.parametrize("typed, expected", [
    ("1,2", 1.2), ("1.2", 1.2), (" 1,20 ", 1.2), ("12", 12.0), ("14 957", 14957.0), ("14\u202f957,5", 14957.5),
    ("−0,5", -0.5), ("-0.5", -0.5), (",5", 0.5), ("50,", 50.0),
    ("", None), ("abc", None), ("1,2,3", None), ("1.234,5", None), ("1,2.3", None), ("1e3", None),
])
def test_numbers_typed_the_french_or_the_english_way(typed, expected):
    assert parse_number(typed) == expected


def test_a_number_is_shown_back_with_a_comma_and_bad_entries_are_explained():
    assert number_text(1.2, 2) == "1,20"
    assert number_problem("1,2", 1.2, 0.05, 2) is None
    assert number_problem("douze", None, None, 1) == "« douze » n'est pas un nombre : écrivez par exemple « 1,2 »."
    assert number_problem("0", 0.0, 0.05, 2) == "La valeur doit être au moins 0,05."


def test_a_link_value_is_taken_when_it_exists_and_named_when_it_does_not():
    names = {"247100589": "Le Grand Chalon", "200071579": "Bresse Louhannaise"}
    assert resolve_one("200071579", list(names), "247100589", label="Territoire").value == "200071579"
    assert resolve_one(None, list(names), "247100589").problem is None
    bad = resolve_one("999999999", list(names), "247100589", label="Territoire", format_func=names.get)
    assert bad.value == "247100589"
    assert bad.problem == ("Le lien demande « 999999999 » pour « Territoire » : cette valeur n'existe pas ici. "
                           "Affiché à la place : Le Grand Chalon.")
    years = [2017, 2024]
    assert resolve_one("2017", years, 2024, cast=int).value == 2017
    assert resolve_one("1900", years, 2024, cast=int, label="Année").problem.endswith("Affiché à la place : 2024.")
    assert resolve_one("deux mille", years, 2024, cast=int).value == 2024


def test_a_link_list_keeps_its_known_codes_in_order_and_names_the_others():
    options = ["a", "b", "c"]
    assert resolve_many("c,a", options).value == ["c", "a"]
    assert resolve_many(None, options, default=["b", "z"]).value == ["b"]
    one = resolve_many("a,zz", options, label="EPCI")
    assert one.value == ["a"]
    assert one.problem == "Le lien demande pour « EPCI » la valeur « zz », inconnue ici : ignorée."
    assert "les valeurs « x, y », inconnues ici : ignorées" in resolve_many("x,y", options).problem


def test_a_link_range_snaps_to_the_values_shown():
    stops = [50.0, 60.5, 70.0, 80.0]
    assert resolve_range("60", None, stops).value == (60.5, 80.0)
    assert resolve_range(None, "75", stops).value == (50.0, 70.0)
    assert resolve_range("60,5", "70", stops).value == (60.5, 70.0)
    bad = resolve_range("soixante", None, stops, label="TCG")
    assert bad.value == (50.0, 80.0) and bad.problem.startswith("Le lien demande « soixante » pour « TCG »")


def test_tables_rank_missing_last_and_read_flags_as_words():
    import pandas as pd

    from app.tables import flag_words, ranked

    frame = pd.DataFrame({"name": ["b", "A", "c", "d"], "tcg": [60.0, None, 72.5, 60.0]})
    assert list(ranked(frame, "tcg", descending=True)["name"]) == ["c", "b", "d", "A"]
    assert list(ranked(frame, "tcg", descending=False)["name"]) == ["b", "d", "c", "A"]
    assert list(ranked(frame, "name", descending=False)["name"]) == ["A", "b", "c", "d"]
    assert list(flag_words(pd.Series([1.0, 0.0, None]))) == ["oui", "non", "n.d."]


def test_the_sidebar_names_a_few_departements_and_counts_many():
    from app.ui import departements_text

    assert departements_text("71") == "département 71"
    assert departements_text("63,71,93") == "départements 63, 71, 93"
    assert departements_text(",".join(f"{n:02d}" for n in range(1, 96))) == "95 départements"
