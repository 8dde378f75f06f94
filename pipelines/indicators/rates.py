"""Rates derived from counts, the same formulas at every level (commune to France)."""

from __future__ import annotations

import numpy as np
import pandas as pd

TCG_COMPONENTS = ["places_eaje_psu", "places_eaje_hors_psu", "places_am", "places_gad", "places_prescol"]


def ratio(numerator: pd.Series, denominator: pd.Series, scale: float = 100.0) -> pd.Series:
    """``scale × num / den``; a zero or missing denominator gives missing, never 0 or infinity."""
    den = denominator.where(denominator > 0)
    return (scale * numerator / den).astype(float)


def derive(counts: pd.DataFrame) -> pd.DataFrame:
    """Add the derived indicators to a counts frame (any level)."""
    out = counts.copy()
    u3 = out.get("enfants_0_2")
    out["places_total"] = out[TCG_COMPONENTS].sum(axis=1, min_count=len(TCG_COMPONENTS)).where(
        out[TCG_COMPONENTS].notna().all(axis=1))
    if u3 is not None:
        out["tcg"] = ratio(out["places_total"], u3)
        out["tcg_psu"] = ratio(out["places_eaje_psu"], u3)
        out["tcg_hors_psu"] = ratio(out["places_eaje_hors_psu"], u3)
        out["tcg_eaje"] = ratio(out["places_eaje"], u3)
        out["tcg_am"] = ratio(out["places_am"], u3)
        out["tcg_gad"] = ratio(out["places_gad"], u3)
        out["tcg_ind"] = ratio(out["places_am"] + out["places_gad"], u3)
        out["tcg_prescol"] = ratio(out["places_prescol"], u3)
    out["part_accueil_collectif"] = ratio(out["places_eaje"], out["places_total"])
    out["part_am_55_plus"] = ratio(out["am_55_plus"], out["am_actifs"])
    out["am_actifs_par_etp_rpe"] = ratio(out["am_actifs"], out["rpe_etp"], scale=1.0)
    if "enfants_3_5" in out:
        out["places_alsh_pour_100_3_10"] = ratio(out["places_alsh"], out["enfants_3_5"] + out["enfants_6_10"])
    if "population_qpv" in out:
        out["part_population_qpv"] = ratio(out["population_qpv"], out["population"])
    if "frr" in out:
        out["part_communes_frr"] = ratio(out["frr"], out["nb_communes"])
    return out.replace([np.inf, -np.inf], np.nan)
