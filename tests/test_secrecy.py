"""Statistical secrecy on hand-built cases: which cells must be masked, and why (checked by hand below).

The département 71 of the hand case has six communes a … f, two EPCI and two arrondissements that cut across
them (an arrondissement is a grouping of communes, not of EPCI):

    EPCI E1 = a b c        arrondissement R1 = a b c d        département D = a … f
    EPCI E2 = d e f        arrondissement R2 = e f
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from pipelines import models
from pipelines.indicators.catalogue import catalogue_frame
from pipelines.secrecy.build import SECONDARY, secret_cells
from pipelines.secrecy.suppress import Hierarchy, protect
from pipelines.warehouse.query import Warehouse

COMMUNES = {"a": ("E1", "R1"), "b": ("E1", "R1"), "c": ("E1", "R1"), "d": ("E2", "R1"), "e": ("E2", "R2"),
            "f": ("E2", "R2")}
TERRITORIES = {("epci", "E1"): "abc", ("epci", "E2"): "def", ("arrondissement", "R1"): "abcd",
               ("arrondissement", "R2"): "ef", ("departement", "71"): "abcdef"}


def _hierarchy(territories: dict) -> Hierarchy:
    communes = sorted({c for members in territories.values() for c in members})
    cells = [("commune", c) for c in communes] + list(territories)
    return Hierarchy.build(cells, {t: [("commune", c) for c in members] for t, members in territories.items()})


def _protect(territories: dict, commune_values: dict, primary: set[str]) -> list[str]:
    tree = _hierarchy(territories)
    values = np.array([commune_values[code] if level == "commune" else
                       sum(commune_values[c] for c in territories[(level, code)]) for level, code in tree.cells], float)
    masked, left = protect(tree, values, np.ones(len(values), bool),
                           np.array([cell[1] in primary for cell in tree.cells]), np.ones(len(values), bool))
    assert left == 0
    _assert_nothing_recomputable(tree, masked)
    return sorted(tree.cells[i][1] for i in np.flatnonzero(masked))


def _assert_nothing_recomputable(tree: Hierarchy, masked: np.ndarray) -> None:
    """Independent audit (matrix ranks, not the module's SVD of blocks): no masked cell follows from the shown
    ones, i.e. adding its unit vector to the equations over the masked cells raises their rank."""
    unknown = np.flatnonzero(masked)
    column = {c: j for j, c in enumerate(unknown)}
    rows = []
    for members in tree.equations:
        row = np.zeros(len(unknown))
        for position, m in enumerate(members):
            if m in column:
                row[column[m]] = 1.0 if position == 0 else -1.0
        rows.append(row)
    system = np.array(rows)
    rank = np.linalg.matrix_rank(system)
    for cell, j in column.items():
        unit = np.zeros(len(unknown))
        unit[j] = 1.0
        assert np.linalg.matrix_rank(np.vstack([system, unit])) > rank, f"{tree.cells[cell]} can be recomputed"


def test_a_small_count_and_the_smallest_other_commune_of_its_epci_are_masked():
    # a: 3 AM (fewer than 5) → primary. Shown alone, a = E1 − b − c: the smallest other part of E1 (b = 10, not
    # c = 12) is masked too. Then E1, R1 and D only give a + b; nothing else needs masking (e = 7 stays shown).
    assert _protect(TERRITORIES, {"a": 3, "b": 10, "c": 12, "d": 20, "e": 7, "f": 8}, {"a"}) == ["a", "b"]


def test_two_overlapping_territories_cannot_give_a_masked_commune_by_difference():
    # E1 = a b c and R1 = a b overlap: c = E1 − R1 whatever communes are masked, so one of these two totals must
    # be masked too — a rule « at least two masked cells per group » would not see it.
    territories = {("epci", "E1"): "abc", ("epci", "E2"): "de", ("arrondissement", "R1"): "ab",
                   ("arrondissement", "R2"): "cde", ("departement", "71"): "abcde"}
    masked = _protect(territories, {"a": 20, "b": 30, "c": 2, "d": 9, "e": 11}, {"c"})
    assert "c" in masked and ({"E1", "R1"} & set(masked))


def test_nothing_masked_without_a_small_count():
    assert _protect(TERRITORIES, {"a": 13, "b": 10, "c": 12, "d": 20, "e": 7, "f": 8}, set()) == []



def test_an_absent_value_shields_nothing_a_published_one_is_never_masked():
    # E1 = a b c: c is absent (NaN, unknown to readers, never masked) and a is primary. E1 − b = a + c, and R1 = a b
    # gives a = R1 − b: b (smallest other part of R1) is masked. When b is published (known, never masked), its
    # total R1 is masked instead. When R1 is published too, d is the only candidate left: masked (the first
    # candidate is taken even when it does not help), and a, still R1 − b, is reported as left.
    territories = {("epci", "E1"): "abc", ("arrondissement", "R1"): "ab", ("departement", "71"): "abcd"}
    tree = _hierarchy(territories)
    names = [code for _, code in tree.cells]
    commune_values = {"a": 2.0, "b": 9.0, "c": np.nan, "d": 30.0}
    values = np.array([commune_values[code] if level == "commune" else np.nan for level, code in tree.cells])
    values[[names.index("E1"), names.index("R1"), names.index("71")]] = [np.nan, 11.0, np.nan]
    known = ~np.isnan(values)
    primary = np.array([n == "a" for n in names])
    masked, left = protect(tree, values, known, primary, np.ones(len(names), bool))
    assert sorted(np.array(names)[masked]) == ["a", "b"] and left == 0
    _assert_nothing_recomputable(tree, masked | ~known)
    maskable = np.array([n != "b" for n in names])
    masked, left = protect(tree, values, known, primary, maskable)
    assert sorted(np.array(names)[masked]) == ["R1", "a"] and left == 0  # the total instead of its part
    maskable &= np.array([n != "R1" for n in names])
    masked, left = protect(tree, values, known, primary, maskable)
    assert sorted(np.array(names)[masked]) == ["a", "d"] and left == 1


def _random_case(rng: np.random.Generator):
    """Départements of a few communes with EPCI and arrondissements cutting across each other, sometimes an EPCI
    over two départements and France; values small enough for many primary cells."""
    parents, commune_values = {}, {}
    departements = int(rng.integers(1, 4))
    for d in range(departements):
        communes = [f"{d}.{i}" for i in range(int(rng.integers(2, 12)))]
        commune_values.update({c: float(rng.choice([0, 1, 2, 3, 4, 6, 9, 15, 40])) for c in communes})
        for level, groups in (("epci", int(rng.integers(1, 4))), ("arrondissement", int(rng.integers(1, 3)))):
            group = rng.integers(0, groups, len(communes))
            for g in range(groups):
                if (group == g).any():
                    parents[(level, f"{d}.{level}{g}")] = [("commune", c) for c, x in zip(communes, group) if x == g]
        parents[("departement", f"D{d}")] = [("commune", c) for c in communes]
    if departements > 1:
        parents[("epci", "across")] = [("commune", f"{d}.0") for d in range(departements)]
    if rng.random() < 0.7:
        parents[("france", "FR")] = [("departement", f"D{d}") for d in range(departements)]
    cells = [("commune", c) for c in commune_values] + list(parents)
    cells = [cells[i] for i in rng.permutation(len(cells))]

    def value(cell):
        return commune_values[cell[1]] if cell[0] == "commune" else sum(value(c) for c in parents[cell])

    return Hierarchy.build(cells, parents), np.array([value(c) for c in cells])


def test_random_hierarchies_leave_no_masked_cell_recomputable():
    rng = np.random.default_rng(2024)
    for _ in range(150):
        tree, values = _random_case(rng)
        primary = (values > 0) & (values < 5)
        maskable = rng.random(len(values)) > 0.1  # some published values: known, never masked
        masked, left = protect(tree, values, np.ones(len(values), bool), primary.copy(), maskable)
        assert not (masked & ~maskable).any() and (masked >= (primary & maskable)).all()
        if left == 0:
            _assert_nothing_recomputable(tree, masked)
        again, left_again = protect(tree, values, np.ones(len(values), bool), primary.copy(), maskable)
        assert (again == masked).all() and left_again == left  # deterministic


# --- the warehouse's table: primary, dependent and secondary cells of every indicator, published never masked --

COUNT_COLUMNS = [
    "places_eaje_psu", "places_eaje_hors_psu", "nb_eaje", "nb_mam", "places_mam", "nb_alsh", "places_alsh", "nb_rpe",
    "nb_laep", "nb_clas", "nb_reaap", "nb_mediation", "nb_espace_rencontre", "places_eaje", "places_eaje_creees",
    "places_eaje_fermees", "places_eaje_solde", "am_agrees", "am_actifs", "am_places_agrees", "places_am",
    "am_55_plus", "places_gad", "places_prescol", "rpe_etp", "population", "enfants_0_2", "enfants_3_5",
    "enfants_6_10", "enfants_11_17", "nb_communes", "nb_communes_frr", "population_qpv", "allocataires",
    "personnes_couvertes", "alloc_isoles", "alloc_monoparents", "alloc_couples_sans_enfant",
    "alloc_couples_avec_enfants", "enfants_couverts", "enfants_alloc_0_2", "enfants_alloc_3_5", "alloc_aah",
    "alloc_prime_activite", "alloc_rsa"]
AM = {"a": 3, "b": 10, "c": 12, "d": 20, "e": 7, "f": 8}  # a: fewer than 5 AM
GAD = {"a": 0, "b": 6, "c": 2, "d": 7, "e": 5, "f": 9}  # c: 2 children in garde à domicile


@pytest.fixture
def build_db():
    con = duckdb.connect()
    models.create_macros(con)
    con.register("_c", catalogue_frame())
    con.execute("CREATE TABLE indicator_catalogue AS SELECT * FROM _c")
    con.execute("CREATE TABLE commune (code VARCHAR, epci VARCHAR, arrondissement VARCHAR, departement VARCHAR)")
    con.executemany("INSERT INTO commune VALUES (?, ?, ?, '71')", [(c, e, r) for c, (e, r) in COMMUNES.items()])
    rows = []
    for cell, members in [(("commune", c), c) for c in COMMUNES] + list(TERRITORIES.items()):
        am = sum(AM[m] for m in members)
        gad = sum(GAD[m] for m in members)
        rows.append({"level": cell[0], "code": cell[1], "year": 2024, "am_agrees": am + 1, "am_actifs": am,
                     "am_places_agrees": 4 * am, "places_am": 3 * am, "am_55_plus": 0, "places_gad": gad,
                     "places_prescol": 0, "places_eaje_psu": 10 * len(members), "places_eaje_hors_psu": 0,
                     "enfants_0_2": 100.0 * len(members), "nb_communes": len(members)})
    counts = pd.DataFrame(rows).reindex(columns=["level", "code", "year", *COUNT_COLUMNS])
    con.register("_counts", counts.astype({c: "float64" for c in COUNT_COLUMNS}))
    con.execute("CREATE TABLE counts AS SELECT * FROM _counts")
    con.execute("CREATE TABLE published_value (level VARCHAR, code VARCHAR, year INTEGER, indicator VARCHAR, "
                "value DOUBLE)")
    # The Cnaf publishes a's TCG (open data stays as published: never masked, even though a has 3 AM)
    con.execute("INSERT INTO published_value VALUES ('commune', 'a', 2024, 'tcg', 40.0)")
    con.execute("CREATE TABLE from_parts (level VARCHAR, code VARCHAR, year INTEGER, indicator VARCHAR, value DOUBLE)")
    yield con
    con.close()


def _masked(frame: pd.DataFrame, indicator: str) -> dict[str, str]:
    rows = frame[frame["indicator"] == indicator]
    return dict(zip(rows["code"], rows["reason"]))


def test_warehouse_secret_cells_of_the_hand_case(build_db):
    cells = secret_cells(build_db, threshold=5)
    # AM: a primary (3 < 5), b secondary (smallest other commune of E1, see above)
    assert _masked(cells, "am_actifs") == {"a": "moins de 5 assistants maternels actifs", "b": SECONDARY}
    assert _masked(cells, "am_agrees") == {"a": "moins de 5 assistants maternels agréés", "b": SECONDARY}  # 4 < 5
    # AM places rest on the AM counts: masked where they are, and nothing more (E1 only gives a + b)
    assert set(_masked(cells, "places_am")) == {"a", "b"}
    assert set(_masked(cells, "part_am_55_plus")) == {"a", "b"}
    # garde à domicile: c primary (2 children); a (0 child) is the smallest other part of E1, masked so that
    # c ≠ E1 − a − b
    assert _masked(cells, "places_gad") == {"c": "moins de 5 enfants gardés à domicile", "a": SECONDARY}
    # rates and sums resting on them: masked wherever one of their counts is
    assert set(_masked(cells, "places_total")) == {"a", "b", "c"}
    assert set(_masked(cells, "tcg_gad")) == {"a", "c"}
    assert _masked(cells, "tcg")["b"].startswith("repose sur une valeur secrète")
    # published: the Cnaf's TCG of a is never masked; no territory total is masked in this case
    assert "a" not in _masked(cells, "tcg")
    assert set(cells["level"]) == {"commune"}


def test_the_threshold_is_configurable(build_db):
    cells = secret_cells(build_db, threshold=3)  # 3 AM is no longer fewer than the threshold; 2 children still are
    assert _masked(cells, "am_actifs") == {}
    assert set(_masked(cells, "places_gad")) == {"a", "c"}


def test_demo_warehouse_serves_secret_values_masked_and_published_ones_as_published(demo_home):
    wh = Warehouse.open_current()
    try:
        served = wh.con.execute("""SELECT origin, secret, value IS NULL AS empty, count(*) AS n
                                   FROM protected_value GROUP BY ALL""").df()
        secret = served[served["secret"]]
        assert not secret.empty and set(secret["origin"]) == {"computed"} and secret["empty"].all()
        # every cell of secret_cell is masked in what readers get, and the threshold is the configured one
        missed = wh.con.execute("""SELECT count(*) FROM secret_cell s JOIN protected_value p
                                   USING (level, code, year, indicator) WHERE NOT p.secret""").fetchone()[0]
        assert missed == 0 and wh.meta()["secrecy_threshold"] == "5"
        commune = wh.values("commune", indicators=["am_actifs"])
        small = commune[(commune["value"] > 0) & (commune["value"] < 5)]
        assert small.empty  # no small count of persons is served
        assert commune["secret"].any()
        # a total of several territories with a secret member is secret too (else total − the others gives it)
        hidden = commune[commune["secret"]].iloc[0]
        shown = commune[~commune["secret"] & (commune["year"] == hidden["year"])].iloc[0]
        total = wh.total("commune", [hidden["code"], shown["code"]], [int(hidden["year"])]).set_index("indicator")
        assert total.loc["am_actifs", "secret"] and pd.isna(total.loc["am_actifs", "value"])
        # a reader without access to the extracts gets no value computed from them, published ones as published
        public = wh.values("epci", indicators=["am_actifs", "tcg"], clearance="public")
        assert "am_actifs" not in set(public["indicator"]) and set(public["origin"]) == {"published"}
    finally:
        wh.close()


def test_exports_write_secret_statistique_for_masked_cells(demo_home):
    from pipelines.outputs.exports import to_csv_bytes

    wh = Warehouse.open_current()
    try:
        table = wh.indicator_table("commune", [2024], ["am_actifs", "population"])
        text = to_csv_bytes(table, wh.catalogue()).decode("utf-8-sig")
    finally:
        wh.close()
    masked = int((table["am_actifs"] == "secret statistique").sum())
    assert masked > 0 and text.count(";secret statistique") == masked
    assert pd.to_numeric(table["population"]).notna().all()  # a column without secret stays numeric


def test_portrait_tables_say_secret_statistique_on_screen_and_in_the_html(demo_home):
    import streamlit as st

    from app import data, portrait_html, portrait_model

    st.cache_data.clear()
    v = data.version()
    portrait = portrait_model.load(v, "epci", "200071579", 2024)
    masked = int(portrait.communes_secret.to_numpy().sum())
    assert masked > 0 and portrait.communes_table.mask(portrait.communes_secret).notna().sum().sum() > 0
    shown = portrait_model.ui.french_table(portrait.communes_table, portrait.communes_decimals,
                                           secret=portrait.communes_secret).to_html()
    assert shown.count("secret statistique") == masked  # the grid on screen
    assert portrait_html.portrait_html(v, "epci", "200071579", 2024).count("secret statistique") >= masked


def test_a_commune_portrait_says_secret_statistique_in_its_cards_and_key_figures(demo_home):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from app import data, portrait_html, portrait_model
    from tests.test_app_explorer_cartes_donnees import MAIN

    st.cache_data.clear()
    v = data.version()
    wh = Warehouse.open_current()
    try:  # a commune whose computed TCG is secret (its AM places are), the département's is shown
        secret = wh.values("commune", None, ["tcg"], [2024]).query("secret")["code"]
        code = sorted(secret)[0]
    finally:
        wh.close()
    portrait = portrait_model.load(v, "commune", code, 2024)
    row = portrait.key_table[portrait.key_table["Indicateur"] == "Taux de couverture global"].iloc[0]
    assert row["Territoire 2024"] == "secret statistique" and row["France"] not in ("secret statistique", "n.d.")
    assert "secret statistique" in portrait_html.portrait_html(v, "commune", code, 2024)
    at = AppTest.from_file(MAIN, default_timeout=60)
    at.query_params.update(niveau="commune", territoire=code, annee="2024")
    at.switch_page("app_pages/portrait.py")
    at.run(timeout=60)
    assert not at.exception, [e.value for e in at.exception]
    assert any(m.value == "secret statistique" for m in at.metric)  # the headline card, not « n.d. »


def test_bilan_withholds_the_assistants_maternels_counts_the_warehouse_masks():
    """A territory whose AM actifs are secret in N−1 (secondary suppression included): the bilan says « secret
    statistique » for them, in words and in its table; the crèches of the same territory stay shown."""
    from pipelines.outputs.review_summary import review_table
    from pipelines.warehouse.review_queries import ReviewQueries

    con = duckdb.connect()
    con.execute("CREATE TABLE review_item AS SELECT * FROM (VALUES ('eaje', 'Crèches', 'Crèches', 'structures', "
                "'equipments', true, 1), ('am_actifs', 'AM actifs', 'AM actifs', 'assistants maternels', "
                "'childminders', true, 2)) t(item, label, short_label, unit, source, with_places, sort_order)")
    con.execute("CREATE TABLE annual_review AS SELECT * FROM (VALUES ('epci', 'E1', 2024, 'eaje', 4, 5, 1, 0, 0, "
                "40, 52), ('epci', 'E1', 2024, 'am_actifs', 4, 6, NULL, NULL, NULL, 12, 18)) "
                "t(level, code, year, item, before, after, opened, closed, moved, places_before, places_after)")
    for column in ("places_created", "places_removed", "places_moved"):
        con.execute(f"ALTER TABLE annual_review ADD COLUMN {column} INTEGER")
    con.execute("CREATE TABLE secret_cell AS SELECT 'epci' AS level, 'E1' AS code, 2023 AS year, "
                "'am_actifs' AS indicator, 'moins de 5 assistants maternels actifs' AS reason")

    class Reader(ReviewQueries):
        def _df(self, sql, params=None):
            return con.execute(sql, params or []).df()

        def tables(self):
            return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}

    review = Reader().annual_review("epci", "E1", 2024).set_index("item")
    assert review.loc["am_actifs", "secret"] and review.loc["am_actifs", ["before", "after"]].isna().all()
    assert not review.loc["eaje", "secret"] and review.loc["eaje", "after"] == 5
    table = review_table(review.reset_index(), 2024).set_index("Offre")
    assert table.loc["AM actifs", "Au 31/12 2024"] == "secret statistique"
    assert table.loc["Crèches", "Au 31/12 2024"] == "5"
