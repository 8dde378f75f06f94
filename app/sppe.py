"""Communes as autorités organisatrices (service public de la petite enfance): their duties, in words and tables.

The tiers, duties and RPE presence are the warehouse's (``sppe_obligation``, ``commune_obligation``: model 096);
this module words them for the communes page, the commune portrait and its HTML export.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from app import data, review_data, ui
from pipelines.formatting import MISSING, fr_day
from pipelines.warehouse.query import RESERVED

TIERS = {"plus_10000": "plus de 10 000 habitants", "plus_3500": "de 3 501 à 10 000 habitants",
         "toutes": "3 500 habitants ou moins"}
CONCERNED = {0: "toutes les communes", 3500: "plus de 3 500 habitants", 10000: "plus de 10 000 habitants"}
INTRO = ("Depuis le 1er janvier 2025, les communes sont autorités organisatrices de l'accueil du jeune enfant (loi "
         "n° 2023-1196 pour le plein emploi, art. 17) ; ces compétences peuvent être transférées à l'EPCI.")
POPULATION_NOTE = ("Seuils lus sur la population du recensement (Insee) de la dernière année de l'entrepôt ; la loi "
                   "retient la population totale authentifiée (à vérifier pour une commune proche d'un seuil). "
                   "L'entrepôt ne sait pas quelles communes ont transféré ces compétences à leur EPCI.")
FIGURES = ("enfants_0_2", "tcg", "places_eaje", "am_actifs", "nb_mam", "nb_laep")


def since(day) -> str:
    return fr_day(pd.Timestamp(day))


def obligations_table(obligations: pd.DataFrame) -> pd.DataFrame:
    """The duties of the SPPE: what, for which communes, since when, on which legal basis."""
    return pd.DataFrame({"Obligation": obligations["label"],
                         "Communes concernées": obligations["more_than"].map(CONCERNED),
                         "Depuis le": obligations["since"].map(since), "Base légale": obligations["legal_basis"]})


def rpe_text(count, reserved: bool = False) -> str:
    """« oui (2) », « non », « n.d. » (the equipment extract does not report the commune), « réservé aux
    analystes » (counted from an internal extract)."""
    if reserved:
        return RESERVED
    if count is None or pd.isna(count):
        return MISSING
    return f"oui ({int(count)})" if count > 0 else "non"


def figures(v: str) -> list[str]:
    """``FIGURES`` the session may see at commune level (a lecteur's exclude those only the extracts give)."""
    held = data.years_per_indicator(v)
    held = set(held.loc[held["level"] == "commune", "indicator"])
    return [code for code in FIGURES if code in held]


def communes_table(v: str, communes: pd.DataFrame) -> pd.DataFrame:
    """One row per commune: tier, the two duties of the largest ones, RPE, the figures that matter for them.

    Numbers stay numbers (sortable); ``code`` and ``level`` are kept for the exports and the portrait links.
    """
    big = communes["tier"] == "plus_10000"
    table = pd.DataFrame({
        "level": "commune", "code": communes["commune"], "name": communes["name"],
        "Population": communes["population"], "Seuil": communes["tier"].map(TIERS),
        "RPE dans la commune": [rpe_text(c, r) for c, r in zip(communes["rpe_in_commune"], communes["rpe_reserved"])],
        "RPE dans l'EPCI": [rpe_text(c, r) for c, r in zip(communes["rpe_in_epci"], communes["rpe_reserved"])],
    })
    for code in figures(v):
        table[code] = communes[code].to_numpy()
    table["Schéma pluriannuel"] = big.map({True: "obligatoire (ou CTG)", False: "non"}).to_numpy()
    table["RPE obligatoire"] = big.map({True: "oui, depuis le 1er janvier 2026", False: "non"}).to_numpy()
    table["EPCI"] = communes["epci_name"].map(ui.short_name).to_numpy()
    return table.reset_index(drop=True)


@dataclass(frozen=True)
class CommuneDuties:
    """The SPPE part of one commune's portrait."""

    summary: str
    duties: pd.DataFrame  # Obligation, Depuis le, Base légale
    rpe: str


def load(v: str, code: str, departement: str) -> CommuneDuties | None:
    """The commune's tier, duties and RPE, or None on a warehouse built before these tables existed."""
    communes = review_data.commune_obligations(v, departement, None, tuple(TIERS))
    row = communes[communes["commune"] == code]
    if row.empty:
        return None
    row = row.iloc[0]
    obligations = review_data.sppe_obligations(v).set_index("code")
    mine = obligations.loc[[c for c in row["obligations"] if c in obligations.index]]
    tier = TIERS.get(row["tier"]) if isinstance(row["tier"], str) else None
    summary = (f"Autorité organisatrice de l'accueil du jeune enfant : {ui.fr_number(row['population'], 0)} "
               f"habitants (population {int(row['population_year'])}), commune de {tier} : {len(mine)} obligations."
               if tier else f"Autorité organisatrice de l'accueil du jeune enfant : population {MISSING}, seuil "
                            f"inconnu ; {len(mine)} obligations de toutes les communes.")
    reserved = bool(row["rpe_reserved"])
    rpe = (f"Relais petite enfance : {rpe_text(row['rpe_in_commune'], reserved)} dans la commune, "
           f"{rpe_text(row['rpe_in_epci'], reserved)} dans son EPCI" + (
               " — obligatoire depuis le 1er janvier 2026 (ou par l'EPCI si la compétence lui a été transférée)."
               if row["tier"] == "plus_10000" else "."))
    return CommuneDuties(summary, obligations_table(mine.reset_index()).drop(columns="Communes concernées"), rpe)
