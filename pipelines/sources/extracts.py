"""Caf/PMI extracts read through documented import templates.

Each template is declared once, as data (``TEMPLATES``): the same spec drives the reader, the
blank CSV/XLSX files handed to data stewards (``write_templates``) and ``docs/templates.md``
(``templates_markdown``), so the documentation cannot drift from what the reader accepts.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import duckdb
import openpyxl
import pandas as pd
from openpyxl.styles import Font

from pipelines.sources import files
from pipelines.sources.checks import Checker, choice_key, literal

WORKBOOK_NAME = "modeles_extraits.xlsx"
DOC_SHEET = "Documentation"


# --- column kinds --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Kind:
    """How one type of column is typed (SQL from the checker), named in the documentation and written as a cell."""

    label: str
    read: Callable[[Checker, str, bool], str]
    cell: Callable[[str], object] = str
    sql: str = "VARCHAR"  # the typed column's type (an empty sheet still has its columns)


# Canonical code -> usual French labels also accepted (case, accents, separators are free).
EQUIPMENT_TYPES: dict[str, tuple[str, ...]] = {
    "EAJE_PSU": ("EAJE PSU", "Crèche PSU", "Micro-crèche PSU"),
    "EAJE_HORS_PSU": ("EAJE hors PSU", "Crèche hors PSU", "Micro-crèche", "Micro-crèche hors PSU",
                      "Micro-crèche Paje", "EAJE Paje"),
    "MAM": ("Maison d'assistants maternels", "Maison d'assistantes maternelles"),
    "RPE": ("Relais petite enfance", "RAM", "Relais assistants maternels", "Relais d'assistants maternels"),
    "LAEP": ("Lieu d'accueil enfants-parents",),
    "CLAS": ("Contrat local d'accompagnement à la scolarité",),
    "ALSH": ("Accueil de loisirs", "Accueil de loisirs sans hébergement", "Centre de loisirs"),
    "REAAP": ("Action REAAP", "Réseau d'écoute, d'appui et d'accompagnement des parents"),
    "MEDIATION_FAMILIALE": ("Médiation familiale", "Service de médiation familiale"),
    "ESPACE_RENCONTRE": ("Espace rencontre", "Espace de rencontre"),
}


def _type_keys(types: dict[str, tuple[str, ...]]) -> dict[str, str]:
    keys: dict[str, str] = {}
    for code, labels in types.items():
        for label in (code, *labels):
            if keys.setdefault(choice_key(label), code) != code:
                raise ValueError(f"« {label} » désigne deux types : {keys[choice_key(label)]} et {code}")
    return keys


TYPE_KEYS = _type_keys(EQUIPMENT_TYPES)


def _decimal_cell(text: str) -> float:
    return float(text.replace(",", "."))


TEXT = Kind("texte", lambda c, col, req: c.text(col, required=req))
COMMUNE = Kind("code commune INSEE (5 caractères)", lambda c, col, req: c.code(col, "commune", required=req))
YEAR = Kind("année (AAAA)", lambda c, col, req: c.year(col, required=req), int, "BIGINT")
COUNT = Kind("entier ≥ 0", lambda c, col, req: c.integer(col, required=req), int, "BIGINT")
DECIMAL = Kind("nombre ≥ 0 (virgule ou point décimal)", lambda c, col, req: c.number(col, required=req),
               _decimal_cell, "DOUBLE")
DATE = Kind("date (AAAA-MM-JJ ou JJ/MM/AAAA)", lambda c, col, req: c.date(col, required=req),
            dt.date.fromisoformat, "DATE")
EQUIPMENT_TYPE = Kind("type d'équipement (code ou libellé, voir la liste)",
                      lambda c, col, req: c.choice(col, TYPE_KEYS, required=req))


# --- template specs ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Field:
    column: str  # header in the file
    target: str  # column of the typed table
    kind: Kind
    required: bool
    description: str
    example: str


@dataclass(frozen=True)
class Compare:
    """``column`` ``op`` ``other`` on every row where both are filled (e.g. actifs ≤ agréés)."""

    column: str
    op: str  # ≤, ≥ or >
    other: str

    def check(self, checker: Checker, values: dict[str, str]) -> None:
        sql_op = {"≤": "<=", "≥": ">=", ">": ">"}[self.op]
        value, bound = values[self.column], values[self.other]
        checker.add(f"({value}) IS NOT NULL AND ({bound}) IS NOT NULL AND NOT (({value}) {sql_op} ({bound}))",
                    self.column, f"une valeur {self.op} {self.other} ({{}})", checker.col(self.column), detail=bound)

    def describe(self) -> str:
        return f"{self.column} {self.op} {self.other}"


@dataclass(frozen=True)
class RequiredWhen:
    """``column`` must be filled on rows where ``when`` takes one of ``values``."""

    column: str
    when: str
    values: tuple[str, ...]

    def check(self, checker: Checker, values: dict[str, str]) -> None:
        when = values[self.when]
        listed = ", ".join(literal(v) for v in self.values)
        checker.add(f"{checker.missing(self.column)} AND ({when}) IN ({listed})", self.column,
                    f"une valeur (obligatoire quand {self.when} = {{}})", checker.col(self.column), detail=when)

    def describe(self) -> str:
        return f"obligatoire si {self.when} ∈ {{{', '.join(self.values)}}}"


@dataclass(frozen=True)
class RequiredWithout:
    """``column`` must be filled on rows where ``other`` is empty (a label when no catalogue code is given)."""

    column: str
    other: str

    def check(self, checker: Checker, values: dict[str, str]) -> None:
        checker.add(f"{checker.missing(self.column)} AND {checker.missing(self.other)}", self.column,
                    f"une valeur (obligatoire quand {self.other} est vide)", checker.col(self.column))

    def describe(self) -> str:
        return f"obligatoire si {self.other} est vide"


@dataclass(frozen=True)
class Periods:
    """Rows sharing ``key`` are successive periods of one thing (an equipment whose places or commune changed).

    A period starts on or after the day the previous one ends (its ``end``): the change day ends one and starts
    the next; a gap between two periods is a closing and a reopening. Overlapping periods would count the
    equipment twice, a change of ``same`` (the type) would make a conversion look like an opening.
    """

    key: str
    start: str
    end: str
    same: str

    def check(self, checker: Checker, values: dict[str, str]) -> None:
        key, start, end, same = (values[c] for c in (self.key, self.start, self.end, self.same))
        order = f"OVER (PARTITION BY {key} ORDER BY {start}, _r)"
        previous_end = checker.window(f"lag(coalesce({end}, DATE '9999-12-31')) {order}")
        previous = checker.window(f"lag('du ' || strftime({start}, '%Y-%m-%d') || coalesce(' au ' || "
                                  f"strftime({end}, '%Y-%m-%d'), ', sans date de fermeture')) {order}")
        previous_start = checker.window(f"lag({start}) {order}")  # the same start is a repeated key, said once
        checker.add(f"({key}) IS NOT NULL AND ({start}) IS NOT NULL AND {previous_end} > ({start}) "
                    f"AND {previous_start} <> ({start})", self.start,
                    f"une date ≥ la fin de la période précédente du même {self.key} ({{}}) : deux périodes d'un "
                    "équipement ne se chevauchent pas", checker.col(self.start), detail=previous)
        first = checker.window(f"first_value({same}) {order}")
        checker.add(f"({key}) IS NOT NULL AND ({same}) IS NOT NULL AND {first} <> ({same})", self.same,
                    f"le même {self.same} sur chaque période d'un {self.key} ({{}} sur la première) : une conversion "
                    "se déclare sous un nouvel identifiant", checker.col(self.same), detail=first)

    @property
    def column(self) -> str:  # the column its documentation goes with
        return self.key

    def describe(self) -> str:
        return (f"plusieurs lignes par {self.key} = périodes successives (changement de places ou de commune), "
                "sans chevauchement, même type")


@dataclass(frozen=True)
class Template:
    name: str  # also the file name prefix in data/raw/<jeu>/extracts/ and the XLSX sheet name
    table: str
    description: str
    fields: tuple[Field, ...]
    key: tuple[str, ...]
    rules: tuple[Compare | RequiredWhen | RequiredWithout | Periods, ...] = ()

    def requirement(self, field: Field) -> str:
        if field.required:
            return "oui"
        conditional = any(isinstance(r, (RequiredWhen, RequiredWithout)) and r.column == field.column
                          for r in self.rules)
        return "sous condition" if conditional else "non"

    def controls(self, field: Field) -> str:
        found = [r.describe() for r in self.rules if r.column == field.column]
        if field.column in self.key:
            found.append(f"une seule ligne par {', '.join(self.key)}")
        return " ; ".join(found)


def _year(description: str) -> Field:
    return Field("annee", "year", YEAR, True, description, "2024")


def _commune(description: str) -> Field:
    return Field("code_commune", "commune", COMMUNE, True, description, "71270")


PLACES_REQUIRED_FOR = ("EAJE_PSU", "EAJE_HORS_PSU", "MAM", "ALSH")

TEMPLATES: dict[str, Template] = {t.name: t for t in (
    Template(
        "equipements", "equipments",
        "Équipements et services financés ou autorisés (EAJE, MAM, RPE, LAEP, CLAS, ALSH, REAAP, "
        "médiation familiale, espaces rencontre) : une ligne par équipement, y compris ceux qui ont "
        "fermé (date de fermeture renseignée), pour suivre les créations et fermetures de places. "
        "Un équipement dont les places ou la commune changent a une ligne par période, sous le même "
        "identifiant : la date de fermeture d'une période est le jour du changement, date d'ouverture de "
        "la suivante (extension ou réduction de capacité, transfert vers une autre commune) ; un écart "
        "entre deux périodes est une fermeture suivie d'une réouverture. Un fichier d'une ligne par "
        "équipement reste valable tel quel.",
        (
            Field("id_equipement", "equipment_id", TEXT, True,
                  "Identifiant stable de l'équipement (celui du système de gestion de la Caf ou du département).",
                  "EQ-71-0001"),
            Field("type_equipement", "type", EQUIPMENT_TYPE, True,
                  "Type d'équipement : code de la liste ou libellé usuel (« Micro-crèche », « EAJE hors PSU »…).",
                  "EAJE_PSU"),
            _commune("Code INSEE de la commune d'implantation (pas le code postal)."),
            Field("nom", "name", TEXT, True, "Nom de l'équipement ou de l'action.", "Multi-accueil Les Petits Pas"),
            Field("places", "places", COUNT, False,
                  "Places agréées ou autorisées ; obligatoire pour les EAJE, MAM et ALSH.", "24"),
            Field("date_ouverture", "opened", DATE, True,
                  "Date d'ouverture de l'équipement (ou de début de l'action) ; pour une période suivante, jour du "
                  "changement.", "2019-09-02"),
            Field("date_fermeture", "closed", DATE, False,
                  "Date de fermeture (ou jour du changement qui ouvre la période suivante) ; vide tant que "
                  "l'équipement est ouvert.", ""),
            Field("gestionnaire", "manager", TEXT, False,
                  "Gestionnaire : commune, EPCI, association, entreprise…", "Commune de Mâcon"),
        ),
        key=("id_equipement", "date_ouverture"),
        rules=(RequiredWhen("places", "type_equipement", PLACES_REQUIRED_FOR),
               Compare("date_fermeture", "≥", "date_ouverture"),
               Periods("id_equipement", "date_ouverture", "date_fermeture", "type_equipement")),
    ),
    Template(
        "assistants_maternels", "childminders",
        "Assistants maternels agréés par la PMI, par commune de résidence et par année "
        "(situation au 31 décembre).",
        (
            _year("Année d'observation (situation au 31 décembre)."),
            _commune("Code INSEE de la commune de résidence des assistants maternels."),
            Field("am_agrees", "am_agrees", COUNT, True, "Assistants maternels agréés.", "150"),
            Field("am_actifs", "am_actifs", COUNT, True,
                  "Assistants maternels agréés qui accueillent effectivement au moins un enfant.", "128"),
            Field("places_agrees", "am_places_agrees", COUNT, True,
                  "Places agréées, tous âges, de l'ensemble des assistants maternels agréés.", "520"),
            Field("places_moins_3_ans_actifs", "am_places_u3", COUNT, True,
                  "Places pour enfants de moins de 3 ans des assistants maternels actifs "
                  "(composante du taux de couverture global).", "310"),
            Field("am_actifs_55_ans_et_plus", "am_actifs_55_plus", COUNT, False,
                  "Assistants maternels actifs âgés de 55 ans ou plus (risque de non-renouvellement).", "41"),
        ),
        key=("annee", "code_commune"),
        rules=(Compare("am_actifs", "≤", "am_agrees"),
               Compare("am_actifs_55_ans_et_plus", "≤", "am_actifs"),
               Compare("places_moins_3_ans_actifs", "≤", "places_agrees")),
    ),
    Template(
        "rpe_animateurs", "rpe_staff",
        "Animation des relais petite enfance (RPE) : équivalents temps plein par relais et par année "
        "(référence : 1 ETP pour 70 assistants maternels actifs).",
        (
            _year("Année d'observation."),
            Field("id_rpe", "rpe_id", TEXT, True, "Identifiant du relais.", "RPE-71-012"),
            Field("nom_rpe", "name", TEXT, False, "Nom du relais.", "Relais petite enfance du Mâconnais"),
            _commune("Code INSEE de la commune siège du relais."),
            Field("etp", "etp", DECIMAL, True, "Équivalents temps plein d'animation (ex. 1,5).", "1,5"),
        ),
        key=("annee", "id_rpe"),
    ),
    Template(
        "places_complementaires", "complementary_places",
        "Offre d'accueil hors EAJE et assistants maternels qui entre dans le taux de couverture "
        "global : garde à domicile et préscolarisation des enfants de 2 ans.",
        (
            _year("Année d'observation."),
            _commune("Code INSEE de la commune."),
            Field("places_garde_domicile", "places_gad", DECIMAL, False,
                  "Places en garde à domicile (estimation, décimales acceptées).", "3,5"),
            Field("places_prescolarisation", "places_prescol", DECIMAL, False,
                  "Enfants de 2 ans scolarisés en école maternelle.", "12"),
        ),
        key=("annee", "code_commune"),
    ),
)}


# --- reading -------------------------------------------------------------------------------------

def stage(con: duckdb.DuckDBPyConnection, path: str | Path, template_name: str, table: str) -> Checker:
    """Validate one extract against its template and create ``table`` (typed columns of the template)."""
    if template_name not in TEMPLATES:
        raise ValueError(f"modèle inconnu : {template_name} (attendu : {', '.join(TEMPLATES)})")
    template = TEMPLATES[template_name]
    raw = files.load(con, path, sheet=template.name, header_key=template.fields[0].column)
    return typed(con, raw, template, table)


def typed(con: duckdb.DuckDBPyConnection, raw: files.RawTable, template: Template, table: str) -> Checker:
    """Type and check one loaded table against ``template``; reject it or create ``table``."""
    checker = Checker(con, raw)
    checker.require_columns([f.column for f in template.fields])
    checker.ignore_others([f.column for f in template.fields])
    values = {f.column: f.kind.read(checker, f.column, f.required) for f in template.fields}
    for rule in template.rules:
        rule.check(checker, values)
    checker.unique({column: values[column] for column in template.key})
    checker.build(table, {f.target: values[f.column] for f in template.fields})
    return checker


def read_extract(path: str | Path, template_name: str) -> pd.DataFrame:
    """One extract as a frame (tests, tools): every defect is reported at once."""
    with duckdb.connect() as con:
        table = stage(con, path, template_name, "extract").table
        return con.execute(f"SELECT * EXCLUDE (_file, _row) FROM {table} ORDER BY _row").df()


# --- blank templates and documentation -----------------------------------------------------------

DOC_COLUMNS = ("modèle", "colonne", "type", "obligatoire", "description", "exemple", "contrôles")


def documentation_rows() -> list[dict[str, str]]:
    """One row per template column: the content of the XLSX Documentation sheet and of the doc tables."""
    return [dict(zip(DOC_COLUMNS, (t.name, f.column, f.kind.label, t.requirement(f), f.description,
                                   f.example, t.controls(f))))
            for t in TEMPLATES.values() for f in t.fields]


def write_templates(out_dir: str | Path) -> list[Path]:
    """Blank files for data stewards: one CSV per template (header + example row) and one workbook."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for template in TEMPLATES.values():
        path = out_dir / f"{template.name}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, delimiter=";")
            writer.writerow([f.column for f in template.fields])
            writer.writerow([f.example for f in template.fields])
        written.append(path)
    written.append(_write_workbook(out_dir / WORKBOOK_NAME))
    return written


