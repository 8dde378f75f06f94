"""Everything the portrait of one territory shows, gathered once for the page and its HTML export.

Both render the same ``Portrait`` (display-ready French tables) and the same figures, so the fiche a
sous-préfet prints and the file a Caf analyst puts in a livret CTG never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from app import charts, data, portrait_commune, ui
from pipelines.formatting import MISSING, SECRET
from pipelines.indicators.evolution import evolution
from pipelines.priority.text import format_plain

LEVELS = ("epci", "arrondissement", "commune")
KEY_FIGURES = ("tcg", "tcg_eaje", "tcg_ind", "tcg_prescol", "places_total", "enfants_0_2", "part_accueil_collectif",
               "am_actifs", "part_am_55_plus", "nb_mam", "am_actifs_par_etp_rpe", "places_alsh_pour_100_3_10",
               "population", "revenu_median", "taux_pauvrete", "part_population_qpv", "part_communes_frr")
HEADLINE = ("tcg", "places_total", "enfants_0_2", "part_am_55_plus")
MODES = ("places_eaje_psu", "places_eaje_hors_psu", "places_am", "places_gad", "places_prescol")
COMMUNE_COLUMNS = ("enfants_0_2", "places_total", "tcg")
BASKET = (("reaap", "nb_reaap", True), ("laep", "nb_laep", True), ("clas", "nb_clas", True),
          ("mediation", "nb_mediation", False))
AM_RISK = ("part_am_55_plus", "am_55_plus", "am_actifs")
PRESENCE = {True: "✓ oui", False: "✗ non", None: "? n.d."}  # text symbols: emoji fonts can be missing


@dataclass(frozen=True)
class Priority:
    """One rule set's verdict on the territory, with each criterion's wording (figures included)."""

    title: str
    status: str
    reasons: pd.DataFrame  # Critère, Rempli, Détail


@dataclass(frozen=True)
class Portrait:
    level: str
    code: str
    name: str
    year: int
    first_year: int
    departement: str  # name
    fictitious: bool
    scope_note: str | None  # set when only part of the territory is counted
    headline: pd.DataFrame  # indicator, territory, epci, departement, france (numbers or SECRET), change
    key_table: pd.DataFrame  # French, formatted
    trend: pd.DataFrame  # series, year, value (TCG)
    modes: pd.DataFrame  # x, part, value (places by mode and year)
    communes: pd.DataFrame  # code, name, tcg (for the map)
    communes_table: pd.DataFrame  # French headers, numbers kept (sortable), most children first
    communes_decimals: dict[str, int]  # decimals of each number column of communes_table
    communes_secret: pd.DataFrame  # same shape as communes_table: True where « secret statistique »
    basket_summary: str
    basket_table: pd.DataFrame  # French, formatted
    priorities: tuple[Priority, ...]
    priority_note: str | None  # set when no rule set covers this level
    member_priorities: pd.DataFrame  # then: the verdicts of the EPCI with communes in the territory (French)
    am_risk: str
    caption: str  # sources, vintages, geography
    refreshed: str  # when the warehouse was built, in French (Paris time)
    parent: str | None = None  # a commune's EPCI (short name), compared with beside the département and France
    duties: object | None = None  # a commune's duties as an autorité organisatrice (app.sppe.CommuneDuties)


def options(v: str, level: str) -> pd.DataFrame:
    """Territories a user can pick at ``level`` (code, name), by name."""
    return data.territories(v, level)[["code", "name"]].reset_index(drop=True)


def load(v: str, level: str, code: str, year: int) -> Portrait:
    first = ui.years(v)[0]
    territory = data.territories(v, level).set_index("code").loc[code]
    name = title(level, territory["name"])
    dep_code = territory["departement"]
    dep_name = data.territories(v, "departement").set_index("code").loc[dep_code, "name"]
    own = data.values(v, level, (code,))
    dep = data.values(v, "departement", (dep_code,))
    france = data.values(v, "france", ("FR",))
    epci_code, epci_name = portrait_commune.parent(v, level, code)
    epci = data.values(v, "epci", (epci_code,)) if epci_code else None
    now = _at(own, year), _at(dep, year), _at(france, year)
    change = evolution(own, first, year).set_index("indicator")["change"]
    # what a person reads (cards, key figures): a secret value says so, it is not missing
    headline = pd.DataFrame({"territory": _read(own, year), "epci": pd.Series(dtype=object) if epci is None else _read(epci, year),
                             "departement": _read(dep, year), "france": _read(france, year), "change": change})
    communes = _communes(v, level, code, year)
    return Portrait(
        level=level, code=code, name=name, year=year, first_year=first, departement=dep_name,
        fictitious=data.meta(v).get("fictitious") == "true", scope_note=_scope_note(v, level, code),
        headline=headline.reindex(list(HEADLINE)).rename_axis("indicator").reset_index(),
        key_table=_key_table(v, headline, dep_name, first, year, epci_name),
        trend=_trend(own, dep, france, name, dep_name, year, (epci_name, epci)),
        modes=_modes(v, own[own["year"] <= year]),
        communes=communes[["code", "name", "tcg"]],
        communes_table=_communes_table(v, communes),
        communes_secret=_communes_table(v, communes, secret=True),
        communes_decimals={ui.label(v, c, short=True): int(ui.entry(v, c)["decimals"]) for c in COMMUNE_COLUMNS},
        basket_summary=_basket_summary(v, level, code, year),
        basket_table=_basket_table(v, level, code, year, now[0]),
        priorities=_priorities(v, level, code, year),
        priority_note=_priority_note(v, level, year),
        member_priorities=_member_priorities(v, level, code, year),
        am_risk=_am_risk(v, now[0], now[1]),
        caption=_caption(v, pd.concat([own, dep, france], ignore_index=True), year),
        refreshed=ui.fr_date(data.meta(v).get("built_at")),
        parent=epci_name, duties=portrait_commune.duties(v, level, code, dep_code),
    )


def title(level: str, name: str) -> str:
    """« Arrondissement de Chalon-sur-Saône », « d'Autun »: an arrondissement bears its chef-lieu's name."""
    if level != "arrondissement":
        return name
    article = "d'" if name[:1].upper() in "AEIOUYÉÈÊÎ" else "de "
    return f"Arrondissement {article}{name}"


def figures(v: str, p: Portrait, with_map: bool = True) -> dict[str, go.Figure]:
    """The portrait's charts; the map only for the app (MapLibre needs to be served over HTTP)."""
    span = f"{p.first_year}-{p.year}"
    tcg = ui.entry(v, "tcg")
    figs = {
        "trend": charts.lines(
            p.trend, title=f"Taux de couverture global, {span}",
            subtitle=f"{tcg['unit']} — {ui.provenance(p.trend)}", unit="pour 100 enfants",
            references=(p.departement, "France")),
        "modes": charts.stacked_bars(
            p.modes, title=f"Places d'accueil des moins de 3 ans par mode, {span}",
            subtitle=f"places — {ui.provenance(p.modes)}", unit="places"),
    }
    if with_map and p.level != "commune":  # a commune's page draws no map of one
        dep_tcg = p.headline.set_index("indicator").loc["tcg", "departement"]
        figs["map"] = charts.choropleth(
            data.map_shapes(v, "commune", p.communes["code"], charts.CHOROPLETH_PIXELS), p.communes, "tcg", "TCG",
            "pour 100 enfants",
            title=f"Taux de couverture global des communes, {p.year}",
            subtitle=f"{tcg['unit']} ; couleurs centrées sur le département ({ui.fmt(v, 'tcg', dep_tcg)}) ; en gris : "
                     "manquant ou secret statistique",
            midpoint=None if isinstance(dep_tcg, str) or pd.isna(dep_tcg) else dep_tcg)
    return figs


