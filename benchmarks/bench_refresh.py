"""Refresh timings at demo, multi-département and national scale (prints seconds and ratios).

    .venv/bin/python benchmarks/bench_refresh.py [--national]

Each scale generates the demo raw files for its départements into a temporary home, then times:
the generation, a full refresh (read + validate + compute + write), a no-op refresh, and the
main stages of the computation. ``--national`` first builds the geography of every
département (downloads the pinned COG packages once) into a temporary geo folder.
No timing is asserted anywhere: the numbers are for reading.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

SCALES = {"demo (71)": ["71"], "3 départements (63, 71, 93)": ["63", "71", "93"]}


def _timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


def bench(departements: list[str] | None, home: Path) -> dict[str, float]:
    os.environ["SDSF_HOME"] = str(home)
    from pipelines.demo import generate_demo
    from pipelines.geography.load import load_geography
    from pipelines.refresh import RefreshRequest, run

    geo = load_geography(departements)
    raw = home / "raw"
    _, t_gen = _timed(generate_demo, list(geo.departements["code"]), raw)
    full, t_full = _timed(run, RefreshRequest(raw, departements, base_year=2017))
    assert full.outcome == "success", full.message
    noop, t_noop = _timed(run, RefreshRequest(raw, departements, base_year=2017))
    if noop.outcome != "noop":  # the code changed between the two runs (edited meanwhile)
        print(f"  second refresh was not a no-op: {noop.message}")
    size = max(p.stat().st_size for p in (home / "data" / "warehouse" / "versions").glob("*.duckdb"))
    return {"communes": len(geo.communes), "generate": t_gen, "refresh": t_full, "noop": t_noop,
            "values": full.rows.get("indicator_value", 0), "mb": size / 1e6}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--national", action="store_true", help="add all of France (builds its geography)")
    args = parser.parse_args()
    scales = dict(SCALES)
    if args.national:
        geo_root = Path(tempfile.mkdtemp(prefix="sdsf-geo-"))
        from pipelines.geography.build import build
        _, t_geo = _timed(build, None, geo_root=geo_root)
        print(f"géographie France entière construite en {t_geo:.1f} s")
        os.environ["SDSF_GEO_DIR"] = str(geo_root)
        scales["France entière"] = None
    results = {}
    for name, deps in scales.items():
        with tempfile.TemporaryDirectory(prefix="sdsf-bench-") as tmp:
            results[name] = r = bench(deps, Path(tmp))
            print(f"{name}: {r['communes']} communes, refresh {r['refresh']:.1f} s, no-op {r['noop']:.2f} s",
                  flush=True)
    base = results["demo (71)"]
    print(f"{'échelle':<30}{'communes':>9}{'valeurs':>11}{'Mo':>6}{'génération':>12}{'refresh':>10}{'no-op':>8}"
          f"{'× communes':>12}{'× refresh':>11}")
    for name, r in results.items():
        print(f"{name:<30}{r['communes']:>9}{r['values']:>11}{r['mb']:>6.0f}{r['generate']:>11.1f}s{r['refresh']:>9.1f}s"
              f"{r['noop']:>7.2f}s{r['communes'] / base['communes']:>11.1f}×{r['refresh'] / base['refresh']:>10.1f}×")


if __name__ == "__main__":
    main()
