"""``manifest.toml`` of a raw folder: the data set's name, whether it is fictitious, vintages, exhaustiveness.

A commune absent from an extract is *not reported* (missing), unless the extract is declared exhaustive for
its département and year — then absent means none (0), and the declaration is shown with the figures::

    [dataset]
    name = "Caf de Saône-et-Loire, extraction du 15 janvier 2025"
    fictitious = false

    [vintages]                         # optional: a French label per source
    equipments = "Extraction Caf, équipements au 31/12/2024"

    [[exhaustive]]
    source = "equipments"              # a source key (docs/architecture.md)
    departements = ["71"]              # or "all": every département in scope
    years = [2023, 2024]               # or "all": every year of the warehouse
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.errors import InputError, Problem

NAME = "manifest.toml"
EXHAUSTIVE_SOURCES = ("equipments", "childminders", "rpe_staff", "complementary_places")
KNOWN_SECTIONS = {"dataset", "vintages", "exhaustive"}


@dataclass(frozen=True)
class Exhaustive:
    source: str
    departements: tuple[str, ...] | None  # None = all in scope
    years: tuple[int, ...] | None  # None = all years of the warehouse

    def describe(self) -> str:
        deps = "tous les départements" if self.departements is None else "départements " + ", ".join(self.departements)
        years = "toutes les années" if self.years is None else "années " + ", ".join(map(str, self.years))
        return f"{self.source} : exhaustif pour {deps}, {years}"


@dataclass(frozen=True)
class Manifest:
    name: str = "Données configurées"
    fictitious: bool = False
    vintages: dict[str, str] = field(default_factory=dict)
    exhaustive: tuple[Exhaustive, ...] = ()
    raw: dict = field(default_factory=dict)  # as read, for the fingerprint


def read(raw_dir: Path, sources: tuple[str, ...], departements: list[str]) -> Manifest:
    """The manifest of ``raw_dir`` (defaults without one); every defect is a problem naming the entry."""
    path = raw_dir / NAME
    if not path.exists():
        return Manifest()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError.single(path, getattr(exc, "lineno", None), None, "un fichier TOML valide", str(exc)) from exc
    problems: list[Problem] = []

    def problem(where: str, expected: str, found) -> None:
        problems.append(Problem(str(path), None, where, expected, None if found is None else str(found)))

    for section in sorted(set(data) - KNOWN_SECTIONS):
        problem(f"[{section}]", "une section parmi " + ", ".join(sorted(KNOWN_SECTIONS)), section)
    dataset = data.get("dataset", {})
    fictitious = dataset.get("fictitious", False)
    if not isinstance(fictitious, bool):
        problem("[dataset] fictitious", "true ou false", fictitious)
    vintages = data.get("vintages", {})
    for key, value in vintages.items():
        if key not in sources:
            problem(f"[vintages] {key}", "une clé de source parmi " + ", ".join(sources), key)
        elif not isinstance(value, str):
            problem(f"[vintages] {key}", "un libellé entre guillemets", value)
    declared = []
    for number, entry in enumerate(data.get("exhaustive", []), start=1):
        where = f"[[exhaustive]] n° {number}"
        extra = set(entry) - {"source", "departements", "years"}
        if extra:
            problem(where, "les clés source, departements, years", ", ".join(sorted(extra)))
        source = entry.get("source")
        if source not in EXHAUSTIVE_SOURCES:
            problem(f"{where} source", "un extrait parmi " + ", ".join(EXHAUSTIVE_SOURCES), source)
        deps = entry.get("departements", "all")
        if deps != "all" and not (isinstance(deps, list) and all(isinstance(d, str) for d in deps)):
            problem(f"{where} departements", "\"all\" ou une liste de codes entre guillemets ([\"71\"])", deps)
            deps = []
        years = entry.get("years", "all")
        if years != "all" and not (isinstance(years, list) and all(isinstance(y, int) for y in years)):
            problem(f"{where} years", "\"all\" ou une liste d'années ([2023, 2024])", years)
            years = []
        declared.append(Exhaustive(source, None if deps == "all" else tuple(str(d) for d in deps),
                                   None if years == "all" else tuple(years)))
    if problems:
        raise InputError(problems)
    return Manifest(str(dataset.get("name", Manifest.name)), fictitious, dict(vintages), tuple(declared), data)


def exhaustive_rows(manifest: Manifest, departements: list[str], years: list[int]) -> list[tuple[str, str, int]]:
    """``(source, departement, year)`` cells declared exhaustive, within the scope and the warehouse's years."""
    rows = set()
    for entry in manifest.exhaustive:
        deps = departements if entry.departements is None else [d for d in entry.departements if d in departements]
        for year in years if entry.years is None else [y for y in entry.years if y in years]:
            rows |= {(entry.source, d, year) for d in deps}
    return sorted(rows)
