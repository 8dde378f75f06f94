"""Run the SQL models on hand-built staging tables: a few communes, no files, no geography package."""

from __future__ import annotations

import duckdb
import pandas as pd

from pipelines.secrecy.build import create_secret_cells
from pipelines import models
from pipelines.staging.load import SCHEMAS, create_published
from pipelines.warehouse import tables

COMMUNES = pd.DataFrame({
    "code": ["71001", "71002", "71003"],
    "name": ["A", "B", "C"],
    "departement": ["71", "71", "71"],
    "arrondissement": ["711", "711", "712"],
    "epci": ["200000001", "200000001", "200000002"],
    "population": [1000, 500, 2000],
})


def build(staged: dict[str, pd.DataFrame], years: list[int], *, communes: pd.DataFrame = COMMUNES,
          exhaustive: list[tuple[str, str, int]] = (), base_year: int | None = None,
          whole_country: bool = False) -> duckdb.DuckDBPyConnection:
    """A build database where ``staged`` (source key -> typed frame) are the staging tables, models run."""
    con = duckdb.connect()
    con.register("_communes", communes)
    con.execute("CREATE TABLE commune AS SELECT * FROM _communes")
    con.execute("CREATE TABLE departement AS SELECT DISTINCT departement AS code, 'Saône-et-Loire' AS name FROM commune")
    con.execute("CREATE TABLE epci AS SELECT epci AS code, 'EPCI ' || epci AS name, 'CC' AS type, '71' AS departements, "
                "count(*) AS n_communes, count(*) AS n_communes_in_scope, false AS partial FROM commune "
                "WHERE epci IS NOT NULL GROUP BY epci")
    con.execute("CREATE TABLE arrondissement AS SELECT DISTINCT arrondissement AS code, 'Arr ' || arrondissement "
                "AS name, departement FROM commune")
    for key, schema in SCHEMAS.items():
        extra = "raw_code VARCHAR, mapping_kind VARCHAR, " if key in ("caf_rates", "caf_places", "income") else ""
        con.execute(f"CREATE TABLE stg_{key} (_file VARCHAR, _row BIGINT, {extra}{schema})")
        if key in staged:
            frame = staged[key].copy()
            if extra and "raw_code" not in frame:
                frame["raw_code"] = frame["code"]
            frame = frame.assign(_file=f"{key}.csv", _row=range(len(frame)))
            con.register("_frame", frame)
            con.execute(f"INSERT INTO stg_{key} BY NAME SELECT * FROM _frame")
            con.unregister("_frame")
    create_published(con)
    labels = {key: f"{key} (test)" for key in staged}
    tables.create_inputs(con, years, list(exhaustive), set(staged), labels, base_year or years[0], whole_country)
    models.run(con)
    create_secret_cells(con)  # what readers are served (protected_value), as the refresh builds it
    models.create_protected(con)
    tables.create_territories(con)
    return con


def value(con, level: str, code: str, year: int, indicator: str):
    row = con.execute("SELECT value FROM indicator_value WHERE level = ? AND code = ? AND year = ? AND indicator = ?",
                      [level, code, year, indicator]).fetchone()
    return None if row is None else row[0]


def origin(con, level: str, code: str, year: int, indicator: str):
    row = con.execute("SELECT origin FROM indicator_value WHERE level = ? AND code = ? AND year = ? AND indicator = ?",
                      [level, code, year, indicator]).fetchone()
    return None if row is None else row[0]
