"""Garde à domicile and préscolarisation places, and the animators of the relais petite enfance.

Both follow counts drawn elsewhere (children under 3, active assistants maternels) year by year,
for every département of the scope at once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.demo import grouped
from pipelines.demo.calibration import BASE_YEAR, CALIBRATED_YEARS
from pipelines.demo.draws import noise
from pipelines.demo.scope import Scope

AM_PER_ETP = 90  # active AM per RPE animator (the reference is 70: relais are understaffed)


def complementary(scope: Scope, children: np.ndarray) -> pd.DataFrame:
    """Garde à domicile and préscolarisation places per commune and year, more in towns.

    ``children``: under-3s as a (year, commune) matrix. Each département's total follows its
    calibrated rate; its communes share it by children, weighted towards towns.
    """
    rng, dep, n_deps = scope.streams("complementary"), scope.dep, len(scope.codes)
    years = np.array(CALIBRATED_YEARS)
    town = scope.population / 1_000
    z = rng.normal(scope.sizes, rows=2 * len(years)).reshape(len(years), 2, -1)
    group = (np.arange(len(years))[:, None] * n_deps + dep).ravel()  # (year, département)
    kids = grouped.sums(children.ravel(), group, len(years) * n_deps).reshape(len(years), n_deps)
    prescol_rate = (scope.per_dep(lambda c: c.prescol_rate)
                    * (1 + scope.per_dep(lambda c: c.prescol_change)) ** (years[:, None] - BASE_YEAR))
    gad = grouped.apportion(np.round(scope.per_dep(lambda c: c.gad_rate) * kids / 100).ravel(),
                            (children * town ** 0.5 * noise(z[:, 0], 0.2)).ravel(), group)
    prescol = grouped.apportion(np.round(prescol_rate * kids / 100).ravel(),
                                (children * town ** 0.1 * noise(z[:, 1], 0.2)).ravel(), group)
    return scope.rows({"places_gad": gad, "places_prescol": prescol})


def rpe_staff(equipments: pd.DataFrame, scope: Scope, childminders: pd.DataFrame) -> pd.DataFrame:
    """Animator FTE of each relais per year: follows the active AM of its EPCI part, slowly reinforced."""
    where = scope.communes.set_index("code")[["dep", "departement", "epci"]]
    part = ["departement", "epci"]
    relays = equipments.loc[equipments["type"].eq("RPE"), ["equipment_id", "name", "commune"]].join(
        where, on="commune")
    relays["sharing"] = relays.groupby(part)["equipment_id"].transform("size")
    relays["own"] = noise(scope.streams("rpe").normal(np.bincount(relays["dep"], minlength=len(scope.codes))), 0.2)
    actifs = childminders.join(where, on="commune").groupby([*part, "year"], as_index=False)["am_actifs"].sum()
    staff = (relays.merge(pd.DataFrame({"year": CALIBRATED_YEARS}), how="cross")
             .merge(actifs, on=[*part, "year"], how="left").fillna({"am_actifs": 0}))
    etp = staff["am_actifs"] / staff["sharing"] / AM_PER_ETP
    staff["etp"] = np.clip((etp * staff["own"] * (1 + 0.03 * (staff["year"] - BASE_YEAR))).round(1), 0.5, 3.0)
    staff = staff.sort_values(["dep", "year"], kind="stable", ignore_index=True)
    return staff.rename(columns={"equipment_id": "rpe_id"})[["year", "rpe_id", "name", "commune", "etp"]]
