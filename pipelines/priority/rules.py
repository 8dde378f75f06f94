"""Priority rule sets as data: the model, and loading a TOML file with French errors naming what to fix.

Analysts tune rules without touching code, so a rule file is checked entirely before use: unknown
keys (typos such as ``treshold``), unknown indicators, bad operators or thresholds are rejected with
the file, the criterion and the problem, and nothing is evaluated from a half-valid file.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

RULESETS_DIR = Path(__file__).parent / "rulesets"

LEVELS = ("commune", "epci", "arrondissement", "departement")
COMPARISONS = ("<", "<=", ">", ">=", "==", "!=")
FLAG_OPERATORS = ("is_true", "is_false")
REFERENCES = {"france": "France", "departement": "département", "median": "médiane"}
MODES = ("all", "any", "at_least", "score")
GROUP_MODES = ("all", "any", "at_least")
IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*")


class RuleSetError(Exception):
    """A rule set cannot be used; says which file, which criterion (or section) and what is wrong."""

    def __init__(self, source: str | Path | None, problem: str, *, criterion: str | None = None,
                 section: str | None = None):
        self.source = None if source is None else str(source)
        self.criterion = criterion
        self.problem = problem
        where = f"Règles « {Path(self.source).name} »" if self.source else "Règles"
        if criterion:
            where += f", critère « {criterion} »"
        elif section:
            where += f", {section}"
        super().__init__(f"{where} : {problem}")


@dataclass(frozen=True)
class Criterion:
    """One test on one indicator; the threshold is ``value`` or ``factor`` × a reference."""

    id: str
    label: str
    indicator: str
    operator: str
    value: float | None = None
    relative_to: str | None = None
    factor: float = 1.0
    weight: float | None = None
    group: str | None = None

    @property
    def is_flag(self) -> bool:
        return self.operator in FLAG_OPERATORS


@dataclass(frozen=True)
class Group:
    """Criteria combined together first (e.g. « QPV ou ruralité »), then counted as one element."""

    id: str
    label: str
    mode: str
    k: int | None = None
    weight: float | None = None


@dataclass(frozen=True)
class PriorityClass:
    name: str
    min_score: float


@dataclass(frozen=True)
class RuleSet:
    name: str
    version: str
    description: str
    levels: tuple[str, ...]
    criteria: tuple[Criterion, ...]
    mode: str
    k: int | None = None
    classes: tuple[PriorityClass, ...] = ()
    groups: tuple[Group, ...] = ()
    derived_from: str | None = None
    source: str | None = None
    author: str | None = None  # a saved scenario: who saved it, and when (ISO 8601, UTC)
    saved_at: str | None = None

    def units(self) -> list[Criterion | Group]:
        """What the top-level combination counts: criteria outside any group, and groups, in file order."""
        groups = {g.id: g for g in self.groups}
        units: list[Criterion | Group] = []
        for criterion in self.criteria:
            unit = groups[criterion.group] if criterion.group else criterion
            if unit not in units:
                units.append(unit)
        return units

    def members(self, group: Group) -> list[Criterion]:
        return [c for c in self.criteria if c.group == group.id]


def required_count(mode: str, k: int | None, n: int) -> int:
    """``all`` and ``any`` are ``at_least`` n and 1: one three-valued rule serves the three modes."""
    return {"all": n, "any": 1}.get(mode, k)


def list_rulesets(folder: str | Path = RULESETS_DIR) -> list[Path]:
    """Rule files of a folder (the shipped ones by default), sorted by name."""
    return sorted(Path(folder).glob("*.toml"))


def load_ruleset(path: str | Path, known_indicators: Iterable[str] | pd.DataFrame) -> RuleSet:
    """Read and validate one rule file; ``known_indicators`` is a set of codes or the catalogue frame."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RuleSetError(path, "fichier introuvable") from None
    except UnicodeDecodeError:
        raise RuleSetError(path, "le fichier doit être encodé en UTF-8") from None
    return loads_ruleset(text, known_indicators, source=path)


def loads_ruleset(text: str, known_indicators: Iterable[str] | pd.DataFrame,
                  source: str | Path | None = None) -> RuleSet:
    """Validate a rule set given as TOML text (an uploaded file, a saved scenario)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RuleSetError(source, _toml_problem(exc)) from None
    known = set(known_indicators["code"]) if isinstance(known_indicators, pd.DataFrame) else set(known_indicators)
    return _Parser(source, known).ruleset(data)


def _toml_problem(exc: tomllib.TOMLDecodeError) -> str:
    message = str(exc)
    match = re.search(r"\s*\(at line (\d+), column (\d+)\)", message)
    if not match:
        return f"syntaxe TOML invalide (détail de l'analyseur : {message})"
    detail = (message[:match.start()] + message[match.end():]).strip()
    return (f"syntaxe TOML invalide ligne {match.group(1)}, colonne {match.group(2)} "
            f"(détail de l'analyseur : {detail})")


def check_number(value, fail, key: str) -> float:
    """TOML booleans are ints in Python: reject them, a threshold ``true`` is a mistake."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        fail(f"« {key} » doit être un nombre (trouvé : {value!r})")
    return float(value)


