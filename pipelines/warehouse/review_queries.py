"""The query layer's reads of the action plan, the bilan annuel and the communes' SPPE obligations.

A mixin of ``Warehouse`` (``query.py``) kept apart so the query layer stays a set of small modules: every
method returns a frame of what the refresh computed (statuses, trajectories, flows, tiers); nothing here
computes a figure. A warehouse built before these tables existed answers with empty frames, so the app says
« pas de plan » rather than failing.
"""

from __future__ import annotations

import pandas as pd

RESERVED = "réservé aux analystes"  # a value from an internal extract, to a reader without access to them

# Bilan items counting persons -> the catalogue counts whose secrecy they follow.
SECRET_INDICATORS = {"am_agrees": {"am_agrees", "am_places_agrees"}, "am_actifs": {"am_actifs", "places_am"}}
PLAN_TABLES = ("plan_action", "plan_tracking", "annual_review", "commune_obligation")
# Figures shown beside each commune's obligations (catalogue codes, in this order).
COMMUNE_FIGURES = ("enfants_0_2", "tcg", "places_eaje", "am_actifs", "places_am", "nb_mam", "nb_rpe",
                   "nb_laep", "panier_complet")


class ReviewQueries:
    def _df(self, sql: str, params: list | None = None) -> pd.DataFrame:  # provided by Warehouse
        raise NotImplementedError

    def tables(self) -> set[str]:  # provided by Warehouse
        raise NotImplementedError

    def values(self, level, codes=None, indicators=None, years=None, clearance="confidential"):  # by Warehouse
        raise NotImplementedError

    def _has(self, table: str) -> bool:
        return table in self.tables()

    # --- the action plan ---------------------------------------------------------------------------

    def plans(self) -> pd.DataFrame:
        """``departement, title, first_year, last_year, file``: one row per schéma loaded (none: empty)."""
        if not self._has("plan_schema"):
            return pd.DataFrame(columns=["departement", "title", "first_year", "last_year", "file"])
        return self._df("SELECT * FROM plan_schema ORDER BY departement")

    def plan_axes(self, departement: str) -> pd.DataFrame:
        return self._df("SELECT * FROM plan_axis WHERE departement = ? ORDER BY sort_order", [departement])

    def plan_actions(self, departement: str, year: int) -> pd.DataFrame:
        """The fiches with their axis and their status as of ``year`` (the latest status given up to that year;
        missing when none is) and the year it was given."""
        return self._df("""
            SELECT a.*, x.label AS axis_label, x.sort_order AS axis_order, s.status, s.year AS status_year,
                   s.target_action, s.comment AS status_comment
            FROM plan_action a
            LEFT JOIN plan_axis x USING (departement, axis)
            LEFT JOIN (SELECT * FROM plan_status WHERE departement = ? AND year <= ?
                       QUALIFY row_number() OVER (PARTITION BY action ORDER BY year DESC) = 1) s USING (departement, action)
            WHERE a.departement = ? ORDER BY a.sort_order""", [departement, year, departement])

    def plan_statuses(self, departement: str) -> pd.DataFrame:
        return self._df("SELECT * FROM plan_status WHERE departement = ? ORDER BY action, year", [departement])

    def plan_indicators(self, departement: str, clearance: str = "confidential") -> pd.DataFrame:
        """Each linked indicator with its label, unit, territory, target and where it stands (``plan_tracking``).

        For a ``public`` clearance an indicator resting on a value from an internal extract keeps its line, its
        figures and verdict withheld (status ``RESERVED``).
        """
        found = self._df("""
            SELECT i.*, coalesce(k.label, i.label) AS indicator_label, coalesce(k.unit, i.unit) AS indicator_unit,
                   coalesce(k.decimals, CASE WHEN t.value <> round(t.value) THEN 1 ELSE 0 END) AS decimals,
                   i.indicator IS NULL AS entered,
                   coalesce(i.territory_name, CASE WHEN len(i.codes) = 1 THEN r.name END,
                            len(i.codes) || ' territoires') AS territory_label,
                   t.* EXCLUDE (departement, indicator_id)
            FROM plan_indicator i
            LEFT JOIN indicator_catalogue k ON k.code = i.indicator
            LEFT JOIN territory r ON r.level = i.level AND r.code = i.codes[1]
            LEFT JOIN plan_tracking t ON t.departement = i.departement AND t.indicator_id = i.indicator_id
            WHERE i.departement = ? ORDER BY i.sort_order""", [departement])
        if clearance == "confidential" or "public" not in found:
            return found
        hidden = ~found["public"].astype("boolean").fillna(True).astype(bool)
        found.loc[hidden, ["baseline_value", "value", "expected", "progress", "goal"]] = None
        found.loc[hidden, "status"] = RESERVED
        found.loc[hidden, "reason"] = "Calculé des extraits de la Caf ou de la PMI : " + RESERVED + "."
        return found

    def plan_trajectories(self, departement: str, clearance: str = "confidential") -> pd.DataFrame:
        """Observed and expected values per year (``secret``: the observed value is « secret statistique »);
        withheld for a ``public`` clearance where ``plan_indicators`` withholds the indicator."""
        found = self._df("SELECT * FROM plan_trajectory WHERE departement = ? ORDER BY indicator_id, year",
                         [departement])
        if clearance == "confidential" or "secret" not in found:
            return found
        public = self._df("SELECT indicator_id, public FROM plan_tracking WHERE departement = ?", [departement])
        hidden = found["indicator_id"].isin(set(public.loc[~public["public"], "indicator_id"]))
        found.loc[hidden, ["observed", "expected"]] = None
        return found

    # --- the bilan annuel --------------------------------------------------------------------------

    def review_years(self) -> list[int]:
        if not self._has("annual_review"):
            return []
        return [int(y) for y in self._df("SELECT DISTINCT year FROM annual_review ORDER BY year")["year"]]

    def annual_review(self, level: str, code: str, year: int) -> pd.DataFrame:
        """The year's review of one territory, item by item (``review_item`` order, labels and units).

        Assistants maternels are persons: their counts of a year are withheld (NULL, ``secret`` true) where the
        warehouse's secrecy masks the same count of the same territory that year or the year before
        (``secret_cell``, secondary suppression included), so the bilan gives away nothing the tables hide.
        """
        review = self._df("""
            SELECT i.label, i.short_label, i.unit, i.source, i.with_places, r.*
            FROM review_item i LEFT JOIN annual_review r ON r.item = i.item AND r.level = ? AND r.code = ?
                 AND r.year = ?
            ORDER BY i.sort_order""", [level, code, year])
        secret = set(self._df("""SELECT DISTINCT indicator FROM secret_cell WHERE level = ? AND code = ?
                                 AND year IN (?, ?)""", [level, code, year, year - 1])["indicator"]) \
            if self._has("secret_cell") else set()
        review["secret"] = [bool(SECRET_INDICATORS.get(item, set()) & secret) for item in review["item"]]
        review.loc[review["secret"], ["before", "after", "places_before", "places_after"]] = None
        return review

    def review_events(self, level: str, code: str, year: int) -> pd.DataFrame:
        """The year's openings, closings, transfers and capacity changes in the territory, with the commune."""
        column = {"commune": "c.code", "epci": "c.epci", "arrondissement": "c.arrondissement",
                  "departement": "c.departement"}[level]
        return self._df(f"""
            SELECT e.*, c.name AS commune_name FROM equipment_event e JOIN commune c ON c.code = e.commune
            WHERE {column} = ? AND e.year = ? ORDER BY e.day, e.equipment_id, e.places""", [code, year])

    # --- communes as autorités organisatrices ------------------------------------------------------

    def sppe_obligations(self) -> pd.DataFrame:
        return self._df("SELECT * FROM sppe_obligation ORDER BY sort_order")

    def commune_obligations(self, departement: str | None = None, year: int | None = None,
                            tiers: tuple[str, ...] = ("plus_3500", "plus_10000"),
                            clearance: str = "confidential") -> pd.DataFrame:
        """Communes of ``tiers`` with their obligations, their RPE and the figures that matter for them.

        One row per commune: ``commune, name, epci, epci_name, departement, population_year, population`` (the
        population its tier is read on), ``tier, obligations`` (codes), ``rpe_in_commune, rpe_in_epci`` and one
        column per ``COMMUNE_FIGURES`` of ``year`` (default: the warehouse's latest), missing where the warehouse
        has no value or secrecy masks it. Figures are read like every value (``protected_value``, the clearance's
        rows); for a ``public`` clearance the RPE columns, counted from the equipment extract, are missing and
        ``rpe_reserved`` is true.
        """
        sql = """SELECT o.commune, c.name, o.epci, e.name AS epci_name, o.departement, o.population_year,
                        o.population, o.tier, o.obligations, o.rpe_in_commune, o.rpe_in_epci
                 FROM commune_obligation o JOIN commune c ON c.code = o.commune LEFT JOIN epci e ON e.code = o.epci
                 WHERE list_contains(?, o.tier)"""
        params: list = [list(tiers)]
        if departement is not None:
            sql += " AND o.departement = ?"
            params.append(departement)
        communes = self._df(sql + " ORDER BY o.population DESC, c.name", params)
        year = year or int(self._df("SELECT max(year) AS y FROM panel_year")["y"].iloc[0])
        figures = self.values("commune", list(communes["commune"]), list(COMMUNE_FIGURES), [year], clearance)
        figures = figures.rename(columns={"code": "commune"})
        wide = figures.pivot_table(index="commune", columns="indicator", values="value", aggfunc="first")
        wide = wide.reindex(columns=list(COMMUNE_FIGURES))
        reserved = clearance != "confidential"
        if reserved:
            communes[["rpe_in_commune", "rpe_in_epci"]] = None
        return communes.merge(wide, left_on="commune", right_index=True, how="left") \
            .assign(figures_year=year, rpe_reserved=reserved)
