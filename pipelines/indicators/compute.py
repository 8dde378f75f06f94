"""From typed source tables to the warehouse's indicator tables, in memory and without I/O."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipelines.indicators import counts as c
from pipelines.indicators.aggregate import aggregate_levels
from pipelines.indicators.basket import basket, basket_indicators, share_complete
from pipelines.indicators.catalogue import BY_CODE, SOURCE_LABELS
from pipelines.indicators.rates import derive

TCG_PUBLISHED = ["tcg", "tcg_eaje", "tcg_psu", "tcg_hors_psu", "tcg_ind", "tcg_am", "tcg_gad", "tcg_prescol"]
INCOME_COLUMNS = {"median_income": "revenu_median", "poverty_rate": "taux_pauvrete"}
PUBLISHED_SOURCE = "Cnaf, data.caf.fr (taux publiés)"


@dataclass(frozen=True)
class IndicatorSet:
    values: pd.DataFrame  # level, code, year, indicator, value, source, vintage
    basket: pd.DataFrame  # level, code, year, reaap, laep, clas, mediation, complete, missing
    comparison: pd.DataFrame  # level, code, year, indicator, published, computed, gap
    years: list[int]
    base_year: int


def panel_years(tables: dict[str, pd.DataFrame]) -> list[int]:
    """The years the data set describes: those of its yearly supply and population sources."""
    years: set[int] = set()
    for key in ("childminders", "complementary_places", "population"):
        if key in tables:
            years |= set(tables[key]["year"].dropna().astype(int))
    return sorted(years)


def compute(tables: dict[str, pd.DataFrame], communes: pd.DataFrame, vintages: dict[str, str],
            whole_country: bool = False, base_year: int | None = None) -> IndicatorSet:
    years = panel_years(tables)
    if not years:
        raise ValueError("aucune année : il faut au moins la population ou un extrait annuel")
    base_year = base_year or years[0]
    counts = commune_counts(tables, communes, years, base_year)
    levels = aggregate_levels(counts, communes, whole_country)
    epci_parent = communes.dropna(subset=["epci"]).groupby("epci")["departement"].agg(lambda s: s.mode().iloc[0])
    frames, baskets = [], []
    for level, frame in levels.items():
        derived = derive(frame)
        if level != "commune":  # a sum of commune flags is a count, published as part_communes_frr
            derived = derived.drop(columns=["frr"], errors="ignore")
        b = basket(derived)
        derived = derived.join(basket_indicators(b))
        if level == "epci":
            epci_basket = b
        frames.append((level, derived))
        baskets.append(b.assign(level=level))
    frames = [(lvl, _with_basket_share(lvl, df, epci_basket, epci_parent)) for lvl, df in frames]
    values = pd.concat([_long(level, df, vintages) for level, df in frames], ignore_index=True)
    values = pd.concat([values, _income(tables.get("income"), communes, years, vintages)], ignore_index=True)
    published = _published(tables.get("caf_rates"), years)
    comparison = _comparison(published, values)
    extra = [_published_values(published, comparison, whole_country, vintages)]
    values = pd.concat([values, *extra], ignore_index=True)
    basket_table = pd.concat(baskets).reset_index()
    return IndicatorSet(values.dropna(subset=["value"]).reset_index(drop=True), basket_table,
                        comparison, years, base_year)


def commune_counts(tables, communes: pd.DataFrame, years: list[int], base_year: int) -> pd.DataFrame:
    frame = c.panel(communes["code"], years)
    parts = []
    if "equipments" in tables:
        parts.append(c.equipment_counts(tables["equipments"], frame, base_year))
    if "childminders" in tables:
        parts.append(c.yearly_counts(tables["childminders"], frame, c.CHILDMINDER_COLUMNS))
    if "complementary_places" in tables:
        parts.append(c.yearly_counts(tables["complementary_places"], frame,
                                     {"places_gad": "places_gad", "places_prescol": "places_prescol"}))
    if "rpe_staff" in tables:
        parts.append(c.yearly_counts(tables["rpe_staff"], frame, {"etp": "rpe_etp"}))
    if "population" in tables:
        pop, _ = c.carried_forward(tables["population"], frame, c.POPULATION_COLUMNS)
        parts.append(pop)
    parts.append(c.static_flags(tables.get("frr"), tables.get("qpv"), frame))
    out = pd.concat([frame, *parts], axis=1)
    for column in BASE_COUNTS:
        if column not in out:
            out[column] = np.nan
    return out


BASE_COUNTS = [
    "places_eaje_psu", "places_eaje_hors_psu", "places_eaje", "nb_eaje", "places_mam", "nb_mam", "places_alsh",
    "nb_alsh", "nb_rpe", "nb_laep", "nb_clas", "nb_reaap", "nb_mediation", "nb_espace_rencontre",
    "places_eaje_creees", "places_eaje_fermees", "places_eaje_solde", "am_agrees", "am_actifs",
    "am_places_agrees", "places_am", "am_55_plus", "places_gad", "places_prescol", "rpe_etp", "population",
    "enfants_0_2", "enfants_3_5", "enfants_6_10", "enfants_11_17",
]


def _with_basket_share(level, df, epci_basket, epci_parent):
    if level not in ("departement", "france"):
        return df
    parent = epci_parent if level == "departement" else pd.Series("FR", index=epci_parent.index)
    share = share_complete(epci_basket, parent)
    return df.assign(part_epci_panier_complet=share.reindex(df.index))


def _long(level: str, df: pd.DataFrame, vintages: dict[str, str]) -> pd.DataFrame:
    codes = [code for code in df.columns if code in BY_CODE]
    wide = df[codes].rename_axis(["code", "year"]).reset_index()
    wide["code"] = wide["code"].astype("category")  # melt repeats it once per indicator
    long = wide.melt(id_vars=["code", "year"], var_name="indicator", value_name="value")
    long = long[long["value"].notna()]
    long.insert(0, "level", level)
    return _label_sources(long, vintages)


def _label_sources(long: pd.DataFrame, vintages: dict[str, str]) -> pd.DataFrame:
    """Source and vintage of each value, from its indicator's inputs.

    Repeated labels are stored as categories: at national scale the table has millions of rows.
    """
    source = {code: " ; ".join(SOURCE_LABELS[k] for k in e["inputs"]) for code, e in BY_CODE.items()}
    vintage = {code: " ; ".join(vintages[k] for k in e["inputs"] if k in vintages) for code, e in BY_CODE.items()}
    indicator = long["indicator"].astype("category")
    long["indicator"] = indicator
    long["source"] = indicator.map(source)
    long["vintage"] = indicator.map(vintage)
    long["year"] = long["year"].astype(int)
    return long


def _income(income: pd.DataFrame | None, communes: pd.DataFrame, years: list[int], vintages) -> pd.DataFrame:
    """Filosofi figures as published per commune, EPCI and France (medians do not add up); carried forward."""
    if income is None or income.empty:
        return pd.DataFrame()
    known = {"commune": set(communes["code"]), "epci": set(communes["epci"].dropna()), "france": {"FR"}}
    rows = []
    for level, codes in known.items():
        sub = income[(income["level"] == level) & income["code"].isin(codes)].rename(columns={"code": "commune"})
        if sub.empty:
            continue
        frame = c.panel(sub["commune"].unique(), years)
        values, _ = c.carried_forward(sub, frame, INCOME_COLUMNS)
        long = values.rename_axis(["code", "year"]).reset_index().melt(
            id_vars=["code", "year"], var_name="indicator", value_name="value")
        rows.append(long.assign(level=level))
    return _label_sources(pd.concat(rows, ignore_index=True), vintages) if rows else pd.DataFrame()


def _published(caf_rates: pd.DataFrame | None, years: list[int]) -> pd.DataFrame:
    if caf_rates is None or caf_rates.empty:
        return pd.DataFrame(columns=["level", "code", "year", "indicator", "published"])
    rates = caf_rates[~caf_rates["placeholder"].astype(bool) & caf_rates["year"].isin(years)].copy()
    rates.loc[rates["level"] == "france", "code"] = "FR"
    long = rates.melt(id_vars=["level", "code", "year"], value_vars=TCG_PUBLISHED, var_name="indicator",
                      value_name="published").dropna(subset=["published", "code"])
    long["year"] = long["year"].astype(int)
    return long.drop_duplicates(["level", "code", "year", "indicator"], keep="first")


def _comparison(published: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
    computed = values[values["indicator"].isin(TCG_PUBLISHED)][["level", "code", "year", "indicator", "value"]]
    out = published.merge(computed.rename(columns={"value": "computed"}), on=["level", "code", "year", "indicator"])
    out["published"] = out["published"].astype(float)
    out["gap"] = (out["computed"] - out["published"]).round(3)
    return out.reset_index(drop=True)


def _published_values(published: pd.DataFrame, comparison: pd.DataFrame, whole_country: bool,
                      vintages: dict[str, str]) -> pd.DataFrame:
    """``tcg_publie`` and ``tcg_ecart`` beside the computed TCG; France from the Cnaf when not computed."""
    vintage = vintages.get("caf_rates", "")
    tcg = published[published["indicator"] == "tcg"]
    rows = [tcg.assign(indicator="tcg_publie").rename(columns={"published": "value"})]
    gap = comparison[comparison["indicator"] == "tcg"]
    rows.append(gap.assign(indicator="tcg_ecart")[["level", "code", "year", "indicator", "gap"]]
                .rename(columns={"gap": "value"}))
    if not whole_country:
        rows.append(published[published["level"] == "france"].rename(columns={"published": "value"}))
    out = pd.concat(rows, ignore_index=True)
    out["value"] = out["value"].astype(float)
    out["source"] = PUBLISHED_SOURCE
    out["vintage"] = vintage
    return out
