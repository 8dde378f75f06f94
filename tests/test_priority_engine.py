"""Evaluation on hand-built territories: every expected status below was computed by hand."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from pipelines.priority import (REASON_COLUMNS, RULESETS_DIR, STATUS_COLUMNS, compare, evaluate, load_ruleset,
                                loads_ruleset, with_overrides)
from tests.test_priority_rules import CODES, rule

YEAR = 2023
NNBSP, NBSP = "\u202f", "\u00a0"


def crit(id_: str, indicator: str, operator: str, threshold: str = "", extra: str = "") -> str:
    return (f'[[criteria]]\nid = "{id_}"\nlabel = "Libellé {id_}"\nindicator = "{indicator}"\n'
            f'operator = "{operator}"\n{threshold}\n{extra}\n')


def ruleset(*blocks: str, combination: str = 'mode = "all"'):
    return loads_ruleset(rule(*blocks, combination=combination), CODES)


def values(rows: list[tuple]) -> pd.DataFrame:
    """Rows ``(level, code, indicator, value)`` for YEAR; a value of None is simply not written."""
    return pd.DataFrame([(level, code, YEAR, ind, v) for level, code, ind, v in rows if v is not None],
                        columns=["level", "code", "year", "indicator", "value"])


def epcis(by_departement: dict[str | None, list[str]]) -> pd.DataFrame:
    return pd.DataFrame([("epci", code, f"EPCI {code}", dep) for dep, codes in by_departement.items()
                         for code in codes], columns=["level", "code", "name", "departement"])


def met_of(reasons: pd.DataFrame, criterion: str) -> dict:
    rows = reasons[reasons["criterion"] == criterion]
    return {code: (None if pd.isna(m) else bool(m)) for code, m in zip(rows["code"], rows["met"])}


def status_of(status: pd.DataFrame, column: str = "status") -> dict:
    """``code → value``, missing as None (text columns hold pd.NA so the warehouse keeps them typed)."""
    return {code: (None if pd.isna(v) else v) for code, v in zip(status["code"], status[column])}


@pytest.mark.parametrize("operator, value, met", [
    ("<", 48.3, False), ("<=", 48.3, True), (">", 48.3, False), (">=", 48.3, True), ("==", 48.3, True),
    ("!=", 48.3, False), ("<", 48.2, True), (">", 48.4, True),
])
@pytest.mark.parametrize("threshold", ["value = 48.3", 'relative_to = "france"'])
def test_ties_follow_the_operator_exactly(operator, value, met, threshold):
    rules = ruleset(crit("c", "tcg", operator, threshold))
    data = values([("epci", "A", "tcg", value), ("france", "FR", "tcg", 48.3)])
    status, reasons = evaluate(rules, data, epcis({"71": ["A"]}), YEAR, "epci")
    assert met_of(reasons, "c") == {"A": met}
    assert status_of(status) == {"A": "prioritaire" if met else "non prioritaire"}


def relative_case():
    """A, B, C in 71 (département 62), D and E (missing) in 58 (département 45), F without département."""
    data = values([("epci", "A", "tcg", 50), ("epci", "B", "tcg", 60), ("epci", "C", "tcg", 70),
                   ("epci", "D", "tcg", 40), ("epci", "F", "tcg", 30), ("departement", "71", "tcg", 62),
                   ("departement", "58", "tcg", 45), ("france", "FR", "tcg", 60.9)])
    return data, epcis({"71": ["A", "B", "C"], "58": ["D", "E"], None: ["F"]})


@pytest.mark.parametrize("threshold, expected, reference_values", [
    ('relative_to = "france"', dict(A=True, B=True, C=False, D=True, E=None, F=True), [60.9] * 6),
    ('relative_to = "departement"', dict(A=True, B=True, C=False, D=True, E=None, F=None),
     [62, 62, 62, 45, 45, None]),
    # medians: 71 → 60 (50, 60, 70); 58 → 40 (E has no value and does not count); F has no département
    ('relative_to = "median"', dict(A=True, B=False, C=False, D=False, E=None, F=None),
     [60, 60, 60, 40, 40, None]),
    ('relative_to = "france"\nfactor = 0.9', dict(A=True, B=False, C=False, D=True, E=None, F=True), [60.9] * 6),
])
def test_relative_thresholds(threshold, expected, reference_values):
    data, territories = relative_case()
    status, reasons = evaluate(ruleset(crit("c", "tcg", "<", threshold)), data, territories, YEAR, "epci")
    assert met_of(reasons, "c") == expected
    assert reasons["reference_value"].tolist() == pytest.approx(
        [float("nan") if v is None else v for v in reference_values], nan_ok=True)
    factor = 0.9 if "factor" in threshold else 1.0
    assert reasons["threshold"].tolist() == pytest.approx(reasons["reference_value"] * factor, nan_ok=True)
    assert status_of(status)["E"] == "indéterminé"


def test_missing_france_reference_is_missing_data_never_the_departement():
    data = values([("epci", "A", "tcg", 10), ("departement", "71", "tcg", 62)])
    status, reasons = evaluate(ruleset(crit("c", "tcg", "<", 'relative_to = "france"')), data,
                               epcis({"71": ["A"]}), YEAR, "epci")
    assert met_of(reasons, "c") == {"A": None}
    assert reasons["text"].iloc[0] == "tcg 10,0 : référence France manquante"
    assert status.iloc[0][["status", "n_met", "n_missing"]].tolist() == ["indéterminé", 0, 1]


def two_criteria_case():
    """tcg < 50 and part_am_55_plus > 40 on: both met, one met + one missing, one unmet + one missing, none known."""
    rows = {"TT": (40, 45), "TN": (40, None), "FN": (60, None), "NN": (None, None), "FF": (60, 30)}
    data = values([("epci", code, ind, v) for code, pair in rows.items()
                   for ind, v in zip(("tcg", "part_am_55_plus"), pair)])
    return data, epcis({"71": list(rows)})


@pytest.mark.parametrize("combination, expected", [
    ('mode = "all"', dict(TT="prioritaire", TN="indéterminé", FN="non prioritaire", NN="indéterminé",
                          FF="non prioritaire")),
    ('mode = "any"', dict(TT="prioritaire", TN="prioritaire", FN="indéterminé", NN="indéterminé",
                          FF="non prioritaire")),
])
def test_missing_data_never_makes_a_territory_priority_by_accident(combination, expected):
    data, territories = two_criteria_case()
    rules = ruleset(crit("tcg_bas", "tcg", "<", "value = 50"), crit("am", "part_am_55_plus", ">", "value = 40"),
                    combination=combination)
    status, reasons = evaluate(rules, data, territories, YEAR, "epci")
    assert status_of(status) == expected
    assert status.set_index("code")["n_missing"].to_dict() == dict(TT=0, TN=1, FN=1, NN=2, FF=0)
    assert status.set_index("code")["n_met"].to_dict() == dict(TT=2, TN=1, FN=0, NN=0, FF=0)
    assert met_of(reasons, "am")["TN"] is None


def test_at_least_k_of_n():
    # tcg < 50, part_am_55_plus > 40, taux_pauvrete > 15: at least 2
    rows = {"A": (40, 45, None), "B": (40, 30, None), "C": (40, 30, 10), "D": (60, None, None),
            "E": (60, 30, None), "F": (60, 45, 20)}
    data = values([("epci", code, ind, v) for code, triple in rows.items()
                   for ind, v in zip(("tcg", "part_am_55_plus", "taux_pauvrete"), triple)])
    rules = ruleset(crit("a", "tcg", "<", "value = 50"), crit("b", "part_am_55_plus", ">", "value = 40"),
                    crit("c", "taux_pauvrete", ">", "value = 15"), combination='mode = "at_least"\nk = 2')
    status, _ = evaluate(rules, data, epcis({"71": list(rows)}), YEAR, "epci")
    assert status_of(status) == dict(A="prioritaire", B="indéterminé", C="non prioritaire", D="indéterminé",
                                     E="non prioritaire", F="prioritaire")


SCORE = 'mode = "score"\nclasses = [{ name = "Priorité 1", min_score = 3 }, { name = "Priorité 2", min_score = 2 }]'


def test_score_classes():
    # tcg < 50 weighs 2, part_am_55_plus > 40 and taux_pauvrete > 15 weigh 1 each (total 4)
    rows = {"A": (40, 45, 10), "B": (40, 30, 10), "C": (60, 45, 10), "D": (60, 45, None), "E": (40, 30, None),
            "G": (40, 45, None), "H": (60, 45, 20)}
    data = values([("epci", code, ind, v) for code, triple in rows.items()
                   for ind, v in zip(("tcg", "part_am_55_plus", "taux_pauvrete"), triple)])
    rules = ruleset(crit("a", "tcg", "<", "value = 50", "weight = 2"),
                    crit("b", "part_am_55_plus", ">", "value = 40", "weight = 1"),
                    crit("c", "taux_pauvrete", ">", "value = 15", "weight = 1"), combination=SCORE)
    status, _ = evaluate(rules, data, epcis({"71": list(rows)}), YEAR, "epci")
    table = status.set_index("code")
    assert table["status"].to_dict() == dict(A="prioritaire", B="prioritaire", C="non prioritaire",
                                             D="indéterminé", E="prioritaire", G="prioritaire", H="prioritaire")
    assert status_of(status, "priority_class") == {"A": "Priorité 1", "B": "Priorité 2", "C": None, "D": None,
                                                   "E": None, "G": "Priorité 1", "H": "Priorité 2"}
    assert table["score"].tolist() == [3, 2, 1, 1, 2, 3, 2]
    # E: 2 points for sure, 3 if the missing poverty rate were above 15: priority certain, class not
    assert table.loc["E", "summary"].startswith("Prioritaire (score 2 à 3 sur 4), classe à préciser")
    assert table.loc["A", "summary"] == ("Prioritaire — Priorité 1 (score 3 sur 4). Critères remplis : "
                                         "Libellé a, Libellé b. Non remplis : Libellé c.")


MODES = {
    "all": ('mode = "all"', lambda t: all(t)),
    "any": ('mode = "any"', lambda t: any(t)),
    "at_least": ('mode = "at_least"\nk = 2', lambda t: sum(t) >= 2),
    "group": ('mode = "all"', lambda t: t[0] and (t[1] or t[2])),
}


@pytest.mark.parametrize("mode", [*MODES, "score"])
def test_indetermine_exactly_when_missing_data_could_change_the_outcome(mode):
    """Every pattern of met (T), unmet (F), missing (N) over three criteria, as 27 territories."""
    indicators = ("tcg", "part_am_55_plus", "taux_pauvrete")
    group = '[[groups]]\nid = "g"\nlabel = "Groupe"\nmode = "any"\n'
    weights = ["weight = 2", "weight = 1", "weight = 1"] if mode == "score" else [""] * 3
    groups = ["", 'group = "g"', 'group = "g"'] if mode == "group" else [""] * 3
    blocks = [crit(f"c{i}", ind, ">", "value = 0.5", f"{w}\n{g}")
              for i, (ind, w, g) in enumerate(zip(indicators, weights, groups))]
    rules = ruleset(*blocks, *([group] if mode == "group" else []),
                    combination=SCORE if mode == "score" else MODES[mode][0])
    patterns = ["".join(p) for p in itertools.product("TFN", repeat=3)]
    data = values([("epci", p, ind, {"T": 1, "F": 0, "N": None}[letter])
                   for p in patterns for ind, letter in zip(indicators, p)])
    status, _ = evaluate(rules, data, epcis({"71": patterns}), YEAR, "epci")
    classes = status_of(status, "priority_class")
    outcome = {code: (s, classes[code]) for code, s in zip(status["code"], status["status"])}

    def expected(pattern: str):
        met = [letter == "T" for letter in pattern]
        if mode == "score":
            score = 2 * met[0] + met[1] + met[2]
            cls = "Priorité 1" if score >= 3 else "Priorité 2" if score >= 2 else None
            return ("prioritaire" if cls else "non prioritaire"), cls
        return ("prioritaire" if MODES[mode][1](met) else "non prioritaire"), None

    for pattern in patterns:
        completions = {expected(pattern.replace("N", "{}").format(*fill))
                       for fill in itertools.product("TF", repeat=pattern.count("N"))}
        statuses = {s for s, _ in completions}
        got_status, got_class = outcome[pattern]
        assert got_status == (statuses.pop() if len(statuses) == 1 else "indéterminé"), pattern
        classes = {c for _, c in completions}
        assert got_class == (classes.pop() if len(classes) == 1 else None), pattern


def test_flags_and_french_reason_texts():
    catalogue = pd.DataFrame({"code": ["tcg", "revenu_median", "panier_complet", "part_am_55_plus"],
                              "short_label": ["TCG", "Revenu médian", "Panier complet", "AM de 55 ans et plus"],
                              "unit": ["places pour 100 enfants", "€", None, "%"], "decimals": [1, 0, 0, 1]})
    rules = ruleset(crit("tcg", "tcg", "<", 'relative_to = "france"'),
                    crit("tcg_90", "tcg", "<", 'relative_to = "france"\nfactor = 0.9'),
                    crit("revenu", "revenu_median", "<=", 'relative_to = "departement"'),
                    crit("am", "part_am_55_plus", ">", "value = 40"),
                    crit("panier", "panier_complet", "is_false"), combination='mode = "any"')
    data = values([("epci", "A", "tcg", 48.3), ("france", "FR", "tcg", 60.9), ("epci", "B", "tcg", 61.0),
                   ("epci", "A", "revenu_median", 21197), ("departement", "71", "revenu_median", 22050.4),
                   ("epci", "A", "part_am_55_plus", 40), ("epci", "A", "panier_complet", 0),
                   ("epci", "B", "panier_complet", 1)])
    status, reasons = evaluate(rules, data, epcis({"71": ["A", "B"]}), YEAR, "epci", catalogue)
    texts = reasons.set_index(["code", "criterion"])["text"]
    assert texts["A", "tcg"] == "TCG 48,3 < France 60,9"
    assert texts["B", "tcg"] == "TCG 61,0 ≥ France 60,9"
    assert texts["A", "tcg_90"] == "TCG 48,3 < 0,9 × France 60,9 (54,8)"
    assert texts["A", "revenu"] == f"Revenu médian 21{NNBSP}197{NBSP}€ ≤ département 22{NNBSP}050{NBSP}€"
    assert texts["B", "revenu"] == "Revenu médian : donnée manquante"
    assert texts["A", "am"] == f"AM de 55 ans et plus 40,0{NBSP}% ≤ 40,0{NBSP}%"
    assert texts["A", "panier"] == "Panier complet : non"
    assert texts["B", "panier"] == "Panier complet : oui"
    assert met_of(reasons, "panier") == {"A": True, "B": False}
    flag = reasons[reasons["criterion"] == "panier"].iloc[0]
    assert pd.isna(flag["threshold"]) and pd.isna(flag["reference"])
    assert reasons.loc[reasons["criterion"] == "tcg_90", "reference"].tolist() == ["France", "France"]
    assert status_of(status) == {"A": "prioritaire", "B": "indéterminé"}


def test_output_columns_rows_and_scope():
    data, territories = two_criteria_case()
    other_year = data.assign(year=YEAR - 1, value=0.0)
    communes = pd.DataFrame({"level": ["commune"], "code": ["71270"], "name": ["X"], "departement": ["71"]})
    rules = ruleset(crit("tcg_bas", "tcg", "<", "value = 50"), crit("am", "part_am_55_plus", ">", "value = 40"))
    status, reasons = evaluate(rules, pd.concat([data, other_year]), pd.concat([territories, communes]),
                               YEAR, "epci")
    assert list(status.columns) == STATUS_COLUMNS and list(reasons.columns) == REASON_COLUMNS
    assert len(status) == 5 and len(reasons) == 5 * 2  # one row per territory × criterion, EPCI only
    assert reasons["criterion"].tolist()[:4] == ["tcg_bas", "am", "tcg_bas", "am"]
    assert set(status["ruleset"]) == {"essai"} and set(status["year"]) == {YEAR}
    assert status["score"].isna().all() and status["priority_class"].isna().all()
    for column in ("priority_class", "summary", "status"):
        assert status[column].dtype == "string"
    for column in ("group", "reference", "text"):
        assert reasons[column].dtype == "string"
    assert reasons["met"].dtype == "boolean" and status["n_met"].dtype == "Int64"


def test_usage_errors():
    rules = ruleset(crit("c", "tcg", "<", "value = 50"))
    with pytest.raises(ValueError, match="pas au niveau « commune »"):
        evaluate(rules, values([]), epcis({}), YEAR, "commune")
    doubled = values([("epci", "A", "tcg", 10), ("epci", "A", "tcg", 11)])
    with pytest.raises(ValueError, match="Valeurs en double pour epci A, indicateur « tcg »"):
        evaluate(rules, doubled, epcis({"71": ["A"]}), YEAR, "epci")


def test_empty_territories_give_empty_frames():
    status, reasons = evaluate(ruleset(crit("c", "tcg", "<", "value = 50")), values([]), epcis({}), YEAR, "epci")
    assert status.empty and reasons.empty and list(status.columns) == STATUS_COLUMNS


def fonds_case():
    """France: TCG 60,9, revenu médian 22 000 €. QPV share / FRR communes share close the rule."""
    rows = {  # tcg, revenu_median, part_population_qpv, part_communes_frr
        "QPV": (48.3, 20000, 5, 0), "RURAL": (48.3, 20000, 0, 100), "NI_QPV_NI_RURAL": (48.3, 20000, 0, 0),
        "COUVERT": (65, 20000, 5, None), "REVENU_MANQUANT": (48.3, None, 5, 0),
        "QPV_MANQUANT_RURAL": (48.3, 20000, None, 100), "QPV_MANQUANT": (48.3, 20000, None, 0),
        "REVENU_EGAL": (48.3, 22000, 5, 0), "TCG_EGAL": (60.9, 20000, 5, 0),
    }
    indicators = ("tcg", "revenu_median", "part_population_qpv", "part_communes_frr")
    data = values([("epci", code, ind, v) for code, quad in rows.items() for ind, v in zip(indicators, quad)]
                  + [("france", "FR", "tcg", 60.9), ("france", "FR", "revenu_median", 22000)])
    return data, epcis({"71": list(rows)})


def test_shipped_fonds_reequilibrage_on_hand_built_epci():
    data, territories = fonds_case()
    fonds = load_ruleset(RULESETS_DIR / "fonds_reequilibrage.toml", CODES)
    status, reasons = evaluate(fonds, data, territories, YEAR, "epci")
    assert status_of(status) == {
        "QPV": "prioritaire", "RURAL": "prioritaire", "NI_QPV_NI_RURAL": "non prioritaire",
        "COUVERT": "non prioritaire", "REVENU_MANQUANT": "indéterminé", "QPV_MANQUANT_RURAL": "prioritaire",
        "QPV_MANQUANT": "indéterminé", "REVENU_EGAL": "prioritaire", "TCG_EGAL": "non prioritaire"}
    assert reasons.loc[reasons["criterion"] == "rural_frr", "group"].unique().tolist() == ["qpv_ou_rural"]
    summary = status.set_index("code").loc["NI_QPV_NI_RURAL", "summary"]
    assert summary == ("Non prioritaire. Critères remplis : Couverture inférieure à la France, Revenu médian non "
                       "supérieur à la France. Non remplis : Quartier prioritaire ou territoire rural (FRR).")


def test_fonds_without_the_france_income_is_undetermined_even_with_a_departement_value():
    data, territories = fonds_case()
    data = data[~((data["level"] == "france") & (data["indicator"] == "revenu_median"))]
    data = pd.concat([data, values([("departement", "71", "revenu_median", 30000)])])
    status, _ = evaluate(load_ruleset(RULESETS_DIR / "fonds_reequilibrage.toml", CODES), data, territories,
                         YEAR, "epci")
    assert "prioritaire" not in set(status["status"])
    assert status_of(status)["QPV"] == "indéterminé" and status_of(status)["COUVERT"] == "non prioritaire"


def sdsf_case():
    """Département 71: TCG 72,1."""
    rows = {  # tcg, part_am_55_plus, panier_complet, places_eaje_solde, part_communes_frr
        "S1": (60, 45, 0, 3, 0), "S2": (80, 41, 0, 0, 0), "S3": (80, 40, 1, 5, 100), "S4": (60, None, 1, 2, 0),
        "S5": (60, 45, 1, 2, None), "S6": (None, 45, 1, 2, 0), "S7": (None, 30, 1, 2, 0),
    }
    indicators = ("tcg", "part_am_55_plus", "panier_complet", "places_eaje_solde", "part_communes_frr")
    data = values([("epci", code, ind, v) for code, five in rows.items() for ind, v in zip(indicators, five)]
                  + [("departement", "71", "tcg", 72.1)])
    return data, epcis({"71": list(rows)})


def test_shipped_sdsf71_on_hand_built_epci():
    data, territories = sdsf_case()
    sdsf = load_ruleset(RULESETS_DIR / "sdsf71.toml", CODES)
    status, _ = evaluate(sdsf, data, territories, YEAR, "epci")
    table = status.set_index("code")
    # S1 2+1+1=4; S2 1+1+1=3 (solde 0 ≤ 0); S3 only FRR (AM 40 is not > 40) = 1; S4 2 or 3; S5 3 or 4;
    # S6 1 to 3; S7 0 to 2
    assert table["status"].to_dict() == dict(S1="prioritaire", S2="prioritaire", S3="non prioritaire",
                                             S4="prioritaire", S5="prioritaire", S6="indéterminé", S7="indéterminé")
    assert status_of(status, "priority_class") == dict(S1="Priorité 1", S2="Priorité 2", S3=None,
                                                       S4="Priorité 2", S5=None, S6=None, S7=None)
    assert table["score"].tolist() == [4, 3, 1, 2, 3, 1, 0]


def test_overrides_then_compare_shows_who_enters_and_leaves():
    data, territories = sdsf_case()
    sdsf = load_ruleset(RULESETS_DIR / "sdsf71.toml", CODES)
    base, _ = evaluate(sdsf, data, territories, YEAR, "epci")
    # AM above 35 (not 40) and TCG below 0,8 × département (57,7, so no EPCI here meets it):
    # S1 1+1 = 2 (was 4), S2 1+1+1 = 3 (unchanged), S3 1+1 = 2 (was 1), S4 0 to 1 (was 2 to 3),
    # S5 1 to 2 (was 3 to 4), S6 1 to 3 and S7 0 to 2 (unchanged, TCG still missing)
    edited = with_overrides(sdsf, {"am_55_plus": 35, "tcg_sous_departement": 0.8})
    scenario, reasons = evaluate(edited, data, territories, YEAR, "epci")
    assert set(scenario["ruleset_version"]) == {"1.1"}
    assert reasons.set_index(["code", "criterion"]).loc[("S1", "tcg_sous_departement"), "threshold"] == \
        pytest.approx(0.8 * 72.1)
    changes = compare(base, scenario)
    assert changes[["code", "status_a", "status_b", "priority_class_a", "priority_class_b", "change"]] \
        .values.tolist() == [
            ["S3", "non prioritaire", "prioritaire", None, "Priorité 2", "entre en priorité"],
            ["S4", "prioritaire", "non prioritaire", "Priorité 2", None, "sort de la priorité"],
            ["S5", "prioritaire", "indéterminé", None, None, "sort de la priorité"],
            ["S1", "prioritaire", "prioritaire", "Priorité 1", "Priorité 2", "change de classe"],
        ]


def test_compare_lists_entries_exits_class_and_status_changes():
    def frame(rows):
        return pd.DataFrame(rows, columns=["level", "code", "status", "priority_class"])
    a = frame([("epci", "X", "prioritaire", "P1"), ("epci", "V", "prioritaire", None),
               ("epci", "Z", "non prioritaire", None), ("epci", "W", "indéterminé", None)])
    b = frame([("epci", "X", "prioritaire", "P2"), ("epci", "U", "prioritaire", None),
               ("epci", "Z", "non prioritaire", None), ("epci", "W", "non prioritaire", None)])
    changes = compare(a, b)  # U only in b, V only in a: absent counts as not prioritaire; Z unchanged
    assert changes[["code", "status_a", "status_b", "change"]].values.tolist() == [
        ["U", None, "prioritaire", "entre en priorité"], ["V", "prioritaire", None, "sort de la priorité"],
        ["X", "prioritaire", "prioritaire", "change de classe"], ["W", "indéterminé", "non prioritaire",
                                                                  "change de statut"]]
    with pytest.raises(ValueError, match="une ligne par territoire"):
        compare(pd.concat([a, a]), b)
