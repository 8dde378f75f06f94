"""Refresh at demo, 10-département and national scale, against a floor measured in the same run.

    .venv/bin/python benchmarks/bench_refresh.py [--scales demo 10 france]

For each scale: the demo raw files are generated into a temporary home, then, each in its own process
(so its peak memory is its own): the *floor* — DuckDB alone loading the same raw files into a DuckDB file
(``read_csv`` with detection, nothing else) —, a full refresh, and a no-op refresh. Printed: seconds, the
refresh / floor ratio, peak memory (max RSS), warehouse size, and whether the targets of issue 7 hold on
this machine (national refresh within 3 × the floor and under 1.5 GiB, no-op under 1 s). Scales other than
the demo build their geography (contours) into a temporary folder first. No timing is asserted anywhere.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TEN = ["01", "21", "25", "39", "58", "63", "69", "71", "89", "93"]
SCALES = {"demo": ["71"], "10": TEN, "france": None}
TARGETS = {"ratio": 3.0, "peak_mb": 1.5 * 1024, "noop_s": 1.0}
GENERATE = """
import json, sys
from pathlib import Path
from pipelines.demo import generate_demo
generate_demo(json.loads(sys.argv[1]), Path(sys.argv[2]))
"""
FLOOR = """
import duckdb, sys
from pathlib import Path
con = duckdb.connect(sys.argv[1])
for i, path in enumerate(sorted(p for p in Path(sys.argv[2]).rglob("*.csv"))):
    con.execute(f"CREATE TABLE t{i} AS SELECT * FROM read_csv(?)", [str(path)])
con.close()
"""


def measured(command: list[str], env: dict) -> tuple[float, float, int]:
    """Seconds, peak resident memory (MB) and exit code of ``command`` run in its own process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0,):
        sys.stderr.write(process.stderr.read().decode(errors="replace")[-2000:])
    return seconds, usage.ru_maxrss / 1024, code


def bench(name: str, departements: list[str] | None, work: Path, geo: Path | None) -> dict:
    env = {**os.environ, "SDSF_HOME": str(work)}
    if geo:
        env["SDSF_GEO_DIR"] = str(geo)
    scope = ["--all"] if departements is None else ["--departements", *departements]
    raw = work / "raw"
    py = sys.executable
    generated, _, _ = measured([py, "-c", GENERATE, json.dumps(_departements(departements, geo)), str(raw)], env)
    floor, floor_mb, _ = measured([py, "-c", FLOOR, str(work / "floor.duckdb"), str(raw)], env)
    refresh = [py, "-m", "pipelines.cli", "refresh", "--raw", str(raw), *scope, "--base-year", "2017"]
    full, peak_mb, code = measured(refresh, env)
    noop, _, _ = measured(refresh, env)
    size = max((p.stat().st_size for p in (work / "data" / "warehouse" / "versions").glob("*.duckdb")), default=0)
    raw_mb = sum(p.stat().st_size for p in raw.rglob("*") if p.is_file()) / 1e6
    return {"scale": name, "raw_mb": raw_mb, "generate": generated, "floor": floor, "floor_mb": floor_mb,
            "refresh": full, "ratio": full / floor, "peak_mb": peak_mb, "noop": noop, "warehouse_mb": size / 1e6,
            "ok": code == 0}


def _departements(departements: list[str] | None, geo: Path | None) -> list[str]:
    if departements is not None:
        return departements
    import pandas as pd

    return sorted(pd.read_parquet(geo / "cog2025" / "departements.parquet")["code"])


def build_geography(departements: list[str] | None, into: Path) -> None:
    env = {**os.environ, "SDSF_GEO_DIR": str(into)}
    scope = ["--all"] if departements is None else ["--departements", *departements]
    subprocess.run([sys.executable, "-m", "pipelines.cli", "geo", *scope], env=env, check=True,
                   stdout=subprocess.DEVNULL)


def verdict(r: dict) -> str:
    misses = []
    if r["ratio"] > TARGETS["ratio"]:
        misses.append(f"ratio {r['ratio'] / TARGETS['ratio']:.1f} × la cible")
    if r["peak_mb"] > TARGETS["peak_mb"]:
        misses.append(f"mémoire +{r['peak_mb'] - TARGETS['peak_mb']:.0f} Mo")
    if r["noop"] > TARGETS["noop_s"]:
        misses.append(f"sans changement +{r['noop'] - TARGETS['noop_s']:.2f} s")
    return "atteintes" if not misses else "manquées : " + ", ".join(misses)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", nargs="+", choices=list(SCALES), default=["demo"])
    args = parser.parse_args()
    os.chdir(REPO)
    results = []
    for name in args.scales:
        with tempfile.TemporaryDirectory(prefix="sdsf-bench-") as tmp:
            geo = None
            if name != "demo":
                geo = Path(tmp) / "geo"
                build_geography(SCALES[name], geo)
            results.append(r := bench(name, SCALES[name], Path(tmp) / "home", geo))
            print(f"{name}: refresh {r['refresh']:.1f} s, plancher {r['floor']:.1f} s", flush=True)
    header = (f"{'échelle':<8}{'bruts Mo':>9}{'génération':>11}{'plancher':>9}{'refresh':>9}{'ratio':>7}"
              f"{'pic Mo':>8}{'sans chgt':>10}{'entrepôt Mo':>12}  cibles")
    print(header)
    for r in results:
        print(f"{r['scale']:<8}{r['raw_mb']:>9.0f}{r['generate']:>10.1f}s{r['floor']:>8.1f}s{r['refresh']:>8.1f}s"
              f"{r['ratio']:>6.1f}×{r['peak_mb']:>8.0f}{r['noop']:>9.2f}s{r['warehouse_mb']:>12.0f}  "
              f"{verdict(r) if r['ok'] else 'ÉCHEC du refresh'}")
    if not all(r["ok"] for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
