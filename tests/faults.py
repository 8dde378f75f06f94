"""The fault battery: broken inputs across every source, each with the outcome and message it must give.

Shared by ``tests/test_fault_battery.py`` (every case, against a small raw folder) and
``scripts/fault_battery.py`` (the same cases plus kills, readers during swaps and a 200 MB file, with a
summary table). A case changes one file of the base folder (``tests/rawdata.py`` plus Cnaf files, a census,
Filosofi and the zonages) and says whether the refresh must reject it or accept it with a notice, and the
words the message must hold.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import openpyxl

from tests.rawdata import FILES

AM = "extracts/assistants_maternels.csv"
EQ = "extracts/equipements.csv"
POP = "insee/base-cc-evol-struct-pop-2022.csv"
RATES = "caf/txcouv_pe_epci.csv"
PLACES = "caf/nbpla_pe_epci.csv"
FILOSOFI = "insee/filosofi_2021_com.csv"
FRR = "zonages/communes_frr_2025.csv"
QPV = "zonages/qpv.csv"

BASE = {
    **FILES,
    RATES: "annee;numepci;nomepci;txcouv_epci;txcouv_eaje_epci;txcouv_psu_col_epci;txcouv_hors_psu_col_epci;"
           "txcouv_ind_epci;txcouv_am_ind_epci;txcouv_gad_ind_epci;txcouv_prescol_epci\n"
           "2022;200070308;CC DU GRAND AUTUNOIS MORVAN;62.0;25.0;22.0;3.0;35.0;33.0;2.0;2.0\n",
    PLACES: "annee;numepci;nomepci;pl_eaje_epci;pl_am_ind_epci;pl_gad_ind_epci;pl_prescol_epci;tot_offre_epci\n"
            "2022;200070308;CC DU GRAND AUTUNOIS MORVAN;500;700;40;40;1280\n",
    FILOSOFI: "\ufeffCODGEO;LIBGEO;Q221;TP6021\r\n71270;Mâcon;21 340;17,2\r\n71076;Chalon;19 870;19,9\r\n",
    FRR: "Code_insee;Departement;Commune;Classement FRR et FRR+ au 10 juillet 2025;\r\n71270;71;Mâcon;Non classée;\r\n"
         "71001;71;Abergement;FRR socle;\r\n",
    QPV: "code_qpv;nom_qpv;code_commune;population_qpv\nQN07101M;Marbé;71270;3500\n",
}


@dataclass(frozen=True)
class Case:
    name: str
    file: str  # the file of the base folder the case changes (or adds)
    change: Callable[[str], str | bytes]  # base text -> broken content
    rejected: bool  # else accepted, with a notice holding ``words``
    words: str  # what the message (problem or notice) must say
    line: int | None = None  # the line it must name, when it names one


def _replace(old: str, new: str) -> Callable[[str], str]:
    def change(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)
    return change


def _append(line: str) -> Callable[[str], str]:
    return lambda text: text + line + "\n"


def _xlsx_with_title_block(text: str) -> bytes:
    """The extract as a workbook whose header is on row 3, under a title and a blank row."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Extraction PMI du 15 janvier 2025"])
    sheet.append([])
    for line in text.strip().splitlines():
        sheet.append(line.split(";"))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _xlsx_formula(text: str) -> bytes:
    """The extract (as 2021) as a workbook with a formula in a count cell: read as its text, never evaluated."""
    return _xlsx_with_title_block(text.replace("2022;71076;150;130", "2021;71076;=150+1;130").replace("2022", "2021"))