def _write_workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for template in TEMPLATES.values():
        fill_sheet(book.create_sheet(template.name), [f.column for f in template.fields],
                    [[f.kind.cell(f.example) if f.example else None for f in template.fields]])
    rows = documentation_rows()
    fill_sheet(book.create_sheet(DOC_SHEET), list(DOC_COLUMNS), [list(r.values()) for r in rows])
    book.save(path)
    return path


def fill_sheet(sheet, header: list[str], rows: list[list]) -> None:
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for column in sheet.columns:
        width = max(len(str(c.value)) for c in column if c.value is not None)
        sheet.column_dimensions[column[0].column_letter].width = min(max(width + 2, 10), 80)
    sheet.freeze_panes = "A2"


DOC_INTRO = """\
# Modèles d'import des extraits Caf / PMI

<!-- Fichier généré par pipelines/sources/extracts.py (templates_markdown) : ne pas modifier à la
main, régénérer avec `python -m pipelines.sources.extracts`. -->

Les extraits internes (équipements, assistants maternels, relais petite enfance, places
complémentaires) se déposent dans `data/raw/<jeu>/extracts/`, un fichier par modèle, dont le nom
commence par le nom du modèle (`equipements_2024.csv`, `assistants_maternels.xlsx`…).

Format accepté :

- **CSV** : séparateur `;`, encodage UTF-8 (avec ou sans BOM), virgule ou point décimal ;
- **XLSX** : la feuille qui porte le nom du modèle si elle existe, sinon la première feuille ;
  l'en-tête est sur la ligne 1.

Toutes les colonnes du modèle doivent figurer dans l'en-tête (dans n'importe quel ordre ; les
colonnes en plus sont ignorées). Une colonne facultative peut rester vide : une valeur absente
reste absente, elle ne vaut jamais 0. Un fichier qui ne respecte pas son modèle est rejeté en entier,
avec la liste des anomalies (fichier, ligne telle qu'affichée par un éditeur ou un tableur, colonne,
valeur attendue).

`write_templates(dossier)` produit un CSV vierge par modèle (en-tête et une ligne d'exemple, à
remplacer) et le classeur `modeles_extraits.xlsx` (une feuille par modèle et une feuille
« Documentation »).
"""


