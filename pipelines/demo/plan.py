"""The demo's action plan for Saône-et-Loire, modelled on the real 2024-2026 plan (domain guide §8).

The three ambitions, the fiches coded by year of creation (1-2024 … 1-2026), their pilots, « Pourquoi cette
action ? », « Quelles actions ont été entreprises ? », « Et après ? » and statuses per year follow the real plan's
structure and wording in substance; the texts are summaries written for the demo, the entered values are
fictitious. The linked indicators mix figures the warehouse computes (EAJE places against 2017, the coverage
rate of the least covered EPCI as one territory, the parenting basket) and figures only the schéma's partners
hold (crèches in the quality approach, participants, Promeneurs du Net), so every status shows.
Written as a data steward fills the import template (``sdsf templates``: sheets and headers of
``pipelines/sources/plan.py``), without importing it: the demo stays outside the data path, and the tests
read its workbook back through the plan's connector. Same rows, same bytes (fixed workbook dates).
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import openpyxl

INTEGRATED = "intégrée à une autre fiche"
FIXED_TIME = dt.datetime(2025, 1, 1)
# The template's sheets and headers, in its order (tests check they are the connector's).
HEADERS = {
    "schema": ["departement", "intitule", "annee_debut", "annee_fin"],
    "axes": ["code_axe", "intitule", "description"],
    "fiches": ["code_fiche", "titre", "code_axe", "pilotes", "partenaires", "pourquoi", "actions_entreprises",
               "et_apres", "territoire"],
    "statuts": ["code_fiche", "annee", "statut", "fiche_cible", "commentaire"],
    "indicateurs": ["id_indicateur", "code_fiche", "indicateur", "libelle", "unite", "niveau_territoire",
                    "codes_territoire", "nom_territoire", "annee_reference", "type_cible", "cible", "echeance",
                    "intitule_cible"],
    "valeurs": ["id_indicateur", "annee", "valeur", "source", "commentaire"],
}
NUMBERS = {"annee_debut", "annee_fin", "annee", "annee_reference", "echeance", "valeur"}  # typed as numbers

DEPARTEMENT = "71"
FILE = "plan/plan_action_71.xlsx"
# The three EPCI of 71 with the lowest coverage in the demo's 2017 (real SIREN, COG 2025), one CTG territory.
PRIORITY_EPCI = ("200070548", "200071645", "200070316")

AXES = [
    {"code_axe": "décideurs", "intitule": "Des décideurs mobilisés pour une couverture territoriale équilibrée",
     "description": "Créer des places là où l'offre manque, avec les communes et EPCI devenus autorités "
                    "organisatrices."},
    {"code_axe": "professionnels", "intitule": "Des professionnels engagés dans une démarche de qualité",
     "description": "Accompagner les équipes des crèches, des accueils de loisirs et les assistants maternels."},
    {"code_axe": "publics", "intitule": "Des publics informés et impliqués",
     "description": "Faire connaître l'offre et associer les parents."},
]


def _fiche(code, title, axis, pilots, partners, why, done, after, territory="Département") -> dict[str, str]:
    return {"code_fiche": code, "titre": title, "code_axe": axis, "pilotes": pilots, "partenaires": partners,
            "pourquoi": why, "actions_entreprises": done, "et_apres": after, "territoire": territory}


FICHES = [
    _fiche("1-2024", "Task force petite enfance", "décideurs", "Caf ; Département ; État",
           "MSA ; communes et EPCI ; Association des maires",
           "Des territoires restent sous la couverture moyenne du département et des projets de crèche s'enlisent "
           "faute d'accompagnement des porteurs.",
           "Une équipe Caf, PMI et services de l'État reçoit les porteurs de projets ; les EPCI les moins couverts "
           "ont été rencontrés un par un.",
           "Suivre les projets engagés et proposer la démarche aux communes de plus de 10 000 habitants.",
           "EPCI prioritaires"),
    _fiche("2-2024", "Démarche qualité en crèche", "professionnels", "Département (PMI) ; Caf",
           "Gestionnaires de crèches ; CNFPT",
           "La qualité d'accueil varie d'une structure à l'autre et les contrôles se concentrent sur les "
           "micro-crèches.",
           "Un référentiel commun a été partagé ; contrôles sur place coordonnés entre la Caf et la PMI.",
           "Engager les crèches volontaires dans l'autoévaluation et en faire le bilan en 2026."),
    _fiche("3-2024", "Passerelles entre écoles et accueils de loisirs", "professionnels",
           "Éducation nationale ; Caf", "Communes ; fédérations d'éducation populaire",
           "Les enfants passent de l'école à l'accueil de loisirs sans que les équipes se parlent.",
           "Deux rencontres entre enseignants et animateurs ont eu lieu en 2024.",
           "Action reprise dans les criées thématiques (fiche 2-2025)."),
    _fiche("4-2024", "Soutien à la parentalité des parents d'enfants de plus de 6 ans", "publics",
           "Caf ; UDAF", "Centres sociaux ; Éducation nationale",
           "L'offre de soutien à la parentalité vise surtout les tout-petits.",
           "Un appel à projets REAAP ouvert aux actions pour les 6-17 ans ; de nouveaux CLAS financés.",
           "Étendre les CLAS aux collèges des territoires qui n'en ont pas."),
    _fiche("5-2024", "Stratégie de couverture territoriale du soutien à la parentalité", "décideurs", "Caf",
           "Département ; UDAF ; EPCI",
           "Des EPCI n'ont pas le panier de services parentalité complet (REAAP, LAEP, CLAS).",
           "Chaque EPCI a reçu la liste de ce qui lui manque ; trois LAEP ont été ouverts.",
           "Atteindre un panier complet dans tous les EPCI d'ici la fin du schéma."),
    _fiche("1-2025", "Modes d'accueil hybrides (hackathon)", "décideurs", "Caf ; Département",
           "Communes rurales ; assistants maternels ; MSA",
           "Dans les communes rurales, ni la crèche ni l'assistant maternel seuls ne répondent aux besoins.",
           "Un hackathon a réuni élus, professionnels et parents en 2025 ; quatre projets en sont sortis.",
           "Expérimenter deux modes d'accueil hybrides en 2026."),
    _fiche("2-2025", "Criées thématiques sur la qualité", "professionnels", "Caf ; Département (PMI)",
           "Gestionnaires ; Éducation nationale ; RPE",
           "Les professionnels demandent des temps d'échange courts et concrets.",
           "Trois criées en 2025 (accueil du handicap, passerelles avec l'école, alimentation).",
           "Quatre criées en 2026, ouvertes aux assistants maternels."),
    _fiche("3-2025", "Promeneurs du Net parentalité", "publics", "Caf", "Centres sociaux ; maisons France Services",
           "Les parents cherchent d'abord l'information en ligne.",
           "Des animateurs formés répondent aux parents sur les réseaux sociaux.",
           "Dix promeneurs en activité fin 2026."),
    _fiche("1-2026", "Étendre les crèches à vocation d'insertion professionnelle (AVIP)", "décideurs",
           "Caf ; France Travail", "Gestionnaires de crèches ; Département (insertion)",
           "Les parents en recherche d'emploi manquent de solution d'accueil pour reprendre une formation.",
           "Un nouveau label AVIP en 2025.",
           "Vingt places AVIP de plus en 2026."),
]

STATUSES = [
    ("1-2024", 2024, "en cours", ""), ("1-2024", 2025, "fait", ""),
    ("2-2024", 2024, "en cours", ""), ("2-2024", 2025, "en cours", ""), ("2-2024", 2026, "à faire", ""),
    ("3-2024", 2024, "en cours", ""), ("3-2024", 2025, INTEGRATED, "2-2025"),
    ("4-2024", 2024, "à faire", ""), ("4-2024", 2025, "en cours", ""),
    ("5-2024", 2024, "en cours", ""), ("5-2024", 2025, "fait", ""),
    ("1-2025", 2025, "fait", ""), ("1-2025", 2026, "à faire", ""),
    ("2-2025", 2025, "fait", ""), ("2-2025", 2026, "à faire", ""),
    ("3-2025", 2025, "en cours", ""),
    ("1-2026", 2026, "à faire", ""),
]


def _indicator(iid, fiche, baseline, kind, target, deadline, text, *, indicator="", label="", unit="",
               level="departement", codes=DEPARTEMENT, territory="") -> dict[str, str]:
    return {"id_indicateur": iid, "code_fiche": fiche, "indicateur": indicator, "libelle": label, "unite": unit,
            "niveau_territoire": level, "codes_territoire": codes, "nom_territoire": territory,
            "annee_reference": str(baseline), "type_cible": kind, "cible": target, "echeance": str(deadline),
            "intitule_cible": text}


INDICATORS = [
    _indicator("1-2024-a", "1-2024", 2017, "évolution", "+120", 2026, "+120 places EAJE par rapport à 2017",
               indicator="places_eaje"),
    _indicator("1-2024-b", "1-2024", 2017, "évolution", "+3", 2026,
               "Gagner 3 points de couverture dans les EPCI les moins couverts", indicator="tcg", level="epci",
               codes=" ; ".join(PRIORITY_EPCI), territory="CTG des EPCI prioritaires"),
    _indicator("2-2024-a", "2-2024", 2024, "valeur", "30", 2026, "30 crèches engagées dans la démarche qualité",
               label="Crèches engagées dans la démarche qualité", unit="crèches"),
    _indicator("2-2024-b", "2-2024", 2024, "valeur", "8", 2026, "8 contrôles sur place de la Caf par an",
               label="Contrôles sur place de la Caf en crèche", unit="contrôles"),
    _indicator("4-2024-a", "4-2024", 2023, "évolution", "+3", 2026, "3 actions CLAS de plus qu'en 2023",
               indicator="nb_clas"),
    _indicator("5-2024-a", "5-2024", 2023, "valeur", "100", 2026, "Un panier parentalité complet dans tous les EPCI",
               indicator="part_epci_panier_complet"),
    _indicator("1-2025-a", "1-2025", 2024, "valeur", "60", 2025, "60 participants au hackathon",
               label="Participants au hackathon des modes d'accueil hybrides", unit="participants"),
    _indicator("2-2025-a", "2-2025", 2024, "valeur", "150", 2026, "150 participants aux criées",
               label="Participants aux criées thématiques", unit="participants"),
    _indicator("3-2025-a", "3-2025", 2024, "valeur", "10", 2026, "10 Promeneurs du Net parentalité fin 2026",
               label="Promeneurs du Net parentalité en activité", unit="promeneurs"),
    _indicator("1-2026-a", "1-2026", 2025, "évolution", "+20", 2026, "+20 places en crèches AVIP",
               label="Places en crèches AVIP", unit="places"),
]

ENTERED = [  # (indicator, year, value, source)
    ("2-2024-a", 2024, "0", "Département, service PMI : bilan de la démarche qualité"),
    ("2-2024-a", 2025, "14", "Département, service PMI : bilan de la démarche qualité"),
    ("2-2024-b", 2024, "5", "Caf, bilan des contrôles sur place"),
    ("2-2024-b", 2025, "7", "Caf, bilan des contrôles sur place"),
    ("1-2025-a", 2024, "0", "Pas de hackathon en 2024"),
    ("1-2025-a", 2025, "64", "Caf, feuilles d'émargement du hackathon"),
    ("2-2025-a", 2024, "0", "Pas de criée en 2024"),
    ("2-2025-a", 2025, "85", "Caf, feuilles d'émargement des criées"),
    ("3-2025-a", 2024, "0", "Caf, réseau Promeneurs du Net"),
    ("3-2025-a", 2025, "3", "Caf, réseau Promeneurs du Net"),
    ("1-2026-a", 2025, "19", "Caf, bilan annuel du schéma 2025 (13 crèches AVIP)"),
]


def rows() -> dict[str, list[dict[str, str]]]:
    """The demo plan, sheet by sheet, as the workbook holds it."""
    return {
        "schema": [{"departement": DEPARTEMENT, "intitule": "Schéma départemental des services aux familles de "
                    "Saône-et-Loire 2024-2026 (démonstration, données fictives)",
                    "annee_debut": "2024", "annee_fin": "2026"}],
        "axes": AXES,
        "fiches": FICHES,
        "statuts": [{"code_fiche": f, "annee": str(y), "statut": s, "fiche_cible": t} for f, y, s, t in STATUSES],
        "indicateurs": INDICATORS,
        "valeurs": [{"id_indicateur": i, "annee": str(y), "valeur": v, "source": s} for i, y, v, s in ENTERED],
    }


def write(departements: list[str], out: Path) -> list[Path]:
    """``plan/plan_action_71.xlsx`` when Saône-et-Loire is generated; the other départements have no plan."""
    if DEPARTEMENT not in departements:
        return []
    path = out / FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    book = openpyxl.Workbook()
    book.remove(book.active)
    book.properties.created = book.properties.modified = FIXED_TIME
    for sheet, header in HEADERS.items():
        ws = book.create_sheet(sheet)
        ws.append(header)
        for row in rows()[sheet]:
            ws.append([_cell(column, row.get(column, "")) for column in header])
    book.save(path)
    _fix_zip_times(path)
    return [path]


def _cell(column: str, text: str):
    if text == "":
        return None
    return float(text) if column in NUMBERS and "." in text else int(text) if column in NUMBERS else text


def _fix_zip_times(path: Path) -> None:
    """Zip members and the workbook's « modified » date carry the time of writing (openpyxl sets it on save):
    give them a fixed one, so the same rows give the same bytes."""
    with zipfile.ZipFile(path) as source:
        members = [(info.filename, source.read(info)) for info in source.infolist()]
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in members:
            if name == "docProps/core.xml":
                data = re.sub(rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", stamp, data)
            target.writestr(zipfile.ZipInfo(name, FIXED_TIME.timetuple()[:6]), data, zipfile.ZIP_DEFLATED)
