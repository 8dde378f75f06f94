"""Write the demo tables as the raw files the sources publish, quirks included.

Each writer reproduces the real layout of its source (separator, decimal mark, BOM, line
endings, column names): the demo folder goes through the same connectors as real data.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from pipelines.demo.context import FILOSOFI_YEAR

INSEE_MEASURES = {"pop_total": "POP", "pop_0_2": "POP0002", "pop_3_5": "POP0305", "pop_6_10": "POP0610",
                  "pop_11_17": "POP1117"}
FRR_CLASS_HEADER = "Classement FRR et FRR+ au 10 juillet 2025"
DATASET_NAME = "Démonstration — données fictives"


def _csv(frame: pd.DataFrame, path: Path, *, bom: bool = False, crlf: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, sep=";", index=False, encoding="utf-8-sig" if bom else "utf-8",
                 lineterminator="\r\n" if crlf else "\n")
    return path


def _iso(dates: pd.Series) -> pd.Series:
    return dates.dt.strftime("%Y-%m-%d")


def _comma(values: pd.Series, decimals: int) -> pd.Series:
    """French decimal comma; missing stays empty."""
    return values.map(lambda v: "" if pd.isna(v) else f"{v:.{decimals}f}".replace(".", ","))


def population(frame: pd.DataFrame, out: Path) -> list[Path]:
    """One ``base-cc-evol-struct-pop-YYYY.csv`` per year, columns prefixed ``PYY_``, decimal point."""
    paths = []
    for year, rows in frame.groupby("year"):
        prefix = f"P{year % 100:02d}_"
        table = rows[["commune", *INSEE_MEASURES]].rename(
            columns={"commune": "CODGEO", **{k: prefix + v for k, v in INSEE_MEASURES.items()}})
        table[table.columns[1:]] = table[table.columns[1:]].map(lambda v: f"{v:.4f}")
        paths.append(_csv(table, out / "insee" / f"base-cc-evol-struct-pop-{year}.csv"))
    return paths


def filosofi(levels: dict[str, pd.DataFrame], out: Path) -> list[Path]:
    """FILOSOFI per commune, per EPCI and for France: ``;``, decimal comma, BOM, CRLF, secret cells empty."""
    suffix = f"{FILOSOFI_YEAR % 100:02d}"
    paths = []
    for level, file_level in (("commune", "com"), ("epci", "epci"), ("france", "france")):
        frame = levels[level]
        table = pd.DataFrame({"CODGEO": frame["code"], "LIBGEO": frame["name"],
                              f"Q2{suffix}": _comma(frame["median_income"], 0),
                              f"TP60{suffix}": _comma(frame["poverty_rate"], 1)})
        paths.append(_csv(table, out / "insee" / f"filosofi_{FILOSOFI_YEAR}_{file_level}.csv", bom=True, crlf=True))
    return paths


def extracts(equipments: pd.DataFrame, childminders: pd.DataFrame, rpe_staff: pd.DataFrame,
             complementary: pd.DataFrame, out: Path) -> list[Path]:
    """The Caf/PMI extracts in their import templates (``docs/templates.md``)."""
    folder = out / "extracts"
    tables = {
        "equipements": pd.DataFrame({
            "id_equipement": equipments["equipment_id"], "type_equipement": equipments["type"],
            "code_commune": equipments["commune"], "nom": equipments["name"], "places": equipments["places"],
            "date_ouverture": _iso(equipments["opened"]), "date_fermeture": _iso(equipments["closed"]),
            "gestionnaire": equipments["manager"]}),
        "assistants_maternels": childminders.rename(columns={
            "year": "annee", "commune": "code_commune", "am_places_agrees": "places_agrees",
            "am_places_u3": "places_moins_3_ans_actifs", "am_actifs_55_plus": "am_actifs_55_ans_et_plus"}),
        "rpe_animateurs": pd.DataFrame({
            "annee": rpe_staff["year"], "id_rpe": rpe_staff["rpe_id"], "nom_rpe": rpe_staff["name"],
            "code_commune": rpe_staff["commune"], "etp": _comma(rpe_staff["etp"], 1)}),
        "places_complementaires": complementary.rename(columns={
            "year": "annee", "commune": "code_commune", "places_gad": "places_garde_domicile",
            "places_prescol": "places_prescolarisation"}),
    }
    return [_csv(table, folder / f"{name}.csv") for name, table in tables.items()]


def zonages(frr: pd.DataFrame, qpv: pd.DataFrame, out: Path) -> list[Path]:
    """FRR as published (trailing ``;`` on every line, CRLF) and the QPV list."""
    frr_table = pd.DataFrame({"Code_insee": frr["commune"], "Departement": frr["departement"],
                              "Commune": frr["name"], FRR_CLASS_HEADER: frr["frr_class"], "": ""})
    qpv_table = qpv.rename(columns={"qpv_code": "code_qpv", "qpv_name": "nom_qpv", "commune": "code_commune"})
    return [_csv(frr_table, out / "zonages" / "communes_frr_2025.csv", crlf=True),
            _csv(qpv_table, out / "zonages" / "qpv.csv")]


def allocataires(frame: pd.DataFrame, out: Path) -> list[Path]:
    """Per year, ``data_CAF_<année>_IRIS.csv`` (the towns' IRIS) and ``data_CAF_<année>_COM.csv`` (the other
    communes), as the real file: ``;``, CRLF, no BOM, codes as text, the year only in the file name."""
    paths = []
    for year, rows in frame.groupby("year"):
        table = rows.drop(columns="year")
        iris = table["CODGEO"].str.len() == 9
        for level, part in (("IRIS", table[iris]), ("COM", table[~iris])):
            if not part.empty:
                paths.append(_csv(part, out / "caf" / f"data_CAF_{year}_{level}.csv", crlf=True))
    return paths


def caf(files: dict[str, pd.DataFrame], out: Path) -> list[Path]:
    """Cnaf open data exports: technical column names, ``;``, decimal point, BOM."""
    return [_csv(table, out / "caf" / f"{name}.csv", bom=True) for name, table in files.items()]


def _vintages(years: list[int]) -> dict[str, str]:
    first, last = years[0], years[-1]
    span = f"{first}-{last}"
    return {
        "caf_rates": f"data.caf.fr, millésime {last} (fictif)",
        "caf_places": f"data.caf.fr, millésime {last} (fictif)",
        "population": f"Insee, estimations de population {span} (fictif)",
        "income": f"Insee, Filosofi {FILOSOFI_YEAR} (fictif)",
        "equipments": f"Extraction Caf, équipements au 31/12/{last} (fictif)",
        "childminders": f"Extraction PMI, assistants maternels {span} (fictif)",
        "rpe_staff": f"Extraction Caf, animation des relais petite enfance {span} (fictif)",
        "complementary_places": f"Extraction Caf, garde à domicile et préscolarisation {span} (fictif)",
        "frr": "Classement France Ruralités Revitalisation au 10 juillet 2025 (fictif)",
        "qpv": "Quartiers prioritaires de la politique de la ville 2024 (fictif)",
        "allocataires": f"Caf, allocataires par IRIS et par commune au 31/12, {span} (fictif)",
        "plan": "Plan d'action 2024-2026 du schéma d'après le plan réel de Saône-et-Loire (fictif)",
    }


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return "[" + ", ".join(_toml(v) for v in value) + "]"


EXHAUSTIVE_SOURCES = ("equipments", "childminders", "rpe_staff", "complementary_places")


def manifest(departements: list[str], years: list[int], seed: int, out: Path, *, national: bool = False) -> Path:
    """``manifest.toml``: the data set is flagged fictitious, with a French vintage label per source,
    and its extracts are declared exhaustive (a commune absent from them has none) for the
    départements generated (``"all"`` for all of France) and the years."""
    sections = {
        "dataset": {"name": DATASET_NAME, "fictitious": True, "departements": departements,
                    "years": years, "generated_by": "sdsf demo", "seed": seed},
        "vintages": _vintages(years),
    }
    lines = []
    for section, values in sections.items():
        lines += [f"[{section}]", *(f"{key} = {_toml(value)}" for key, value in values.items()), ""]
    scope = "all" if national else departements
    for source in EXHAUSTIVE_SOURCES:
        lines += ["[[exhaustive]]", f"source = {_toml(source)}", f"departements = {_toml(scope)}",
                  f"years = {_toml(years)}", ""]
    path = out / "manifest.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
