"""Explorer les EPCI: filter and compare EPCI, export the table, and bundle the livret of a CTG territory."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pandas as pd
import streamlit as st

from app import charts, data, secrecy, tables, ui
from app.livret import CHART_INDICATOR, LivretInput, build_livret, slug
from app.portrait_html import portrait_html

DEFAULT_INDICATORS = ["tcg", "tcg_eaje", "tcg_ind", "places_total", "part_am_55_plus", "panier_complet"]
EPCI_TYPES = {"CC": "Communauté de communes (CC)", "CA": "Communauté d'agglomération (CA)",
              "CU": "Communauté urbaine (CU)", "ME": "Métropole (ME)"}
STATUSES = ["prioritaire", "non prioritaire", "indéterminé"]
ALL = "tous"
NONE = "aucun"
# Text columns of the exported table, French headers as the spreadsheet shows them.
TYPE, SCOPE, PRIORITY = "Type d'EPCI", "Périmètre", "Statut de priorité"
ORDERS = {"croissant": "croissant", "decroissant": "décroissant"}
COMPARABLE_KINDS = {"rate", "share", "ratio", "money", "flag"}  # département and France sit on the same scale

V = data.version()
meta = data.meta(V)
years = ui.years(V)
catalogue = data.catalogue(V)
epci = data.epci(V)
communes = data.communes(V)
departements = data.territories(V, "departement")
dep_names = dict(zip(departements["code"], departements["name"]))
arrondissements = data.arrondissements(V)
rulesets = data.ruleset_titles(V)
available = data.years_per_indicator(V)
codes = [c for c in catalogue["code"] if c in set(available.loc[available["level"] == "epci", "indicator"])]


def _label(code: str) -> str:
    return ui.label(V, code)


def rows(level: str, territory_codes: list[str], indicators: list[str], years_: list[int]) -> pd.DataFrame:
    """``level, code, name, year`` and one column per indicator for every territory and year asked.

    Built from the territory list, not from the values: a territory without any value keeps its row (n.d.).
    """
    names = data.territories(V, level).set_index("code")["name"]
    frame = pd.MultiIndex.from_product([territory_codes, years_], names=["code", "year"]).to_frame(index=False)
    long = data.values(V, level, tuple(territory_codes), tuple(indicators), tuple(years_))
    wide = long.pivot_table(index=["code", "year"], columns="indicator", values="value", aggfunc="first")
    if not wide.empty:
        frame = frame.merge(wide.reset_index(), on=["code", "year"], how="left")
    frame = frame.reindex(columns=["code", "year", *indicators])
    frame.insert(0, "level", level)
    frame.insert(2, "name", frame["code"].map(names))
    return frame


def ctg_total(name: str, members: list[str], indicators: list[str], years_: list[int],
              level: str = "epci") -> pd.DataFrame:
    """The row of the CTG territory itself: its EPCI's (or communes') counts summed and rates recomputed by the
    query layer."""
    total = data.total(V, level, tuple(members), tuple(years_))
    # a secret total reads « secret statistique » in the livret (its members' rows are marked by secrecy.marked)
    total = total.assign(value=total["value"].astype(object).where(~total["secret"].astype(bool), ui.SECRET))
    wide = total.pivot_table(index="year", columns="indicator", values="value", aggfunc="first")
    frame = pd.DataFrame({"year": years_}).merge(wide.reset_index(), on="year", how="left") if not wide.empty \
        else pd.DataFrame({"year": years_})
    frame = frame.reindex(columns=["year", *indicators])
    frame.insert(0, "level", "ctg")
    frame.insert(1, "code", "")
    frame.insert(2, "name", name)
    return frame


def references(dep_codes: list[str], indicators: list[str], years_: list[int]) -> pd.DataFrame:
    """Rows of the départements concerned and of France, for comparison."""
    return pd.concat([rows("departement", dep_codes, indicators, years_), rows("france", ["FR"], indicators, years_)],
                     ignore_index=True)


def describe_epci(frame: pd.DataFrame, status: pd.DataFrame) -> pd.DataFrame:
    """Adds type, perimeter (straddling EPCI count only their communes in the loaded départements) and priority."""
    info = epci.set_index("code")
    scope = info.apply(lambda r: f"partiel {int(r['n_communes_in_scope'])}/{int(r['n_communes'])}"
                       if r["partial"] else "complet", axis=1)
    state = status.set_index("code")
    classes = state["priority_class"].astype("string")  # all missing when no rule set has classes
    priority = state["status"].where(classes.isna(), state["status"].astype("string") + " — " + classes)
    extra = pd.DataFrame({TYPE: frame["code"].map(info["type"]).map(EPCI_TYPES),
                          SCOPE: frame["code"].map(scope), PRIORITY: frame["code"].map(priority)})
    return pd.concat([frame.iloc[:, :4], extra, frame.iloc[:, 4:]], axis=1)


st.title("Explorer les EPCI")
st.caption("Filtrez les EPCI, comparez-les au département et à la France, exportez le tableau ou le livret "
           "d'un territoire de CTG.")

top = st.columns(4)
with top[0]:
    year = ui.choose("Année", "annee", years, years[-1], cast=int)
with top[1]:
    dep = ui.choose("Département", "departement", [ALL, *dep_names], ALL,
                    format_func=lambda c: "Tous les départements" if c == ALL else f"{dep_names[c]} ({c})",
                    disabled=len(dep_names) == 1)
local_arr = arrondissements if dep == ALL else arrondissements[arrondissements["departement"] == dep]
arr_names = dict(zip(local_arr["code"], local_arr["name"]))
with top[2]:
    arr = ui.choose("Arrondissement", "arrondissement", [ALL, *arr_names], ALL,
                    format_func=lambda c: "Tous les arrondissements" if c == ALL else arr_names[c],
                    help="EPCI ayant au moins une commune dans l'arrondissement.")
with top[3]:
    types = ui.choose_many("Type d'EPCI", "type", [t for t in EPCI_TYPES if t in set(epci["type"])],
                           placeholder="Tous les types", help=" ; ".join(EPCI_TYPES.values()))

middle = st.columns(4)
status_all = data.priority_status(V, "epci", year)
evaluated = sorted(set(status_all["ruleset"])) or [NONE]
with middle[0]:
    ruleset = ui.choose("Règles de priorité", "regles", evaluated, evaluated[0], disabled=evaluated == [NONE],
                        format_func=lambda r: "Aucune règle évaluée" if r == NONE else rulesets.get(r, r))
with middle[1]:
    statuses = ui.choose_many("Statut de priorité", "statut", STATUSES, placeholder="Tous les statuts")
with middle[2]:
    range_code = ui.choose("Filtrer sur un indicateur", "filtre", [NONE, *codes], NONE,
                           format_func=lambda c: "Aucun filtre" if c == NONE else _label(c))
indicators = ui.choose_many("Indicateurs du tableau", "indicateurs", codes, format_func=_label,
                            default=[c for c in DEFAULT_INDICATORS if c in codes] or codes[:4],
                            placeholder="Choisissez des indicateurs")
if not indicators:
    st.info("Choisissez au moins un indicateur.")
    st.stop()

# Filters on the EPCI list; each says what it removed rather than dropping rows silently.
status = status_all[status_all["ruleset"] == ruleset]
kept = epci[["code", "name", "type", "departements"]]
if dep != ALL:
    kept = kept[kept["departements"].str.split(",").map(lambda deps: dep in deps)]
if arr != ALL:
    kept = kept[kept["code"].isin(set(communes.loc[communes["arrondissement"] == arr, "epci"].dropna()))]
if types:
    kept = kept[kept["type"].isin(types)]
if statuses:
    kept = kept[kept["code"].isin(status.loc[status["status"].isin(statuses), "code"])]
notes, range_text = [], NONE
if range_code != NONE:
    values = data.values(V, "epci", None, (range_code,), (year,)).set_index("code")["value"]
    entry = ui.entry(V, range_code)
    if values.dropna().empty:
        notes.append(f"{_label(range_code)} : aucune valeur en {year}, filtre ignoré.")
    else:
        # The EPCI's own values, as displayed, are the stops: the bounds read in French and are never between two.
        shown = values.round(int(entry["decimals"]))
        stops = [float(s) for s in sorted(shown.dropna().unique())]
        with middle[3]:
            lo, hi = ui.choose_range(entry["short_label"], ("min", "max"), stops, help=entry["unit"],
                                     format_func=lambda x: ui.fmt(V, range_code, x))
        range_text = f"{_label(range_code)} : de {ui.fmt(V, range_code, lo)} à {ui.fmt(V, range_code, hi)}"
        if lo > stops[0] or hi < stops[-1]:
            figure = kept["code"].map(shown)
            if figure.isna().any():
                notes.append(f"{int(figure.isna().sum())} EPCI sans valeur pour « {_label(range_code)} » en {year} "
                             "écartés par le filtre.")
            kept = kept[figure.between(lo, hi)]

sort_options = [tables.NAME, *indicators]
order = st.columns([2, 1, 3])
with order[0]:
    sort_by = ui.choose("Trier les EPCI par", "tri", sort_options, tables.NAME,
                        format_func=lambda c: "Nom" if c == tables.NAME else _label(c))
with order[1]:
    direction = ui.choose("Ordre", "ordre", list(ORDERS), "croissant", format_func=ORDERS.get)
dep_codes = [dep] if dep != ALL else sorted({d for ds in kept["departements"] for d in ds.split(",")} & set(dep_names))
columns = ["level", "code", "name", "year", TYPE, SCOPE, PRIORITY, *indicators]
reference_rows = references(dep_codes, indicators, [year]).reindex(columns=columns)
epci_rows = tables.ranked(describe_epci(rows("epci", kept["code"].tolist(), indicators, [year]), status)[columns],
                          sort_by, direction == "decroissant")
# Exported as shown: the references first, then the EPCI in the order chosen above.
table = pd.concat([reference_rows, epci_rows], ignore_index=True)

st.subheader(f"{len(kept)} EPCI sur {len(epci)} — {year}")
for note in notes:
    st.caption(note)
flags = [code for code in indicators if ui.entry(V, code)["kind"] == "flag"]
# Sized to fit 1 440 px with the sidebar open; the territory stays pinned when the grid scrolls sideways.
config = {"name": st.column_config.TextColumn("Territoire", width=260, pinned=True),
          SCOPE: st.column_config.TextColumn(SCOPE, width=100, help="« partiel 38/39 » : EPCI à cheval sur "
                                             "plusieurs départements, 38 de ses 39 communes dans ceux chargés."),
          PRIORITY: st.column_config.TextColumn("Priorité", width="medium",
                                                help=f"Règles « {rulesets.get(ruleset, ruleset)} »")}
for code in indicators:
    about = ui.entry(V, code)
    kind = st.column_config.TextColumn if code in flags else st.column_config.NumberColumn
    config[code] = kind(about["short_label"], help=f"{about['label']} ({about['unit']}). {about['definition']}")
decimals = {code: int(ui.entry(V, code)["decimals"]) for code in indicators if code not in flags}


def grid(frame: pd.DataFrame, extra: list[str], height: int | None = None) -> None:
    """On screen: abbreviated legal forms (the type is in the name), indicators first, no codes."""
    shown = frame.assign(name=frame["name"].map(ui.short_name))[["name", *indicators, *extra]]
    st.dataframe(ui.french_table(shown, decimals, flags, secrecy.cells(V, frame)), column_config=config,
                 hide_index=True, width="stretch",
                 height=height or "auto")


st.caption("Références : département et France, à part du classement des EPCI.")
grid(reference_rows, [])
grid(epci_rows, [SCOPE, PRIORITY], height=min(35 * (len(epci_rows) + 1) + 3, 640))
straddling = (" Un EPCI « partiel » est à cheval sur plusieurs départements : ses chiffres ne comptent que ses "
              "communes des départements chargés.") if epci_rows[SCOPE].str.startswith("partiel").any() else ""
st.caption(f"{ui.source_caption(V, indicators, year, 'epci')} {meta.get('geography_note', '')}{straddling}")

# Downloads: our own buttons (the table's built-in export is disabled because it would skip neutralisation).
filters = pd.DataFrame({"Filtre": ["Année", "Département", "Arrondissement", "Type d'EPCI", "Règles de priorité",
                                   "Statut de priorité", "Filtre sur un indicateur", "Tri des EPCI"],
                        "Valeur": [str(year), "tous" if dep == ALL else dep_names[dep],
                                   "tous" if arr == ALL else arr_names[arr],
                                   ", ".join(types) or "tous", rulesets.get(ruleset, ruleset),
                                   ", ".join(statuses) or "tous", range_text,
                                   f"{'nom' if sort_by == tables.NAME else _label(sort_by)}, {ORDERS[direction]}"]})
ui.table_downloads(secrecy.marked(V, table), f"epci-{year}", catalogue, data.sources(V), meta, {"Filtres": filters},
                   xlsx_label="Télécharger le tableau (Excel)", csv_label="Télécharger le tableau (CSV)",
                   order_note="Les fichiers suivent les filtres et le tri choisis ci-dessus (un clic sur un en-tête "
                              "de colonne ne trie que l'affichage).", provenance=ui.values_of(V, table))

# The first indicator as bars; counts are not set beside the département's and France's totals.
chart = ui.entry(V, indicators[0])
comparable = chart["kind"] in COMPARABLE_KINDS
bar_rows = table if comparable else table[table["level"] == "epci"]
if not kept.empty:
    st.plotly_chart(charts.bars(
        bar_rows.assign(value=bar_rows[indicators[0]], name=bar_rows["name"].map(ui.short_name)),
        title=f"{chart['label']}, {year}",
        subtitle=f"{chart['unit']} — {len(kept)} EPCI" + (" ; en gris : département et France" * comparable),
        unit=chart["unit"], decimals=int(chart["decimals"]),
        references=tuple(table.loc[table["level"] != "epci", "name"])), width="stretch")

st.subheader("Livret CTG")
st.caption("Un dossier ZIP pour le livret d'un territoire de convention territoriale globale : le tableau (CSV et "
           "Excel, toutes les années dans la feuille Évolution), deux graphiques du taux de couverture global (PNG) "
           "et le portrait de chaque EPCI ou commune du territoire (HTML).")
pick = st.columns([2, 1, 2])
territory = pick[0].text_input("Nom du territoire de la CTG", placeholder="Territoire CTG")
with pick[1]:
    made_of = ui.choose("Territoire formé de", "ctg_niveau", ["epci", "commune"], "epci",
                        format_func={"epci": "EPCI", "commune": "communes"}.get,
                        help="Une CTG se signe avec un EPCI, plusieurs, ou des communes.")
if made_of == "epci":
    member_names = dict(zip(epci["code"], epci["name"]))
    shown_name = ui.short_name
else:  # the communes of the chosen département (all of them would be too long a list for a whole country)
    scoped = communes if dep == ALL else communes[communes["departement"] == dep]
    member_names = dict(zip(scoped["code"], scoped["name"]))
    shown_name = str
kind = {"epci": "EPCI", "commune": "communes"}[made_of]
# Full width, abbreviated legal forms, and the list spelt out below: a livret must not miss a member unseen.
members = ui.choose_many(f"{kind.capitalize() if made_of == 'commune' else kind} du territoire de la CTG",
                         f"ctg{'' if made_of == 'epci' else '_communes'}", list(member_names),
                         format_func=lambda c: shown_name(member_names[c]), placeholder=f"Choisissez les {kind}")
if members:
    st.caption(f"{len(members)} {kind if len(members) > 1 else kind.rstrip('s')} : "
               + " ; ".join(member_names[c] for c in members) + ".")
if not members:
    st.info(f"Choisissez les {kind} qui forment le territoire de la CTG pour préparer son livret.")
    st.stop()

territory = territory.strip() or (member_names[members[0]] if len(members) == 1 else "Territoire CTG")
main_deps = data.territories(V, made_of).set_index("code")["departement"]
ctg_deps = sorted({main_deps[c] for c in members if pd.notna(main_deps.get(c))})
ctg_refs = references(ctg_deps, indicators, [year])
own_rows = rows(made_of, members, indicators, [year])
if made_of == "epci":
    own_rows = describe_epci(own_rows, status)
columns = [c for c in table.columns if c in own_rows.columns or c in indicators or c in ("level", "code", "name",
                                                                                           "year")]
livret_table = pd.concat([own_rows, ctg_total(territory, members, indicators, [year], made_of), ctg_refs],
                         ignore_index=True).reindex(columns=columns)
wanted = list(dict.fromkeys([*indicators, CHART_INDICATOR]))
livret = LivretInput(
    territory=territory, year=year, table=secrecy.marked(V, livret_table),
    history=secrecy.marked(V, pd.concat([rows(made_of, members, wanted, years), references(ctg_deps, wanted, years)],
                                        ignore_index=True)),
    catalogue=catalogue, sources=data.sources(V), meta=meta,
    source_text=ui.source_caption(V, [CHART_INDICATOR], None, made_of),
    references=tuple(ctg_refs["name"]), members_label=f"{'EPCI' if made_of == 'epci' else 'Communes'} du territoire")


def _livret_zip() -> bytes:
    """Built on click (portraits and charts take a few seconds), not on every rerun of the page."""
    portraits = {member_names[c]: portrait_html(V, made_of, c, year) for c in members}
    return build_livret(replace(livret, portraits=portraits), datetime.now(timezone.utc))


st.download_button(f"Télécharger le livret CTG « {territory} » (ZIP)", _livret_zip,
                   f"livret-ctg-{slug(territory)}-{year}.zip", "application/zip", icon=":material/folder_zip:",
                   type="primary")
