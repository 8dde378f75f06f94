"""Equipments, relais petite enfance staff and the complementary places of the demo.

Equipments are drawn in communes with a probability rising with population (crèches in towns,
MAM and leisure centres spread wider), as a stock open at the end of 2017 plus openings and
closings over 2017-2024. The parenting basket (REAAP, LAEP, CLAS) is completed over the years
in every EPCI except a few chosen ones, so the basket indicator has gaps to show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from pipelines.demo.calibration import (BASE_YEAR, CALIBRATED_YEARS, CLOSINGS, NATIONAL_PER_100K, OPENINGS,
                                        Calibration)
from pipelines.demo.draws import apportion, dates_between, noise

BASKET = ("REAAP", "LAEP", "CLAS")
EAJE = ("EAJE_PSU", "EAJE_HORS_PSU")
BASE_END = date(BASE_YEAR, 12, 31)
LAST_DAY = date(CALIBRATED_YEARS[-1], 12, 31)
RPE_POPULATION = 40_000  # inhabitants per relais, one at least per EPCI
AM_PER_ETP = 90  # active AM per RPE animator (the reference is 70: relais are understaffed)

NICKNAMES = ("Les Petits Loups", "Les Lucioles", "Pirouette", "Les Câlins", "Arc-en-ciel", "Les Marmousets",
             "Les Frimousses", "Graine d'Éveil", "Les P'tits Mômes", "La Farandole", "Les Oursons",
             "Trois Pommes", "Les Coccinelles", "Le Petit Prince", "Les Doudous", "La Ribambelle")


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
# type -> (communes smaller than this host none, exponent of the population in the weight)
PLACEMENT = {
    "EAJE_PSU": (800, 1.1), "EAJE_HORS_PSU": (1_200, 1.0), "MAM": (200, 0.6), "LAEP": (2_000, 1.0),
    "CLAS": (1_500, 1.1), "ALSH": (300, 0.7), "REAAP": (500, 0.8), "MEDIATION_FAMILIALE": (10_000, 1.0),
    "ESPACE_RENCONTRE": (10_000, 1.0),
}


def active(frame: pd.DataFrame, year: int) -> pd.Series:
    """Equipments open on 31 December of ``year`` (the Caf counts places as of December)."""
    end = pd.Timestamp(year, 12, 31)
    return (frame["opened"] <= end) & (frame["closed"].isna() | (frame["closed"] > end))


def basket_gaps(communes: pd.DataFrame, whole_epci: set[str], cal: Calibration,
                rng: np.random.Generator) -> dict[str, str]:
    """EPCI that will lack one element of the basket, among the less populated half.

    At most a quarter of the EPCI, and only EPCI lying wholly in scope: the missing part of a
    straddling EPCI may well hold the service.
    """
    sizes = communes[communes["epci"].isin(whole_epci)].groupby("epci")["population"].sum()
    sizes = sizes.sort_values(kind="stable")
    count = min(cal.basket_gaps, communes["epci"].nunique() // 4)
    rural = sizes.index[: max(count, len(sizes) // 2)]
    chosen = rng.choice(np.asarray(rural), size=count, replace=False)
    return {str(epci): BASKET[int(rng.integers(len(BASKET)))] for epci in sorted(chosen)}


def equipments(communes: pd.DataFrame, cal: Calibration, departement: str, gaps: dict[str, str],
               children_base: float, rng: np.random.Generator) -> pd.DataFrame:
    """Every equipment open at some point in 2017-2024; ``children_base``: under-3s in 2017."""
    counts = cal.equipment_counts or {kind: round(per * communes["population"].sum() / 100_000)
                                      for kind, per in NATIONAL_PER_100K.items()}
    items = pd.concat([*(_kind_items(communes, kind, counts[kind], gaps, rng) for kind in PLACEMENT),
                       _relays(communes, rng)], ignore_index=True)
    eaje = cal.eaje_places or round(cal.eaje_rate * children_base / 100)
    items["places"] = _calibrated_places(items, eaje)
    items = _describe(items, communes, rng)
    items = items.sort_values(["opened", "type", "commune", "name"], kind="stable", ignore_index=True)
    items.insert(0, "equipment_id", [f"EQ{departement}-{i:05d}" for i in range(1, len(items) + 1)])
    return items[["equipment_id", "type", "commune", "name", "places", "opened", "closed", "manager"]]


def _weights(communes: pd.DataFrame, kind: str, gaps: dict[str, str]) -> np.ndarray:
    smallest, exponent = PLACEMENT[kind]
    pop = communes["population"].to_numpy(float)
    weights = pop ** exponent * (pop >= smallest)
    if not weights.any():
        weights = pop ** exponent
    in_gap = communes["epci"].map(gaps).eq(kind).to_numpy()
    if (weights * ~in_gap).any():  # a département with a single EPCI cannot leave it without the service
        weights[in_gap] = 0.0
    return weights


def _place(rng: np.random.Generator, codes: np.ndarray, weights: np.ndarray, size: int) -> list[str]:
    return [str(c) for c in rng.choice(codes, size=size, p=weights / weights.sum())] if size else []


def _kind_items(communes: pd.DataFrame, kind: str, stock: int, gaps: dict[str, str],
                rng: np.random.Generator) -> pd.DataFrame:
    """The stock of one type open at the end of 2017, those closed during 2017, and later flows."""
    spec, codes = KINDS[kind], communes["code"].to_numpy()
    weights = _weights(communes, kind, gaps)
    closings = sorted(dates_between(rng, date(BASE_YEAR, 1, 1), LAST_DAY, round(stock * CLOSINGS.get(kind, 0.0))))
    closed_in_base = [d for d in closings if d <= BASE_END]
    start = date(spec.first_year, 1, 1)
    existing = _place(rng, codes, weights, stock)
    gone = _place(rng, codes, weights, len(closed_in_base))
    covering = _covering(communes, kind, existing, weights, gaps, rng) if kind in BASKET else []
    new = covering + _place(rng, codes, weights, max(0, round(stock * OPENINGS[kind]) - len(covering)))
    items = pd.DataFrame({
        "type": kind,
        "commune": existing + gone + new,
        "opened": pd.to_datetime(
            dates_between(rng, start, BASE_END, len(existing))
            + [dates_between(rng, start, d - timedelta(days=1), 1)[0] for d in closed_in_base]
            + dates_between(rng, date(BASE_YEAR + 1, 1, 1), LAST_DAY, len(new))),
        "closed": pd.to_datetime([None] * len(existing) + closed_in_base + [None] * len(new)),
    })
    _close_later(items, communes.set_index("code")["epci"], [d for d in closings if d > BASE_END], rng)
    items["size"] = _sizes(spec.places, len(items), rng)
    return items


def _covering(communes: pd.DataFrame, kind: str, existing: list[str], weights: np.ndarray,
              gaps: dict[str, str], rng: np.random.Generator) -> list[str]:
    """One opening in each EPCI still without this basket element, unless it is meant to lack it."""
    epci = communes["epci"]
    present = set(epci[communes["code"].isin(existing)].dropna())
    out = []
    for code in sorted(set(epci.dropna()) - present):
        if gaps.get(code) == kind:
            continue
        members = (epci == code).to_numpy()
        local = weights[members] if weights[members].any() else communes["population"].to_numpy(float)[members]
        out += _place(rng, communes["code"].to_numpy()[members], local, 1)
    return out


def _close_later(items: pd.DataFrame, epci_of: pd.Series, closings: list[date], rng: np.random.Generator) -> None:
    """Close equipments after 2017, never the last one of its type in an EPCI."""
    epci = items["commune"].map(epci_of).fillna("")
    for day in closings:
        alive = items["closed"].isna()
        others = epci.map(epci[alive].value_counts()).fillna(0)
        candidates = np.flatnonzero((alive & (items["opened"] < pd.Timestamp(day)) & (others >= 2)).to_numpy())
        if len(candidates):
            items.loc[rng.choice(candidates), "closed"] = pd.Timestamp(day)


def _sizes(places: tuple | None, count: int, rng: np.random.Generator) -> np.ndarray:
    if places is None:
        return np.full(count, np.nan)
    median, sigma, smallest, largest = places
    return np.clip(median * noise(rng, sigma, count), smallest, largest)


def _relays(communes: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Relais petite enfance: one per EPCI, more in populous ones, seated in the largest communes."""
    seats = []
    for _, members in communes.dropna(subset=["epci"]).groupby("epci"):
        count = int(np.clip(round(members["population"].sum() / RPE_POPULATION), 1, len(members)))
        seats += list(members.sort_values(["population", "code"], ascending=[False, True])["code"][:count])
    start = date(KINDS["RPE"].first_year, 1, 1)
    return pd.DataFrame({"type": "RPE", "commune": seats,
                         "opened": pd.to_datetime(dates_between(rng, start, BASE_END, len(seats))),
                         "closed": pd.NaT, "size": np.nan})


