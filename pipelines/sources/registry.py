"""Every source the refresh knows: which files of a raw folder feed it, how one file is read, and its keys.

One home for what a source *is* (label, producer, whether it is published open data or an internal
extract), so the catalogue, the warehouse's source table, captions and exports say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import duckdb

from pipelines.sources import allocataires, caf_opendata, extracts, filosofi, insee_population, plan, zonages

Stage = Callable[[duckdb.DuckDBPyConnection, Path, str], tuple[str, list]]


@dataclass(frozen=True)
class SourceSpec:
    key: str
    label: str  # French, for captions and the Données page
    producer: str
    published: bool  # open data published as is (Cnaf, Insee, ANCT) vs an internal extract (Caf, PMI)
    patterns: tuple[str, ...]
    stage: Stage | None  # None: several tables per file, staged on their own (the plan: pipelines/staging/plan.py)
    key_columns: tuple[str, ...]  # one row per key across all the files of the source
    commune_column: str | None = "commune"  # mapped to the warehouse COG, rows outside the scope dropped
    levels: bool = False  # rows carry a ``level`` (commune codes only on level = 'commune')
    yearly: bool = True  # its years make the warehouse's years (context sources only when nothing else does)
    context: bool = False
    # (key, start, end, the key's header in the files): rows of one key are successive periods (equipments)
    periods: tuple[str, str, str, str] | None = None


def _extract(name: str) -> Stage:
    return lambda con, path, table: extracts.stage(con, path, name, table)


SOURCES = [
    SourceSpec("caf_rates", "Cnaf, data.caf.fr (taux de couverture publiés)", "Cnaf", True,
               ("caf/txcouv_pe_*.csv",), caf_opendata.stage, ("level", "code", "year", "series"), "code", True),
    SourceSpec("caf_places", "Cnaf, data.caf.fr (places publiées)", "Cnaf", True,
               ("caf/nbpla_pe_*.csv",), caf_opendata.stage, ("level", "code", "year", "series"), "code", True),
    SourceSpec("population", "Insee, population par âge", "Insee", True,
               ("insee/base-cc-evol-struct-pop-*.csv", "insee/base-cc-evol-struct-pop-*.xlsx"),
               insee_population.stage, ("commune", "year"), context=True),
    SourceSpec("income", "Insee, Filosofi", "Insee", True, ("insee/filosofi_*.csv",), filosofi.stage,
               ("level", "code", "year"), "code", True, context=True),
    SourceSpec("equipments", "Caf / PMI, extrait des équipements", "Caf / PMI", False,
               ("extracts/equipements*.csv", "extracts/equipements*.xlsx"), _extract("equipements"),
               ("equipment_id", "opened"), yearly=False,
               periods=("equipment_id", "opened", "closed", "id_equipement")),
    SourceSpec("childminders", "PMI, extrait des assistants maternels", "PMI (département)", False,
               ("extracts/assistants_maternels*.csv", "extracts/assistants_maternels*.xlsx"),
               _extract("assistants_maternels"), ("year", "commune")),
    SourceSpec("rpe_staff", "Caf, extrait des animateurs RPE", "Caf", False,
               ("extracts/rpe_animateurs*.csv", "extracts/rpe_animateurs*.xlsx"), _extract("rpe_animateurs"),
               ("year", "rpe_id")),
    SourceSpec("complementary_places", "Caf / Éducation nationale, garde à domicile et préscolarisation",
               "Caf / Éducation nationale", False,
               ("extracts/places_complementaires*.csv", "extracts/places_complementaires*.xlsx"),
               _extract("places_complementaires"), ("year", "commune")),
    SourceSpec("frr", "ANCT, zonage France Ruralités Revitalisation", "ANCT", True, ("zonages/*frr*.csv",),
               zonages.stage_frr, ("commune",), yearly=False, context=True),
    SourceSpec("qpv", "ANCT, quartiers prioritaires de la politique de la ville", "ANCT", True,
               ("zonages/qpv*.csv",), zonages.stage_qpv, ("qpv_code", "commune"), yearly=False, context=True),
    # data.caf.fr names its files data_CAF_<année>_IRIS.csv / _COM.csv; « allocataires » in a name also counts
    SourceSpec("allocataires", "Caf, allocataires par IRIS et par commune", "Cnaf", True,
               ("caf/data_CAF_*.csv", "caf/*allocataires*.csv"), allocataires.stage,
               ("level", "iris", "commune", "year"), context=True),
    SourceSpec("plan", "Plan d'action du schéma (fiches, statuts, indicateurs)", "Département / Caf", False,
               (plan.PATTERN,), None, (), None, yearly=False),
]
BY_KEY = {spec.key: spec for spec in SOURCES}
SOURCE_LABELS = {spec.key: spec.label for spec in SOURCES}


def discover(raw: Path) -> dict[str, list[Path]]:
    """The files of each source present in ``raw`` (sorted, so runs are reproducible)."""
    found = {}
    for spec in SOURCES:
        files = sorted({p for pattern in spec.patterns for p in raw.glob(pattern) if p.is_file()})
        if files:
            found[spec.key] = files
    return found
