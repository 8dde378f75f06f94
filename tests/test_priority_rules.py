"""Rule files: the shipped ones load, every kind of mistake is refused in French, scenarios round-trip."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from pipelines.priority import (RULESETS_DIR, RuleSetError, bump_version, list_rulesets, load_ruleset,
                                loads_ruleset, ruleset_to_toml, with_overrides)

# The warehouse's indicator_value.indicator codes (the brief's list).
CODES = set("""
population enfants_0_2 enfants_3_5 enfants_6_10 places_eaje_psu places_eaje_hors_psu places_eaje places_am
places_gad places_prescol places_total nb_eaje am_agrees am_actifs am_55_plus nb_mam places_mam nb_alsh
places_alsh nb_laep nb_clas nb_reaap nb_mediation rpe_etp places_eaje_solde tcg tcg_eaje tcg_psu tcg_hors_psu
tcg_ind tcg_am tcg_gad tcg_prescol part_am_55_plus am_actifs_par_etp_rpe places_alsh_pour_100_3_10
part_accueil_collectif revenu_median taux_pauvrete part_population_qpv part_communes_frr frr panier_complet
panier_nb_manquants
""".split())

HEADER = 'name = "essai"\nversion = "1.0"\nlevels = ["epci"]\n'
TCG = '[[criteria]]\nid = "tcg_bas"\nlabel = "Couverture basse"\nindicator = "tcg"\noperator = "<"\nvalue = 50\n'
AM = '[[criteria]]\nid = "am_ages"\nlabel = "AM âgés"\nindicator = "part_am_55_plus"\noperator = ">"\nvalue = 40\n'


def rule(*blocks: str, combination: str = 'mode = "all"', header: str = HEADER) -> str:
    return header + f"\n[combination]\n{combination}\n\n" + "\n".join(blocks)


def test_shipped_rulesets_load_against_the_warehouse_codes():
    names = {path.name for path in list_rulesets()}
    assert {"fonds_reequilibrage.toml", "sdsf71.toml"} <= names
    for path in list_rulesets():
        ruleset = load_ruleset(path, CODES)
        assert ruleset.description and ruleset.levels == ("epci",)
        assert ruleset.source == str(path)


def test_fonds_reequilibrage_transposes_the_cnaf_criteria():
    fonds = load_ruleset(RULESETS_DIR / "fonds_reequilibrage.toml", CODES)
    by_id = {c.id: c for c in fonds.criteria}
    assert fonds.mode == "all"
    assert (by_id["tcg_sous_france"].operator, by_id["tcg_sous_france"].relative_to) == ("<", "france")
    assert by_id["revenu_sous_france"].relative_to == "france"
    assert [u.id for u in fonds.units()] == ["tcg_sous_france", "revenu_sous_france", "qpv_ou_rural"]
    assert fonds.groups[0].mode == "any"


def test_sdsf71_is_a_weighted_score_with_two_classes():
    sdsf = load_ruleset(RULESETS_DIR / "sdsf71.toml", CODES)
    assert sdsf.mode == "score"
    assert [(c.name, c.min_score) for c in sdsf.classes] == [("Priorité 1", 4), ("Priorité 2", 2)]
    assert {c.indicator for c in sdsf.criteria} == {"tcg", "part_am_55_plus", "panier_complet",
                                                     "places_eaje_solde", "part_communes_frr"}


def test_catalogue_frame_is_accepted_as_the_known_codes():
    catalogue = pd.DataFrame({"code": sorted(CODES), "label": sorted(CODES)})
    assert load_ruleset(RULESETS_DIR / "sdsf71.toml", catalogue).name == "sdsf71"
    with pytest.raises(RuleSetError, match="indicateur inconnu « tcg »"):
        load_ruleset(RULESETS_DIR / "sdsf71.toml", catalogue[catalogue["code"] != "tcg"])


BAD_RULES = {
    "unknown indicator": (rule(TCG.replace('"tcg"', '"tcgx"')), "tcg_bas",
                          "indicateur inconnu « tcgx » (vouliez-vous dire « tcg » ?)"),
    "bad operator": (rule(TCG.replace('"<"', '"=<"')), "tcg_bas", "« operator » = '=<' inconnu"),
    "missing threshold": (rule(TCG.replace("value = 50\n", "")), "tcg_bas", "seuil manquant"),
    "threshold typo": (rule(TCG.replace("value = 50", "valeur = 50")), "tcg_bas", "clé inconnue « valeur »"),
    "threshold not a number": (rule(TCG.replace("value = 50", 'value = "50"')), "tcg_bas",
                               "« value » doit être un nombre"),
    "both thresholds": (rule(TCG.replace("value = 50", 'value = 50\nrelative_to = "france"')), "tcg_bas",
                        "« value » et « relative_to » sont exclusifs"),
    "unknown relative_to": (rule(TCG.replace("value = 50", 'relative_to = "region"')), "tcg_bas",
                            "« relative_to » = 'region' inconnu"),
    "relative_to not text": (rule(TCG.replace("value = 50", 'relative_to = ["france"]')), "tcg_bas",
                             "« relative_to » = ['france'] inconnu"),
    "weight on a grouped criterion": (rule(TCG + 'group = "z"\nweight = 1\n',
                                           '[[groups]]\nid = "z"\nlabel = "Z"\nmode = "any"\nweight = 1\n',
                                           combination='mode = "score"\nclasses = [{ name = "P", min_score = 1 }]'),
                                      "tcg_bas", "« weight » se met sur le groupe « z », pas sur ses critères"),
    "factor without reference": (rule(TCG.replace("value = 50", "value = 50\nfactor = 0.9")), "tcg_bas",
                                 "« factor » ne s'applique qu'à un seuil relatif"),
    "negative factor": (rule(TCG.replace("value = 50", 'relative_to = "france"\nfactor = -1')), "tcg_bas",
                        "« factor » doit être strictement positif"),
    "flag with threshold": (rule(TCG.replace('"tcg"', '"frr"').replace('"<"', '"is_true"')), "tcg_bas",
                            "ne prend pas de seuil (retirer « value »)"),
    "missing label": (rule(TCG.replace('label = "Couverture basse"\n', "")), "tcg_bas",
                      "clé obligatoire « label » absente"),
    "duplicate id": (rule(TCG, TCG), None, "identifiant de critère ou groupe « tcg_bas » en double"),
    "k greater than n": (rule(TCG, AM, combination='mode = "at_least"\nk = 3'), None,
                         "k = 3 dépasse le nombre de critères combinés (2)"),
    "k missing": (rule(TCG, AM, combination='mode = "at_least"'), None, "demande un entier « k » ≥ 1"),
    "k without at_least": (rule(TCG, combination='mode = "all"\nk = 1'), None,
                           "« k » n'a de sens qu'avec le mode « at_least »"),
    "unknown mode": (rule(TCG, combination='mode = "most"'), None, "« mode » = 'most' inconnu"),
    "classes without weights": (rule(TCG, AM, combination='mode = "score"\n'
                                     'classes = [{ name = "Priorité 1", min_score = 1 }]'), "tcg_bas",
                                "poids « weight » manquant"),
    "score without classes": (rule(TCG + "weight = 1\n", combination='mode = "score"'), None,
                              "le mode « score » demande des « classes »"),
    "classes without score": (rule(TCG, combination='mode = "all"\nclasses = [{ name = "P1", min_score = 1 }]'),
                              None, "« classes » n'a de sens qu'avec le mode « score »"),
    "weight without score": (rule(TCG + "weight = 2\n"), "tcg_bas",
                             "« weight » n'a de sens qu'avec la combinaison « score »"),
    "unreachable class": (rule(TCG + "weight = 1\n", combination='mode = "score"\n'
                               'classes = [{ name = "Priorité 1", min_score = 3 }]'), None,
                          "classe « Priorité 1 » inatteignable : score minimal 3 > total des poids 1"),
    "same min score": (rule(TCG + "weight = 1\n", AM + "weight = 1\n", combination='mode = "score"\n'
                            'classes = [{ name = "P1", min_score = 1 }, { name = "P2", min_score = 1 }]'),
                       None, "deux classes ont le même score minimal"),
    "undeclared group": (rule(TCG + 'group = "zonage"\n'), "tcg_bas", "groupe « zonage » non déclaré"),
    "empty group": (rule(TCG, '[[groups]]\nid = "zonage"\nlabel = "Zonage"\nmode = "any"\n'), None,
                    "groupe « zonage » : aucun critère ne déclare ce groupe"),
    "group k greater than members": (rule(TCG + 'group = "z"\n',
                                          '[[groups]]\nid = "z"\nlabel = "Z"\nmode = "at_least"\nk = 2\n'),
                                     None, "groupe « z » : k = 2 dépasse le nombre de critères du groupe (1)"),
    "unknown level": (rule(TCG, header=HEADER.replace('["epci"]', '["region"]')), None, "« levels » doit lister"),
    "version not text": (rule(TCG, header=HEADER.replace('"1.0"', "1.0")), None, "« version » doit être un texte"),
    "no criteria": (HEADER + '\ncriteria = []\n[combination]\nmode = "all"\n', None, "aucun critère"),
    "toml syntax": (rule(TCG.replace('operator = "<"', 'operator "<"')), None,
                    "syntaxe TOML invalide ligne 12, colonne 10"),
}


@pytest.mark.parametrize("text, criterion, message", BAD_RULES.values(), ids=BAD_RULES.keys())
def test_bad_rule_file_is_refused_with_file_criterion_and_problem(tmp_path, text, criterion, message):
    path = tmp_path / "regles_analyste.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleSetError) as caught:
        load_ruleset(path, CODES)
    assert message in str(caught.value)
    assert str(caught.value).startswith("Règles « regles_analyste.toml »")
    assert caught.value.criterion == criterion
    if criterion:
        assert f"critère « {criterion} »" in str(caught.value)
    assert path.read_text(encoding="utf-8") == text


def test_missing_file_is_named(tmp_path):
    with pytest.raises(RuleSetError, match="absente.toml » : fichier introuvable"):
        load_ruleset(tmp_path / "absente.toml", CODES)


def test_a_valid_hand_written_rule_loads():
    text = rule(TCG + "weight = 2\n", AM + 'group = "z"\n',
                '[[groups]]\nid = "z"\nlabel = "Z"\nmode = "any"\nweight = 1\n',
                combination='mode = "score"\nclasses = [{ name = "P2", min_score = 1 }, { name = "P1", min_score = 3 }]')
    ruleset = loads_ruleset(text, CODES)
    assert [c.name for c in ruleset.classes] == ["P1", "P2"]  # highest first, whatever the file order
    assert ruleset.criteria[1].weight is None and ruleset.groups[0].weight == 1


def test_toml_round_trip_keeps_every_field():
    text = rule(TCG.replace("value = 50", 'relative_to = "median"\nfactor = 0.85'),
                AM + 'group = "z"\n', '[[groups]]\nid = "z"\nlabel = "Z « guillemets » \\"x\\""\nmode = "any"\n',
                combination='mode = "at_least"\nk = 2')
    original = loads_ruleset(text.replace('levels', 'description = """Ligne 1\nLigne 2"""\nlevels'), CODES)
    again = loads_ruleset(ruleset_to_toml(original), CODES)
    assert again == original
    for path in list_rulesets():
        shipped = load_ruleset(path, CODES)
        assert loads_ruleset(ruleset_to_toml(shipped), CODES) == replace(shipped, source=None)


@pytest.mark.parametrize("version, bumped", [("1.0", "1.1"), ("2", "3"), ("2024.9", "2024.10"), ("v1-beta", "v1-beta.1")])
def test_bump_version(version, bumped):
    assert bump_version(version) == bumped


def test_overrides_change_thresholds_or_factors_and_bump_the_version():
    sdsf = load_ruleset(RULESETS_DIR / "sdsf71.toml", CODES)
    edited = with_overrides(sdsf, {"am_55_plus": 35, "tcg_sous_departement": 0.9}, name="sdsf71_scenario_a")
    by_id = {c.id: c for c in edited.criteria}
    assert by_id["am_55_plus"].value == 35 and by_id["tcg_sous_departement"].factor == 0.9
    assert (edited.name, edited.version, edited.derived_from) == ("sdsf71_scenario_a", "1.1", "sdsf71 1.0")
    assert edited.source is None
    assert {c.id: c for c in sdsf.criteria}["am_55_plus"].value == 40  # the original is untouched
    saved = loads_ruleset(ruleset_to_toml(edited), CODES)
    assert saved == edited
    assert with_overrides(sdsf, {}) is sdsf


@pytest.mark.parametrize("overrides, message", [
    ({"inconnu": 3}, "critère « inconnu » : critère inconnu"),
    ({"panier_incomplet": 1}, "critère « panier_incomplet » : critère oui/non : pas de seuil à modifier"),
    ({"am_55_plus": "35"}, "« value » doit être un nombre"),
    ({"am_55_plus": True}, "« value » doit être un nombre"),
    ({"tcg_sous_departement": 0}, "« factor » doit être strictement positif"),
])
def test_bad_override_is_refused_and_changes_nothing(overrides, message):
    sdsf = load_ruleset(RULESETS_DIR / "sdsf71.toml", CODES)
    before = ruleset_to_toml(sdsf)
    with pytest.raises(RuleSetError, match=message):
        with_overrides(sdsf, overrides)
    assert ruleset_to_toml(sdsf) == before


def test_scenario_name_must_be_an_identifier():
    sdsf = load_ruleset(RULESETS_DIR / "sdsf71.toml", CODES)
    with pytest.raises(RuleSetError, match="nom de scénario « Mon scénario »"):
        with_overrides(sdsf, {"am_55_plus": 35}, name="Mon scénario")
