"""``secret_cell``: which computed values the warehouse serves as « secret statistique », and why.

Built at each refresh from the stored counts, the published figures and the catalogue's ``small_count`` /
``rests_on`` (pipelines/indicators/catalogue.py), then applied by the view ``protected_value`` that the query
layer reads. In order of the catalogue's dependencies:

1. **primary**: a count of persons (children, AM, allocataires) between 1 and the threshold − 1, computed
   from an extract (a published figure is never masked: open data stays as published);
2. a value resting on a masked count is masked in the same cell (a rate, a sum of places);
3. **secondary**, for every additive count: the masks grow until no masked cell can be recomputed from the
   shown ones by differencing (commune → EPCI → département, commune → arrondissement → département, and any
   overlap of those), published figures counting as known to readers (``pipelines/secrecy/suppress.py``).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from pipelines.indicators.catalogue import RESTS_ON, SMALL_COUNTS
from pipelines.secrecy.suppress import Hierarchy, protect

DEFAULT_THRESHOLD = 5
# A published rate reveals its count (count = rate × children / 100): published places or rate count as known.
REVEALED_BY = {"places_am": ("tcg_am",), "places_gad": ("tcg_gad",), "places_prescol": ("tcg_prescol",),
               "places_ind": ("tcg_ind",), "places_total": ("tcg",)}
SECONDARY = "masquée pour qu'une valeur secrète ne puisse pas être recalculée par différence"
COLUMNS = ["level", "code", "year", "indicator", "reason"]


def order(indicators) -> list[str]:
    """The catalogue's secret-bearing indicators, every one after the counts it rests on."""
    wanted = set(indicators)
    done: list[str] = []

    def visit(code: str) -> None:
        if code in done:
            return
        for base in RESTS_ON.get(code, ()):
            visit(base)
        done.append(code)

    for code in sorted(wanted):
        if code in SMALL_COUNTS or code in RESTS_ON:
            visit(code)
    return [c for c in done if c in wanted]


def hierarchy(con: duckdb.DuckDBPyConnection) -> Hierarchy:
    """Every territory of the counts as the sum of its communes (France: of its départements)."""
    communes = con.execute("SELECT code, epci, arrondissement, departement FROM commune").df()
    levels = set(r[0] for r in con.execute("SELECT DISTINCT level FROM counts").fetchall())
    parents: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for column, level in (("epci", "epci"), ("arrondissement", "arrondissement"), ("departement", "departement")):
        for code, members in communes.dropna(subset=[column]).groupby(column)["code"]:
            parents[(level, code)] = [("commune", c) for c in members]
    if "france" in levels:
        parents[("france", "FR")] = [("departement", d) for d in sorted(communes["departement"].unique())]
    cells = [(r[0], r[1]) for r in con.execute("SELECT DISTINCT level, code FROM counts ORDER BY 1, 2").fetchall()]
    return Hierarchy.build(cells, parents)


def secret_cells(con: duckdb.DuckDBPyConnection, threshold: int = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """``level, code, year, indicator, reason`` of every masked computed value (see the module's docstring)."""
    catalogue = con.execute("SELECT code, short_label, kind FROM indicator_catalogue").df().set_index("code")
    wanted = order(catalogue.index)
    if not wanted:
        return pd.DataFrame(columns=COLUMNS)
    values = con.execute(f"""SELECT level, code, year, {', '.join(wanted)}
                             FROM with_indicators('counts')""").df()
    published = con.execute("SELECT level, code, year, indicator FROM published_value UNION "
                            "SELECT level, code, year, indicator FROM from_parts").df()
    tree = hierarchy(con)
    cell_index = pd.MultiIndex.from_tuples(tree.cells)
    position = {cell: i for i, cell in enumerate(tree.cells)}
    found = []
    for year, frame in values.groupby("year"):
        index = np.array([position[(lv, c)] for lv, c in zip(frame["level"], frame["code"])])
        here = published[published["year"] == year]

        def published_for(*indicators) -> np.ndarray:
            rows = here[here["indicator"].isin(indicators)]
            return cell_index.isin(list(zip(rows["level"], rows["code"])))

        masks: dict[str, np.ndarray] = {}
        for code in wanted:
            cells = np.full(len(tree.cells), np.nan)
            cells[index] = pd.to_numeric(frame[code]).astype(float).to_numpy()
            maskable = ~published_for(code)
            primary = np.zeros(len(tree.cells), bool)
            reasons = np.full(len(tree.cells), None, dtype=object)
            if code in SMALL_COUNTS:
                small = (cells > 0) & (cells < threshold)
                primary |= small
                reasons[small] = f"moins de {threshold} {SMALL_COUNTS[code]}"
            for base in RESTS_ON.get(code, ()):
                inherited = masks.get(base, np.zeros(len(tree.cells), bool)) & ~primary
                reasons[inherited & pd.isna(reasons)] = (
                    f"repose sur une valeur secrète ({catalogue.loc[base, 'short_label']})")
                primary |= inherited
            primary &= maskable & ~np.isnan(cells)
            mask = primary
            if catalogue.loc[code, "kind"] == "count":  # additive: protected against differencing
                known = ~np.isnan(cells) | published_for(code, *REVEALED_BY.get(code, ()))
                mask, _ = protect(tree, cells, known, primary.copy(), maskable)
            reasons[mask & ~primary] = SECONDARY
            masks[code] = mask
            found += [(*tree.cells[i], int(year), code, reasons[i]) for i in np.flatnonzero(mask)]
    return pd.DataFrame(found, columns=COLUMNS)


def create_secret_cells(con: duckdb.DuckDBPyConnection, threshold: int = DEFAULT_THRESHOLD) -> int:
    """Create ``secret_cell`` in the build database; returns how many values are masked."""
    frame = secret_cells(con, threshold)
    con.register("_secret", frame)
    con.execute("CREATE OR REPLACE TABLE secret_cell AS SELECT level, code, year::INTEGER AS year, indicator, reason "
                "FROM _secret ORDER BY ALL")
    con.unregister("_secret")
    return len(frame)
