"""Plotly figures shared by the pages and the HTML exports.

One look everywhere: French number separators, a title that names the figure and its years, a
subtitle with unit and source, colour-blind-safe colours, missing values drawn as missing.
"""

from __future__ import annotations

import itertools
import textwrap

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from app.maps import MapShapes
from pipelines.formatting import MISSING, SECRET, fr_number

SEPARATORS = ", "  # decimal comma, thin-space thousands: « 14 957 », « 72,1 »
# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
REFERENCE_STYLES = {"dash": "dash", "color": "#555555"}
REFERENCE_DASHES = ("dash", "dot")  # département, France
MISSING_COLOUR = "#d9d9d9"
SECRET_COLOUR = "#a9b0b8"  # darker than missing: a value exists, it is withheld
TICKS = ",~f"  # thousands grouped (« 1 500 »), no trailing zeros
SUBTITLE_WIDTH = 80  # characters per subtitle line: fits a chart in half a wide page
SEQUENTIAL = "Viridis"  # colour-blind safe and, unlike Cividis, without greys that read as « n.d. »
# Index to France in 5 classes (RdYlBu, ColorBrewer colour-blind safe): the pale middle is « like France ».
DIVERGING_CLASSES = ["#d7191c", "#fdae61", "#ffffbf", "#abd9e9", "#2c7bb6"]
STATUS_COLOURS = {"Priorité 1": "#D55E00", "prioritaire": "#D55E00", "Priorité 2": "#E69F00",
                  "non prioritaire": "#56B4E9", "indéterminé": "#CC79A7"}
MAP_PIXELS = (700, 480)  # the size the zoom of a class map is fitted to
CHOROPLETH_PIXELS = (460, 380)  # plot area of a map in half a wide page, colour bar aside


def style(fig: go.Figure, title: str, subtitle: str, height: int = 420) -> go.Figure:
    """Title, subtitle (unit, source), French separators and a legend that never hides the plot.

    Plotly does not wrap text: a long subtitle (several sources) is broken into lines here and the top
    margin grows with it, so it is never cut at the chart's edge.
    """
    lines = textwrap.wrap(subtitle, SUBTITLE_WIDTH) or [""]
    fig.update_layout(
        title={"text": title, "subtitle": {"text": "<br>".join(lines)}, "x": 0, "xanchor": "left"},
        separators=SEPARATORS, height=height + 15 * (len(lines) - 1),
        margin={"l": 10, "r": 10, "t": 66 + 15 * len(lines), "b": 10},
        legend={"orientation": "h", "yanchor": "top", "y": -0.12, "xanchor": "left", "x": 0, "title": None},
        font={"size": 13}, hoverlabel={"namelength": -1},
    )
    return fig


def lines(frame: pd.DataFrame, *, title: str, subtitle: str, unit: str, decimals: int = 1,
          references: tuple[str, ...] = ()) -> go.Figure:
    """One line per ``series`` over ``year`` (``value``); a missing year leaves a gap, not a zero.

    Series named in ``references`` (département, France) are drawn grey and dashed behind the others.
    """
    years = sorted(frame["year"].unique())
    fig = go.Figure()
    series = list(dict.fromkeys(frame["series"]))
    colours = itertools.cycle(PALETTE)
    for name in sorted(series, key=lambda s: s not in references):
        part = frame[frame["series"] == name].set_index("year")["value"].reindex(years)
        if name in references:
            dash = REFERENCE_DASHES[references.index(name) % 2]
            line, rank = {"color": REFERENCE_STYLES["color"], "dash": dash}, 1000
        else:
            line, rank = {"color": next(colours)}, 1
        fig.add_trace(go.Scatter(
            x=years, y=part.to_numpy(dtype=float), name=name, mode="lines+markers", line={**line, "width": 2.5},
            customdata=[fr_number(v, decimals) for v in part], connectgaps=False, legendrank=rank,
            hovertemplate=f"{name}<br>%{{x}} : %{{customdata}} {unit}<extra></extra>",
        ))
    fig.update_layout(showlegend=True)  # even for a single line: a dashed grey line must say what it is
    fig.update_xaxes(tickmode="array", tickvals=years, ticktext=[str(y) for y in years], title=None)
    fig.update_yaxes(title=unit, tickformat=TICKS, automargin=True)  # room for tick labels outside Streamlit too
    return style(fig, title, subtitle)