def markdown_table(header: list[str], rows: list[list[str]]) -> list[str]:
    def line(cells):
        return "| " + " | ".join(cells) + " |"

    return [line(header), line(["---"] * len(header)), *(line(r) for r in rows), ""]


def templates_markdown() -> str:
    """The whole of ``docs/templates.md``, generated from ``TEMPLATES``."""
    rows = documentation_rows()
    out = [DOC_INTRO]
    for template in TEMPLATES.values():
        out += [f"## `{template.name}` → table `{template.table}`", "", template.description, ""]
        out += markdown_table(
            list(DOC_COLUMNS[1:]),
            [[f"`{r['colonne']}`", r["type"], r["obligatoire"], r["description"],
              f"`{r['exemple']}`" if r["exemple"] else "", r["contrôles"]]
             for r in rows if r["modèle"] == template.name])
    out += ["## Types d'équipement", "",
            "Code attendu dans `type_equipement`, ou l'un des libellés acceptés (majuscules, accents, "
            "espaces, tirets et soulignés indifférents). Une micro-crèche sans autre précision est "
            "comptée hors PSU (financement Paje), le cas le plus fréquent.", ""]
    out += markdown_table(["code", "libellés acceptés"],
                           [[f"`{code}`", ", ".join(f"« {label} »" for label in labels)]
                            for code, labels in EQUIPMENT_TYPES.items()])
    from pipelines.sources.plan import plan_markdown  # the plan's workbook reuses these specs
    out.append(plan_markdown())
    return "\n".join(out).rstrip("\n") + "\n"


if __name__ == "__main__":
    from pipelines.paths import REPO_ROOT

    (REPO_ROOT / "docs" / "templates.md").write_text(templates_markdown(), encoding="utf-8")