CASES = [
    # encodings, separators, decimal marks
    Case("UTF-16 d'Excel « Texte Unicode » converti", AM, lambda t: t.replace(";", "\t").encode("utf-16"), False,
         "UTF-16"),
    Case("fichier binaire", AM, lambda t: b"\x00\x01\x02" + t.encode(), True, "encodage UTF-8 ou Windows-1252"),
    Case("Windows-1252 accepté", EQ, lambda t: t.replace("Crèche", "Crèche").encode("cp1252"), False, ""),
    Case("séparateur virgule", AM, lambda t: t.replace(";", ","), False, ""),
    Case("séparateur incohérent", AM, _replace("2022;71076;150;130;520;320;50", "2022,71076,150,130,520,320,50"),
         True, "champs séparés par « ; »", 3),
    Case("décimales mêlées", "extracts/places_complementaires.csv", _replace("2022;71270;10;20", "2022;71270;1,234.5;20"),
         True, "un nombre", 2),
    Case("virgule décimale acceptée", "extracts/places_complementaires.csv", _replace("2022;71270;10;20", "2022;71270;10,5;20"),
         False, ""),
    # columns
    Case("colonne manquante", AM, lambda t: t.replace(";am_actifs_55_ans_et_plus", "").replace(";40\n", "\n", 1)
         .replace(";50\n", "\n").replace(";2\n", "\n"), True, "cette colonne dans l'en-tête", 1),
    Case("colonne en plus", AM, lambda t: t.replace("am_actifs_55_ans_et_plus\n", "am_actifs_55_ans_et_plus;commentaire\n")
         .replace(";40\n", ";40;ok\n").replace(";50\n", ";50;\n").replace(";2\n", ";2;\n"), False, "colonnes ignorées"),
    Case("colonne renommée", AM, _replace("places_agrees", "nb_places_agrees"), True, "cette colonne dans l'en-tête", 1),
    Case("colonne Cnaf renommée", RATES, _replace("txcouv_epci", "taux_epci"), True, "cette colonne dans l'en-tête", 1),
    # keys
    Case("doublon dans un fichier", AM, _append("2022;71270;1;1;4;3;0"), True, "une seule ligne par annee, code_commune", 5),
    Case("doublon entre deux fichiers", "extracts/assistants_maternels_bis.csv", lambda t: FILES[AM], True,
         "déjà dans assistants_maternels.csv"),
    Case("équipement déposé deux fois", "extracts/equipements_copie.csv", lambda t: FILES[EQ], True,
         "déjà dans equipements.csv"),
    # codes
    Case("commune inconnue", AM, _append("2022;99999;1;1;4;3;0"), True, "historique des communes", 5),
    Case("commune fusionnée rapprochée", POP, _append("71055;300;10;12;20;30"), False, "71055 → 71134"),
    Case("arrondissement municipal hors périmètre", POP, _append("75101;16000;400;380;700;1000"), False,
         "hors du périmètre"),
    Case("code postal au lieu du code commune", EQ, _append("E9;LAEP;71000;LAEP X;;2015-01-01;;Caf"), True,
         "historique des communes", 6),
    Case("SIREN d'EPCI tronqué", RATES, _append("2022;2000403;CA X;50;;;;;;;"), True, "SIREN", 3),
    # values
    Case("effectif négatif", AM, _replace("2022;71001;5;4;16;10;2", "2022;71001;-5;4;16;10;2"), True, "un entier ≥ 0", 4),
    Case("effectif non numérique", AM, _replace("2022;71001;5;4;16;10;2", "2022;71001;cinq;4;16;10;2"), True,
         "un entier", 4),
    Case("« n.d. » lu comme manquant", AM, _replace("2022;71001;5;4;16;10;2", "2022;71001;5;4;16;10;n.d."), False,
         "lu comme valeur manquante"),
    Case("actifs au-dessus des agréés", AM, _replace("2022;71001;5;4;16;10;2", "2022;71001;5;6;16;10;2"), True,
         "≤ am_agrees", 4),
    Case("taux invraisemblable", RATES, _replace(";62.0;", ";1611;"), False, "invraisemblable"),
    Case("date impossible", EQ, _replace("2010-01-01", "2010-13-01"), True, "une date", 2),
    Case("fermeture avant ouverture", EQ, _replace("E2;EAJE_HORS_PSU;71076;Micro-crèche B;10;2022-03-01;;",
                                                   "E2;EAJE_HORS_PSU;71076;Micro-crèche B;10;2022-03-01;2021-01-01;"),
         True, "≥ date_ouverture", 3),
    Case("type d'équipement inconnu", EQ, _replace("E3;LAEP;", "E3;Ludothèque;"), True, "une valeur parmi", 4),
    Case("classe FRR inconnue", FRR, _replace("FRR socle", "FRR super"), True, "une valeur parmi", 3),
    Case("code QPV mal formé", QPV, _replace("QN07101M", "Q-071"), True, "un code QPV", 2),
    Case("deux millésimes Filosofi", FILOSOFI, _replace("Q221;TP6021", "Q221;TP6020"), True, "le même millésime", 1),
    Case("recensement sans millésime commun", POP, _replace("P22_POP0305", "P21_POP0305"), True,
         "même préfixe d'année", 1),
    # years
    Case("année future", AM, _append("2031;71270;1;1;4;3;0"), True, "l'année en cours", 5),
    Case("année future dans les taux Cnaf", RATES, _append("2031;200070308;CC DU GRAND AUTUNOIS MORVAN;62.0;;;;;;;"), True,
         "l'année en cours", 3),
    # empty, header only, cut
    Case("fichier vide", AM, lambda t: "", True, "un fichier non vide"),
    Case("en-tête seul", RATES, lambda t: t.splitlines()[0] + "\n", True, "au moins une ligne de données", 2),
    Case("fichier coupé en cours de ligne", AM, lambda t: t.rstrip("\n")[:-6], True, "coupé en cours de ligne", 4),
    Case("classeur nommé .csv", AM, _xlsx_with_title_block, True, "classeur ou une archive"),
    # workbooks
    Case("classeur avec l'en-tête en ligne 3", "extracts/assistants_maternels.xlsx", lambda t: _xlsx_with_title_block(
        FILES[AM]), True, "déjà dans assistants_maternels.csv"),
    Case("formule dans une cellule lue comme texte", "extracts/assistants_maternels.xlsx",
         lambda t: _xlsx_formula(FILES[AM]), True, "un entier", 5),
    # Cnaf placeholders
    Case("ligne XX de la Cnaf", RATES, _append("2022;XX;XX;150.3;;;;;;;"), False, ""),
]


def write_base(root: Path) -> Path:
    for name, text in BASE.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def apply(case: Case, root: Path) -> None:
    path = root / case.file
    path.parent.mkdir(parents=True, exist_ok=True)
    content = case.change(BASE.get(case.file, ""))
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


def said(case: Case, result) -> bool:
    """Whether the run's problems (rejected) or notices (accepted) hold the case's words and line."""
    items = result.problems if case.rejected else result.notices
    if not case.words:
        return True
    text = [(str(item), getattr(item, "line", None)) for item in items] + [(result.message, None)]
    return any(case.words in t and (case.line is None or line == case.line) for t, line in text)
