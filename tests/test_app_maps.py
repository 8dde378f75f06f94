"""Map geometry: simplified for the zoom the map is drawn at, neighbours still sharing their borders."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Polygon

from app.maps import MapShapes, bounds, decimals, fit, simplified, tolerance


def wiggly_squares(n: int = 3, points: int = 200) -> gpd.GeoDataFrame:
    """``n`` unit squares side by side; their shared edges zig-zag by 0.001° over ``points`` vertices."""
    ys = np.linspace(0, 1, points)

    def border(i: int) -> list[tuple[float, float]]:
        return [(i + (0.001 * (k % 2) if 0 < i < n else 0.0), y) for k, y in enumerate(ys)]

    shapes = [Polygon(border(i) + border(i + 1)[::-1]) for i in range(n)]
    return gpd.GeoDataFrame({"code": [f"c{i}" for i in range(n)]}, geometry=shapes, crs="EPSG:4326")


def test_tolerance_is_about_a_pixel_and_coordinates_keep_a_tenth_of_it():
    assert tolerance(4.43) == 2 ** -5  # France on 700 px: 0.033° a pixel
    assert tolerance(7.3) == 2 ** -8 and tolerance(30) == 2 ** -12  # never below what the contours hold
    assert decimals(2 ** -5) == 3 and decimals(2 ** -8) == 4 and decimals(2 ** -12) == 5


def test_simplified_layer_is_lighter_and_keeps_shared_borders():
    shapes = wiggly_squares()
    layer = simplified(shapes, 0.01)
    before = len(json.dumps(shapes.set_index("code").__geo_interface__))
    after = len(json.dumps(MapShapes(layer, {}, 0).subset(["c0", "c1", "c2"]), default=lambda a: a.tolist()))
    assert after < before / 5
    geoms = [shapely.geometry.shape({"type": f["geometry"]["type"], "coordinates": [r.tolist() for r in
                                     f["geometry"]["coordinates"]]}) for f in layer["features"]]
    assert shapely.intersection(geoms[0], geoms[1]).area < 1e-9  # no overlap between neighbours
    assert shapely.union_all(geoms).area == pytest.approx(3.0, rel=1e-3)  # no gap either


def test_a_map_of_france_with_its_overseas_departements_is_fitted_to_metropolitan_france():
    boxes = pd.DataFrame({"code": ["71", "63", "974"], "minx": [3.6, 2.4, 55.2], "miny": [46.1, 45.3, -21.4],
                          "maxx": [5.5, 3.9, 55.8], "maxy": [47.2, 46.3, -20.9]})
    center, zoom = fit(boxes, (700, 480))
    assert 2.4 < center["lon"] < 5.5 and zoom > 6
    alone, zoom_alone = fit(boxes[boxes["code"] == "974"], (700, 480))
    assert alone["lat"] < 0 and zoom_alone > 8
    assert list(bounds(wiggly_squares(2)).columns) == ["code", "minx", "miny", "maxx", "maxy"]
