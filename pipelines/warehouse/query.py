"""The narrow, read-only query layer over the warehouse, shared by the app and the exports.

Opens the versioned file the stable name points at (so a refresh never changes data under an
open reader) in read-only mode. Every method returns a pandas frame; nothing here computes an
indicator.

Every value is read through the view ``protected_value`` (statistical secrecy applied at the refresh:
a masked value has its row, value NULL, ``secret`` true) and with a ``clearance``: ``public`` (a reader
without access to the internal extracts: published figures and indicators no extract feeds) or
``confidential`` (every indicator). The default is the wider one — whoever runs the CLI or a notebook on the
server can open the file anyway —; the app always passes the clearance of its user's role (app/data.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import geopandas as gpd
import pandas as pd
import shapely

from pipelines import paths
from pipelines.formatting import SECRET
from pipelines.warehouse import store
from pipelines.warehouse.review_queries import RESERVED, ReviewQueries  # noqa: F401 (RESERVED: pages)

LEVELS = ("commune", "epci", "arrondissement", "departement", "france")
CLEARANCES = ("public", "confidential")
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


def protected_total(cursor: duckdb.DuckDBPyConnection, level: str, codes: list[str],
                    years: list[int] | None = None) -> pd.DataFrame:
    """``territory_total`` with ``secret`` and ``public``, like a row of ``protected_value``.

    A computed total is secret when a member's value is (else the total minus the shown members would give it
    back): its value is missing. ``public``: summed from published figures, or of an indicator no extract feeds.
    """
    totals = territory_total(cursor, level, codes, years)
    in_years = "" if years is None else " AND list_contains(?, year)"
    params = [level, list(codes)] + ([] if years is None else [list(years)])
    secret = set(cursor.execute(f"""SELECT DISTINCT year, indicator FROM secret_cell
                                    WHERE level = ? AND list_contains(?, code){in_years}""", params).fetchall())
    confidential = {r[0] for r in cursor.execute("SELECT code FROM indicator_catalogue WHERE confidential")
                    .fetchall()}
    computed = totals["source"] != PUBLISHED_TOTAL_SOURCE
    totals["secret"] = computed & pd.Series([k in secret for k in zip(totals["year"], totals["indicator"])],
                                            index=totals.index, dtype=bool)
    totals.loc[totals["secret"], "value"] = None
    totals["public"] = ~computed | ~totals["indicator"].isin(confidential)
    return totals


class Warehouse(ReviewQueries):
    def __init__(self, file: Path):
        self.file = Path(file)
        self.con = duckdb.connect(str(self.file), read_only=True)
        # indicator_value is a view the warehouse carries (pipelines/models/views.sql); a warehouse of an
        # older schema has only its meta read (the refresh compares fingerprints).
        self.outdated = not {"indicator_value", "protected_value"} <= self.tables()

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
               years: list[int] | None = None, clearance: str = "confidential") -> pd.DataFrame:
        """Long values ``level, code, year, indicator, value, origin, source, vintage, …, secret, secret_reason``
        (missing = no row; secret = a row whose value is NULL)."""
        sql = f"SELECT * EXCLUDE (public) FROM protected_value WHERE level = ?{_public(clearance)}"
        params: list = [level]
        for column, items in (("code", codes), ("indicator", indicators), ("year", years)):
            if items is not None:
                sql += f" AND list_contains(?, {column})"  # pushed into the view, unlike IN (subquery)
                params.append(list(items))
        return self._df(sql + " ORDER BY code, year, indicator", params)

    def total(self, level: str, codes: list[str], years: list[int] | None = None,
              clearance: str = "confidential") -> pd.DataFrame:
        """A territory made of several (a CTG territory of EPCI): ``protected_total`` as ``clearance`` may see it
        (for a ``public`` one, a total computed from an extract is left out)."""
        totals = protected_total(self.con.cursor(), level, codes, years)
        if _public(clearance):
            totals = totals[totals["public"]]
        return totals.drop(columns="public").reset_index(drop=True)

    def indicator_table(self, level: str, years: list[int] | None = None, indicators: list[str] | None = None,
                        codes: list[str] | None = None, clearance: str = "confidential") -> pd.DataFrame:
        """Wide table: ``level, code, name, year`` then one column per indicator (catalogue order).

        A secret cell holds the text ``SECRET`` (« secret statistique »), what every export writes; a column
        without one stays numeric.
        """
        long = self.values(level, codes, indicators, years, clearance)
        long["value"] = long["value"].astype(object).where(~long["secret"], SECRET)
        names = self.territories(level)[["code", "name"]]
        order = [c for c in self.catalogue()["code"] if c in set(long["indicator"])]
        if indicators is not None:
            order = [c for c in indicators if c in set(long["indicator"])]
        wide = long.pivot_table(index=["code", "year"], columns="indicator", values="value", aggfunc="first")
        wide = wide.reindex(columns=order)
        for column in wide.columns:
            if not (wide[column] == SECRET).any():
                wide[column] = pd.to_numeric(wide[column])
        wide = wide.reset_index().merge(names, on="code", how="left")
        wide.insert(0, "level", level)
        return wide[["level", "code", "name", "year", *order]].sort_values(["name", "year"]).reset_index(drop=True)

    def sources(self) -> pd.DataFrame:
        """One row per file read: source, label, producer, file, sha256, vintage, years, rows."""
        return self._df("SELECT * FROM source_vintage ORDER BY source, file")

    def source_summary(self) -> pd.DataFrame:
        """One row per source: label, producer, published (open data) or internal extract, vintage, years, rows."""
        return self._df("SELECT * FROM source ORDER BY published DESC, label")

    def mappings(self) -> pd.DataFrame:
        """Old commune codes of the files mapped to their commune of today: file, old_code, code, kind, rows."""
        return self._df("SELECT m.*, c.name FROM code_mapping m LEFT JOIN commune c USING (code) "
                        "ORDER BY file, old_code")

    def notices(self) -> pd.DataFrame:
        """Warnings of the run that built the warehouse: file, line, column, message, found, count."""
        return self._df("SELECT * FROM run_notice")

    def contracts(self) -> pd.DataFrame:
        """The warehouse's contracts and how many rows violate each (errors block a refresh, warnings do not)."""
        return self._df("SELECT * FROM contract_result ORDER BY severity, contract")

    def reporting(self, level: str) -> pd.DataFrame:
        """Per territory, year and extract: communes, and communes the extract reports (missing otherwise)."""
        return self._df("SELECT * FROM reporting WHERE level = ? ORDER BY code, year, source", [level])

    def parts(self, code: str, year: int | None = None) -> pd.DataFrame:
        """Published figures of the parts of a commune of today (former communes, arrondissements municipaux)."""
        sql = "SELECT * FROM published_part WHERE code = ?"
        return self._df(sql + (" AND year = ?" if year is not None else "") + " ORDER BY year, indicator, part_code",
                        [code] + ([year] if year is not None else []))

    def runs(self) -> pd.DataFrame:
        runs = self._df("SELECT * FROM run_log ORDER BY started_at DESC")
        runs["rejected"] = runs["rejected"].map(json.loads)
        return runs

    def basket(self, level: str, year: int | None = None, clearance: str = "confidential") -> pd.DataFrame:
        """The parenting basket (from the equipment extract: none for a ``public`` clearance)."""
        sql = "SELECT * FROM parenting_basket WHERE level = ?" + ("" if clearance == "confidential" else " AND false")
        params: list = [level]
        if year is not None:
            sql += " AND year = ?"
            params.append(year)
        return self._df(sql, params)

    def comparison(self, level: str | None = None, clearance: str = "confidential") -> pd.DataFrame:
        """Published against computed figures; a secret computed figure (and its gap) is NULL, ``secret`` true."""
        sql = """SELECT c.* REPLACE (CASE WHEN s.reason IS NULL THEN c.computed END AS computed,
                                     CASE WHEN s.reason IS NULL THEN c.gap END AS gap),
                        s.reason IS NOT NULL AS secret
                 FROM published_comparison c
                 LEFT JOIN secret_cell s USING (level, code, year, indicator)
                 WHERE (? IS NULL OR c.level = ?)"""
        if clearance != "confidential":
            sql += " AND c.indicator NOT IN (SELECT code FROM indicator_catalogue WHERE confidential)"
        return self._df(sql, [level, level])

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

    def priority_reasons(self, level: str, year: int, ruleset: str, code: str | None = None,
                         clearance: str = "confidential") -> pd.DataFrame:
        """The criteria of each territory; a figure the reader may not see (secret, or from an extract for a
        ``public`` clearance) is NULL and its text says why, the criterion's outcome stays."""
        hidden = "p.secret" if clearance == "confidential" else "(p.secret OR NOT p.public)"
        sql = f"""SELECT r.* REPLACE (CASE WHEN {hidden} THEN NULL ELSE r.value END AS value,
                                      CASE WHEN {hidden} THEN r.label || ' : ' || CASE WHEN p.secret THEN ?
                                           ELSE ? END ELSE r.text END AS text)
                  FROM priority_reason r
                  LEFT JOIN protected_value p ON p.level = r.level AND p.code = r.code AND p.year = r.year
                                             AND p.indicator = r.indicator
                  WHERE r.level = ? AND r.year = ? AND r.ruleset = ?"""
        params: list = [SECRET, RESERVED, level, year, ruleset]
        if code:
            sql += " AND r.code = ?"
            params.append(code)
        return self._df(sql, params)

    def shapes(self, level: str) -> gpd.GeoDataFrame:
        """Simplified contours (WGS84) of ``commune`` or ``epci``."""
        table = {"commune": "commune_geometry", "epci": "epci_geometry"}[level]
        df = self._df(f"SELECT code, geometry FROM {table}")
        wkb = df["geometry"].map(bytes)  # DuckDB returns BLOBs as bytearray
        return gpd.GeoDataFrame(df[["code"]], geometry=shapely.from_wkb(wkb), crs="EPSG:4326")

    def years_per_indicator(self, clearance: str = "confidential") -> pd.DataFrame:
        """``indicator, level, years`` (sorted list): the years the warehouse really holds, per level (for a
        ``public`` clearance, of an indicator from an extract only those of its published figures)."""
        if clearance == "confidential":
            return self._df("SELECT indicator, level, years FROM indicator_years")
        return self._df("""
            SELECT indicator, level, years FROM indicator_years
            WHERE indicator NOT IN (SELECT code FROM indicator_catalogue WHERE confidential)
            UNION ALL
            SELECT indicator, level, list(DISTINCT year ORDER BY year) FROM (
                SELECT level, year, indicator FROM published_value UNION SELECT level, year, indicator FROM from_parts)
            WHERE indicator IN (SELECT code FROM indicator_catalogue WHERE confidential) GROUP BY ALL""")

    def crossed(self, level: str, year: int, departement: str | None = None,
                clearance: str = "confidential") -> pd.DataFrame:
        """Coverage (TCG) beside the share of allocataires on RSA of the communes or EPCI of ``year``, each with
        its département's and the quadrant (macro ``crossed_diagnostic_for``, quadrant 1 first), as ``clearance``
        may see them: secret figures NULL (``tcg_secret``), classing nothing. Empty on a warehouse built before
        the view existed."""
        if "crossed_diagnostic" not in self.tables():
            return pd.DataFrame()
        public_only = "true" if _public(clearance) else "false"
        sql = (f"SELECT c.*, t.name FROM crossed_diagnostic_for({public_only}) c "
               "JOIN territory t USING (level, code) WHERE c.level = ? AND c.year = ?")
        params: list = [level, year]
        if departement:
            sql += " AND c.departement = ?"
            params.append(departement)
        return self._df(sql + " ORDER BY c.quadrant NULLS LAST, c.tcg, c.part_allocataires_rsa DESC", params)

    def iris(self, commune: str, year: int) -> pd.DataFrame:
        """The IRIS of a commune in the allocataires file of ``year`` (the latest vintage not after it), with
        their shares computed by the warehouse's macros; empty for a commune not split into IRIS."""
        if "iris_value" not in self.tables():
            return pd.DataFrame()
        return self._df("""
            SELECT * EXCLUDE (year), year AS vintage_year FROM iris_value
            WHERE commune = ? AND year = (SELECT max(year) FROM allocataires_iris WHERE commune = ? AND year <= ?)
            ORDER BY iris""", [commune, commune, year])

    def iris_communes(self) -> list[str]:
        """Communes with IRIS rows in an allocataires file (any vintage)."""
        if "allocataires_iris" not in self.tables():
            return []
        return [r[0] for r in self.con.cursor().execute(
            "SELECT DISTINCT commune FROM allocataires_iris ORDER BY 1").fetchall()]


def _public(clearance: str) -> str:
    """The SQL condition a clearance adds to a read of ``protected_value``."""
    if clearance not in CLEARANCES:
        raise ValueError(f"unknown clearance {clearance!r}")
    return "" if clearance == "confidential" else " AND public"