def _at(values: pd.DataFrame, year: int) -> pd.Series:
    """``indicator → value`` for one territory and year."""
    return values[values["year"] == year].set_index("indicator")["value"]


def _read(values: pd.DataFrame, year: int) -> pd.Series:
    """``_at`` with « secret statistique » in place of a secret value (text: for cards and tables, not sums)."""
    rows = values[values["year"] == year].set_index("indicator")
    return rows["value"].astype(object).where(~rows["secret"].astype(bool), SECRET)


def _scope_note(v: str, level: str, code: str) -> str | None:
    if level != "epci":
        return None
    row = data.epci(v).set_index("code").loc[code]
    if not bool(row["partial"]):
        return None
    deps = row["departements"].replace(",", ", ")
    return (f"EPCI à cheval sur plusieurs départements ({deps}) : seules ses {int(row['n_communes_in_scope'])} "
            f"communes sur {int(row['n_communes'])} situées dans le périmètre étudié sont comptées. "
            "Les chiffres ne décrivent que cette partie de l'EPCI.")


def _key_table(v: str, headline: pd.DataFrame, dep_name: str, first: int, year: int,
               parent: str | None = None) -> pd.DataFrame:
    rows = []
    for code in KEY_FIGURES:
        row = headline.loc[code] if code in headline.index else pd.Series(dtype=float)
        entry = ui.entry(v, code)
        rows.append({
            "Indicateur": entry["label"], "Unité": entry["unit"],
            f"Territoire {year}": ui.fmt(v, code, row.get("territory")),
            **({parent: ui.fmt(v, code, row.get("epci"))} if parent else {}),
            dep_name: ui.fmt(v, code, row.get("departement")),
            "France": ui.fmt(v, code, row.get("france")),
            f"Évolution depuis {first}": ui.signed(v, code, row.get("change")),
        })
    return pd.DataFrame(rows)


