"""The demo generator: its files go through the project's connectors, same seed gives the same bytes,
and the figures computed from its counts land on the published ones it is calibrated to."""

from __future__ import annotations

import ast
import hashlib
import tomllib
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from pipelines.cli import _parser
from pipelines.demo import generate_demo, publisher, writers
from pipelines.demo.calibration import FRANCE, calibration_for
from pipelines.demo.publisher import publish, rate
from pipelines.geography.load import load_geography
from pipelines.sources import registry

EAJE = ["EAJE_PSU", "EAJE_HORS_PSU"]
BASKET = ["REAAP", "LAEP", "CLAS"]


def _read_all(folder: Path) -> dict[str, pd.DataFrame]:
    """Every source of a raw folder through its connector, as the refresh reads it (current series over _hist)."""
    found = registry.discover(folder)
    tables = {}
    with duckdb.connect() as con:
        for spec in registry.SOURCES:
            if spec.stage is None:  # the plan: several tables per file (tests/test_plan_warehouse.py)
                continue
            frames = [con.table(spec.stage(con, path, f"{spec.key}_{i}").table).df()
                      for i, path in enumerate(found.get(spec.key, []))]
            if frames:
                tables[spec.key] = pd.concat(frames, ignore_index=True)
    for key in ("caf_rates", "caf_places"):
        frame = tables[key].sort_values("series", key=lambda s: s != "current", kind="stable")
        tables[key] = frame.drop_duplicates(["level", "code", "year", "placeholder"]).reset_index(drop=True)
    equipments = tables["equipments"]
    for column in ("opened", "closed"):
        equipments[column] = [None if pd.isna(d) else d.date() for d in equipments[column]]
    return tables


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def demo71(tmp_path_factory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("demo") / "71"
    return out, generate_demo(["71"], out)


@pytest.fixture(scope="module")
def tables71(demo71) -> dict[str, pd.DataFrame]:
    return _read_all(demo71[0])


@pytest.fixture(scope="module")
def epci_of() -> pd.Series:
    return load_geography(["71"]).communes.set_index("code")["epci"]


def _active(equipments: pd.DataFrame, year: int) -> pd.DataFrame:
    end = pd.Timestamp(year, 12, 31).date()
    closed = equipments["closed"].map(lambda d: d is None or pd.isna(d) or d > end)
    return equipments[(equipments["opened"].map(lambda d: d <= end)) & closed]


def _counts(tables: dict[str, pd.DataFrame], year: int, by: pd.Series | None = None) -> pd.DataFrame:
    """Children under 3 and TCG places per commune (or per ``by`` of the commune) from the typed tables."""
    children = tables["population"].query("year == @year").groupby("commune")["enfants_0_2"].sum()
    eaje = _active(tables["equipments"], year).query("type in @EAJE").groupby("commune")["places"].sum()
    am = tables["childminders"].query("year == @year").groupby("commune")["am_places_u3"].sum()
    extra = tables["complementary_places"].query("year == @year").set_index("commune")
    counts = pd.DataFrame({"children": children, "eaje": eaje, "am": am, "gad": extra["places_gad"],
                           "prescol": extra["places_prescol"]}).astype(float).fillna(0)
    counts["places"] = counts[["eaje", "am", "gad", "prescol"]].sum(axis=1)
    return counts.groupby(by if by is not None else (lambda _: "all")).sum()


def test_writes_every_source_and_a_fictitious_manifest(demo71):
    out, paths = demo71
    assert all(p.is_file() and p.is_relative_to(out) for p in paths)
    assert set(registry.discover(out)) == {spec.key for spec in registry.SOURCES}
    manifest = tomllib.loads((out / "manifest.toml").read_text(encoding="utf-8"))
    assert manifest["dataset"]["fictitious"] is True
    assert manifest["dataset"]["departements"] == ["71"]
    assert manifest["dataset"]["generated_by"] == "sdsf demo"
    assert set(manifest["vintages"]) == {spec.key for spec in registry.SOURCES}
    assert all("fictif" in label for label in manifest["vintages"].values())


def test_files_keep_the_quirks_of_the_real_sources(demo71):
    out, _ = demo71
    frr = (out / "zonages" / "communes_frr_2025.csv").read_bytes()
    assert frr.startswith(b"Code_insee;Departement;Commune;Classement FRR et FRR+ au 10 juillet 2025;\r\n")
    filosofi = (out / "insee" / "filosofi_2021_com.csv").read_bytes()
    assert filosofi.startswith("\ufeffCODGEO;LIBGEO;Q221;TP6021\r\n".encode())
    assert b"," in filosofi and b";\r\n" in filosofi  # decimal comma; a secret poverty rate is empty
    population = (out / "insee" / "base-cc-evol-struct-pop-2017.csv").read_text()
    assert population.startswith("CODGEO;P17_POP;P17_POP0002;P17_POP0305;P17_POP0610;P17_POP1117\n")
    # as on data.caf.fr: the current file holds the latest two years, the _hist one 2017 to N-1
    nat = (out / "caf" / "txcouv_pe_nat.csv").read_text(encoding="utf-8-sig")
    assert "\n2023-01-01;60.9;" in nat and "\n2024-01-01;" in nat and "2022-01-01" not in nat
    nat_hist = (out / "caf" / "txcouv_pe_nat_hist.csv").read_text(encoding="utf-8-sig")
    assert "\n2017-01-01;58.0;" in nat_hist and "\n2023-01-01;" in nat_hist and "2024-01-01" not in nat_hist


def test_connectors_read_every_file(tables71):
    assert sorted(tables71["population"]["year"].unique()) == list(range(2017, 2025))
    assert tables71["population"]["commune"].nunique() == 563
    rates = tables71["caf_rates"]
    assert set(rates["level"]) == {"commune", "epci", "departement", "france"}
    assert not rates["placeholder"].any()  # every commune of 71 is in an EPCI: no XX row invented
    assert rates.query("level == 'france' and year == 2023")["tcg"].item() == 60.9
    assert set(tables71["equipments"]["type"]) == {"EAJE_PSU", "EAJE_HORS_PSU", "MAM", "RPE", "LAEP", "CLAS",
                                                   "ALSH", "REAAP", "MEDIATION_FAMILIALE", "ESPACE_RENCONTRE"}
    assert set(tables71["rpe_staff"]["rpe_id"]) <= set(tables71["equipments"]["equipment_id"])
    assert tables71["rpe_staff"]["etp"].between(0.5, 3.0).all()
    assert tables71["income"].query("level == 'commune'")["taux_pauvrete"].isna().any()
    assert tables71["frr"]["frr"].any() and not tables71["frr"]["frr"].all()
    assert tables71["qpv"]["qpv_code"].str.fullmatch(r"QN071\d{2}M").all()


def test_same_seed_same_bytes_other_seed_other_data(demo71, tmp_path):
    out, _ = demo71
    generate_demo(["71"], tmp_path / "again")
    generate_demo(["71"], tmp_path / "other", seed=72)
    assert _digest(tmp_path / "again") == _digest(out)
    assert _digest(tmp_path / "other") != _digest(out)


def test_a_shorter_run_is_a_cut_of_the_full_one(demo71, tmp_path):
    out, _ = demo71
    generate_demo(["71"], tmp_path, years=range(2020, 2023))
    assert sorted(p.name for p in (tmp_path / "insee").glob("base-cc-*")) == [
        f"base-cc-evol-struct-pop-{y}.csv" for y in (2020, 2021, 2022)]
    name = "insee/base-cc-evol-struct-pop-2021.csv"
    assert (tmp_path / name).read_bytes() == (out / name).read_bytes()


def test_years_outside_the_calibration_are_refused(tmp_path):
    with pytest.raises(ValueError, match="2017"):
        generate_demo(["71"], tmp_path, years=range(2015, 2020))


def test_departement_tcg_2017_from_the_counts(tables71):
    counts = _counts(tables71, 2017)
    assert 71.5 <= 100 * counts["places"].item() / counts["children"].item() <= 72.7


def test_epci_tcg_2017_spans_the_published_range(tables71, epci_of):
    counts = _counts(tables71, 2017, epci_of)
    tcg = 100 * counts["places"] / counts["children"]
    assert 57 <= tcg.min() <= 62 and 79 <= tcg.max() <= 84


def test_stock_at_the_end_of_2017(tables71):
    stock = _active(tables71["equipments"], 2017)
    kinds = stock["type"].value_counts()
    assert kinds[EAJE].sum() == 120 and kinds["MAM"] == 43 and kinds["LAEP"] == 13
    assert 190 <= kinds["ALSH"] <= 205
    assert stock.query("type in @EAJE")["places"].sum() == pytest.approx(2402, rel=0.03)
    am = tables71["childminders"].query("year == 2017")
    assert am["am_places_agrees"].sum() == pytest.approx(14957, rel=0.03)
    assert am["am_places_u3"].sum() < 0.6 * am["am_places_agrees"].sum()


def test_trends_2017_2024(tables71):
    rates = tables71["caf_rates"].query("level == 'departement'").set_index("year")["tcg"]
    peak = rates.idxmax()
    assert 2018 <= peak <= 2022 and rates[2024] < rates[peak]  # rising, then pulled down by the AM
    am = tables71["childminders"].groupby("year")[["am_agrees", "am_actifs", "am_actifs_55_plus"]].sum()
    share_55 = am["am_actifs_55_plus"] / am["am_actifs"]
    assert share_55[2017] == pytest.approx(0.35, abs=0.02) and share_55[2024] == pytest.approx(0.45, abs=0.02)
    assert am["am_agrees"].is_monotonic_decreasing
    children = tables71["population"].groupby("year")["enfants_0_2"].sum()
    assert children.is_monotonic_decreasing and 0.026 < children[2017] / 553_595 < 0.03
    eaje = {y: _active(tables71["equipments"], y).query("type in @EAJE")["places"].sum() for y in (2017, 2022)}
    assert eaje[2022] - eaje[2017] >= 100  # the schéma's +120 crèche places, roughly
    assert tables71["equipments"]["closed"].notna().sum() >= 5


def test_some_epci_lack_part_of_the_parenting_basket(tables71, epci_of):
    def incomplete(year: int) -> int:
        present = _active(tables71["equipments"], year).query("type in @BASKET")
        kinds = present.assign(epci=present["commune"].map(epci_of)).groupby("epci")["type"].nunique()
        return int((kinds.reindex(epci_of.unique(), fill_value=0) < len(BASKET)).sum())

    assert 2 <= incomplete(2024) <= 4
    assert incomplete(2017) > incomplete(2024)


def test_published_rates_are_the_rounded_counts(tables71, epci_of):
    published = tables71["caf_rates"].query("level == 'epci'").set_index(["code", "year"])
    places = tables71["caf_places"].query("level == 'epci'").set_index(["code", "year"])
    for year in (2017, 2023, 2024):  # 2023: in both series, the current one (read as winning) is exact
        counts = _counts(tables71, year, epci_of)
        expected = rate(counts["places"], counts["children"])
        assert np.allclose(published.xs(year, level="year").loc[counts.index, "tcg"], expected, atol=1e-9)
        assert (places.xs(year, level="year").loc[counts.index, "tot_offre"] == counts["places"]).all()
    departement = tables71["caf_rates"].query("level == 'departement' and year == 2017")["tcg"].item()
    assert departement == 72.1


def _caf(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / "caf" / f"{name}.csv", sep=";", encoding="utf-8-sig", dtype=str)


@pytest.mark.parametrize("level", ["epci", "dep", "com"])
def test_each_caf_dataset_is_a_current_file_and_a_hist_one(demo71, level):
    """data.caf.fr: the current file holds the latest two years, ``_hist`` 2017 to N-1; on the year
    they share, the hist figure of some territories is the provisional one, 0.1 to 0.3 off."""
    out, _ = demo71
    code = {"epci": "numepci", "dep": "numdep", "com": "numcom"}[level]
    for dataset in ("txcouv_pe", "nbpla_pe"):
        current, hist = _caf(out, f"{dataset}_{level}"), _caf(out, f"{dataset}_{level}_hist")
        assert sorted(current["annee"].unique()) == ["2023", "2024"]
        assert sorted(hist["annee"].unique()) == [str(y) for y in range(2017, 2024)]
        assert set(current[code]) == set(hist[code])
    rates = _caf(out, f"txcouv_pe_{level}").merge(_caf(out, f"txcouv_pe_{level}_hist"), on=["annee", code],
                                                   suffixes=("", "_hist"))
    gap = (rates[f"txcouv_{level}_hist"].astype(float) - rates[f"txcouv_{level}"].astype(float)).abs().round(1)
    assert gap.max() <= 0.3
    if level == "epci":  # enough territories for some to be revised and some not, whatever the seed
        assert 0 < (gap > 0).sum() < len(gap)


def test_places_are_published_with_every_component_at_three_levels(demo71, tables71):
    out, _ = demo71
    for level in ("epci", "dep", "com"):
        for name in ("nbpla_pe", "nbpla_pe_hist"):
            table = _caf(out, name.replace("nbpla_pe", f"nbpla_pe_{level}"))
            places = {p: table[f"{p}_{level}"].astype(int) for p in (
                "pl_psu_col", "pl_hors_psu_col", "pl_eaje", "pl_am_ind", "pl_gad_ind", "pl_ind", "pl_prescol",
                "tot_offre")}
            assert (places["pl_eaje"] == places["pl_psu_col"] + places["pl_hors_psu_col"]).all()
            assert (places["pl_ind"] == places["pl_am_ind"] + places["pl_gad_ind"]).all()
            assert (places["tot_offre"] == places["pl_eaje"] + places["pl_ind"] + places["pl_prescol"]).all()
    communes = load_geography(["71"]).communes.set_index("code")["population"]
    large = set(_caf(out, "nbpla_pe_com")["numcom"])
    assert large == set(communes[communes > 10_000].index) == set(_caf(out, "txcouv_pe_com")["numcom"])
    dep = tables71["caf_places"].query("level == 'departement' and year == 2017")
    assert dep["pl_eaje"].item() == 2402  # the calibrated crèche places, as published


def test_manifest_declares_the_extracts_exhaustive(demo71, tmp_path):
    out, _ = demo71
    declared = tomllib.loads((out / "manifest.toml").read_text(encoding="utf-8"))["exhaustive"]
    assert [d["source"] for d in declared] == ["equipments", "childminders", "rpe_staff", "complementary_places"]
    assert all(d["departements"] == ["71"] and d["years"] == list(range(2017, 2025)) for d in declared)
    national = writers.manifest(["01", "02"], [2023, 2024], 71, tmp_path, national=True)
    assert all(d["departements"] == "all" and d["years"] == [2023, 2024]
               for d in tomllib.loads(national.read_text(encoding="utf-8"))["exhaustive"])


def test_a_departement_does_not_depend_on_the_others_generated(tmp_path):
    generate_demo(["93"], tmp_path / "alone")
    generate_demo(["29", "93"], tmp_path / "both")
    for name in ("extracts/equipements.csv", "extracts/assistants_maternels.csv", "extracts/rpe_animateurs.csv",
                 "extracts/places_complementaires.csv", "insee/base-cc-evol-struct-pop-2020.csv",
                 "insee/filosofi_2021_com.csv", "zonages/communes_frr_2025.csv", "zonages/qpv.csv"):
        alone = (tmp_path / "alone" / name).read_text(encoding="utf-8-sig").splitlines()
        both = set((tmp_path / "both" / name).read_text(encoding="utf-8-sig").splitlines())
        assert len(alone) > 1 and set(alone) <= both, name
    # Finistère's islands belong to no EPCI: the Caf's placeholder row carries their places
    for dataset in ("txcouv_pe_epci", "nbpla_pe_epci"):
        assert "XX" in set(_caf(tmp_path / "both", dataset)["numepci"])
        assert "XX" not in set(_caf(tmp_path / "alone", dataset)["numepci"])


def test_the_generator_stays_out_of_the_data_path():
    """It may use the geography and the French formatting, nothing the refresh computes with."""
    allowed = ("pipelines.demo", "pipelines.geography", "pipelines.formatting")
    for path in Path(publisher.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
            assert all(not n.startswith("pipelines") or n.startswith(allowed) for n in names), (path.name, names)


def test_demo_all_is_national_and_exclusive_with_departements():
    assert _parser().parse_args(["demo", "--all"]).all
    with pytest.raises(SystemExit):
        _parser().parse_args(["demo", "--all", "--departements", "71"])


def test_placeholder_row_only_for_communes_outside_any_epci():
    communes = pd.DataFrame({"code": ["97601", "97602"], "name": ["A", "B"], "departement": "976",
                             "epci": ["200060457", None], "epci_name": ["CC Test", None],
                             "population": [5000.0, 800.0]})
    counts = pd.DataFrame({"commune": ["97601", "97602"], "year": 2017, "children": [300.0, 50.0],
                           "psu_col": [30, 0], "hors_psu_col": [0, 0], "am_ind": [10, 4], "gad_ind": [0, 0],
                           "prescol": [5, 1]})
    epci = publish(counts, communes, pd.DataFrame({"code": ["976"], "name": ["Mayotte"]}), [2017])["txcouv_pe_epci"]
    assert epci["numepci"].tolist() == ["200060457", "XX"]
    assert epci.loc[epci["numepci"] == "XX", "txcouv_epci"].item() == 10.0


def test_other_departements_use_their_own_calibration(tmp_path):
    generate_demo(["63", "93"], tmp_path)
    tables = _read_all(tmp_path)
    rates = tables["caf_rates"].query("level == 'departement'").set_index(["code", "year"])
    assert rates.loc[("63", 2020), "tcg"] == pytest.approx(63.3, abs=0.2)
    assert 35 <= rates.loc[("93", 2017), "tcg"] <= 40
    assert rates.loc[("93", 2017), "tcg_psu"] > rates.loc[("63", 2017), "tcg_psu"]
    assert rates.loc[("93", 2017), "tcg_am"] < 20
    assert set(tables["population"]["commune"].str[:2]) == {"63", "93"}


def test_a_departement_without_calibration_falls_back_on_france():
    assert calibration_for("21") is FRANCE and FRANCE.tcg == 58.0 and FRANCE.tcg_year == 2017
