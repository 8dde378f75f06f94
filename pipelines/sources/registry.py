"""Which files of a raw folder feed which source, and how several files of one source combine."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd

from pipelines.sources import caf_opendata, extracts, filosofi, insee_population, zonages


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(frames, ignore_index=True)


def _caf_series(frames: list[pd.DataFrame]) -> pd.DataFrame:
    both = _concat(frames)
    return caf_opendata.merge_series(both[both["series"] == "current"], both[both["series"] == "hist"])


@dataclass(frozen=True)
class SourceSpec:
    key: str
    patterns: tuple[str, ...]
    read: Callable[[Path], pd.DataFrame]
    combine: Callable[[list[pd.DataFrame]], pd.DataFrame] = _concat
    commune_column: str | None = "commune"  # checked against the COG, rows outside the scope dropped


def _extract(name: str) -> Callable[[Path], pd.DataFrame]:
    return lambda path: extracts.read_extract(path, name)


SOURCES = [
    SourceSpec("caf_rates", ("caf/txcouv_pe_*.csv",), caf_opendata.read_rates, _caf_series, None),
    SourceSpec("caf_places", ("caf/nbpla_pe_*.csv",), caf_opendata.read_places, _caf_series, None),
    SourceSpec("population", ("insee/base-cc-evol-struct-pop-*.csv", "insee/base-cc-evol-struct-pop-*.xlsx"),
               insee_population.read_population),
    SourceSpec("income", ("insee/filosofi_*.csv",), filosofi.read_filosofi, _concat, None),
    SourceSpec("equipments", ("extracts/equipements*.csv", "extracts/equipements*.xlsx"), _extract("equipements")),
    SourceSpec("childminders", ("extracts/assistants_maternels*.csv", "extracts/assistants_maternels*.xlsx"),
               _extract("assistants_maternels")),
    SourceSpec("rpe_staff", ("extracts/rpe_animateurs*.csv", "extracts/rpe_animateurs*.xlsx"),
               _extract("rpe_animateurs")),
    SourceSpec("complementary_places", ("extracts/places_complementaires*.csv",
                                        "extracts/places_complementaires*.xlsx"), _extract("places_complementaires")),
    SourceSpec("frr", ("zonages/*frr*.csv",), zonages.read_frr),
    SourceSpec("qpv", ("zonages/qpv*.csv",), zonages.read_qpv),
]


def discover(raw: Path) -> dict[str, list[Path]]:
    """The files of each source present in ``raw`` (sorted, so runs are reproducible)."""
    found = {}
    for spec in SOURCES:
        files = sorted({p for pattern in spec.patterns for p in raw.glob(pattern) if p.is_file()})
        if files:
            found[spec.key] = files
    return found
