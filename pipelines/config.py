"""``sdsf.toml``: what the scheduled refresh reads when no option is given on the command line."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from pipelines import paths

DEFAULT_CONFIG = "sdsf.toml"


@dataclass(frozen=True)
class Config:
    raw: Path
    departements: list[str] | None  # None = all of France
    base_year: int | None
    caf_base_url: str
    caf_datasets: tuple[str, ...]
    secrecy_threshold: int = 5  # [secrecy] threshold: counts of persons below it are « secret statistique »


def load_config(path: Path | None = None) -> Config:
    """Read the config file (absent = the demo's defaults); relative paths are relative to SDSF_HOME."""
    path = path or paths.home() / DEFAULT_CONFIG
    data = tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    refresh = data.get("refresh", {})
    caf = data.get("caf_api", {})
    deps = refresh.get("departements", ["71"])
    raw = Path(refresh.get("raw", "data/raw/demo"))
    return Config(
        raw=raw if raw.is_absolute() else paths.home() / raw,
        departements=None if deps == "all" else [str(d) for d in deps],
        base_year=refresh.get("base_year"),
        caf_base_url=caf.get("base_url", "https://data.caf.fr"),
        caf_datasets=tuple(caf.get("datasets", ("txcouv_pe_epci", "nbpla_pe_epci", "txcouv_pe_dep",
                                                 "txcouv_pe_com", "txcouv_pe_nat"))),
        secrecy_threshold=_threshold(data.get("secrecy", {}).get("threshold", 5)),
    )


def _threshold(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"[secrecy] threshold : un entier d'au moins 1 est attendu (trouvé : {value!r})")
    return value
