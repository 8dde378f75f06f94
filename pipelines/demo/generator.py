"""Build the fictitious demo data set of some départements, on their real geography.

Each département is drawn from its own random streams (``draws.stream``), in the order the
coverage rate needs: population, then crèches and complementary places, then the assistants
maternels that balance each EPCI to its target rate. All series are drawn for every calibrated
year and only then cut to the years asked for, so a shorter run is a subset of a longer one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipelines.demo import context, offer, publisher, writers
from pipelines.demo.calibration import BASE_YEAR, CALIBRATED_YEARS, calibration_for
from pipelines.demo.childminders import childminders
from pipelines.demo.draws import stream
from pipelines.geography.load import load_geography

EQUAL_AREA_CRS = "EPSG:6933"  # for commune areas (densities), valid overseas too


@dataclass(frozen=True)
class DemoTables:
    """The demo's typed tables (architecture contract names), before they are written as files."""

    communes: pd.DataFrame
    departements: pd.DataFrame
    population: pd.DataFrame
    equipments: pd.DataFrame
    childminders: pd.DataFrame
    rpe_staff: pd.DataFrame
    complementary: pd.DataFrame
    incomes: pd.DataFrame
    frr: pd.DataFrame
    qpv: pd.DataFrame


def scope_communes(departements: list[str]) -> tuple[pd.DataFrame, pd.DataFrame, set[str]]:
    """Real communes with their EPCI name and area, the départements, and the EPCI wholly in scope."""
    geo = load_geography(departements)
    areas = geo.commune_shapes.set_index("code").to_crs(EQUAL_AREA_CRS).area / 1e6
    communes = geo.communes.assign(
        # villages "mortes pour la France" have no inhabitant and a few communes (Mayotte) no
        # population in the COG package: a stand-in keeps every draw finite
        population=lambda d: d["population"].astype(float).fillna(d["population"].median()).fillna(1_000)
        .clip(lower=1),
        epci_name=lambda d: d["epci"].map(geo.epci.set_index("code")["name"]),
        area_km2=lambda d: d["code"].map(areas))
    whole = set(geo.epci.loc[~geo.epci["partial"], "code"])
    return communes, geo.departements, whole


def departement_tables(communes: pd.DataFrame, departement: str, whole_epci: set[str], seed: int) -> dict:
    """All tables of one département, every calibrated year."""
    cal = calibration_for(departement)

    def rng(purpose: str):
        return stream(seed, departement, purpose)

    population = context.population(communes, cal, rng("population"))
    children_base = population.loc[population["year"] == BASE_YEAR, "pop_0_2"].sum()
    gaps = offer.basket_gaps(communes, whole_epci, cal, rng("basket"))
    equipments = offer.equipments(communes, cal, departement, gaps, children_base, rng("equipments"))
    complementary = offer.complementary(communes, population, cal, rng("complementary"))
    other = _non_am_places(equipments, complementary, cal.tcg_year)
    am = childminders(communes, population, other, cal, rng("childminders"))
    return {
        "population": population, "equipments": equipments, "childminders": am,
        "rpe_staff": offer.rpe_staff(equipments, communes, am, rng("rpe")),
        "complementary": complementary, "incomes": context.incomes(communes, cal, rng("incomes")),
        "frr": context.frr(communes), "qpv": context.qpv(communes, cal, departement, rng("qpv")),
    }


def _non_am_places(equipments: pd.DataFrame, complementary: pd.DataFrame, year: int) -> pd.Series:
    """Crèche, garde à domicile and préscolarisation places per commune in December of ``year``."""
    eaje = equipments[offer.active(equipments, year) & equipments["type"].isin(offer.EAJE)]
    extra = complementary[complementary["year"] == year].set_index("commune")
    return (extra["places_gad"] + extra["places_prescol"]).add(
        eaje.groupby("commune")["places"].sum().astype(float), fill_value=0)


def build_tables(departements: list[str], years=CALIBRATED_YEARS, seed: int = 71) -> DemoTables:
    """The demo tables of ``departements`` for ``years`` (within 2017-2024)."""
    years = sorted(years)
    if not years or not set(years) <= set(CALIBRATED_YEARS):
        raise ValueError(f"années de démonstration attendues entre {CALIBRATED_YEARS[0]} et "
                         f"{CALIBRATED_YEARS[-1]}, reçu : {years}")
    departements = sorted(set(departements))
    communes, deps, whole = scope_communes(departements)
    parts = [departement_tables(communes[communes["departement"] == d].reset_index(drop=True), d, whole, seed)
             for d in departements]
    tables = {name: pd.concat([p[name] for p in parts], ignore_index=True) for name in parts[0]}
    for name in ("population", "childminders", "rpe_staff", "complementary"):
        tables[name] = tables[name][tables[name]["year"].isin(years)].reset_index(drop=True)
    tables["equipments"] = _until(tables["equipments"], years[-1])
    return DemoTables(communes=communes, departements=deps, **tables)


def _until(equipments: pd.DataFrame, year: int) -> pd.DataFrame:
    """What an extract taken at the end of ``year`` shows: no later openings nor closings."""
    end = pd.Timestamp(year, 12, 31)
    kept = equipments[equipments["opened"] <= end].copy()
    kept.loc[kept["closed"] > end, "closed"] = pd.NaT
    return kept.reset_index(drop=True)


def generate_demo(departements: list[str], out_dir: Path, years=range(2017, 2025), seed: int = 71) -> list[Path]:
    """Write the demo raw folder (e.g. ``data/raw/demo/``) and return the files written.

    Same arguments, same bytes: every draw comes from a generator seeded by ``seed``.
    """
    out_dir = Path(out_dir)
    tables = build_tables(departements, years, seed)
    years = sorted(years)
    counts = publisher.commune_counts(tables.population, tables.equipments, tables.childminders,
                                      tables.complementary, years)
    incomes = context.published_incomes(tables.communes, tables.incomes)
    return [
        writers.manifest(sorted(set(departements)), years, seed, out_dir),
        *writers.caf(publisher.publish(counts, tables.communes, tables.departements, years), out_dir),
        *writers.population(tables.population, out_dir),
        *writers.filosofi(incomes, out_dir),
        *writers.extracts(tables.equipments, tables.childminders, tables.rpe_staff, tables.complementary, out_dir),
        *writers.zonages(tables.frr, tables.qpv, out_dir),
    ]
