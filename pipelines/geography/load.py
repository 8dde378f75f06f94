"""Read the built geography for a set of départements (the refresh's territorial scope)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from pipelines.geography.build import cog_dir


class GeographyMissing(Exception):
    """The geography of a requested département has not been built yet."""


@dataclass(frozen=True)
class Geography:
    vintage: str
    departements: pd.DataFrame  # code, name (in scope)
    arrondissements: pd.DataFrame  # code, name, departement (in scope)
    communes: pd.DataFrame  # code, name, departement, arrondissement, epci, population (in scope)
    epci: pd.DataFrame  # code, name, type, departements, n_communes, n_communes_in_scope, partial, population
    commune_shapes: gpd.GeoDataFrame  # code, geometry
    epci_shapes: gpd.GeoDataFrame  # code, geometry (whole EPCI, even beyond the scope)


def load_geography(departements: list[str] | None, geo_root: Path | None = None) -> Geography:
    """``departements=None`` means all of France."""
    base = cog_dir(geo_root)
    if not (base / "communes.parquet").exists():
        raise GeographyMissing(f"Géographie absente de {base} : lancez « sdsf geo ».")
    all_deps = pd.read_parquet(base / "departements.parquet")
    scope = sorted(all_deps["code"]) if departements is None else sorted(departements)
    unknown = sorted(set(scope) - set(all_deps["code"]))
    if unknown:
        raise GeographyMissing(f"Département(s) inconnu(s) au COG : {', '.join(unknown)}")
    missing = [d for d in scope if not (base / "contours" / f"communes-{d}.parquet").exists()]
    if missing:
        raise GeographyMissing(
            f"Contours non construits pour {', '.join(missing)} : lancez « sdsf geo --departements {' '.join(missing)} »."
        )
    communes = pd.read_parquet(base / "communes.parquet")
    communes = communes[communes["departement"].isin(scope)].reset_index(drop=True)
    epci = pd.read_parquet(base / "epci.parquet")
    in_scope = communes.dropna(subset=["epci"]).groupby("epci").size().rename("n_communes_in_scope")
    epci = epci.join(in_scope, on="code", how="inner").reset_index(drop=True)
    epci["partial"] = epci["n_communes_in_scope"] < epci["n_communes"]
    commune_shapes = _shapes(base, "communes", scope)
    epci_shapes = _shapes(base, "epci", scope).drop_duplicates("code").reset_index(drop=True)
    return Geography(
        vintage=(base / "VINTAGE").read_text().splitlines()[0],
        departements=all_deps[all_deps["code"].isin(scope)].reset_index(drop=True),
        arrondissements=_arrondissements(base, scope),
        communes=communes,
        epci=epci,
        commune_shapes=commune_shapes,
        epci_shapes=epci_shapes,
    )


def _arrondissements(base: Path, scope: list[str]) -> pd.DataFrame:
    arr = pd.read_parquet(base / "arrondissements.parquet")
    return arr[arr["departement"].isin(scope)].reset_index(drop=True)


def _shapes(base: Path, kind: str, scope: list[str]) -> gpd.GeoDataFrame:
    """Contours of the départements read as plain WKB and decoded once: reading a hundred GeoParquet
    files one by one spent most of its time parsing the same CRS again."""
    frames = [pd.read_parquet(base / "contours" / f"{kind}-{d}.parquet") for d in scope]
    frame = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(frame[["code"]], geometry=gpd.GeoSeries.from_wkb(frame["geometry"], crs="EPSG:4326"))
