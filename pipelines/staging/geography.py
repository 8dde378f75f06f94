"""The warehouse geography (COG) loaded into the build database, straight from the Parquet files of ``geo/``.

``geo_commune`` and ``commune_history`` hold all of France (codes of files are checked against them);
``commune``, ``epci``, ``arrondissement``, ``departement`` the scope of the refresh. Contours are optional:
a département without them gets no map, and the run says so.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.geography.build import cog_dir
from pipelines.sources.checks import literal


class GeographyMissing(Exception):
    """The geography (or a requested département of it) is not there."""


@dataclass(frozen=True)
class Scope:
    departements: list[str]  # in scope, sorted
    whole_country: bool
    vintage: str  # « COG 2025 »
    contours_missing: list[str]


def load(con: duckdb.DuckDBPyConnection, departements: list[str] | None, geo_root: Path | None = None) -> Scope:
    base = cog_dir(geo_root)
    if not (base / "communes.parquet").exists():
        raise GeographyMissing(f"Géographie absente de {base} : lancez « sdsf geo ».")

    def parquet(name: str) -> str:
        return literal(str(base / f"{name}.parquet"))

    con.execute(f"""CREATE TABLE geo_commune AS  -- Mayotte's communes have an empty arrondissement
                    SELECT * REPLACE (nullif(arrondissement, '') AS arrondissement, nullif(epci, '') AS epci)
                    FROM read_parquet({parquet('communes')})""")
    con.execute(f"CREATE TABLE commune_history AS SELECT * FROM read_parquet({parquet('commune_history')})")
    known = [r[0] for r in con.execute(f"SELECT code FROM read_parquet({parquet('departements')}) ORDER BY 1").fetchall()]
    scope = known if departements is None else sorted(set(departements))
    unknown = sorted(set(scope) - set(known))
    if unknown:
        raise GeographyMissing(f"Département(s) inconnu(s) au COG : {', '.join(unknown)}")
    con.execute("CREATE TABLE scope_departement AS SELECT unnest(?::VARCHAR[]) AS code", [scope])
    con.execute(f"""CREATE TABLE departement AS SELECT code, name FROM read_parquet({parquet('departements')})
                    WHERE code IN (SELECT code FROM scope_departement) ORDER BY code""")
    con.execute(f"""CREATE TABLE arrondissement AS SELECT code, name, departement
                    FROM read_parquet({parquet('arrondissements')})
                    WHERE departement IN (SELECT code FROM scope_departement) ORDER BY code""")
    con.execute("""CREATE TABLE commune AS SELECT code, name, departement, arrondissement, epci, population
                   FROM geo_commune WHERE departement IN (SELECT code FROM scope_departement) ORDER BY code""")
    con.execute(f"""CREATE TABLE epci AS
        SELECT e.code, e.name, e.type, e.departements, e.n_communes, s.n AS n_communes_in_scope,
               s.n < e.n_communes AS partial
        FROM read_parquet({parquet('epci')}) e
        JOIN (SELECT epci, count(*) AS n FROM commune WHERE epci IS NOT NULL GROUP BY epci) s ON s.epci = e.code
        ORDER BY e.code""")
    contours = base / "contours"
    missing = [d for d in scope if not (contours / f"communes-{d}.parquet").exists()]
    vintage = (base / "VINTAGE").read_text().splitlines()[0]
    return Scope(scope, departements is None, vintage, missing)


def contour_files(scope: Scope, kind: str, geo_root: Path | None = None) -> list[str]:
    base = cog_dir(geo_root) / "contours"
    return [str(base / f"{kind}-{d}.parquet") for d in scope.departements if d not in scope.contours_missing]


def fingerprint(scope: Scope, geo_root: Path | None = None) -> str:
    """The geography a warehouse is built on: a rebuilt COG or new contours must rebuild it."""
    base = cog_dir(geo_root)
    digest = hashlib.sha256()
    paths = sorted(base.glob("*.parquet")) + [base / "VINTAGE"]
    paths += [Path(p) for kind in ("communes", "epci") for p in contour_files(scope, kind, geo_root)]
    for path in paths:
        digest.update(path.name.encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
