"""The portrait of a territory as one standalone HTML file (charts included, works offline).

``render`` is pure (portrait + figures in, text out) so the livret CTG can bundle many portraits;
``portrait_html`` gathers the data the same way the page does. plotly.js is embedded once, inline, as its
« basic » bundle (lines and bars, 1.2 MB; the full bundle made 4.8 MB files): ``app/assets``, the same
version as the plotly package's own (a test checks). Maps are left out: MapLibre maps only draw when served
over HTTP, not from a file.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from app import portrait_commune, portrait_model
from app.ui import LEVEL_LABELS, now_paris
from pipelines.formatting import SECRET, fr_number

CSS = """
body { font-family: "Source Sans Pro", Arial, sans-serif; color: #1f2933; max-width: 60rem; margin: 1.5rem auto;
       padding: 0 1rem; line-height: 1.4; }
h1 { font-size: 1.7rem; margin-bottom: .2rem; } h2 { font-size: 1.25rem; margin-top: 1.6rem;
       border-bottom: 1px solid #ccd; } h3 { font-size: 1.05rem; }
.sub, .note, footer { color: #52606d; font-size: .9rem; }
.warning { background: #fff4d6; border-left: 4px solid #e6a700; padding: .5rem .8rem; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; margin: .5rem 0; }
th, td { border-bottom: 1px solid #e4e7eb; padding: .25rem .5rem; text-align: left; }
td:not(:first-child) { white-space: nowrap; }
section, .figure, table { break-inside: avoid; page-break-inside: avoid; }
@page { size: A4; margin: 12mm; }
"""
FICTITIOUS = ("Données fictives de démonstration : générées pour illustrer l'outil sur la géographie réelle, "
              "elles ne décrivent pas la situation du territoire.")
PLOTLY_BASIC = Path(__file__).parent / "assets" / "plotly-basic.min.js"
MAP_NOTE = ("La carte des communes est consultable dans l'application (elle doit être servie par un serveur web) ; "
            "les valeurs des communes figurent dans le tableau ci-dessous.")


def portrait_html(v: str, level: str, code: str, year: int) -> str:
    """The standalone HTML portrait of one EPCI or arrondissement for ``year`` (warehouse version ``v``)."""
    portrait = portrait_model.load(v, level, code, year)
    return render(portrait, portrait_model.figures(v, portrait, with_map=False), now_paris())


def render(p: portrait_model.Portrait, figures: dict[str, go.Figure], edited: str) -> str:
    """Pure: the HTML document for portrait ``p``, its (non-map) ``figures`` and its edition time ``edited``."""
    charts = _figures(figures)
    body = [
        f"<h1>{_e(p.name)}</h1>",
        f'<p class="sub">{_e(LEVEL_LABELS[p.level])} · {_e(p.departement)} · données {p.year} '
        f"(évolutions depuis {p.first_year})</p>",
        f'<p class="sub">{_e(edition_line(edited, p.refreshed))}</p>',
        f'<p class="warning">{_e(FICTITIOUS)}</p>' if p.fictitious else "",
        f'<p class="warning">{_e(p.scope_note)}</p>' if p.scope_note else "",
        _section("Chiffres clés", _table(p.key_table)),
        _section("Évolution de la couverture", charts.get("trend", "")),
        _section("Modes d'accueil", charts.get("modes", "")),
        _section("Panier de services parentalité", f"<p>{_e(p.basket_summary)}</p>{_table(p.basket_table)}"),
        _section("Territoire prioritaire ?", _priorities(p)),
        _section("Assistants maternels : renouvellement", f"<p>{_e(p.am_risk)}</p>"),
        portrait_commune.html_section(p),
        "" if p.level == "commune" else _section(
            f"Communes ({len(p.communes_table)})", f'<p class="note">{_e(MAP_NOTE)}</p>'
            f"{_table(_formatted(p.communes_table.mask(p.communes_secret, SECRET), p.communes_decimals))}"),
        f"<footer><p>{_e(p.caption)}</p></footer>",
    ]
    title = f"Portrait de territoire — {p.name} ({p.year})"
    return ('<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(title)}</title><style>{CSS}</style></head><body>"
            + "\n".join(part for part in body if part) + "</body></html>")


def edition_line(edited: str, refreshed: str) -> str:
    """« Édité le … · données actualisées le … »: a printed or saved portrait says how old it is."""
    return f"Édité le {edited} · données de l'entrepôt actualisées le {refreshed}"


def plotly_basic() -> str:
    return PLOTLY_BASIC.read_text(encoding="utf-8")


def _figures(figures: dict[str, go.Figure]) -> dict[str, str]:
    """Each figure as an HTML fragment; plotly.js (basic bundle) inline before the first one only."""
    out = {}
    for i, (name, fig) in enumerate(figures.items()):
        fragment = fig.to_html(full_html=False, include_plotlyjs=False,
                               config={"displaylogo": False, "responsive": True})
        library = f'<script type="text/javascript">{plotly_basic()}</script>' if i == 0 else ""
        out[name] = f'{library}<div class="figure">{fragment}</div>'
    return out


def _priorities(p: portrait_model.Portrait) -> str:
    if p.priority_note:
        members = "" if p.member_priorities.empty else (
            f"<p>Résultats des EPCI ayant au moins une commune dans le territoire ({p.year}) :</p>"
            f"{_table(p.member_priorities)}")
        return f"<p>{_e(p.priority_note)}</p>{members}"
    parts = [f"<h3>{_e(x.title)}</h3><p><strong>{_e(x.status)}</strong></p>{_table(x.reasons)}"
             for x in p.priorities]
    return "".join(parts) or "<p>Aucun résultat de priorité pour ce territoire.</p>"


def _formatted(frame: pd.DataFrame, decimals: dict[str, int]) -> pd.DataFrame:
    """Number columns as French text (« 1 038 », « 96,7 », « n.d. »)."""
    return frame.assign(**{column: frame[column].map(lambda x, d=d: fr_number(x, d)) for column, d in decimals.items()})


def _section(title: str, content: str) -> str:
    return f"<section><h2>{_e(title)}</h2>{content}</section>" if content else ""


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, escape=True, border=0, na_rep="n.d.")


def _e(text: str) -> str:
    return html.escape(str(text))
