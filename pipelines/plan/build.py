"""The plan's figures in the warehouse: each linked indicator's values by year, its trajectory and its status.

Runs in the refresh's build database after the models (like the priority rules): an indicator of the
catalogue on one territory reads ``indicator_value`` (published where it exists, else computed); on several
territories (a CTG territory of EPCI or communes) the members' counts are summed and the rate recomputed by
``territory_total``, the query layer's own function; an entered indicator reads ``plan_entered_value``.
``tracking.track`` then says where each stands. Nothing here is guessed: a missing value stays missing.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from pipelines.plan.tracking import TRACKING_COLUMNS, TRAJECTORY_COLUMNS, track
from pipelines.warehouse.query import protected_total

OBSERVED_COLUMNS = ["indicator_id", "year", "value", "source", "secret", "public"]


def observed_values(con: duckdb.DuckDBPyConnection, indicators: pd.DataFrame, entered: pd.DataFrame) -> pd.DataFrame:
    """``indicator_id, year, value, source, secret, public`` of one plan's indicators (missing values have no row).

    Values are read as readers get them (``protected_value``, ``protected_total``): a secret one keeps its row,
    value missing; ``public`` says whether a reader without access to the extracts may see it. Entered values
    are the plan's own (public).
    """
    frames = []
    for row in indicators.itertuples(index=False):
        if pd.isna(row.indicator):
            mine = entered[entered["indicator_id"] == row.indicator_id]
            frames.append(mine[["year", "value", "source"]].assign(indicator_id=row.indicator_id, secret=False,
                                                                   public=True))
            continue
        codes = list(row.codes)
        if len(codes) == 1:
            found = con.execute("""SELECT year, value, source || coalesce(' — ' || vintage, '') AS source, secret,
                                          public
                                   FROM protected_value WHERE level = ? AND code = ? AND indicator = ?""",
                                [row.level, codes[0], row.indicator]).df()
        else:
            total = protected_total(con.cursor(), row.level, codes)
            found = total[total["indicator"] == row.indicator][["year", "value", "source", "secret", "public"]]
        frames.append(found.assign(indicator_id=row.indicator_id))
    if not frames:
        return pd.DataFrame(columns=OBSERVED_COLUMNS)
    observed = pd.concat(frames, ignore_index=True)[OBSERVED_COLUMNS]
    observed = observed[observed["value"].notna() | observed["secret"].astype(bool)]
    return observed.astype({"year": int, "value": float, "secret": bool, "public": bool})


def plan_tables(con: duckdb.DuckDBPyConnection) -> None:
    """``plan_trajectory`` and ``plan_tracking`` for every plan of the warehouse (empty without a plan)."""
    indicators = con.execute("""
        SELECT i.*, k.higher_is_better, k.decimals FROM plan_indicator i
        LEFT JOIN indicator_catalogue k ON k.code = i.indicator ORDER BY i.departement, i.sort_order""").df()
    entered = con.execute("SELECT * FROM plan_entered_value").df()
    trajectories, trackings = [], []
    for departement, mine in indicators.groupby("departement", sort=True):
        theirs = entered[entered["departement"] == departement]
        mine = mine.assign(decimals=[_decimals(r, theirs) for r in mine.itertuples(index=False)])
        observed = observed_values(con, mine, theirs)
        trajectory, tracking = track(mine, observed[~observed["secret"]])
        sources = observed[["indicator_id", "year", "source", "secret"]]
        trajectory = trajectory.merge(sources, on=["indicator_id", "year"], how="left")
        trajectories.append(trajectory.assign(secret=trajectory["secret"].astype("boolean").fillna(False),
                                              departement=departement))
        # a reader without access to the extracts sees an indicator only if every value behind it is public
        public = observed.groupby("indicator_id")["public"].all()
        trackings.append(tracking.assign(public=tracking["indicator_id"].map(public).fillna(True).astype(bool),
                                         departement=departement))
    trajectory = pd.concat(trajectories, ignore_index=True) if trajectories else \
        pd.DataFrame(columns=[*TRAJECTORY_COLUMNS, "source", "secret", "departement"])
    tracking = pd.concat(trackings, ignore_index=True) if trackings else \
        pd.DataFrame(columns=[*TRACKING_COLUMNS, "public", "departement"])
    for name, frame, order in (("plan_trajectory", trajectory, "departement, indicator_id, year"),
                               ("plan_tracking", tracking, "departement, indicator_id")):
        con.register("_frame", _typed(name, frame))
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM _frame ORDER BY {order}")
        con.unregister("_frame")


def _decimals(row, entered: pd.DataFrame) -> int:
    """The catalogue's decimals; an entered indicator shows decimals only if one of its values has some."""
    if not pd.isna(row.indicator):
        return int(row.decimals)
    values = entered.loc[entered["indicator_id"] == row.indicator_id, "value"].dropna()
    return 0 if (values == values.round()).all() else 1


def _typed(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Stable column types, an empty frame included (the tables exist without a plan)."""
    if name == "plan_trajectory":
        return frame[["departement", "indicator_id", "year", "observed", "expected", "source", "secret"]].astype(
            {"departement": str, "indicator_id": str, "year": "Int64", "observed": float, "expected": float,
             "source": object, "secret": bool})
    floats = {c: float for c in ("baseline_value", "goal", "value", "expected", "progress", "elapsed")}
    return frame[["departement", *TRACKING_COLUMNS, "public"]].astype(
        {"departement": str, "indicator_id": str, "year": "Int64", "status": str, "reason": str, **floats,
         "public": bool})