def _trend(own, dep, france, name: str, dep_name: str, year: int, parent=(None, None)) -> pd.DataFrame:
    """TCG of the territory, a commune's EPCI, its département and France up to ``year`` (with where each figure
    comes from)."""
    parts = [(name, own), *([parent] if parent[0] else []), (dep_name, dep), ("France", france)]
    frames = [frame[(frame["indicator"] == "tcg") & (frame["year"] <= year)].assign(series=series)
              for series, frame in parts]
    return ui.drawn(pd.concat(frames, ignore_index=True))[["series", "year", "value", "origin", "source",
                                                           "vintage_year"]]


def _modes(v: str, own: pd.DataFrame) -> pd.DataFrame:
    rows = own[own["indicator"].isin(MODES)].copy()
    rows["order"] = rows["indicator"].map(MODES.index)
    rows["part"] = rows["indicator"].map(lambda c: ui.label(v, c, short=True))
    return rows.sort_values(["order", "year"]).rename(columns={"year": "x"})[["x", "part", "value", "origin",
                                                                            "source"]]


def _communes(v: str, level: str, code: str, year: int) -> pd.DataFrame:
    """Communes of the territory, one column per indicator of ``COMMUNE_COLUMNS`` (missing stays NaN)."""
    members = data.communes(v)
    members = members[members["code" if level == "commune" else level] == code][["code", "name"]]
    long = data.values(v, "commune", tuple(members["code"]), COMMUNE_COLUMNS, (year,))
    wide = long.pivot_table(index="code", columns="indicator", values="value", aggfunc="first")
    secret = long[long["secret"]].pivot_table(index="code", columns="indicator", values="secret", aggfunc="any")
    secret = secret.reindex(columns=list(COMMUNE_COLUMNS)).add_suffix(SECRET_SUFFIX)
    return members.merge(wide.reindex(columns=list(COMMUNE_COLUMNS)), left_on="code", right_index=True, how="left") \
        .merge(secret, left_on="code", right_index=True, how="left")


SECRET_SUFFIX = "__secret"


def _communes_table(v: str, communes: pd.DataFrame, secret: bool = False) -> pd.DataFrame:
    """French headers, most children first; with ``secret``, the same table's « secret statistique » cells."""
    ordered = communes.sort_values("enfants_0_2", ascending=False, na_position="last")
    headers = {"name": "Commune", **{code: ui.label(v, code, short=True) for code in COMMUNE_COLUMNS}}
    if secret:
        flags = ordered[[f"{c}{SECRET_SUFFIX}" for c in COMMUNE_COLUMNS]].astype("boolean").fillna(False).astype(bool)
        flags.columns = list(COMMUNE_COLUMNS)
        return flags.assign(name=False).rename(columns=headers)[list(headers.values())].reset_index(drop=True)
    return ordered.rename(columns=headers)[list(headers.values())].reset_index(drop=True)


def _basket_row(v: str, level: str, code: str, year: int) -> pd.Series | None:
    basket = data.basket(v, level, year)
    found = basket[basket["code"] == code]
    return None if found.empty else found.iloc[0]


