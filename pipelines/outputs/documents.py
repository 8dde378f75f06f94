"""Printable documents (self-contained HTML, A4 print layout): the bilan annuel's one page, the plan's report.

Plain HTML and inline SVG, no script, no network: it opens from a mail attachment and prints as it shows.
Every text is escaped; numbers are French (``fr_number``), missing stays « n.d. ».
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import pandas as pd

from pipelines.formatting import MISSING

STYLE = """
@page { size: A4; margin: 12mm; }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10pt; color: #1f2328; max-width: 190mm;
       margin: 0 auto; }
h1 { font-size: 16pt; margin: 0 0 2mm; } h2 { font-size: 12pt; margin: 5mm 0 2mm; border-bottom: 1px solid #ccc; }
h3 { font-size: 10.5pt; margin: 4mm 0 1mm; }
.subtitle { color: #555; margin: 0 0 3mm; } .fictitious { color: #b00020; font-weight: bold; }
table { border-collapse: collapse; width: 100%; margin: 1mm 0 2mm; font-size: 8.5pt; table-layout: fixed; }
th:first-child, td:first-child { width: 20%; }
th, td { border: 1px solid #d0d7de; padding: 1mm 1.5mm; vertical-align: top; text-align: left; }
th { background: #f3f4f6; } td.number { text-align: right; white-space: nowrap; }
ul { margin: 1mm 0 2mm 5mm; padding: 0; } li { margin: 0 0 1mm; }
.block { break-inside: avoid; } .status { font-weight: bold; white-space: nowrap; }
.sources { color: #555; font-size: 8pt; margin-top: 4mm; }
p { margin: 1mm 0; }
"""
STATUS_COLOURS = {"objectif atteint": "#1a7f37", "en avance": "#1a7f37", "dans la trajectoire": "#0969da",
                  "en retard": "#cf222e", "non renseigné": "#57606a"}


def esc(text) -> str:
    return html.escape("" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text))


def status_html(status: str | None) -> str:
    if not isinstance(status, str):
        return f'<span class="status">{MISSING}</span>'
    return f'<span class="status" style="color:{STATUS_COLOURS.get(status, "#1f2328")}">{esc(status)}</span>'


def table_html(frame: pd.DataFrame, numbers: tuple[str, ...] = (), raw: tuple[str, ...] = ()) -> str:
    """``frame`` (text, already French) as an HTML table: ``numbers`` columns right-aligned, ``raw`` ones as HTML."""
    head = "".join(f"<th>{esc(c)}</th>" for c in frame.columns)
    rows = []
    for record in frame.itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, record):
            text = value if column in raw else esc(MISSING if value is None or pd.isna(value) else value)
            cells.append(f'<td class="number">{text}</td>' if column in numbers else f"<td>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def sparkline(trajectory: pd.DataFrame, width: int = 220, height: int = 60) -> str:
    """Observed values (dots and line) and the trajectory (dashed) of one indicator, as inline SVG."""
    points = trajectory.dropna(subset=["observed"])
    values = pd.concat([trajectory["observed"], trajectory["expected"]]).dropna()
    if values.empty or len(trajectory) < 2:
        return ""
    years = trajectory["year"].astype(int)
    low, high = float(values.min()), float(values.max())
    span = (high - low) or 1.0
    first, last = years.min(), years.max()

    def xy(year, value):
        return (6 + (width - 12) * (year - first) / max(last - first, 1), height - 8 - (height - 16) * (value - low) / span)

    expected = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(yr, v) for yr, v in zip(years, trajectory["expected"])
                                                        if not pd.isna(v)))
    observed = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(int(yr), v) for yr, v in zip(points["year"],
                                                                                         points["observed"])))
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2" fill="#0969da"/>'
                   for x, y in (xy(int(yr), v) for yr, v in zip(points["year"], points["observed"])))
    return (f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="trajectoire {first}-{last}">'
            f'<polyline points="{expected}" fill="none" stroke="#8c959f" stroke-dasharray="4 3"/>'
            f'<polyline points="{observed}" fill="none" stroke="#0969da" stroke-width="1.5"/>{dots}'
            f'<text x="2" y="{height - 1}" font-size="8" fill="#57606a">{first}</text>'
            f'<text x="{width - 22}" y="{height - 1}" font-size="8" fill="#57606a">{last}</text></svg>')


def source_lines(sources: pd.DataFrame, keys: set[str]) -> list[str]:
    """One line per source of ``keys`` (``Warehouse.sources``, one row per file): label, vintage, its files."""
    rows = sources[sources["source"].isin(keys)]
    return [f"{label} — {vintage} ({', '.join(group['file'])})"
            for (label, vintage), group in rows.groupby(["label", "vintage"], sort=True)]


@dataclass
class Document:
    title: str
    subtitle: str
    fictitious: bool
    sections: list[str] = field(default_factory=list)  # HTML blocks, in order
    sources: list[str] = field(default_factory=list)
    edition: str = ""

    def add(self, heading: str | None, body: str) -> None:
        self.sections.append((f"<h2>{esc(heading)}</h2>" if heading else "") + body)

    def render(self) -> str:
        warning = ('<p class="fictitious">Données fictives de démonstration : ces chiffres ne décrivent la situation '
                   "d'aucun territoire réel.</p>") if self.fictitious else ""
        sources = "".join(f"<li>{esc(s)}</li>" for s in self.sources)
        return (f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{esc(self.title)}</title>'
                f"<style>{STYLE}</style></head><body><h1>{esc(self.title)}</h1>"
                f'<p class="subtitle">{esc(self.subtitle)}</p>{warning}{"".join(self.sections)}'
                f'<div class="sources"><strong>Sources</strong><ul>{sources}</ul><p>{esc(self.edition)}</p></div>'
                "</body></html>")
