"""Livret CTG: the ZIP a Caf analyst drops into the livret of a CTG territory (a few EPCI, or communes).

Pure: frames and strings in, bytes out; the page gathers the data, the tests call this directly.
The ZIP holds the tables (CSV in French Excel conventions, XLSX with its documentation sheet,
both through ``pipelines.outputs.exports`` so no text cell can run as a formula), two PNG charts drawn with
matplotlib (plotly's static export needs kaleido and a browser) and each member's portrait (EPCI or commune).
"""

from __future__ import annotations

import io
import textwrap
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from pipelines.formatting import MISSING, SECRET, fr_date, fr_number, simplified
from pipelines.outputs.exports import FICTITIOUS_WARNING, to_csv_bytes, to_xlsx_bytes

CHART_INDICATOR = "tcg"
EPCI_COLOUR, REFERENCE_COLOUR, WARNING_COLOUR = "#0072B2", "#666666", "#C00000"
LINE_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000"]  # Okabe-Ito
DPI = 150


@dataclass(frozen=True)
class LivretInput:
    """What a livret is made of; ``table`` and ``history`` have the export columns (level, code, name, year, ...)."""

    territory: str  # the CTG territory's name, as the analyst typed it
    year: int
    table: pd.DataFrame  # the year's figures: chosen EPCI, then the reference rows
    history: pd.DataFrame  # every year, with at least the ``tcg`` column (trend chart, « Évolution » sheet)
    catalogue: pd.DataFrame
    sources: pd.DataFrame
    meta: dict[str, str]
    source_text: str  # sources and vintages of the charted indicator
    references: tuple[str, ...] = ()  # names of the reference rows (département, France)
    portraits: dict[str, str] = field(default_factory=dict)  # member's name (EPCI or commune) → portrait HTML
    members_label: str = "EPCI du territoire"  # « Communes du territoire » for a CTG signed with communes


def slug(text: str) -> str:
    """ASCII file-name part: « Bresse Louhannaise Intercom' » → ``bresse-louhannaise-intercom``."""
    return simplified(text, "-")[:80].strip("-") or "territoire"


def build_livret(livret: LivretInput, generated_at: datetime | None = None) -> bytes:
    """The ZIP: ``LISEZMOI.txt``, CSV, XLSX, ``graphiques/*.png``, ``portraits/*.html`` under one folder."""
    generated_at = generated_at or datetime.now(timezone.utc)
    root = f"livret-ctg-{slug(livret.territory)}-{livret.year}"
    stem = f"indicateurs-{slug(livret.territory)}-{livret.year}"
    files = {
        f"{stem}.csv": to_csv_bytes(livret.table, livret.catalogue, livret.meta),
        f"{stem}.xlsx": to_xlsx_bytes(livret.table, livret.catalogue, livret.sources, livret.meta,
                                      {"Évolution": livret.history}, generated_at=generated_at),
        f"graphiques/{CHART_INDICATOR}-{livret.year}.png": bar_png(livret),
        f"graphiques/{CHART_INDICATOR}-evolution.png": trend_png(livret),
    }
    files.update({f"portraits/{slug(name)}.html": html.encode("utf-8") for name, html in livret.portraits.items()})
    files = {"LISEZMOI.txt": _readme(livret, list(files), generated_at).encode("utf-8"), **files}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(f"{root}/{name}", date_time=generated_at.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return buffer.getvalue()


def _entry(livret: LivretInput) -> dict:
    return livret.catalogue.set_index("code").loc[CHART_INDICATOR].to_dict()


def bar_png(livret: LivretInput) -> bytes:
    """TCG of the chosen EPCI against the references, for the year; a missing value is written « n.d. »."""
    entry = _entry(livret)
    decimals = int(entry["decimals"])
    rows = livret.history[livret.history["year"] == livret.year][["name", CHART_INDICATOR]]
    rows = rows.assign(value=_numbers(rows[CHART_INDICATOR]))
    epci = rows[~rows["name"].isin(livret.references)].sort_values("value", na_position="first")
    refs = rows[rows["name"].isin(livret.references)]
    rows = pd.concat([refs.iloc[::-1], epci])  # references at the bottom, highest EPCI on top
    fig = Figure(figsize=(9, 1.9 + 0.42 * len(rows)), dpi=DPI)
    ax = fig.add_subplot()
    colours = [REFERENCE_COLOUR if n in livret.references else EPCI_COLOUR for n in rows["name"]]
    positions = range(len(rows))
    ax.barh(positions, rows["value"].fillna(0), color=colours, height=0.65)
    top = rows["value"].max() if rows["value"].notna().any() else 1.0
    labels = rows[CHART_INDICATOR].where(rows["value"].isna(), rows["value"])  # a secret cell reads so, not n.d.
    for y, value, shown in zip(positions, rows["value"], labels):
        ax.text((0 if pd.isna(value) else value) + top * 0.01, y, fr_number(shown, decimals), va="center",
                fontsize=9, color=REFERENCE_COLOUR if pd.isna(value) else "black")
    ax.set_yticks(list(positions), [_wrap(n, 45) for n in rows["name"]], fontsize=9)
    ax.set_xlim(0, top * 1.12)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: fr_number(x, 0)))
    ax.set_xlabel(entry["unit"], fontsize=9)
    _frame(fig, ax, livret, f"{entry['label']}, {livret.year}")
    return _png(fig)