def stacked_bars(frame: pd.DataFrame, *, title: str, subtitle: str, unit: str, decimals: int = 0) -> go.Figure:
    """Bars of ``value`` per ``x`` stacked by ``part`` (in the order the parts first appear)."""
    fig = go.Figure()
    for colour, (name, part) in zip(PALETTE, frame.groupby("part", sort=False)):
        fig.add_trace(go.Bar(
            x=part["x"].astype(str), y=part["value"], name=name, marker_color=colour,
            customdata=[fr_number(v, decimals) for v in part["value"]],
            hovertemplate=f"{name}<br>%{{x}} : %{{customdata}} {unit}<extra></extra>",
        ))
    fig.update_layout(barmode="stack")
    fig.update_xaxes(type="category", title=None)
    fig.update_yaxes(title=unit, tickformat=TICKS, automargin=True)
    return style(fig, title, subtitle)


def choropleth(shapes: MapShapes, frame: pd.DataFrame, value_col: str, label: str, unit: str, *, title: str,
               subtitle: str, decimals: int = 1, midpoint: float | None = None, height: int = 480) -> go.Figure:
    """Map of ``frame`` (``code``, ``name``, ``value_col``) on ``shapes`` (``CHOROPLETH_PIXELS`` fitted).

    With ``midpoint`` (e.g. the département's value) the scale is diverging around it (``RdBu``),
    otherwise sequential (``Viridis``). Territories without a value are drawn grey and say « n.d. ».
    Offline-safe: MapLibre with the ``white-bg`` style only (no tiles).
    """
    known = frame[frame[value_col].notna()]
    missing = frame[frame[value_col].isna()]
    fig = go.Figure()
    if not missing.empty:
        fig.add_trace(go.Choroplethmap(
            geojson=shapes.subset(missing["code"]), locations=missing["code"], z=[0] * len(missing), showscale=False,
            colorscale=[[0, MISSING_COLOUR], [1, MISSING_COLOUR]], marker_line_color="white", name=MISSING,
            customdata=missing["name"], hovertemplate=f"%{{customdata}}<br>{label} : {MISSING}<extra></extra>",
        ))
    values = known[value_col].astype(float)
    scale = {"colorscale": SEQUENTIAL}
    if midpoint is not None and not values.empty:
        spread = max(abs(values.quantile(0.95) - midpoint), abs(midpoint - values.quantile(0.05)), 1e-9)
        scale = {"colorscale": "RdBu", "zmid": midpoint, "zmin": midpoint - spread, "zmax": midpoint + spread}
    fig.add_trace(go.Choroplethmap(
        geojson=shapes.subset(known["code"]), locations=known["code"], z=values, **scale, marker_line_color="white",
        marker_line_width=0.8, colorbar={"title": {"text": unit, "side": "right"}, "thickness": 14},
        customdata=list(zip(known["name"], [fr_number(v, decimals) for v in values])),
        hovertemplate=f"%{{customdata[0]}}<br>{label} : %{{customdata[1]}} {unit}<extra></extra>",
    ))
    fig.update_layout(map={"style": "white-bg", "center": shapes.center, "zoom": shapes.zoom})
    return style(fig, title, subtitle, height)


