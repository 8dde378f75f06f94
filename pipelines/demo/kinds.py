"""The types of equipment the demo draws: how each looks, where it goes, and when one counts as open.

A catalogue as data, shared by the drawing (``equipments``), the dating (``openings``), the naming
(``naming``) and the publisher (``active``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

BASKET = ("REAAP", "LAEP", "CLAS")
EAJE = ("EAJE_PSU", "EAJE_HORS_PSU")


@dataclass(frozen=True)
class Kind:
    """How one type of equipment looks: since when, its name, who runs it, its size."""

    first_year: int  # earliest opening of the equipments open in 2017
    name: str  # template: {nick}, {commune}
    managers: tuple[str, ...]  # templates: {nick}, {commune}, {epci}
    places: tuple[float, float, int, int] | None = None  # median, log-sd, min, max


KINDS = {
    "EAJE_PSU": Kind(1975, "Multi-accueil {nick}",
                     ("Commune de {commune}", "{epci}", "CCAS de {commune}", "Association {nick}"), (20, 0.45, 10, 80)),
    "EAJE_HORS_PSU": Kind(2010, "Micro-crèche {nick}", ("SAS Petites Pousses", "SARL Bout'chou", "SAS Crèches du Val"),
                          (11, 0.08, 10, 12)),
    "MAM": Kind(2010, "MAM {nick}", ("Association MAM {nick}",), (12, 0.3, 6, 24)),
    "RPE": Kind(1995, "Relais petite enfance {commune}", ("{epci}",)),
    "LAEP": Kind(1995, "LAEP {nick}", ("Centre social de {commune}", "{epci}", "Association Parents-Enfants")),
    "CLAS": Kind(2000, "Accompagnement à la scolarité {commune}",
                 ("Centre social de {commune}", "Commune de {commune}", "Association Réussir Ensemble")),
    "ALSH": Kind(1980, "Accueil de loisirs {nick}", ("Commune de {commune}", "{epci}", "Association Loisirs {commune}"),
                 (50, 0.5, 12, 200)),
    "REAAP": Kind(2000, "Café des parents {commune}", ("Centre social de {commune}", "Association Parents Partenaires")),
    "MEDIATION_FAMILIALE": Kind(1995, "Médiation familiale {commune}", ("Association de médiation familiale",)),
    "ESPACE_RENCONTRE": Kind(2000, "Espace rencontre {commune}", ("Association Espace Rencontre",)),
}
# drawn type -> (communes smaller than this host none, exponent of the population in the weight);
# relais are seated, not drawn (``_relays``)
PLACEMENT = {
    "EAJE_PSU": (800, 1.1), "EAJE_HORS_PSU": (1_200, 1.0), "MAM": (200, 0.6), "LAEP": (2_000, 1.0),
    "CLAS": (1_500, 1.1), "ALSH": (300, 0.7), "REAAP": (500, 0.8), "MEDIATION_FAMILIALE": (10_000, 1.0),
    "ESPACE_RENCONTRE": (10_000, 1.0),
}
TYPES = tuple(PLACEMENT)  # drawn types, in the order of their draws
def active(frame: pd.DataFrame, year: int) -> pd.Series:
    """Equipments open on 31 December of ``year`` (the Caf counts places as of December)."""
    end = pd.Timestamp(year, 12, 31)
    return (frame["opened"] <= end) & (frame["closed"].isna() | (frame["closed"] > end))
