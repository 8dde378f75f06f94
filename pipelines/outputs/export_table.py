"""``sdsf export``: the indicator table of a level, for a *livret CTG*, as French CSV or XLSX."""

from __future__ import annotations

from pathlib import Path

from pipelines.outputs.exports import to_csv_bytes, to_xlsx_bytes
from pipelines.warehouse.query import Warehouse


def export_table(level: str, fmt: str, out: Path, epci: list[str] | None = None,
                 year: int | None = None) -> tuple[Path, int]:
    wh = Warehouse.open_current()
    try:
        codes = _codes(wh, level, epci)
        years = None if year is None else [year]
        if year is not None and year not in wh.years():
            raise ValueError(f"année {year} absente de l'entrepôt (années : {', '.join(map(str, wh.years()))})")
        table = wh.indicator_table(level, years=years, codes=codes)
        catalogue = wh.catalogue()
        provenance = wh.values(level, codes, None, years)
        data = (to_csv_bytes(table, catalogue, wh.meta(), provenance) if fmt == "csv"
                else to_xlsx_bytes(table, catalogue, wh.sources(), wh.meta(), provenance=provenance))
    finally:
        wh.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return out, len(table)


def _codes(wh: Warehouse, level: str, epci: list[str] | None) -> list[str] | None:
    """The territories of the chosen EPCI at ``level`` (their communes, or the EPCI themselves)."""
    if not epci:
        return None
    known = set(wh.epci()["code"])
    unknown = sorted(set(epci) - known)
    if unknown:
        raise ValueError(f"EPCI inconnu(s) dans l'entrepôt : {', '.join(unknown)}")
    if level == "epci":
        return list(epci)
    if level == "commune":
        communes = wh.communes()
        return list(communes.loc[communes["epci"].isin(epci), "code"])
    raise ValueError("--epci ne s'applique qu'aux niveaux commune et epci")
