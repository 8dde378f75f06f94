"""The schéma's action plan as a workbook: axes, fiches actions, statuses per year, linked indicators, entered values.

Départements keep their plan in Excel, one sheet per table: this is that workbook, declared as data
(``SHEETS``, the same ``Template`` specs as the Caf/PMI extracts) so one spec drives the reader, the blank
workbook handed to the people who run the schéma (``write_plan``) and the documentation (``plan_markdown``).
Every sheet is typed and checked by the ``Checker`` (file, sheet row, column, expected); the rules between
sheets (``CROSS_RULES``: an unknown fiche, axis or indicator line, a fiche integrated into one that does not
exist) are checked once every sheet is typed, with the same precise messages. A plan is rejected whole.

The territory codes of the linked indicators are checked against the warehouse's scope in staging
(``pipelines/staging/plan.py``); how far each indicator is from its target is computed after the models
(``pipelines/plan/``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
import openpyxl

from pipelines.errors import InputError, Problem
from pipelines.sources import files
from pipelines.sources.checks import FIRST_YEAR, LISTED, Checker, literal
from pipelines.sources.extracts import (TEXT, YEAR, Compare, Field, Kind, RequiredWhen, RequiredWithout, Template,
                                        typed, fill_sheet, markdown_table)

PATTERN = "plan/plan_action*.xlsx"
BLANK_NAME = "plan_action.xlsx"
DOC_SHEET = "Documentation"
PLAN_HORIZON = 10  # a deadline may lie this many years ahead

# Statuses of a fiche for a year, as the CDSF reviews say them (canonical label -> other spellings accepted).
INTEGRATED = "intégrée à une autre fiche"
STATUSES: dict[str, tuple[str, ...]] = {
    "à faire": ("a faire", "à réaliser", "prévue", "prévu"),
    "en cours": ("en-cours", "engagée", "engagé"),
    "fait": ("faite", "fait", "réalisée", "réalisé", "terminée", "terminé"),
    "abandonnée": ("abandonné", "abandon"),
    INTEGRATED: ("intégrée", "intégré", "intégrée à une fiche", "fusionnée"),
}
LEVELS = {"departement": ("département",), "epci": ("intercommunalité", "EPCI"), "commune": ("communes",)}
TARGET_KINDS = {"valeur": ("valeur cible", "niveau"), "évolution": ("evolution", "variation", "écart")}


def _keys(spellings: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {label: code for code, labels in spellings.items() for label in (code, *labels)}


def _indicator_keys() -> dict[str, str]:
    """Catalogue codes, labels and short labels -> code (imported late: the catalogue reads the registry)."""
    from pipelines.indicators.catalogue import ENTRIES
    return {label: e["code"] for e in ENTRIES for label in (e["code"], e["label"], e["short_label"])}


def _signed(text: str) -> float:
    return float(text.replace(",", ".").replace("+", ""))


PLAN_YEAR = Kind(f"année (AAAA, jusqu'à {PLAN_HORIZON} ans après l'année en cours)",
                 lambda c, col, req: c.number(col, required=req, minimum=FIRST_YEAR,
                                              maximum=dt.date.today().year + PLAN_HORIZON, integral=True,
                                              expected=f"une année entre {FIRST_YEAR} et "
                                                       f"{dt.date.today().year + PLAN_HORIZON}"), int, "BIGINT")
SIGNED = Kind("nombre, signé pour une évolution (+120, -2,5)",
              lambda c, col, req: c.number(col, required=req, minimum=None, text=f"replace({c.col(col)}, '+', '')"),
              _signed, "DOUBLE")
NUMBER = Kind("nombre (virgule ou point décimal)", lambda c, col, req: c.number(col, required=req, minimum=None),
              _signed, "DOUBLE")
DEPARTEMENT = Kind("code département (71, 2A, 971)", lambda c, col, req: c.code(col, "departement", required=req))
STATUS = Kind("statut (voir la liste)", lambda c, col, req: c.choice(col, _keys(STATUSES), required=req))
LEVEL = Kind("niveau : departement, epci ou commune", lambda c, col, req: c.choice(col, _keys(LEVELS), required=req))
TARGET_KIND = Kind("valeur ou évolution", lambda c, col, req: c.choice(col, _keys(TARGET_KINDS), required=req))
INDICATOR = Kind("code ou libellé du catalogue des indicateurs",
                 lambda c, col, req: c.choice(col, _indicator_keys(), required=req,
                                              expected="un code ou un libellé du catalogue des indicateurs (page "
                                                       "Données : places_eaje, tcg…), ou vide pour un indicateur "
                                                       "saisi"))


def _text(column, target, description, example, required=False) -> Field:
    return Field(column, target, TEXT, required, description, example)


SHEETS: dict[str, Template] = {t.name: t for t in (
    Template("schema", "plan_schema", "Le schéma : une seule ligne.", (
        Field("departement", "departement", DEPARTEMENT, True, "Code du département du schéma.", "71"),
        _text("intitule", "title", "Intitulé du schéma.",
              "Schéma départemental des services aux familles 2024-2026", True),
        Field("annee_debut", "first_year", PLAN_YEAR, True, "Première année du schéma.", "2024"),
        Field("annee_fin", "last_year", PLAN_YEAR, True, "Dernière année du schéma.", "2026"),
    ), key=("departement",), rules=(Compare("annee_fin", "≥", "annee_debut"),)),
    Template("axes", "plan_axis", "Axes (ou ambitions, engagements) du plan, dans l'ordre du schéma.", (
        _text("code_axe", "axis", "Code court de l'axe, repris par les fiches.", "décideurs", True),
        _text("intitule", "label", "Intitulé de l'axe.", "Des décideurs mobilisés pour une couverture équilibrée",
              True),
        _text("description", "description", "Ce que l'axe vise.", ""),
    ), key=("code_axe",)),
    Template("fiches", "plan_action", "Fiches actions, dans l'ordre du plan.", (
        _text("code_fiche", "action", "Code de la fiche (numéro et année de création : « 1-2024 »).", "1-2024", True),
        _text("titre", "title", "Titre de la fiche.", "Task force petite enfance", True),
        _text("code_axe", "axis", "Axe de la fiche (code_axe de la feuille axes).", "décideurs", True),
        _text("pilotes", "pilots", "Pilote(s), séparés par « ; ».", "Caf ; Département", True),
        _text("partenaires", "partners", "Partenaires associés.", "État ; MSA ; communes et EPCI"),
        _text("pourquoi", "why", "« Pourquoi cette action ? »", "Des territoires sans solution d'accueil."),
        _text("actions_entreprises", "done", "« Quelles actions ont été entreprises ? »",
              "Réunions avec les EPCI prioritaires."),
        _text("et_apres", "next_steps", "« Et après ? »", "Accompagner trois projets de crèche."),
        _text("territoire", "territory", "Territoire concerné, en clair.", "EPCI prioritaires"),
    ), key=("code_fiche",)),
    Template("statuts", "plan_status", "Statut de chaque fiche, année par année (« fait en 2025 », « à faire en "
             "2026 »).", (
        _text("code_fiche", "action", "Fiche (code_fiche de la feuille fiches).", "1-2024", True),
        Field("annee", "year", PLAN_YEAR, True, "Année du statut.", "2025"),
        Field("statut", "status", STATUS, True, "à faire, en cours, fait, abandonnée, ou intégrée à une autre fiche.",
              "en cours"),
        _text("fiche_cible", "target_action", "Fiche qui reprend celle-ci, quand le statut est « intégrée à une "
              "autre fiche ».", ""),
        _text("commentaire", "comment", "Précision sur le statut.", ""),
    ), key=("code_fiche", "annee"), rules=(RequiredWhen("fiche_cible", "statut", (INTEGRATED,)),)),
    Template("indicateurs", "plan_indicator", "Indicateurs de chaque fiche : un indicateur du catalogue calculé par "
             "l'entrepôt, ou un indicateur saisi (libellé, valeurs de la feuille valeurs), sur un territoire, avec "
             "une année de référence, une cible et une échéance.", (
        _text("id_indicateur", "indicator_id", "Identifiant de la ligne, repris par la feuille valeurs.", "1-2024-a",
              True),
        _text("code_fiche", "action", "Fiche (code_fiche de la feuille fiches).", "1-2024", True),
        Field("indicateur", "indicator", INDICATOR, False, "Code ou libellé du catalogue (page Données) ; vide pour "
              "un indicateur que l'entrepôt ne calcule pas (valeurs saisies).", "places_eaje"),
        _text("libelle", "label", "Libellé de l'indicateur saisi (obligatoire sans code du catalogue).", ""),
        _text("unite", "unit", "Unité de l'indicateur saisi (participants, familles, oui = 1 / non = 0…).", ""),
        Field("niveau_territoire", "level", LEVEL, True, "departement, epci ou commune.", "departement"),
        _text("codes_territoire", "codes", "Code(s) du territoire, séparés par « ; » : plusieurs EPCI ou communes "
              "forment un territoire (CTG), dont les effectifs sont additionnés.", "71", True),
        _text("nom_territoire", "territory_name", "Nom du territoire formé de plusieurs codes (« CTG du "
              "Chalonnais »).", ""),
        Field("annee_reference", "baseline_year", PLAN_YEAR, True, "Année de la valeur de départ.", "2017"),
        Field("type_cible", "target_kind", TARGET_KIND, True, "valeur (niveau à atteindre) ou évolution (écart à la "
              "valeur de référence).", "évolution"),
        Field("cible", "target", SIGNED, True, "Valeur à atteindre, ou évolution visée (+120).", "+120"),
        Field("echeance", "deadline", PLAN_YEAR, True, "Année où la cible doit être atteinte.", "2026"),
        _text("intitule_cible", "target_text", "La cible comme le plan l'écrit.",
              "+120 places EAJE par rapport à 2017"),
    ), key=("id_indicateur",),
        rules=(RequiredWithout("libelle", "indicateur"), Compare("echeance", ">", "annee_reference"))),
    Template("valeurs", "plan_entered_value", "Valeurs des indicateurs saisis, par année, avec leur source (les "
             "indicateurs du catalogue viennent de l'entrepôt).", (
        _text("id_indicateur", "indicator_id", "Indicateur saisi (id_indicateur de la feuille indicateurs).",
              "2-2025-a", True),
        Field("annee", "year", YEAR, True, "Année de la valeur.", "2025"),
        Field("valeur", "value", NUMBER, True, "Valeur observée.", "85"),
        _text("source", "source", "D'où vient la valeur (feuille d'émargement, bilan d'activité…).",
              "Feuilles d'émargement de la criée", True),
        _text("commentaire", "comment", "Précision.", ""),
    ), key=("id_indicateur", "annee")),
)}
OPTIONAL_SHEETS = ("statuts", "indicateurs", "valeurs")  # may be absent or hold only their header


@dataclass(frozen=True)
class CrossRule:
    """A rule between sheets: rows of ``sheet`` where ``bad`` holds (SQL over ``t``, the sheet's typed table;
    ``{other}`` names another sheet's table) are problems in ``column``."""

    sheet: str
    column: str  # header in the sheet
    bad: str
    expected: str
    found: str  # SQL of the text to quote


def _in(target: str, sheet: str, column: str) -> str:
    return f"t.{target} IS NOT NULL AND t.{target} NOT IN (SELECT {column} FROM {{{sheet}}})"


CROSS_RULES = (
    CrossRule("schema", "departement", "t._row > (SELECT min(_row) FROM {schema})",
              "une seule ligne : un classeur par schéma (par département)", "t.departement"),
    CrossRule("fiches", "code_axe", _in("axis", "axes", "axis"), "un code_axe de la feuille axes", "t.axis"),
    CrossRule("statuts", "code_fiche", _in("action", "fiches", "action"), "un code_fiche de la feuille fiches",
              "t.action"),
    CrossRule("statuts", "fiche_cible", _in("target_action", "fiches", "action"),
              "une fiche de la feuille fiches (la fiche qui reprend celle-ci)", "t.target_action"),
    CrossRule("statuts", "fiche_cible", "t.target_action = t.action", "une autre fiche que la fiche elle-même",
              "t.target_action"),
    CrossRule("statuts", "fiche_cible", f"t.target_action IS NOT NULL AND t.status <> {literal(INTEGRATED)}",
              f"une case vide : une fiche cible seulement avec le statut « {INTEGRATED} »", "t.target_action"),
    CrossRule("indicateurs", "code_fiche", _in("action", "fiches", "action"), "un code_fiche de la feuille fiches",
              "t.action"),
    CrossRule("valeurs", "id_indicateur", _in("indicator_id", "indicateurs", "indicator_id"),
              "un id_indicateur de la feuille indicateurs", "t.indicator_id"),
    CrossRule("valeurs", "id_indicateur",
              "t.indicator_id IN (SELECT indicator_id FROM {indicateurs} WHERE indicator IS NOT NULL)",
              "un indicateur saisi : les valeurs d'un indicateur du catalogue viennent de l'entrepôt",
              "t.indicator_id || ' (' || (SELECT any_value(indicator) FROM {indicateurs} i "
              "WHERE i.indicator_id = t.indicator_id) || ')'"),
)


@dataclass
class PlanFile:
    """One plan workbook, typed: ``tables`` maps each sheet to its table in the build database (the sheets that
    could be typed); ``problems`` says what rejects it."""

    path: Path
    tables: dict[str, str]
    raws: dict[str, files.RawTable]
    notices: list
    problems: list[Problem]


def sheet_file(path: Path, sheet: str) -> str:
    """How problems name a sheet of the workbook: « plan_action_71.xlsx (feuille fiches) »."""
    return f"{path} (feuille {sheet})"


def _sheet_rows(path: Path) -> dict[str, int]:
    """Non-empty rows of each sheet (an optional sheet may hold only its header)."""
    try:
        book = openpyxl.load_workbook(path, read_only=True)
    except Exception as exc:  # openpyxl raises many types for a corrupt workbook
        raise InputError.single(path, None, None, "un classeur XLSX lisible", type(exc).__name__) from exc
    try:
        return {ws.title: sum(1 for row in ws.iter_rows(values_only=True) if any(c not in (None, "") for c in row))
                for ws in book.worksheets}
    finally:
        book.close()


def _empty(con, template: Template, table: str, path: Path) -> None:
    columns = ", ".join(f"NULL::{f.kind.sql} AS {f.target}" for f in template.fields)
    con.execute(f"CREATE TABLE {table} AS SELECT {literal(sheet_file(path, template.name))} AS _file, "
                f"NULL::BIGINT AS _row, {columns} WHERE false")


def stage(con: duckdb.DuckDBPyConnection, path: str | Path, prefix: str) -> PlanFile:
    """Type every sheet of one plan workbook into ``<prefix>_<sheet>`` tables; reject it with every problem."""
    plan = read(con, path, prefix)
    if plan.problems:
        raise InputError(plan.problems)
    return plan


def read(con: duckdb.DuckDBPyConnection, path: str | Path, prefix: str) -> PlanFile:
    """Type what can be typed of one plan workbook, and list its problems (staging adds the scope's)."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        return PlanFile(path, {}, {}, [], InputError.single(
            path, None, None, "un classeur Excel (.xlsx) : le plan se tient dans un classeur, une feuille par table "
            "(sdsf templates)").problems)
    try:
        rows = _sheet_rows(path)
    except InputError as exc:
        return PlanFile(path, {}, {}, [], exc.problems)
    plan = PlanFile(path, {}, {}, [], [])
    problems = plan.problems
    for template in SHEETS.values():
        table = f"{prefix}_{template.name}"
        if rows.get(template.name, 0) <= 1 and template.name in OPTIONAL_SHEETS:
            _empty(con, template, table, path)
            plan.tables[template.name] = table
            continue
        if template.name not in rows:
            problems.append(Problem(str(path), None, None, f"une feuille « {template.name} » (feuilles du classeur : "
                                    f"{', '.join(rows)})"))
            continue
        try:
            raw = files.load(con, path, sheet=template.name, header_key=template.fields[0].column)
            raw = dataclasses.replace(raw, path=Path(sheet_file(path, template.name)))
            checker = typed(con, raw, template, table)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        plan.tables[template.name], plan.raws[template.name] = table, raw
        plan.notices.extend(checker.notices)
    if len(plan.tables) == len(SHEETS):
        problems += _cross_check(con, plan)
    return plan


def _cross_check(con, plan: PlanFile) -> list[Problem]:
    problems = []
    names = {sheet: table for sheet, table in plan.tables.items()}
    for rule in CROSS_RULES:
        table = plan.tables[rule.sheet]
        found = con.execute(f"SELECT _row, CAST(({rule.found.format(**names)}) AS VARCHAR), count(*) OVER () "
                            f"FROM {table} t WHERE {rule.bad.format(**names)} ORDER BY _row LIMIT {LISTED}").fetchall()
        if not found:
            continue
        lines = plan.raws[rule.sheet].lines([r[0] for r in found])
        file = sheet_file(plan.path, rule.sheet)
        problems += [Problem(file, lines.get(row), rule.column, rule.expected, value) for row, value, _ in found]
        if found[0][2] > len(found):
            problems.append(Problem(file, None, rule.column, f"{rule.expected} — et {found[0][2] - len(found)} autres "
                                    "lignes", count=found[0][2] - len(found)))
    return problems


# --- blank workbook and documentation -------------------------------------------------------------

# A small coherent plan: the blank workbook parses back with no problem (tests), every rule is illustrated.
EXAMPLES: dict[str, list[dict[str, str]]] = {
    "schema": [{"departement": "71", "intitule": "Schéma départemental des services aux familles 2024-2026",
                "annee_debut": "2024", "annee_fin": "2026"}],
    "axes": [{"code_axe": "décideurs", "intitule": "Des décideurs mobilisés pour une couverture équilibrée"},
             {"code_axe": "professionnels", "intitule": "Des professionnels engagés dans la qualité"}],
    "fiches": [
        {"code_fiche": "1-2024", "titre": "Task force petite enfance", "code_axe": "décideurs",
         "pilotes": "Caf ; Département", "partenaires": "État ; communes et EPCI",
         "pourquoi": "Des territoires sans solution d'accueil.",
         "actions_entreprises": "Réunions avec les EPCI prioritaires.",
         "et_apres": "Accompagner trois projets de crèche.", "territoire": "EPCI prioritaires"},
        {"code_fiche": "2-2024", "titre": "Démarche qualité en crèche", "code_axe": "professionnels",
         "pilotes": "Département (PMI)"},
        {"code_fiche": "2-2025", "titre": "Criées thématiques de la qualité", "code_axe": "professionnels",
         "pilotes": "Caf"},
    ],
    "statuts": [
        {"code_fiche": "1-2024", "annee": "2024", "statut": "en cours"},
        {"code_fiche": "1-2024", "annee": "2025", "statut": "fait"},
        {"code_fiche": "2-2024", "annee": "2025", "statut": INTEGRATED, "fiche_cible": "2-2025"},
        {"code_fiche": "2-2025", "annee": "2025", "statut": "en cours"},
    ],
    "indicateurs": [
        {"id_indicateur": "1-2024-a", "code_fiche": "1-2024", "indicateur": "places_eaje",
         "niveau_territoire": "departement", "codes_territoire": "71", "annee_reference": "2017",
         "type_cible": "évolution", "cible": "+120", "echeance": "2026",
         "intitule_cible": "+120 places EAJE par rapport à 2017"},
        {"id_indicateur": "2-2025-a", "code_fiche": "2-2025", "libelle": "Participants aux criées",
         "unite": "participants", "niveau_territoire": "departement", "codes_territoire": "71",
         "annee_reference": "2024", "type_cible": "valeur", "cible": "150", "echeance": "2026"},
    ],
    "valeurs": [
        {"id_indicateur": "2-2025-a", "annee": "2024", "valeur": "0", "source": "Pas de criée en 2024"},
        {"id_indicateur": "2-2025-a", "annee": "2025", "valeur": "85", "source": "Feuilles d'émargement"},
    ],
}


def _cell(field: Field, text: str | None):
    """A cell as a spreadsheet holds it (numbers as numbers); text the kind cannot read stays text."""
    if text in (None, ""):
        return None
    try:
        return field.kind.cell(text)
    except ValueError:
        return text


def write_plan(path: str | Path, rows: dict[str, list[dict[str, str]]] = EXAMPLES, documentation: bool = True) -> Path:
    """A plan workbook, one sheet per table (``rows``: sheet -> rows by column name), and its documentation."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book = openpyxl.Workbook()
    book.remove(book.active)
    for template in SHEETS.values():
        fill_sheet(book.create_sheet(template.name), [f.column for f in template.fields],
                   [[_cell(f, row.get(f.column)) for f in template.fields] for row in rows.get(template.name, [])])
    if documentation:
        fill_sheet(book.create_sheet(DOC_SHEET), ["feuille", "colonne", "type", "obligatoire", "description",
                                                  "exemple", "contrôles"],
                   [[t.name, f.column, f.kind.label, t.requirement(f), f.description, f.example, _controls(t, f)]
                    for t in SHEETS.values() for f in t.fields])
    book.save(path)
    return path


def _controls(template: Template, field: Field) -> str:
    own = template.controls(field)
    between = [r.expected for r in CROSS_RULES if r.sheet == template.name and r.column == field.column]
    return " ; ".join(x for x in (own, *between) if x)


DOC_INTRO = f"""\
## Plan d'action du schéma → tables `plan_*`

Le plan d'action (axes, fiches actions, statuts par année, indicateurs liés, valeurs saisies) se
dépose dans `data/raw/<jeu>/{PATTERN}` : un classeur par schéma (un par département), une feuille par
table, comme les départements le tiennent déjà. `sdsf templates` écrit le classeur vierge
`{BLANK_NAME}` (un petit plan d'exemple cohérent, à remplacer, et une feuille « Documentation ») ;
`sdsf refresh` le valide et le charge.

Chaque feuille est contrôlée comme un extrait (fichier, feuille, ligne du tableur, colonne, valeur
attendue), puis les règles entre feuilles : une fiche d'un axe inconnu, un statut ou un indicateur d'une
fiche inconnue, une fiche « intégrée » à une fiche qui n'existe pas, une valeur saisie pour un indicateur
inconnu ou pour un indicateur du catalogue (l'entrepôt le calcule), et, au chargement, un code de
territoire hors du périmètre de l'entrepôt. Un plan qui ne les respecte pas est rejeté en entier. Les
feuilles `statuts`, `indicateurs` et `valeurs` peuvent rester vides.

Un indicateur lié est suivi de son année de référence à son échéance : trajectoire linéaire de la valeur
de référence à la cible, et statut (objectif atteint, en avance, dans la trajectoire, en retard, non
renseigné) calculé à l'actualisation (`pipelines/plan/tracking.py`, voir docs/indicators.md).
"""


def plan_markdown() -> str:
    """The plan's section of ``docs/templates.md``, generated from ``SHEETS`` and ``CROSS_RULES``."""
    out = [DOC_INTRO]
    for template in SHEETS.values():
        out += [f"### Feuille `{template.name}` → table `{template.table}`", "", template.description, ""]
        out += markdown_table(["colonne", "type", "obligatoire", "description", "exemple", "contrôles"],
                              [[f"`{f.column}`", f.kind.label, template.requirement(f), f.description,
                                f"`{f.example}`" if f.example else "", _controls(template, f)]
                               for f in template.fields])
    out += ["### Statuts", "", "Valeur attendue dans `statut`, ou l'une de ses variantes (majuscules et accents "
            "indifférents).", ""]
    out += markdown_table(["statut", "variantes acceptées"],
                          [[f"« {s} »", ", ".join(f"« {v} »" for v in variants)] for s, variants in STATUSES.items()])
    return "\n".join(out)
