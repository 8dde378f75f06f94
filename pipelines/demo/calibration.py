"""Targets the fictitious demo data is tuned to, per département, as data.

The figures for Saône-et-Loire (71) are the published ones (domain guide §4): TCG 72,1 in 2017
with EPCI between 59 and 82, ~14 957 places agréées of assistants maternels, ~2 402 EAJE places,
120 EAJE, 43 MAM, 13 LAEP, ~198 ALSH. Everything else (shares of children, trends, flows) is a
plausible choice, not a published figure.

To check: the 14 957 AM places agréées count every approved place, whatever the age of the
children, while the TCG only counts the places of *active* AM available to children under 3
(``places_moins_3_ans_actifs``). The demo assumes that is about half of the places agréées
(``am_u3_ratio``), which is what makes a TCG of ~72 consistent with ~15 000 children under 3
(2 402 EAJE + ~7 700 AM + ~800 garde à domicile and préscolarisation ≈ 10 900 places). The
real ratio in the PMI and Caf files has not been checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Mapping

CALIBRATED_YEARS = range(2017, 2025)
BASE_YEAR = 2017  # equipment stock and counts are calibrated at the end of this year

# France, as published in txcouv_pe_nat: year -> (psu_col, hors_psu_col, am_ind, gad_ind, prescol).
# The totals are the reference points of the domain guide (58,0 in 2017, 59,5 in 2022, 60,9 in 2023);
# the split into components is plausible, not published.
FRANCE_RATES = MappingProxyType({
    2017: (17.7, 2.3, 33.2, 1.7, 3.1),
    2018: (17.9, 2.6, 33.0, 1.8, 3.2),
    2019: (18.1, 3.0, 32.8, 1.8, 3.3),
    2020: (18.0, 3.4, 32.5, 1.7, 3.3),
    2021: (18.2, 3.9, 32.1, 1.8, 3.3),
    2022: (18.3, 4.4, 31.6, 1.8, 3.4),
    2023: (18.6, 5.0, 31.8, 1.9, 3.6),
    2024: (18.7, 5.5, 31.4, 1.9, 3.7),
})


def _frozen(mapping: dict) -> Mapping:
    return MappingProxyType(dict(mapping))


# Equipments open at the end of 2017 per 100 000 inhabitants, when a département gives no counts.
NATIONAL_PER_100K = _frozen({
    "EAJE_PSU": 15.0, "EAJE_HORS_PSU": 8.0, "MAM": 6.0, "LAEP": 2.5, "CLAS": 4.0, "ALSH": 45.0,
    "REAAP": 6.0, "MEDIATION_FAMILIALE": 0.6, "ESPACE_RENCONTRE": 0.4,
})
# Openings and closings over 2018-2024, as a share of the 2017 stock (closings also fall in 2017,
# on equipments that were open before).
OPENINGS = _frozen({
    "EAJE_PSU": 0.06, "EAJE_HORS_PSU": 0.7, "MAM": 0.45, "LAEP": 0.5, "CLAS": 0.2, "ALSH": 0.05,
    "REAAP": 0.35, "MEDIATION_FAMILIALE": 0.2, "ESPACE_RENCONTRE": 0.3,
})
CLOSINGS = _frozen({
    "EAJE_PSU": 0.03, "EAJE_HORS_PSU": 0.08, "MAM": 0.15, "LAEP": 0.08, "CLAS": 0.1, "ALSH": 0.06,
    "REAAP": 0.15,
})


@dataclass(frozen=True)
class Calibration:
    """What one département's demo data must reproduce.

    The TCG, the EPCI range and the AM places refer to ``tcg_year``; equipment counts and EAJE
    places to the end of 2017; shares and changes are plausible choices.
    """

    tcg: float  # published TCG of the département in tcg_year
    tcg_year: int
    epci_tcg: tuple[float, float] | None = None  # published EPCI min and max; None: tcg -13 / +10
    share_0_2: float = 0.031  # children aged 0-2 per inhabitant in 2017
    births_change: float = -0.015  # yearly change of births, hence of children under 3
    population_change: float = 0.003  # yearly change of the population
    eaje_places: int | None = None  # end of 2017; None: eaje_rate × children / 100
    eaje_rate: float = 20.0
    gad_rate: float = 1.7  # garde à domicile places per 100 children under 3
    prescol_rate: float = 3.1  # 2-year-olds at school per 100 children under 3
    prescol_change: float = -0.01  # yearly change of the préscolarisation rate
    am_places_agrees: int | None = None  # all ages; None: AM places for under-3s / am_u3_ratio
    am_u3_ratio: float = 0.51  # places for under-3s of active AM per place agréée (to check)
    am_change: Mapping[int, float] = field(default_factory=lambda: _frozen(
        {2018: -0.01, 2019: -0.015, 2020: -0.02, 2021: -0.025, 2022: -0.03, 2023: -0.03, 2024: -0.03}))
    am_active_share: tuple[float, float] = (0.87, 0.83)  # active AM / AM agréés, 2017 and 2024
    am_55_share: tuple[float, float] = (0.30, 0.38)  # active AM aged 55+, 2017 and 2024
    am_55_spread: float = 0.10  # EPCI parts' share of AM aged 55+ lies within ± this of the département's
    equipment_counts: Mapping[str, int] | None = None  # open at the end of 2017; None: per 100 000
    basket_gaps: int = 3  # EPCI left without one element of the parenting basket
    median_income: float = 22_400  # FILOSOFI median disposable income per UC, €
    poverty_rate: float = 14.5  # FILOSOFI poverty rate, %
    qpv_share: float = 0.15  # share of a QPV town's population living in its QPV

    def epci_range(self) -> tuple[float, float]:
        return self.epci_tcg or (self.tcg - 13, self.tcg + 10)

    def am_index(self, year: int) -> float:
        """AM places relative to 2017 (compounded yearly changes)."""
        index = 1.0
        for y in range(BASE_YEAR + 1, year + 1):
            index *= 1 + self.am_change[y]
        return index


FRANCE = Calibration(tcg=round(sum(FRANCE_RATES[2017]), 1), tcg_year=2017)

CALIBRATIONS = MappingProxyType({
    "71": replace(
        FRANCE, tcg=72.1, tcg_year=2017, epci_tcg=(59.0, 82.0), share_0_2=0.0272,
        births_change=-0.016, population_change=-0.002, eaje_places=2402, gad_rate=0.7,
        prescol_rate=4.5, am_places_agrees=14_957, am_55_share=(0.35, 0.45),
        am_change=_frozen({2018: -0.01, 2019: -0.01, 2020: -0.025, 2021: -0.03, 2022: -0.035,
                           2023: -0.04, 2024: -0.045}),
        equipment_counts=_frozen({
            "EAJE_PSU": 96, "EAJE_HORS_PSU": 24, "MAM": 43, "LAEP": 13, "CLAS": 30, "ALSH": 198,
            "REAAP": 35, "MEDIATION_FAMILIALE": 5, "ESPACE_RENCONTRE": 3}),
        median_income=21_400, poverty_rate=13.4),
    "63": replace(
        FRANCE, tcg=63.3, tcg_year=2020, share_0_2=0.029, births_change=-0.012, eaje_rate=21.0,
        gad_rate=1.2, prescol_rate=3.0, am_55_share=(0.32, 0.41), median_income=22_000,
        poverty_rate=13.5),
    "93": replace(
        FRANCE, tcg=37.5, tcg_year=2017, share_0_2=0.046, births_change=-0.01,
        population_change=0.006, eaje_rate=21.0, gad_rate=2.0, prescol_rate=2.5, am_u3_ratio=0.6,
        median_income=17_600, poverty_rate=27.6, qpv_share=0.35),
})


def calibration_for(departement: str) -> Calibration:
    """The département's own targets, or France's as a generic fallback."""
    return CALIBRATIONS.get(departement, FRANCE)