def trend_png(livret: LivretInput) -> bytes:
    """TCG per year of the chosen EPCI (colours) and of the references (grey, dashed); gaps stay gaps."""
    entry = _entry(livret)
    history = livret.history.assign(value=_numbers(livret.history[CHART_INDICATOR]))
    years = sorted(history["year"].unique())
    fig = Figure(figsize=(9, 5.6), dpi=DPI)
    ax = fig.add_subplot()
    names = list(dict.fromkeys(history["name"]))
    epci_colours = iter(LINE_COLOURS * (len(names) // len(LINE_COLOURS) + 1))
    dashes = iter(["--", ":", "-."] * len(names))
    for name in names:
        series = history[history["name"] == name].set_index("year")["value"].reindex(years)
        is_ref = name in livret.references
        ax.plot(years, series.to_numpy(), marker="o", markersize=3.5, linewidth=2, label=_wrap(name, 40),
                color=REFERENCE_COLOUR if is_ref else next(epci_colours), linestyle=next(dashes) if is_ref else "-")
    ax.set_xticks(years, [str(y) for y in years], fontsize=9)
    ax.yaxis.set_major_locator(MaxNLocator(6))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda x, _: fr_number(x, 0)))
    ax.set_ylim(bottom=0)
    ax.set_ylabel(_wrap(entry["unit"], 30), fontsize=9)
    ax.grid(axis="y", color="#e0e0e0")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    _frame(fig, ax, livret, f"{entry['label']}, {years[0]}-{years[-1]}" if years else entry["label"])
    return _png(fig)


def _numbers(column: pd.Series) -> pd.Series:
    """A chart's values: « secret statistique » cells are drawn as gaps (and labelled so), like missing ones."""
    return pd.to_numeric(column.mask(column.astype(object) == SECRET)).astype(float)


def _frame(fig: Figure, ax, livret: LivretInput, title: str) -> None:
    """Title, territory, source and year under the chart, and the demo warning when the data is fictitious."""
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title(f"{title}\n{livret.territory}", loc="left", fontsize=12, fontweight="bold")
    footer = _wrap(livret.source_text, 130)
    if livret.meta.get("fictitious") == "true":
        fig.text(0.01, 0.995, FICTITIOUS_WARNING, color=WARNING_COLOUR, fontsize=8, fontweight="bold", va="top")
    fig.text(0.01, 0.005, footer, fontsize=7, color="#444444", va="bottom")
    lines = footer.count("\n") + 1
    fig.tight_layout(rect=(0, 0.03 + 0.022 * lines, 1, 0.97))


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(str(text), width)) or MISSING


def _readme(livret: LivretInput, names: list[str], generated_at: datetime) -> str:
    epci = [n for n in livret.table["name"] if n not in livret.references]
    lines = [f"Livret CTG — {livret.territory}", "", f"Année des chiffres : {livret.year}",
             f"Généré le {fr_date(generated_at)}",
             f"Géographie : {livret.meta.get('cog_vintage', MISSING)}"]
    if livret.meta.get("fictitious") == "true":
        lines += ["", f"ATTENTION — {FICTITIOUS_WARNING}"]
    lines += ["", f"{livret.members_label} :", *[f"  - {n}" for n in epci],
              "Références : " + (", ".join(livret.references) or MISSING), "",
              "Contenu :", *[f"  - {n}" for n in names], "",
              "Le fichier CSV est prévu pour Excel en français : séparateur « ; », virgule décimale, UTF-8. "
              "Le classeur XLSX contient en plus une feuille Documentation (définitions, sources, millésimes) "
              "et une feuille Évolution (toutes les années). Une case vide est une donnée manquante, jamais un 0 ; "
              "« secret statistique » : une valeur masquée car elle repose sur trop peu de personnes, ou "
              "permettrait "
              "de recalculer une telle valeur par différence.",
              "", livret.source_text, ""]
    return "\r\n".join(lines)