def _calibrated_places(items: pd.DataFrame, eaje_places: int) -> pd.Series:
    """Whole places; crèches PSU scaled so that EAJE open at the end of 2017 hold ``eaje_places``."""
    places = items["size"].round()
    psu = items["type"].eq("EAJE_PSU")
    in_base = active(items, BASE_YEAR)
    psu_target = eaje_places - places[items["type"].eq("EAJE_HORS_PSU") & in_base].sum()
    scaled = items["size"].where(psu) * psu_target / items["size"][psu & in_base].sum()
    places[psu] = scaled[psu].round()
    places[psu & in_base] = apportion(int(psu_target), scaled[psu & in_base])
    return places.astype("Int64")


def _describe(items: pd.DataFrame, communes: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """French names and managers, built from the commune and the EPCI of each equipment."""
    info = communes.set_index("code")
    names, managers = [], []
    for kind, commune in zip(items["type"], items["commune"]):
        spec = KINDS[kind]
        words = {"nick": rng.choice(NICKNAMES), "commune": info.at[commune, "name"],
                 "epci": info.at[commune, "epci_name"] if pd.notna(info.at[commune, "epci_name"])
                 else f"Commune de {info.at[commune, 'name']}"}
        names.append(spec.name.format(**words))
        managers.append(rng.choice(spec.managers).format(**words))
    return items.assign(name=names, manager=managers).drop(columns="size")


def complementary(communes: pd.DataFrame, population: pd.DataFrame, cal: Calibration,
                  rng: np.random.Generator) -> pd.DataFrame:
    """Garde à domicile and préscolarisation places per commune and year, more in towns."""
    children = population.pivot(index="commune", columns="year", values="pop_0_2").loc[communes["code"]]
    town = communes["population"].to_numpy(float) / 1_000
    frames = []
    for year in CALIBRATED_YEARS:
        kids = children[year].to_numpy()
        prescol_rate = cal.prescol_rate * (1 + cal.prescol_change) ** (year - BASE_YEAR)
        frames.append(pd.DataFrame({
            "year": year, "commune": communes["code"].to_numpy(),
            "places_gad": apportion(round(cal.gad_rate * kids.sum() / 100),
                                    kids * town ** 0.5 * noise(rng, 0.2, len(kids))),
            "places_prescol": apportion(round(prescol_rate * kids.sum() / 100),
                                        kids * town ** 0.1 * noise(rng, 0.2, len(kids))),
        }))
    return pd.concat(frames, ignore_index=True)


def rpe_staff(items: pd.DataFrame, communes: pd.DataFrame, childminders: pd.DataFrame,
              rng: np.random.Generator) -> pd.DataFrame:
    """Animator FTE of each relais per year: follows the active AM of its EPCI, slowly reinforced."""
    epci_of = communes.set_index("code")["epci"]
    relays = items[items["type"].eq("RPE")].assign(epci=lambda d: d["commune"].map(epci_of))
    per_epci = relays["epci"].map(relays["epci"].value_counts())
    actifs = childminders.assign(epci=childminders["commune"].map(epci_of)).groupby(["epci", "year"])["am_actifs"].sum()
    own = noise(rng, 0.2, len(relays))
    frames = []
    for year in CALIBRATED_YEARS:
        etp = relays["epci"].map(lambda e: actifs.get((e, year), 0)) / per_epci / AM_PER_ETP
        etp = np.clip((etp * own * (1 + 0.03 * (year - BASE_YEAR))).round(1), 0.5, 3.0)
        frames.append(pd.DataFrame({"year": year, "rpe_id": relays["equipment_id"], "name": relays["name"],
                                    "commune": relays["commune"], "etp": etp}))
    return pd.concat(frames, ignore_index=True)
