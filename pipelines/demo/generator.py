"""Build the fictitious demo data set of some départements (or all of France), on their real geography.

The draws follow the order the coverage rate needs: population, then crèches and complementary
places, then the assistants maternels that balance each EPCI to its target rate. Each step is
vectorised over all the départements of the scope, while every number comes from its own
département's random streams (``draws.Streams``): a département's data do not depend on which
others are generated with it. All series are drawn for every calibrated year and only then cut to
the years asked for, so a shorter run is a subset of a longer one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipelines.demo import (allocataires, changes, context, equipments, grouped, kinds, offer, plan, publisher,
                            writers)
from pipelines.demo.calibration import BASE_YEAR, CALIBRATED_YEARS
from pipelines.demo.childminders import childminders
from pipelines.demo.draws import DEFAULT_SEED
from pipelines.demo.scope import Scope, load_scope


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
    allocataires: pd.DataFrame  # one row per year and IRIS (towns) or commune, in the Caf file's columns


def _non_am_places(scope: Scope, items: pd.DataFrame, complementary: pd.DataFrame) -> np.ndarray:
    """Crèche, garde à domicile and préscolarisation places per commune in December of its
    département's ``tcg_year``."""
    tcg_year = scope.per_dep(lambda c: c.tcg_year)[scope.dep]
    out = np.zeros(len(tcg_year))
    for year in np.unique(tcg_year):
        eaje = items[kinds.active(items, year) & items["type"].isin(kinds.EAJE)]
        extra = complementary[complementary["year"] == year].set_index("commune")
        places = (extra["places_gad"] + extra["places_prescol"]).add(
            eaje.groupby("commune")["places"].sum().astype(float), fill_value=0)
        out = np.where(tcg_year == year, places.reindex(scope.communes["code"]).to_numpy(), out)
    return out


def build_tables(departements: list[str] | None, years=CALIBRATED_YEARS, seed: int = DEFAULT_SEED) -> DemoTables:
    """The demo tables of ``departements`` (None: all of France) for ``years`` (within 2017-2024)."""
    years = sorted(years)
    if not years or not set(years) <= set(CALIBRATED_YEARS):
        raise ValueError(f"années de démonstration attendues entre {CALIBRATED_YEARS[0]} et "
                         f"{CALIBRATED_YEARS[-1]}, reçu : {years}")
    scope = load_scope(departements, seed)
    population = context.population(scope)
    children = context.children(population)
    children_base = grouped.sums(children[CALIBRATED_YEARS.index(BASE_YEAR)], scope.dep, len(scope.codes))
    items = changes.with_changes(equipments.equipments(scope, children_base, equipments.basket_gaps(scope)), scope)
    complementary = offer.complementary(scope, children)
    am = childminders(scope, children, _non_am_places(scope, items, complementary))
    tables = {"population": population, "childminders": am, "rpe_staff": offer.rpe_staff(items, scope, am),
              "complementary": complementary}
    tables = {name: t[t["year"].isin(years)].reset_index(drop=True) for name, t in tables.items()}
    incomes = context.incomes(scope)
    return DemoTables(communes=scope.communes, departements=scope.departements,
                      equipments=_until(items, years[-1]), incomes=incomes,
                      frr=context.frr(scope.communes), qpv=context.qpv(scope),
                      allocataires=allocataires.allocataires(scope, population, incomes, years), **tables)


def _until(items: pd.DataFrame, year: int) -> pd.DataFrame:
    """What an extract taken at the end of ``year`` shows: no later openings nor closings."""
    end = pd.Timestamp(year, 12, 31)
    kept = items[items["opened"] <= end].copy()
    kept.loc[kept["closed"] > end, "closed"] = pd.NaT
    return kept.reset_index(drop=True)


def generate_demo(departements: list[str] | None, out_dir: Path, years=CALIBRATED_YEARS,
                  seed: int = DEFAULT_SEED) -> list[Path]:
    """Write the demo raw folder (e.g. ``data/raw/demo/``) and return the files written.

    ``departements=None`` generates all of France. Same arguments, same bytes: every draw comes
    from generators seeded by ``seed``.
    """
    out_dir = Path(out_dir)
    tables = build_tables(departements, years, seed)
    years = sorted(years)
    counts = publisher.commune_counts(tables.population, tables.equipments, tables.childminders,
                                      tables.complementary, years)
    incomes = context.published_incomes(tables.communes, tables.incomes)
    return [
        writers.manifest(list(tables.departements["code"]), years, seed, out_dir, national=departements is None),
        *writers.caf(publisher.publish(counts, tables.communes, tables.departements, years, seed), out_dir),
        *writers.population(tables.population, out_dir),
        *writers.filosofi(incomes, out_dir),
        *writers.extracts(tables.equipments, tables.childminders, tables.rpe_staff, tables.complementary, out_dir),
        *writers.zonages(tables.frr, tables.qpv, out_dir),
        *writers.allocataires(tables.allocataires, out_dir),
        *plan.write(list(tables.departements["code"]), out_dir),
    ]