def _basket_summary(v: str, level: str, code: str, year: int) -> str:
    row = _basket_row(v, level, code, year)
    if row is None or pd.isna(row["complete"]):
        return f"Panier de services parentalité : {MISSING} (données manquantes)."
    if bool(row["complete"]):
        return "Panier de services parentalité complet : REAAP, LAEP et CLAS sont présents."
    return f"Panier de services parentalité incomplet : il manque {row['missing']}."


def _basket_table(v: str, level: str, code: str, year: int, now: pd.Series) -> pd.DataFrame:
    row = _basket_row(v, level, code, year)
    rows = []
    for element, indicator, required in BASKET:
        present = None if row is None or pd.isna(row[element]) else bool(row[element])
        rows.append({"Élément": ui.label(v, indicator), "Panier de base": "oui" if required else "non",
                     "Présent": PRESENCE[present],
                     "Nombre": ui.fmt(v, indicator, now.get(indicator))})
    return pd.DataFrame(rows)


def _priorities(v: str, level: str, code: str, year: int) -> tuple[Priority, ...]:
    status = data.priority_status(v, level, year)
    status = status[status["code"] == code]
    titles = data.ruleset_titles(v)
    out = []
    for row in status.sort_values("ruleset").itertuples():
        reasons = data.priority_reasons(v, level, year, row.ruleset, code)
        out.append(Priority(
            title=titles.get(row.ruleset, row.ruleset),
            status=_status_text(row.status, row.priority_class, row.score),
            reasons=pd.DataFrame({
                "Critère": reasons["label"],
                "Rempli": reasons["met"].map(lambda m: PRESENCE[None if pd.isna(m) else bool(m)]),
                "Détail": reasons["text"],
            }).reset_index(drop=True),
        ))
    return tuple(out)


def _status_text(status: str, priority_class, score) -> str:
    text = status[0].upper() + status[1:]
    if isinstance(priority_class, str) and priority_class:
        text += f" — {priority_class}"
    if not pd.isna(score):
        text += f" (score {format_plain(float(score))})"
    return text


def _priority_note(v: str, level: str, year: int) -> str | None:
    if not data.priority_status(v, level, year).empty:
        return None
    plural = {"arrondissement": "arrondissements", "epci": "EPCI", "commune": "communes"}[level]
    return f"Aucune règle de priorité n'est évaluée au niveau des {plural}."


def _member_priorities(v: str, level: str, code: str, year: int) -> pd.DataFrame:
    """EPCI × rule set verdicts for the EPCI having communes in an arrondissement (rules cover EPCI, not it)."""
    if level == "epci":
        return pd.DataFrame()
    communes = data.communes(v)
    members = set(communes.loc[communes["code" if level == "commune" else level] == code, "epci"].dropna())
    status = data.priority_status(v, "epci", year)
    status = status[status["code"].isin(members)]
    if status.empty:
        return pd.DataFrame()
    names = options(v, "epci").set_index("code")["name"]
    titles = data.ruleset_titles(v)
    verdicts = status.assign(
        EPCI=status["code"].map(names), rule=status["ruleset"].map(lambda r: titles.get(r, r)),
        verdict=[_status_text(*row) for row in status[["status", "priority_class", "score"]].itertuples(index=False)])
    table = verdicts.pivot(index="EPCI", columns="rule", values="verdict").reset_index()
    return table.rename_axis(columns=None)


def _am_risk(v: str, own: pd.Series, dep: pd.Series) -> str:
    share, n55, active = (own.get(c) for c in AM_RISK)
    if share is None or pd.isna(share):
        return f"Part des assistants maternels actifs de 55 ans ou plus : {MISSING}."
    return (f"{ui.fmt(v, 'part_am_55_plus', share)} % des assistants maternels actifs ont 55 ans ou plus "
            f"({ui.fmt(v, 'am_55_plus', n55)} sur {ui.fmt(v, 'am_actifs', active)}), contre "
            f"{ui.fmt(v, 'part_am_55_plus', dep.get('part_am_55_plus'))} % dans le département : "
            "des départs en retraite à anticiper dans les prochaines années.")


def _caption(v: str, shown: pd.DataFrame, year: int) -> str:
    """Where the figures of the portrait come from (territory, département and France alike), and the geography."""
    codes = set(KEY_FIGURES + MODES)
    note = data.meta(v).get("geography_note", "")
    figures = shown[(shown["year"] == year) & shown["indicator"].isin(codes)]
    return f"{ui.values_caption(figures, year)} {note}".strip()
