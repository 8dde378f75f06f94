"""The territory a demo is drawn on: the real communes of the COG, with one calibration per département.

Read from the national attribute tables of ``geo/`` only (no contour file): commune areas come with
``communes.parquet``, so the national demo needs no geography beyond what every checkout has.
Everything a département's draws use is its own (its communes, its part of each EPCI, the whole
EPCI's density from the national table), so its data do not depend on the other départements
generated with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from pipelines.demo.calibration import CALIBRATED_YEARS, Calibration, calibration_for
from pipelines.demo.draws import Streams
from pipelines.geography.build import cog_dir
from pipelines.geography.load import GeographyMissing

NO_EPCI = "XX"  # the Caf's placeholder, also the demo's group of the communes outside any EPCI
STAND_IN_POPULATION = 1_000


@dataclass(frozen=True)
class Scope:
    """Communes sorted by département then code, with ``dep`` (index of their département in
    ``departements``), ``epci_name`` and ``epci_density`` (inhabitants per km² of the whole EPCI)."""

    communes: pd.DataFrame
    departements: pd.DataFrame  # code, name
    whole_epci: frozenset[str]  # EPCI lying wholly in one département
    seed: int

    @cached_property
    def codes(self) -> list[str]:
        return list(self.departements["code"])

    @cached_property
    def calibrations(self) -> list[Calibration]:
        return [calibration_for(d) for d in self.codes]

    @cached_property
    def dep(self) -> np.ndarray:
        return self.communes["dep"].to_numpy()

    @cached_property
    def sizes(self) -> np.ndarray:
        """Communes per département."""
        return np.bincount(self.dep, minlength=len(self.codes))

    @cached_property
    def population(self) -> np.ndarray:
        return self.communes["population"].to_numpy(float)

    def per_dep(self, value) -> np.ndarray:
        """``value(calibration)`` for each département."""
        return np.array([value(cal) for cal in self.calibrations])

    def streams(self, purpose: str) -> Streams:
        return Streams(self.seed, self.codes, purpose)

    def rows(self, values: dict[str, np.ndarray]) -> pd.DataFrame:
        """(year, commune) matrices as rows ``year, commune, *values`` ordered by département, year and
        commune: how the extracts list them, a département's rows together."""
        n_years, n = len(CALIBRATED_YEARS), len(self.dep)
        year = np.repeat(np.array(CALIBRATED_YEARS), n)
        commune = np.tile(np.arange(n), n_years)
        order = np.lexsort((commune, year, self.dep[commune]))
        frame = {"year": year[order], "commune": self.communes["code"].to_numpy()[commune[order]]}
        return pd.DataFrame(frame | {name: np.asarray(v).ravel()[order] for name, v in values.items()})


def load_scope(departements: list[str] | None, seed: int) -> Scope:
    """The communes of ``departements`` (None: all of France) from the built geography."""
    base = cog_dir()
    if not (base / "communes.parquet").exists():
        raise GeographyMissing(f"Géographie absente de {base} : lancez « sdsf geo ».")
    communes = pd.read_parquet(base / "communes.parquet")
    if "area_km2" not in communes:
        raise GeographyMissing(f"Surfaces des communes absentes de {base} : relancez « sdsf geo ».")
    all_deps = pd.read_parquet(base / "departements.parquet").sort_values("code", ignore_index=True)
    wanted = list(all_deps["code"]) if departements is None else sorted(set(departements))
    unknown = sorted(set(wanted) - set(all_deps["code"]))
    if unknown:
        raise GeographyMissing(f"Département(s) inconnu(s) au COG : {', '.join(unknown)}")
    epci = pd.read_parquet(base / "epci.parquet")
    communes = _prepared(communes, epci.set_index("code")["name"])
    deps = all_deps[all_deps["code"].isin(wanted)].reset_index(drop=True)
    scoped = communes[communes["departement"].isin(wanted)].sort_values(["departement", "code"], ignore_index=True)
    scoped["dep"] = scoped["departement"].map(pd.Series(deps.index, index=deps["code"])).to_numpy()
    whole = frozenset(epci.loc[~epci["departements"].str.contains(","), "code"])
    return Scope(scoped, deps, whole, seed)


def _prepared(communes: pd.DataFrame, epci_names: pd.Series) -> pd.DataFrame:
    """Populations every draw can use, EPCI names and whole-EPCI densities, for all of France."""
    population = communes["population"].astype(float)
    # villages "mortes pour la France" have no inhabitant and a few communes (Mayotte) no
    # population in the COG package: their département's median stands in, so draws stay finite
    stand_in = population.groupby(communes["departement"]).transform("median").fillna(STAND_IN_POPULATION)
    communes = communes.assign(population=population.fillna(stand_in).clip(lower=1),
                               epci_name=communes["epci"].map(epci_names))
    in_epci = communes.dropna(subset=["epci"]).groupby("epci")[["population", "area_km2"]].sum(min_count=1)
    return communes.assign(epci_density=communes["epci"].map(in_epci["population"] / in_epci["area_km2"]))
