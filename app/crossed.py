"""The crossed reading petite enfance × insertion, display-ready for Cartes and the portrait.

The quadrant itself is computed by the warehouse (view ``crossed_diagnostic``): here only its colours,
hover lines and French tables, so the two pages say the same thing in the same words.
"""

from __future__ import annotations

import pandas as pd

from pipelines.formatting import MISSING, SECRET, fr_number

QUADRANTS = ["Couverture faible, part RSA élevée", "Couverture faible, part RSA modérée",
             "Couverture élevée, part RSA élevée", "Couverture élevée, part RSA modérée"]
COLOURS = ["#D55E00", "#E69F00", "#56B4E9", "#B8C9D6"]  # the one to look at first stands out
REFERENCE_TEXT = {"département": "au département", "médiane": "à la médiane des territoires du département"}


def reference_note(crossed: pd.DataFrame) -> str:
    """What « faible » and « élevée » are measured against, in the figures' own words."""
    if crossed.empty:
        return ""
    if crossed["departement"].nunique() > 1:
        return ("« Faible » et « élevée » : par rapport au département de chaque territoire (ou, s'il n'a pas ses "
                "deux chiffres, à la médiane des territoires de ce département).")
    row = crossed.iloc[0]
    against = REFERENCE_TEXT.get(row["reference"], row["reference"])
    why = ("" if row["reference"] == "département" else
           " (le département n'a pas ses deux chiffres : taux communaux seuls, ou IRIS non diffusées)")
    return (f"« Faible » et « élevée » : par rapport {against}{why} — couverture "
            f"{fr_number(row['tcg_reference'], 1)} places pour 100 enfants, part des allocataires au RSA "
            f"{fr_number(row['part_allocataires_rsa_reference'], 1)} %.")


def hover(frame: pd.DataFrame) -> pd.Series:
    """``<b>name</b>``, TCG, part RSA (with its vintage) and the quadrant, one line each."""
    secret = frame["tcg_secret"].fillna(False).astype(bool)
    tcg = frame["tcg"].map(lambda x: fr_number(x, 1)).mask(secret, SECRET)
    rsa = frame["part_allocataires_rsa"].map(lambda x: MISSING if pd.isna(x) else f"{fr_number(x, 1)} %")
    vintage = frame["allocataires_vintage"].map(lambda y: "" if pd.isna(y) else f" ({int(y)})")
    return ("<b>" + frame["name"].fillna(frame["code"]) + "</b><br>TCG : " + tcg + "<br>Part RSA : " + rsa
            + vintage + "<br>" + frame["quadrant_label"].fillna(secret.map(UNCLASSED)))


UNCLASSED = {True: "non classé (secret statistique)", False: f"{MISSING} (donnée manquante)"}


def table(crossed: pd.DataFrame, quadrants: tuple[int, ...] = (1,)) -> pd.DataFrame:
    """French table of the territories in ``quadrants``, the lowest coverage first (numbers kept, sortable)."""
    rows = crossed[crossed["quadrant"].isin(quadrants)].sort_values(["quadrant", "tcg"])
    out = pd.DataFrame({
        "Territoire": rows["name"].to_numpy(),
        "TCG (places pour 100 enfants)": rows["tcg"].to_numpy(),
        "Part des allocataires au RSA (%)": rows["part_allocataires_rsa"].to_numpy(),
    })
    if len(quadrants) > 1:  # one quadrant: its name is the table's title
        out["Lecture"] = rows["quadrant_label"].to_numpy()
    return out


DECIMALS = {"TCG (places pour 100 enfants)": 1, "Part des allocataires au RSA (%)": 1}


def missing_note(crossed: pd.DataFrame, plural: str) -> str:
    """How many territories are not classed, and why (a secret IRIS makes its commune's share missing)."""
    unclassed = crossed[crossed["quadrant"].isna()]
    if unclassed.empty:
        return ""
    no_rsa = int(unclassed["part_allocataires_rsa"].isna().sum())
    no_tcg = int(unclassed["tcg"].isna().sum())
    secret = int(unclassed["tcg_secret"].sum())
    why = f" (dont {secret} en secret statistique)" if secret else ""
    return (f"{len(unclassed)} {plural} sans classe : {no_rsa} sans part RSA (IRIS non diffusée ou commune absente "
            f"du fichier), {no_tcg} sans TCG{why}.")
