"""The narrow, read-only query layer over the warehouse, shared by the app and the exports.

Opens the versioned file the stable name points at (so a refresh never changes data under an
open reader) in read-only mode. Every method returns a pandas frame; nothing here computes an
indicator.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import geopandas as gpd
import pandas as pd
import shapely

from pipelines import paths
from pipelines.warehouse import store
from pipelines.warehouse.review_queries import ReviewQueries

LEVELS = ("commune", "epci", "arrondissement", "departement", "france")
PUBLISHED_TOTAL_SOURCE = ("Cnaf, data.caf.fr (places et taux publiés des territoires réunis : enfants déduits "
                          "des places et du taux de chacun, taux recalculé)")


class WarehouseMissing(Exception):
    """No warehouse has been built yet."""


def current_version_file() -> Path:
    file = store.current_file()
    if file is None:
        raise WarehouseMissing(f"Aucun entrepôt à {paths.warehouse_path()} : lancez « sdsf demo » ou « sdsf refresh ».")
    return file


def territory_total(cursor: duckdb.DuckDBPyConnection, level: str, codes: list[str],
                    years: list[int] | None = None) -> pd.DataFrame:
    """A territory made of several (a CTG territory of EPCI): ``year, indicator, value, origin, source``.

    On any connection holding the warehouse's tables and macros: the reader's, or the refresh's build database
    (the plan's indicators on a CTG territory).

    Counts are summed (strictly: missing if one member misses them) and every rate recomputed from the
    sums with the warehouse's own macros, never averaged. Where the counts are missing (a warehouse of
    published figures only), places are summed from the published ones and children derived from each
    member's places and rate (children = places × 100 / rate), when every member has both.
    """
    in_years = "" if years is None else " AND list_contains(?, year)"
    params = [level, list(codes)] + ([] if years is None else [list(years)])
    cursor.execute(f"""CREATE OR REPLACE TEMP TABLE _total AS
                       SELECT year, strict_sum(COLUMNS(* EXCLUDE (level, code, year))) FROM counts
                       WHERE level = ? AND list_contains(?, code){in_years} GROUP BY year""", params)
    computed = cursor.execute("""
        SELECT year, indicator, value, 'computed' AS origin, s.source
        FROM (UNPIVOT (SELECT * EXCLUDE (nb_communes, nb_communes_frr) FROM with_indicators('_total'))
              ON COLUMNS(* EXCLUDE (year)) INTO NAME indicator VALUE value)
        JOIN value_source s USING (indicator)
        WHERE s.basis = 'counts' AND indicator IN (SELECT code FROM indicator_catalogue)""").df()
    published = cursor.execute(f"""
        WITH members AS (
            SELECT code, year, indicator, value FROM published_value
            WHERE level = ? AND list_contains(?, code){in_years} AND basis IN ('caf_rates', 'caf_places')
        ),
        children AS (
            SELECT code, year, max(value) FILTER (WHERE indicator = 'places_total') * 100.0
                   / nullif(max(value) FILTER (WHERE indicator = 'tcg'), 0) AS children
            FROM members GROUP BY ALL
        ),
        complete AS (
            SELECT year FROM children GROUP BY year HAVING count(children) = {len(set(codes))}
        )
        SELECT m.year, m.indicator,
               CASE WHEN m.indicator LIKE 'tcg%' THEN sum(m.value * c.children) / sum(c.children)
                    ELSE sum(m.value) END AS value,
               'computed' AS origin, ? AS source
        FROM members m JOIN children c USING (code, year) SEMI JOIN complete USING (year)
        GROUP BY m.year, m.indicator HAVING count(*) = {len(set(codes))}""",
        params + [PUBLISHED_TOTAL_SOURCE]).df()
    keys = set(zip(computed["year"], computed["indicator"]))
    fallback = published[[k not in keys for k in zip(published["year"], published["indicator"])]]
    return pd.concat([computed, fallback], ignore_index=True).sort_values(["year", "indicator"]) \
        .reset_index(drop=True)


class Warehouse(ReviewQueries):
    def __init__(self, file: Path):
        self.file = Path(file)
        self.con = duckdb.connect(str(self.file), read_only=True)
        # indicator_value is a view the warehouse carries (pipelines/models/views.sql); a warehouse of an
        # older schema has only its meta read (the refresh compares fingerprints).
        self.outdated = "indicator_value" not in self.tables()

    @classmethod
    def open_current(cls) -> "Warehouse":
        return cls(current_version_file())

    def close(self) -> None:
        self.con.close()

    def _df(self, sql: str, params: list | None = None) -> pd.DataFrame:
        """Each query on its own cursor: one connection is shared by the app's threads."""
        return self.con.cursor().execute(sql, params or []).df()

    def tables(self) -> set[str]:
        return {r[0] for r in self._df("SELECT table_name FROM information_schema.tables").itertuples(index=False)}

    def meta(self) -> dict[str, str]:
        return dict(self._df("SELECT key, value FROM meta").itertuples(index=False))

    def catalogue(self) -> pd.DataFrame:
        return self._df("SELECT * FROM indicator_catalogue ORDER BY sort_order")

    def territories(self, level: str | None = None) -> pd.DataFrame:
        if level is None:
            return self._df("SELECT * FROM territory")
        return self._df("SELECT * FROM territory WHERE level = ? ORDER BY name", [level])

    def communes(self) -> pd.DataFrame:
        return self._df("SELECT * FROM commune ORDER BY code")

    def epci(self) -> pd.DataFrame:
        return self._df("SELECT * FROM epci ORDER BY name")

    def arrondissements(self) -> pd.DataFrame:
        return self._df("SELECT * FROM arrondissement ORDER BY code")

    def years(self) -> list[int]:
        return [int(y) for y in self.meta().get("years", "").split(",") if y]

    def values(self, level: str, codes: list[str] | None = None, indicators: list[str] | None = None,
               years: list[int] | None = None) -> pd.DataFrame:
        """Long values ``level, code, year, indicator, value, source, vintage`` (missing = no row)."""
        sql = "SELECT * FROM indicator_value WHERE level = ?"
        params: list = [level]
        for column, items in (("code", codes), ("indicator", indicators), ("year", years)):
            if items is not None:
                sql += f" AND list_contains(?, {column})"  # pushed into the view, unlike IN (subquery)
                params.append(list(items))
        return self._df(sql + " ORDER BY code, year, indicator", params)

    def total(self, level: str, codes: list[str], years: list[int] | None = None) -> pd.DataFrame:
        """A territory made of several (a CTG territory of EPCI): see ``territory_total``."""
        return territory_total(self.con.cursor(), level, codes, years)

    def indicator_table(self, level: str, years: list[int] | None = None, indicators: list[str] | None = None,
                        codes: list[str] | None = None) -> pd.DataFrame:
        """Wide table: ``level, code, name, year`` then one column per indicator (catalogue order)."""
        long = self.values(level, codes, indicators, years)
        names = self.territories(level)[["code", "name"]]
        order = [c for c in self.catalogue()["code"] if c in set(long["indicator"])]
        if indicators is not None:
            order = [c for c in indicators if c in set(long["indicator"])]
        wide = long.pivot_table(index=["code", "year"], columns="indicator", values="value", aggfunc="first")
        wide = wide.reindex(columns=order).reset_index().merge(names, on="code", how="left")
        wide.insert(0, "level", level)
        return wide[["level", "code", "name", "year", *order]].sort_values(["name", "year"]).reset_index(drop=True)

    def sources(self) -> pd.DataFrame:
        return self._df("SELECT * FROM source_vintage ORDER BY source, file")

    def runs(self) -> pd.DataFrame:
        runs = self._df("SELECT * FROM run_log ORDER BY started_at DESC")
        runs["rejected"] = runs["rejected"].map(json.loads)
        return runs

    def basket(self, level: str, year: int | None = None) -> pd.DataFrame:
        sql = "SELECT * FROM parenting_basket WHERE level = ?"
        params: list = [level]
        if year is not None:
            sql += " AND year = ?"
            params.append(year)
        return self._df(sql, params)

    def comparison(self, level: str | None = None) -> pd.DataFrame:
        if level is None:
            return self._df("SELECT * FROM published_comparison")
        return self._df("SELECT * FROM published_comparison WHERE level = ?", [level])

    def rulesets(self) -> pd.DataFrame:
        """Rule sets evaluated in this warehouse, with their version and the data vintage used."""
        return self._df("SELECT DISTINCT ruleset, ruleset_version, data_vintage FROM priority_status ORDER BY 1")

    def priority_status(self, level: str, year: int, ruleset: str | None = None) -> pd.DataFrame:
        sql = "SELECT * FROM priority_status WHERE level = ? AND year = ?"
        params: list = [level, year]
        if ruleset:
            sql += " AND ruleset = ?"
            params.append(ruleset)
        return self._df(sql, params)

    def priority_reasons(self, level: str, year: int, ruleset: str, code: str | None = None) -> pd.DataFrame:
        sql = "SELECT * FROM priority_reason WHERE level = ? AND year = ? AND ruleset = ?"
        params: list = [level, year, ruleset]
        if code:
            sql += " AND code = ?"
            params.append(code)
        return self._df(sql, params)

    def shapes(self, level: str) -> gpd.GeoDataFrame:
        """Simplified contours (WGS84) of ``commune`` or ``epci``."""
        table = {"commune": "commune_geometry", "epci": "epci_geometry"}[level]
        df = self._df(f"SELECT code, geometry FROM {table}")
        wkb = df["geometry"].map(bytes)  # DuckDB returns BLOBs as bytearray
        return gpd.GeoDataFrame(df[["code"]], geometry=shapely.from_wkb(wkb), crs="EPSG:4326")

    def years_per_indicator(self) -> pd.DataFrame:
        """``indicator, level, years`` (sorted list): the years the warehouse really holds, per level."""
        return self._df("SELECT indicator, level, years FROM indicator_years")
