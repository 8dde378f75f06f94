"""Demo generation timings at demo, 3-département and national scale (prints seconds, files and size).

    .venv/bin/python benchmarks/bench_demo.py [--repeat 3]

Generation reads only the national attribute tables of ``geo/`` (no contour file), so the national
scale needs no geography build. Each scale is generated ``--repeat`` times into a temporary folder
and the best time is kept. The refresh is timed by ``bench_refresh.py``. No timing is asserted
anywhere: the numbers are for reading.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from pipelines.demo import generate_demo

SCALES = {"demo (71)": ["71"], "3 départements (63, 71, 93)": ["63", "71", "93"], "France entière": None}


def bench(departements: list[str] | None, repeat: int) -> dict[str, float]:
    best = float("inf")
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="sdsf-demo-") as tmp:
            start = time.perf_counter()
            files = generate_demo(departements, Path(tmp))
            best = min(best, time.perf_counter() - start)
            size = sum(p.stat().st_size for p in files)
    return {"seconds": best, "files": len(files), "mb": size / 1e6}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3, help="runs per scale, the best is kept")
    args = parser.parse_args()
    print(f"{'échelle':<30}{'fichiers':>9}{'Mo':>7}{'génération':>12}")
    for name, departements in SCALES.items():
        r = bench(departements, args.repeat)
        print(f"{name:<30}{r['files']:>9}{r['mb']:>7.1f}{r['seconds']:>11.2f}s", flush=True)


if __name__ == "__main__":
    main()
