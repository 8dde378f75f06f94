"""The fault battery, printed as a table: broken inputs, kills at random points, readers during swaps, a 200 MB file.

    .venv/bin/python scripts/fault_battery.py [--kills 20] [--big-mb 200]

1. Every case of ``tests/faults.py`` on a copy of a small raw folder: outcome, message, warehouse unchanged.
2. ``--kills`` refreshes of the demo (71) killed by SIGKILL at a random point: after each, the current
   warehouse must open and answer; the next refresh must succeed with no temporary file left behind.
3. Readers querying the current warehouse in a loop while refreshes swap it: errors counted.
4. A file of ``--big-mb`` MB (every line the same key): rejected with a capped list, time and peak memory.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipelines.refresh import RefreshRequest, run  # noqa: E402
from pipelines.warehouse import store  # noqa: E402
from pipelines.warehouse.query import Warehouse  # noqa: E402
from tests.faults import CASES, apply, said, write_base  # noqa: E402

REFRESH = [sys.executable, "-m", "pipelines.cli", "refresh", "--departements", "71", "--base-year", "2017", "--force"]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def battery(work: Path) -> list[tuple]:
    base = work / "base"
    os.environ["SDSF_HOME"] = str(base / "home")
    assert run(RefreshRequest(write_base(base / "raw"), ["71"])).outcome == "success"
    rows = []
    for number, case in enumerate(CASES):
        home, raw = work / f"c{number}" / "home", work / f"c{number}" / "raw"
        shutil.copytree(base / "home", home, symlinks=True)
        shutil.copytree(base / "raw", raw)
        os.environ["SDSF_HOME"] = str(home)
        good, before = store.current_file(), digest(store.current_file())
        apply(case, raw)
        result = run(RefreshRequest(raw, ["71"]))
        lost = result.outcome != "success" and (store.current_file() != good or digest(good) != before)
        expected = "rejeté" if case.rejected else "accepté"
        got = {"rejected": "rejeté", "success": "accepté"}.get(result.outcome, result.outcome)
        items = result.problems if case.rejected else result.notices
        first = next((str(i) for i in items if not case.words or case.words in str(i)), result.message)
        rows.append((case.name, expected, got, said(case, result), lost, first))
    return rows


def kills(work: Path, count: int) -> dict:
    from pipelines.demo import generate_demo

    home = work / "kills"
    env = {**os.environ, "SDSF_HOME": str(home)}
    raw = home / "data" / "raw" / "demo"
    generate_demo(["71"], raw)
    subprocess.run(REFRESH + ["--raw", str(raw)], env=env, check=True, capture_output=True)
    os.environ["SDSF_HOME"] = str(home)
    served_errors, leftovers = 0, []
    start = time.perf_counter()
    subprocess.run(REFRESH + ["--raw", str(raw)], env=env, check=True, capture_output=True)
    duration = time.perf_counter() - start
    rng = random.Random(7)
    for _ in range(count):
        process = subprocess.Popen(REFRESH + ["--raw", str(raw)], env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.05, duration))
        process.send_signal(signal.SIGKILL)
        process.wait()
        try:
            wh = Warehouse.open_current()
            assert not wh.values("departement", ["71"], ["tcg"]).empty
            wh.close()
        except Exception:  # noqa: BLE001 — counted, the table says it
            served_errors += 1
        leftovers.append(len(list(store.versions_dir().glob("*.tmp*"))))
    final = subprocess.run(REFRESH + ["--raw", str(raw)], env=env, capture_output=True, text=True)
    left = list(store.versions_dir().glob("*.tmp*")) + list(store.paths.warehouse_dir().glob(".*.tmp"))
    return {"kills": count, "served_errors": served_errors, "max_leftovers_between": max(leftovers, default=0),
            "final_ok": final.returncode == 0, "left_after": len(left), "journal_ok": bool(store.read_journal())}


def readers_during_swaps(work: Path, refreshes: int = 5, readers: int = 4) -> dict:
    home = work / "kills"  # reuses the demo raw folder of the kills
    os.environ["SDSF_HOME"] = str(home)
    env = {**os.environ}
    raw = home / "data" / "raw" / "demo"
    stop, errors, reads = threading.Event(), [], [0]

    def read():
        while not stop.is_set():
            try:
                wh = Warehouse.open_current()
                wh.values("epci", None, ["tcg"], [2024])
                wh.close()
                reads[0] += 1
            except Exception as exc:  # noqa: BLE001
                errors.append(repr(exc))

    threads = [threading.Thread(target=read) for _ in range(readers)]
    for t in threads:
        t.start()
    for _ in range(refreshes):
        subprocess.run(REFRESH + ["--raw", str(raw)], env=env, check=True, capture_output=True)
    stop.set()
    for t in threads:
        t.join()
    return {"refreshes": refreshes, "reads": reads[0], "errors": len(errors), "first_error": errors[:1]}


def big_file(work: Path, megabytes: int) -> dict:
    home = work / "big"
    os.environ["SDSF_HOME"] = str(home)
    raw = write_base(home / "raw")
    line = "2022;71270;10;8;30;20;2\n"
    path = raw / "extracts" / "assistants_maternels.csv"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("annee;code_commune;am_agrees;am_actifs;places_agrees;places_moins_3_ans_actifs;"
                     "am_actifs_55_ans_et_plus\n")
        handle.write(line * (megabytes * 1_000_000 // len(line)))
    size = path.stat().st_size / 1e6
    command = [sys.executable, "-m", "pipelines.cli", "refresh", "--raw", str(raw), "--departements", "71"]
    start = time.perf_counter()
    process = subprocess.Popen(command, env={**os.environ}, stdout=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(process.pid, 0)
    output = process.stdout.read()
    return {"mb": size, "seconds": time.perf_counter() - start, "exit": os.waitstatus_to_exitcode(status),
            "peak_mb": usage.ru_maxrss / 1024, "message": next((x for x in output.splitlines() if "déjà" in x), "")}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--big-mb", type=int, default=200)
    args = parser.parse_args()
    os.chdir(REPO)
    with tempfile.TemporaryDirectory(prefix="sdsf-faults-") as tmp:
        work = Path(tmp)
        rows = battery(work)
        print(f"{'cas':<46}{'attendu':<9}{'obtenu':<9}{'message':<9}{'perte':<7}premier message")
        for name, expected, got, ok, lost, first in rows:
            print(f"{name[:45]:<46}{expected:<9}{got:<9}{'oui' if ok else 'NON':<9}{'OUI' if lost else '0':<7}"
                  f"{first[:110]}")
        right = sum(expected == got and ok and not lost for _, expected, got, ok, lost, _ in rows)
        print(f"\n{len(rows)} cas : {sum(r[2] == 'rejeté' for r in rows)} rejetés, "
              f"{sum(r[2] == 'accepté' for r in rows)} acceptés, {right} conformes, "
              f"données perdues : {sum(r[4] for r in rows)}")
        k = kills(work, args.kills)
        print(f"\n{k['kills']} refresh tués (SIGKILL) à un moment au hasard : entrepôt servi en erreur "
              f"{k['served_errors']} fois ; fichiers temporaires en attente au plus {k['max_leftovers_between']} ; "
              f"refresh suivant {'réussi' if k['final_ok'] else 'EN ÉCHEC'}, restes après : {k['left_after']}")
        r = readers_during_swaps(work)
        print(f"Lecteurs pendant {r['refreshes']} bascules : {r['reads']} lectures, {r['errors']} erreurs "
              f"{r['first_error'] or ''}")
        b = big_file(work, args.big_mb)
        print(f"Fichier de {b['mb']:.0f} Mo (une seule clé répétée) : code {b['exit']} en {b['seconds']:.1f} s, "
              f"pic {b['peak_mb']:.0f} Mo ; {b['message'][:120]}")


if __name__ == "__main__":
    main()