def check_factor(value, fail) -> float:
    factor = check_number(value, fail, "factor")
    if factor <= 0:
        fail(f"« factor » doit être strictement positif (trouvé : {value!r})")
    return factor


class _Table:
    """One TOML table being read: every problem names the file and the criterion or section."""

    def __init__(self, parser: _Parser, data, required: set[str], optional: set[str], *,
                 criterion: str | None = None, section: str | None = None):
        self.source, self.criterion, self.section = parser.source, criterion, section
        if not isinstance(data, dict):
            self.fail(f"une table TOML était attendue (trouvé : {data!r})")
        self.data = data
        unknown = sorted(set(data) - required - optional)
        if unknown:
            self.fail(f"clé inconnue « {unknown[0]} » (clés possibles : {', '.join(sorted(required | optional))})")
        missing = sorted(required - set(data))
        if missing:
            self.fail(f"clé obligatoire « {missing[0]} » absente")

    def fail(self, problem: str):
        raise RuleSetError(self.source, problem, criterion=self.criterion, section=self.section)

    def text(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            self.fail(f"« {key} » doit être un texte non vide (trouvé : {value!r})")
        return value

    def identifier(self, key: str) -> str:
        value = self.text(key)
        if not IDENTIFIER.fullmatch(value):
            self.fail(f"« {key} » doit s'écrire en minuscules, chiffres et _ (trouvé : « {value} »)")
        return value

    def choice(self, key: str, allowed) -> str | None:
        value = self.data.get(key)
        if value is not None and (not isinstance(value, str) or value not in allowed):
            self.fail(f"« {key} » = {value!r} inconnu (valeurs possibles : {', '.join(allowed)})")
        return value

    def number(self, key: str) -> float | None:
        return None if key not in self.data else check_number(self.data[key], self.fail, key)

    def weight(self, score: bool) -> float | None:
        weight = self.number("weight")
        if score and weight is None:
            self.fail("poids « weight » manquant : la combinaison « score » pondère chaque élément")
        if not score and weight is not None:
            self.fail("« weight » n'a de sens qu'avec la combinaison « score »")
        if weight is not None and weight <= 0:
            self.fail(f"« weight » doit être strictement positif (trouvé : {weight:g})")
        return weight

    def k(self, mode: str) -> int | None:
        if mode != "at_least":
            if "k" in self.data:
                self.fail("« k » n'a de sens qu'avec le mode « at_least »")
            return None
        k = self.data.get("k")
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            self.fail(f"le mode « at_least » demande un entier « k » ≥ 1 (trouvé : {k!r})")
        return k


class _Parser:
    def __init__(self, source: str | Path | None, known: set[str]):
        self.source = None if source is None else str(source)
        self.known = known

    def fail(self, problem: str, section: str | None = None):
        raise RuleSetError(self.source, problem, section=section)

    def ruleset(self, data: dict) -> RuleSet:
        top = _Table(self, data, {"name", "version", "levels", "combination", "criteria"},
                     {"description", "groups", "derived_from", "author", "saved_at"})
        levels = data["levels"]
        if not isinstance(levels, list) or not levels or any(level not in LEVELS for level in levels):
            top.fail(f"« levels » doit lister des niveaux parmi {', '.join(LEVELS)} (trouvé : {levels!r})")
        if not isinstance(data["version"], str):
            top.fail(f"« version » doit être un texte entre guillemets, par ex. \"1.0\" (trouvé : {data['version']!r})")
        combination = _Table(self, data["combination"], {"mode"}, {"k", "classes"}, section="combinaison")
        mode = combination.choice("mode", MODES)
        score = mode == "score"
        groups = tuple(self.group(g, score) for g in self.array(data.get("groups", []), "groups"))
        criteria = tuple(self.criterion(c, score, groups) for c in self.array(data["criteria"], "criteria"))
        if not criteria:
            self.fail("aucun critère : ajouter au moins un bloc [[criteria]]")
        self.unique([g.id for g in groups] + [c.id for c in criteria], "critère ou groupe")
        ruleset = RuleSet(
            name=top.identifier("name"), version=top.text("version"),
            description=(top.text("description") or "").strip(), levels=tuple(levels), criteria=criteria,
            mode=mode, k=combination.k(mode), groups=groups, derived_from=top.text("derived_from"),
            source=self.source, author=top.text("author"), saved_at=top.text("saved_at"))
        for group in groups:
            self.check_group(group, ruleset.members(group))
        units = ruleset.units()
        if ruleset.k is not None and ruleset.k > len(units):
            combination.fail(f"k = {ruleset.k} dépasse le nombre de critères combinés ({len(units)}"
                             + (", un groupe comptant pour un)" if groups else ")"))
        if not score and "classes" in data["combination"]:
            combination.fail("« classes » n'a de sens qu'avec le mode « score »")
        return replace(ruleset, classes=self.classes(combination, units)) if score else ruleset

    def array(self, value, key: str) -> list:
        if not isinstance(value, list):
            self.fail(f"« {key} » doit être une liste de tables ([[{key}]])")
        return value

    def unique(self, ids: list[str], what: str, section: str | None = None) -> None:
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            self.fail(f"identifiant de {what} « {duplicates[0]} » en double", section)

    def group(self, data, score: bool) -> Group:
        name = data.get("id") if isinstance(data, dict) and isinstance(data.get("id"), str) else "sans id"
        table = _Table(self, data, {"id", "label", "mode"}, {"k", "weight"}, section=f"groupe « {name} »")
        mode = table.choice("mode", GROUP_MODES)
        return Group(id=table.identifier("id"), label=table.text("label"), mode=mode, k=table.k(mode),
                     weight=table.weight(score))

    def check_group(self, group: Group, members: list[Criterion]) -> None:
        section = f"groupe « {group.id} »"
        if not members:
            self.fail("aucun critère ne déclare ce groupe (« group = … »)", section)
        if group.k is not None and group.k > len(members):
            self.fail(f"k = {group.k} dépasse le nombre de critères du groupe ({len(members)})", section)

    def criterion(self, data, score: bool, groups: tuple[Group, ...]) -> Criterion:
        name = data.get("id") if isinstance(data, dict) and isinstance(data.get("id"), str) else None
        table = _Table(self, data, {"id", "label", "indicator", "operator"},
                       {"value", "relative_to", "factor", "weight", "group"},
                       criterion=name, section="critère sans « id »")
        criterion_id = table.identifier("id")
        indicator = table.text("indicator")
        if indicator not in self.known:
            close = difflib.get_close_matches(indicator, self.known, n=1)
            hint = f" (vouliez-vous dire « {close[0]} » ?)" if close else ""
            table.fail(f"indicateur inconnu « {indicator} »{hint}")
        operator = table.choice("operator", COMPARISONS + FLAG_OPERATORS)
        value, relative_to = table.number("value"), table.choice("relative_to", REFERENCES)
        if operator in FLAG_OPERATORS:
            extra = sorted({"value", "relative_to", "factor"} & set(data))
            if extra:
                table.fail(f"l'opérateur « {operator} » teste un indicateur oui/non et ne prend pas de seuil "
                           f"(retirer « {extra[0]} »)")
        elif value is None and relative_to is None:
            table.fail("seuil manquant : indiquer « value = … » (seuil absolu) ou « relative_to = » "
                       "\"france\", \"departement\" ou \"median\" (seuil relatif)")
        elif value is not None and relative_to is not None:
            table.fail("seuil ambigu : « value » et « relative_to » sont exclusifs")
        if "factor" in data and relative_to is None and operator not in FLAG_OPERATORS:
            table.fail("« factor » ne s'applique qu'à un seuil relatif (« relative_to »)")
        group = table.text("group")
        if group is not None and group not in {g.id for g in groups}:
            table.fail(f"groupe « {group} » non déclaré dans [[groups]]")
        if group is not None and score and "weight" in data:
            table.fail(f"« weight » se met sur le groupe « {group} », pas sur ses critères")
        return Criterion(
            id=criterion_id, label=table.text("label"), indicator=indicator, operator=operator, value=value,
            relative_to=relative_to, factor=check_factor(data.get("factor", 1.0), table.fail),
            weight=table.weight(score and group is None), group=group)

    def classes(self, combination: _Table, units: list) -> tuple[PriorityClass, ...]:
        raw = combination.data.get("classes")
        if not isinstance(raw, list) or not raw:
            combination.fail("le mode « score » demande des « classes » (nom et score minimal de chaque classe)")
        total = sum(unit.weight for unit in units)
        classes = []
        for data in raw:
            table = _Table(self, data, {"name", "min_score"}, set(), section="combinaison, classes")
            name, min_score = table.text("name"), table.number("min_score")
            if min_score <= 0:
                table.fail(f"« min_score » de « {name} » doit être strictement positif (trouvé : {min_score:g})")
            if min_score > total:
                table.fail(f"classe « {name} » inatteignable : score minimal {min_score:g} > total des poids {total:g}")
            classes.append(PriorityClass(name, min_score))
        self.unique([c.name for c in classes], "classe", "combinaison, classes")
        if len({c.min_score for c in classes}) < len(classes):
            combination.fail("deux classes ont le même score minimal")
        return tuple(sorted(classes, key=lambda c: -c.min_score))
