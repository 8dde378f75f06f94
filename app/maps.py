"""Map geometry sized for what the map shows: only its territories, simplified for its zoom.

A figure weighs about 40 bytes of JSON per vertex, resent on every rerun, and plotly deep-copies it twice on
the server: the national EPCI layer made 5 MB maps and seconds of server time per rerun. So the territories
drawn are simplified together (shared borders stay shared) at about one screen pixel of the map's zoom, with
coordinates rounded to match, and each trace carries only its own shapes. Pure functions here; ``app.data``
caches them per warehouse version.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

TILE = 512  # MapLibre's tile size: at zoom z the world is 512 × 2^z pixels wide
DEFAULT_VIEW = ({"lon": 2.5, "lat": 46.5}, 4.5)
MIN_TOLERANCE = 2.0 ** -12  # about 25 m: below what the stored contours hold
MARGIN = 0.15  # zoom kept free around the shapes
METROPOLITAN_LON, METROPOLITAN_LAT = (-5.5, 10.0), (41.0, 51.5)  # shape centres in metropolitan France


@dataclass(frozen=True)
class MapShapes:
    """What a plotly map needs of its geometry: the GeoJSON and the view that fits it."""

    geojson: dict  # a FeatureCollection keyed by ``id`` = territory code
    center: dict
    zoom: float

    def subset(self, codes) -> dict:
        """The shapes one trace draws (a map weighs one layer, not one per trace)."""
        wanted = {str(c) for c in codes}
        return {"type": "FeatureCollection",
                "features": [f for f in self.geojson["features"] if str(f.get("id")) in wanted]}


def bounds(shapes: gpd.GeoDataFrame) -> pd.DataFrame:
    """``code, minx, miny, maxx, maxy`` of every shape."""
    box = shapes.geometry.bounds
    return pd.DataFrame({"code": shapes["code"].astype(str).to_numpy(), **{c: box[c].to_numpy() for c in box}})


def fit(boxes: pd.DataFrame, pixels: tuple[int, int]) -> tuple[dict, float]:
    """Centre and zoom showing every box in a plot area of ``pixels`` (width, height).

    A map of France with its overseas départements is fitted to metropolitan France (they are reached by
    panning): fitted to the whole globe, every territory would be a dot.
    """
    if boxes.empty:
        return DEFAULT_VIEW
    lon, lat = (boxes["minx"] + boxes["maxx"]) / 2, (boxes["miny"] + boxes["maxy"]) / 2
    metropolitan = lon.between(*METROPOLITAN_LON) & lat.between(*METROPOLITAN_LAT)
    if metropolitan.any() and not metropolitan.all():
        boxes = boxes[metropolitan.to_numpy()]
    west, east, south, north = boxes["minx"].min(), boxes["maxx"].max(), boxes["miny"].min(), boxes["maxy"].max()
    lat = (south + north) / 2
    width, height = pixels
    span_x = max(east - west, 1e-3)
    span_y = max((north - south) / math.cos(math.radians(lat)), 1e-3)
    zoom = min(math.log2(width * 360 / (TILE * span_x)), math.log2(height * 360 / (TILE * span_y))) - MARGIN
    return {"lon": float((west + east) / 2), "lat": float(lat)}, round(float(zoom), 2)


def tolerance(zoom: float) -> float:
    """About one screen pixel at ``zoom``, in degrees, rounded down to a power of two (few cached layers)."""
    per_pixel = 360 / (TILE * 2 ** zoom)
    return max(2.0 ** math.floor(math.log2(per_pixel)), MIN_TOLERANCE)


def decimals(tolerance: float) -> int:
    """Coordinate digits worth sending at ``tolerance``: a tenth of it."""
    return min(max(math.ceil(-math.log10(tolerance)) + 1, 3), 5)


def simplified(shapes: gpd.GeoDataFrame, tolerance: float) -> dict:
    """The layer simplified as a coverage (neighbours keep one shared border), coordinates rounded, as GeoJSON
    keyed by ``id`` = code."""
    geometry = shapely.coverage_simplify(shapes.geometry.values, tolerance)
    digits = decimals(tolerance)
    geometry = shapely.transform(geometry, lambda xy: xy.round(digits))
    features = [{"type": "Feature", "id": code, "properties": {}, "geometry": _arrays(shapely.geometry.mapping(g))}
                for code, g in zip(shapes["code"].astype(str), geometry) if g is not None and not g.is_empty]
    return {"type": "FeatureCollection", "features": features}


def _arrays(geometry: dict) -> dict:
    """Rings as numpy arrays: plotly deep-copies a figure's data twice, and a ring of tuples costs a copy per
    vertex where an array costs one (the JSON is the same)."""
    if geometry["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": [np.asarray(ring) for ring in geometry["coordinates"]]}
    return {"type": "MultiPolygon",
            "coordinates": [[np.asarray(ring) for ring in polygon] for polygon in geometry["coordinates"]]}
