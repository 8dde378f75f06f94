"""French names, managers and identifiers of the demo's equipments.

Names are built from the type's templates (``kinds.KINDS``), the commune and its EPCI, with a
nickname drawn per equipment; strings are assembled column-wise rather than one ``format`` call per
equipment, which matters at 70 000 equipments.
"""

from __future__ import annotations

import string

import numpy as np
import pandas as pd

from pipelines.demo import grouped
from pipelines.demo.kinds import KINDS
from pipelines.demo.scope import Scope

NICKNAMES = ("Les Petits Loups", "Les Lucioles", "Pirouette", "Les Câlins", "Arc-en-ciel", "Les Marmousets",
             "Les Frimousses", "Graine d'Éveil", "Les P'tits Mômes", "La Farandole", "Les Oursons",
             "Trois Pommes", "Les Coccinelles", "Le Petit Prince", "Les Doudous", "La Ribambelle")

COLUMNS = ["equipment_id", "type", "commune", "name", "places", "opened", "closed", "manager"]


def described(items: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    """French names and managers from the commune and its EPCI; identifiers numbered per département
    in the order of opening."""
    rng, dep = scope.streams("names"), items["dep"].to_numpy()
    sizes = np.bincount(dep, minlength=len(scope.codes))
    n = items["commune"].to_numpy()
    commune = scope.communes["name"].to_numpy(dtype=object)[n]
    epci = scope.communes["epci_name"].to_numpy(dtype=object)[n]
    words = {"nick": np.asarray(NICKNAMES, dtype=object)[np.floor(rng.random(sizes) * len(NICKNAMES)).astype(int)],
             "commune": commune, "epci": np.where(pd.isna(epci), "Commune de " + commune, epci)}
    manager_u = rng.random(sizes)
    kind = items["type"].to_numpy()
    names, managers = np.empty(len(items), dtype=object), np.empty(len(items), dtype=object)
    for name, spec in KINDS.items():
        rows = kind == name
        names[rows] = _filled(spec.name, words, rows)
        choice = np.floor(manager_u * len(spec.managers)).astype(int)
        for i, template in enumerate(spec.managers):
            managers[rows & (choice == i)] = _filled(template, words, rows & (choice == i))
    out = items.assign(commune=scope.communes["code"].to_numpy()[n], name=names, manager=managers,
                       departement=np.asarray(scope.codes)[dep])
    out = out.sort_values(["dep", "opened", "type", "commune", "name"], kind="stable", ignore_index=True)
    number = grouped.rank(out["dep"].to_numpy()) + 1
    out["equipment_id"] = [f"EQ{d}-{i:05d}" for d, i in zip(out["departement"], number)]
    return out[COLUMNS]


def _filled(template: str, words: dict[str, np.ndarray], rows: np.ndarray) -> np.ndarray:
    """``template.format(**words)`` for the selected rows, as string arrays added piece by piece."""
    out = np.full(int(rows.sum()), "", dtype=object)
    for literal, field, _, _ in string.Formatter().parse(template):
        out = out + literal + (words[field][rows] if field else "")
    return out
