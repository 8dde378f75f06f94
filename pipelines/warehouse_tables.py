"""Assemble the frames the warehouse stores (docs/architecture.md) from geography and indicators."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import shapely

from pipelines.geography.load import Geography
from pipelines.indicators.catalogue import SOURCE_LABELS, catalogue_frame
from pipelines.indicators.compute import IndicatorSet
from pipelines.priority.evaluate_all import priority_tables
from pipelines.warehouse import SCHEMA_VERSION

PRODUCERS = {
    "caf_rates": "Cnaf", "caf_places": "Cnaf", "population": "Insee", "income": "Insee",
    "equipments": "Caf / PMI", "childminders": "PMI (département)", "rpe_staff": "Caf",
    "complementary_places": "Caf / Éducation nationale", "frr": "ANCT", "qpv": "ANCT",
}


def build_tables(geo: Geography, ind: IndicatorSet, per_file: dict[Path, dict], raw: Path, manifest: dict,
                 vintages: dict[str, str], meta: dict[str, str], run_log: list[dict]) -> dict[str, pd.DataFrame]:
    dataset = manifest.get("dataset", {})
    fictitious = bool(dataset.get("fictitious", False))
    catalogue = catalogue_frame()
    data_vintage = " ; ".join(vintages[k] for k in sorted(vintages))
    territories = _territories(geo)
    status, reasons = priority_tables(ind.values, territories, catalogue, ind.years, data_vintage)
    frames = {
        "meta": _meta(meta, geo, ind, dataset, fictitious),
        "departement": geo.departements[["code", "name"]],
        "arrondissement": geo.arrondissements,
        "epci": geo.epci[["code", "name", "type", "departements", "n_communes", "n_communes_in_scope", "partial"]],
        "commune": geo.communes,
        "territory": territories,
        "commune_geometry": _wkb(geo.commune_shapes),
        "epci_geometry": _wkb(geo.epci_shapes),
        "indicator_catalogue": catalogue,
        "indicator_value": ind.values,
        "published_comparison": ind.comparison,
        "parenting_basket": ind.basket.astype({c: "boolean" for c in ("reaap", "laep", "clas", "mediation", "complete")}),
        "source_vintage": _sources(per_file, raw, vintages, fictitious),
        "run_log": _run_log(run_log),
        "priority_status": status,
        "priority_reason": reasons,
    }
    return frames


def _meta(meta, geo: Geography, ind: IndicatorSet, dataset: dict, fictitious: bool) -> pd.DataFrame:
    values = {
        **meta,
        "schema_version": SCHEMA_VERSION,
        "built_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "fictitious": "true" if fictitious else "false",
        "dataset": dataset.get("name", "Données configurées"),
        "departements": ",".join(geo.departements["code"]),
        "cog_vintage": geo.vintage,
        "years": ",".join(str(y) for y in ind.years),
        "base_year": str(ind.base_year),
        "geography_note": f"Géographie au 1er janvier 2025 ({geo.vintage}) pour toutes les années : "
                          "les séries sont recalculées sur les périmètres actuels.",
    }
    return pd.DataFrame({"key": list(values), "value": [str(v) for v in values.values()]})


def _territories(geo: Geography) -> pd.DataFrame:
    main_dep = geo.communes.dropna(subset=["epci"]).groupby("epci")["departement"].agg(lambda s: s.mode().iloc[0])
    parts = [
        geo.communes[["code", "name", "departement"]].assign(level="commune"),
        geo.epci[["code", "name"]].assign(level="epci", departement=lambda d: d["code"].map(main_dep)),
        geo.arrondissements[["code", "name", "departement"]].assign(level="arrondissement"),
        geo.departements[["code", "name"]].assign(level="departement", departement=lambda d: d["code"]),
        pd.DataFrame({"code": ["FR"], "name": ["France"], "departement": [None], "level": ["france"]}),
    ]
    return pd.concat(parts, ignore_index=True)[["level", "code", "name", "departement"]]


def _wkb(shapes) -> pd.DataFrame:
    return pd.DataFrame({"code": shapes["code"].to_numpy(), "geometry": shapely.to_wkb(shapes.geometry.to_numpy())})


def _sources(per_file: dict[Path, dict], raw: Path, vintages: dict[str, str], fictitious: bool) -> pd.DataFrame:
    rows = [{"source": stats["source"], "label": SOURCE_LABELS[stats["source"]], "producer": PRODUCERS[stats["source"]],
             "file": str(path.relative_to(raw)), "sha256": stats["sha256"],
             "vintage": vintages.get(stats["source"], ""), "years": stats["years"], "rows": stats["rows"],
             "fictitious": fictitious}
            for path, stats in per_file.items()]
    return pd.DataFrame(rows, columns=["source", "label", "producer", "file", "sha256", "vintage", "years", "rows",
                                       "fictitious"])


def _run_log(entries: list[dict]) -> pd.DataFrame:
    rows = [{
        "run_id": e.get("run_id"), "started_at": e.get("started_at"), "ended_at": e.get("ended_at"),
        "outcome": e.get("outcome"), "message": e.get("message", ""), "departements": e.get("departements"),
        "inputs": json.dumps(e.get("inputs", []), ensure_ascii=False),
        "rows": json.dumps(e.get("rows", {}), ensure_ascii=False),
        "rejected": json.dumps(e.get("rejected", []), ensure_ascii=False),
        "warehouse_file": e.get("warehouse_file"),
    } for e in entries]
    return pd.DataFrame(rows, columns=["run_id", "started_at", "ended_at", "outcome", "message", "departements",
                                       "inputs", "rows", "rejected", "warehouse_file"])
