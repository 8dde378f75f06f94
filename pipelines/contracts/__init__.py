"""Contracts of the built warehouse (``contracts.toml``): each one a SQL query counting the rows in violation.

Checked on the build database before anything is published; an ``error`` contract with violations fails
the refresh (the last good warehouse stays), a ``warn`` one becomes a notice. Results are stored in the
warehouse (``contract_result``) so the Données page shows what was checked.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.sources.checks import literal
from pipelines.sources.files import quote

CONTRACTS = Path(__file__).with_name("contracts.toml")
EXAMPLES = 3


@dataclass(frozen=True)
class Result:
    name: str
    table: str
    severity: str
    violations: int
    examples: str

    @property
    def failed(self) -> bool:
        return self.severity == "error" and self.violations > 0


def _name(contract: dict) -> str:
    for kind, text in (("unique", "clé unique ({})"), ("not_null", "non vides ({})")):
        if kind in contract:
            return contract.get("name", text.format(", ".join(contract[kind])))
    if "accepted" in contract:
        return contract.get("name", f"valeurs admises de {contract['accepted']['column']}")
    return contract["name"]


def _violations_sql(con, contract: dict) -> str:
    """SQL selecting the rows (or keys) that violate the contract."""
    table = quote(contract["table"])
    if "unique" in contract:
        cols = ", ".join(quote(c) for c in contract["unique"])
        return f"SELECT {cols}, count(*) AS n FROM {table} GROUP BY ALL HAVING count(*) > 1"
    if "not_null" in contract:
        return f"SELECT * FROM {table} WHERE " + " OR ".join(f"{quote(c)} IS NULL" for c in contract["not_null"])
    if "accepted" in contract:
        spec = contract["accepted"]
        values = ", ".join(literal(v) for v in spec["values"])
        return f"SELECT * FROM {table} WHERE {quote(spec['column'])} NOT IN ({values})"
    if "relationship" in contract:
        spec = contract["relationship"]
        cols = ", ".join(quote(c) for c in spec["columns"])
        return f"SELECT DISTINCT {cols} FROM {table} ANTI JOIN {quote(spec['to'])} USING ({cols})"
    if contract.get("non_negative"):
        numeric = [name for name, kind in con.execute(f"SELECT column_name, data_type FROM information_schema.columns "
                                                      f"WHERE table_name = {literal(contract['table'])}").fetchall()
                   if kind in ("DOUBLE", "BIGINT", "INTEGER", "HUGEINT", "FLOAT")
                   and name not in ("year", *contract.get("except", ()))]
        return f"SELECT * FROM {table} WHERE " + (" OR ".join(f"{quote(c)} < 0" for c in numeric) or "false")
    return f"SELECT * FROM {table} WHERE {contract['where']}"


def load_contracts(path: Path = CONTRACTS) -> list[dict]:
    return tomllib.loads(path.read_text(encoding="utf-8"))["contract"]


def check(con: duckdb.DuckDBPyConnection, contracts: list[dict] | None = None) -> list[Result]:
    results = []
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    for contract in contracts if contracts is not None else load_contracts():
        name, severity = _name(contract), contract.get("severity", "error")
        if contract["table"] not in tables:
            results.append(Result(name, contract["table"], severity, 1, "table absente"))
            continue
        sql = _violations_sql(con, contract)
        count = con.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0]
        examples = ""
        if count:
            rows = con.execute(f"SELECT * FROM ({sql}) LIMIT {EXAMPLES}").fetchall()
            examples = " | ".join(" ; ".join("" if v is None else str(v) for v in row) for row in rows)
        results.append(Result(name, contract["table"], severity, count, examples))
    return results
