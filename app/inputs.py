"""Pure logic behind the app's inputs: what a link asks for, what is shown instead, numbers typed the French way.

No Streamlit here: ``app.ui`` builds the widgets on top of these functions, the tests call them directly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

from pipelines.formatting import fr_number

NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
SPACES = str.maketrans("", "", " \u00a0\u202f\u2009'")  # thousands separators a French user may type


@dataclass(frozen=True)
class Resolved:
    """The value a widget starts from, and the sentence telling the user what the link asked and did not get."""

    value: object
    problem: str | None = None


def resolve_one(raw: str | None, options: Sequence, default, cast: Callable = str, label: str = "",
                format_func: Callable = str) -> Resolved:
    """The option a link's ``raw`` text names, else ``default`` with the reason (never a silent substitution)."""
    if raw is None:
        return Resolved(default)
    try:
        value = cast(raw)
    except (TypeError, ValueError):
        value = None
    if value is not None and value in options:
        return Resolved(value)
    return Resolved(default, f"Le lien demande « {raw} » pour « {label} » : cette valeur n'existe pas ici. "
                             f"Affiché à la place : {format_func(default)}.")


def resolve_many(raw: str | None, options: Sequence, default: Sequence = (), label: str = "") -> Resolved:
    """The options of a comma list (``a,b``) that exist, in the link's order; the unknown ones are named."""
    if raw is None:
        return Resolved([item for item in default if item in options])
    asked = [item.strip() for item in raw.split(",") if item.strip()]
    known = list(dict.fromkeys(item for item in asked if item in options))
    unknown = [item for item in asked if item not in options]
    if not unknown:
        return Resolved(known)
    plural = len(unknown) > 1
    return Resolved(known, f"Le lien demande pour « {label} » "
                           f"{'les valeurs' if plural else 'la valeur'} « {', '.join(unknown)} », "
                           f"{'inconnues' if plural else 'inconnue'} ici : {'ignorées' if plural else 'ignorée'}.")


def resolve_range(low: str | None, high: str | None, stops: Sequence[float], label: str = "",
                  format_func: Callable = str) -> Resolved:
    """``(start, end)`` among ``stops`` for a link's ``min`` and ``max``: the first stop at or above ``min``, the
    last at or below ``max``; an unreadable bound is named and the scale's end used instead."""
    bounds, problems = [], []
    for raw, end in ((low, stops[0]), (high, stops[-1])):
        number = None if raw is None else parse_number(raw)
        if raw is not None and number is None:
            problems.append(f"« {raw} »")
        bounds.append(end if number is None else number)
    start = next((s for s in stops if s >= bounds[0] - 1e-9), stops[-1])
    stop = max(next((s for s in stops[::-1] if s <= bounds[1] + 1e-9), stops[0]), start)
    problem = (f"Le lien demande {' et '.join(problems)} pour « {label} » : ce n'est pas un nombre. Affiché à la "
               f"place : de {format_func(start)} à {format_func(stop)}.") if problems else None
    return Resolved((start, stop), problem)


def parse_number(text: str | None) -> float | None:
    """« 1,2 », « 1.2 », « 14 957 », « −0,5 » → the number; ``None`` when it is not one (or mixes both marks)."""
    if text is None:
        return None
    cleaned = text.strip().translate(SPACES).replace("\u2212", "-")
    if "," in cleaned and "." in cleaned or cleaned.count(",") > 1:
        return None
    cleaned = cleaned.replace(",", ".")
    return float(cleaned) if NUMBER.fullmatch(cleaned) else None


def number_text(value: float, decimals: int) -> str:
    """How a typed number is shown back: French decimal comma, the input's precision (« 1,20 »)."""
    return fr_number(value, decimals)


def number_problem(text: str, value: float | None, minimum: float | None, decimals: int) -> str | None:
    """Why a typed number cannot be used, in French; ``None`` when it can."""
    if value is None:
        return f"« {text} » n'est pas un nombre : écrivez par exemple « {number_text(1.25, decimals)} »."
    if minimum is not None and value < minimum:
        return f"La valeur doit être au moins {number_text(minimum, decimals)}."
    return None
