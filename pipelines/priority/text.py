"""French wording of priority results: numbers as analysts read them (« 48,3 »), reasons and summaries."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from pipelines.formatting import fr_number
from pipelines.priority.rules import REFERENCES, Criterion

SIGNS = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "=", "!=": "≠"}
NEGATIONS = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}
SYMBOL_UNITS = {"%", "€"}  # units short enough to follow a number in a sentence
STATUS_HEADS = {"prioritaire": "Prioritaire", "non prioritaire": "Non prioritaire",
                "indéterminé": "Indéterminé : des données manquantes peuvent changer le résultat"}


def format_plain(value: float) -> str:
    """Factors, weights and scores as written by a person: ``0,9``, ``2``, ``2,5``."""
    return f"{value:g}".replace(".", ",")


@dataclass(frozen=True)
class Display:
    """How one indicator is named and rounded in a sentence (from the catalogue when given)."""

    label: str
    decimals: int = 1
    unit: str = ""

    def number(self, value: float) -> str:
        text = fr_number(value, self.decimals)
        return f"{text}\u00a0{self.unit}" if self.unit in SYMBOL_UNITS else text


def displays(catalogue: pd.DataFrame | None) -> dict[str, Display]:
    """``code → Display`` from the catalogue columns ``short_label``/``label``, ``decimals``, ``unit``."""
    if catalogue is None:
        return {}
    out = {}
    for row in catalogue.to_dict("records"):
        label = next((row[k] for k in ("short_label", "label") if _text(row.get(k))), row["code"])
        decimals = row.get("decimals")
        unit = row.get("unit")
        out[row["code"]] = Display(label, 1 if pd.isna(decimals) else int(decimals), unit if _text(unit) else "")
    return out


def _text(value) -> bool:
    """A frame cell holds real text (not None, NaN or empty)."""
    return isinstance(value, str) and bool(value)


def reason_text(criterion: Criterion, display: Display, value: float, threshold: float,
                reference_value: float, met) -> str:
    """« TCG 48,3 < France 60,9 »: the figures, with the relation that actually holds."""
    if pd.isna(value):
        return f"{display.label} : donnée manquante"
    if criterion.is_flag:
        return f"{display.label} : {'oui' if value != 0 else 'non'}"
    shown = display.number(value)
    reference = REFERENCES.get(criterion.relative_to)
    if reference and pd.isna(reference_value):
        return f"{display.label} {shown} : référence {reference} manquante"
    operator = criterion.operator if met else NEGATIONS[criterion.operator]
    if not reference:
        compared = display.number(threshold)
    elif criterion.factor == 1.0:
        compared = f"{reference} {display.number(reference_value)}"
    else:
        compared = (f"{format_plain(criterion.factor)} × {reference} {display.number(reference_value)} "
                    f"({display.number(threshold)})")
    return f"{display.label} {shown} {SIGNS[operator]} {compared}"


def summary(status: str, met: list[str], unmet: list[str], missing: list[str], *,
            priority_class: str | None = None, score: tuple[float, float, float] | None = None) -> str:
    """One sentence per territory: the status, then which criteria (or groups) are met, unmet, unknown.

    ``score`` is (score of met elements, score if every missing element were met, total of weights).
    """
    head = STATUS_HEADS[status]
    if priority_class:
        head += f" — {priority_class}"
    if score is not None:
        low, high, total = score
        shown = format_plain(low) if low == high else f"{format_plain(low)} à {format_plain(high)}"
        head += f" (score {shown} sur {format_plain(total)})"
        if status == "prioritaire" and not priority_class:
            head += ", classe à préciser : des données manquent"
    parts = [head]
    for title, labels in (("Critères remplis", met), ("Non remplis", unmet), ("Données manquantes", missing)):
        if labels:
            parts.append(f"{title} : {', '.join(labels)}")
    return ". ".join(parts) + "."