_EMPTY_SHAPE = {"type": "Feature", "id": "_classe_vide", "properties": {},
                "geometry": {"type": "Polygon", "coordinates": [[[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]]}}


def sequential_colours(n: int) -> list[str]:
    """``n`` colours from the sequential scale, for classes ordered from low to high."""
    return sample_colorscale(SEQUENTIAL, [i / max(n - 1, 1) for i in range(n)], colortype="rgb")


def choropleth_classes(shapes: MapShapes, frame: pd.DataFrame, class_col: str, classes: list[str], colours: list[str],
                       *, title: str, subtitle: str, legend_title: str, height: int = 560) -> go.Figure:
    """Map of ``frame`` (``code``, ``class_col``, ``hover``: text) on ``shapes`` (``MAP_PIXELS`` fitted), coloured
    by class, legend in ``classes`` order.

    Every class keeps its legend entry even when a year leaves it empty, so the legend reads the same
    every year; territories without a class are drawn grey, never given a class: « secret statistique » where
    ``frame`` has a true ``secret``, else « n.d. ».
    """
    fig = go.Figure()
    groups = [(name, colour, frame[frame[class_col] == name]) for name, colour in zip(classes, colours)]
    unclassed = frame[frame[class_col].isna()]
    secret = (unclassed["secret"] if "secret" in unclassed else pd.Series(False, index=unclassed.index)) \
        .fillna(False).astype(bool)
    for name, colour, part in ((SECRET, SECRET_COLOUR, unclassed[secret]),
                               (f"{MISSING} (donnée manquante)", MISSING_COLOUR, unclassed[~secret])):
        if not part.empty:
            groups.append((name, colour, part))
    for name, colour, part in groups:
        layer, codes, hover = shapes.subset(part["code"]), part["code"].tolist(), part["hover"].tolist()
        if part.empty:  # plotly drops data-less traces from the legend: give it one invisible, zero-area shape
            layer, codes, hover = {"type": "FeatureCollection", "features": [_EMPTY_SHAPE]}, [_EMPTY_SHAPE["id"]], [""]
        fig.add_trace(go.Choroplethmap(
            geojson=layer, locations=codes, z=[1] * len(codes), name=name,
            colorscale=[[0, colour], [1, colour]], showscale=False, showlegend=True,
            marker_line_color="#7f7f7f", marker_line_width=0.5, customdata=hover,
            hovertemplate="%{customdata}<extra></extra>",
        ))
    fig.update_layout(map={"style": "white-bg", "center": shapes.center, "zoom": shapes.zoom})
    style(fig, title, subtitle, height)
    fig.update_layout(legend={"orientation": "v", "y": 1, "yanchor": "top", "x": 1.01, "xanchor": "left",
                              "title": {"text": legend_title}})
    return fig


def bars(frame: pd.DataFrame, *, title: str, subtitle: str, unit: str, decimals: int = 1,
         references: tuple[str, ...] = ()) -> go.Figure:
    """Horizontal bars of ``value`` per ``name``, highest on top; references (département, France) in grey.

    A missing value gets no bar and the label « n.d. » at the axis: a zero-length bar would read as 0.
    """
    data = frame.assign(value=pd.to_numeric(frame["value"]).astype(float)).sort_values("value", na_position="first")
    colours = [REFERENCE_STYLES["color"] if n in references else PALETTE[0] for n in data["name"]]
    text = [fr_number(v, decimals) for v in data["value"]]
    fig = go.Figure(go.Bar(
        x=data["value"], y=data["name"], orientation="h", marker_color=colours, text=text,
        textposition="outside", cliponaxis=False, customdata=text,
        hovertemplate=f"%{{y}}<br>%{{customdata}} {unit}<extra></extra>",
    ))
    for name in data.loc[data["value"].isna(), "name"]:
        fig.add_annotation(x=0, y=name, text=MISSING, showarrow=False, xanchor="left", font={"color": "#555555"})
    fig.update_xaxes(title=unit, rangemode="tozero")
    fig.update_yaxes(title=None, automargin=True)
    return style(fig, title, subtitle, height=max(300, 90 + 28 * len(data)))


def trajectory(frame: pd.DataFrame, *, title: str, subtitle: str, unit: str, decimals: int = 1,
               goal: float | None = None, deadline: int | None = None, height: int = 340) -> go.Figure:
    """An indicator of the action plan: its values (``observed``, a missing year is a gap) against the trajectory
    from its baseline to its target (``expected``, grey and dashed), the target marked at its deadline."""
    years = [int(y) for y in frame["year"]]
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=years, y=frame["expected"].to_numpy(dtype=float), name="Trajectoire visée", mode="lines",
        line={"color": REFERENCE_STYLES["color"], "dash": "dash", "width": 2},
        customdata=[fr_number(v, decimals) for v in frame["expected"]],
        hovertemplate="Trajectoire<br>%{x} : %{customdata}" + f" {unit}<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=years, y=frame["observed"].to_numpy(dtype=float), name="Valeur observée", mode="lines+markers",
        line={"color": PALETTE[0], "width": 2.5}, connectgaps=False,
        customdata=[fr_number(v, decimals) for v in frame["observed"]],
        hovertemplate="Observé<br>%{x} : %{customdata}" + f" {unit}<extra></extra>"))
    if goal is not None and deadline is not None and not pd.isna(goal):
        fig.add_trace(go.Scatter(
            x=[deadline], y=[goal], name=f"Cible {deadline}", mode="markers",
            marker={"symbol": "star", "size": 13, "color": PALETTE[1]},
            hovertemplate=f"Cible {deadline} : {fr_number(goal, decimals)} {unit}<extra></extra>"))
    fig.update_xaxes(tickmode="array", tickvals=years, ticktext=[str(y) for y in years], title=None)
    # a long unit (« places pour 100 enfants… ») stays in the subtitle: upright it would run into it
    fig.update_yaxes(title=unit if len(unit) <= 20 else None, tickformat=TICKS, automargin=True)
    style(fig, title, subtitle, height=height)
    fig.update_layout(legend={"y": -0.2}, margin={"b": 30})  # below the year ticks of a short chart
    return fig
