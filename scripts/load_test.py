"""Burst of concurrent app sessions on the demo: a local ``streamlit run``, N websocket clients at once.

Each client speaks Streamlit's own protocol, as a browser tab does: it opens ``/_stcore/stream``, asks for a run
of one page (``BackMsg.rerun_script`` with the page's name, pages taken in turn) and reads the ``ForwardMsg``
stream until ``script_finished``. Latency is from the request to that message (the server's whole answer, no
drawing). Errors: a connection or protocol failure, a timeout, an exception element in the page, a page not
found. Bounded: one run per client per burst, a timeout per run, only 127.0.0.1.

    .venv/bin/python scripts/load_test.py [--sessions 20] [--bursts 2] [--home DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts import browser  # noqa: E402

PAGES = ["", "portrait", "explorer", "cartes", "tendances", "donnees", "priorites", "bilan", "plan",
         "communes"]  # "" = Accueil
TIMEOUT = 120.0


@dataclass
class Outcome:
    page: str
    seconds: float | None  # None: failed
    error: str | None = None
    elements: int = 0


async def one_session(port: int, page: str) -> Outcome:
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    request = BackMsg()
    request.rerun_script.query_string = ""
    request.rerun_script.page_name = page
    started = time.perf_counter()
    elements = 0
    try:
        async with websockets.connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"],
                                      max_size=None, open_timeout=TIMEOUT) as socket:
            await socket.send(request.SerializeToString())
            async with asyncio.timeout(TIMEOUT):
                while True:
                    message = ForwardMsg()
                    message.ParseFromString(await socket.recv())
                    kind = message.WhichOneof("type")
                    if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                        elements += 1
                        if message.delta.new_element.WhichOneof("type") == "exception":
                            return Outcome(page, None, f"exception : {message.delta.new_element.exception.message}")
                    elif kind == "page_not_found":
                        return Outcome(page, None, "page introuvable")
                    elif kind == "script_finished":
                        if message.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                            continue
                        if not elements:  # a page that drew nothing did not answer
                            return Outcome(page, None, "aucun élément reçu")
                        return Outcome(page, time.perf_counter() - started, None, elements)
    except TimeoutError:
        return Outcome(page, None, f"délai de {TIMEOUT:.0f} s dépassé")
    except Exception as exc:  # connection refused, closed, protocol: all count as errors
        return Outcome(page, None, f"{type(exc).__name__} : {exc}")


async def burst(port: int, sessions: int) -> tuple[list[Outcome], float]:
    started = time.perf_counter()
    results = await asyncio.gather(*(one_session(port, PAGES[i % len(PAGES)]) for i in range(sessions)))
    return list(results), time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def report(title: str, results: list[Outcome], wall: float) -> None:
    done = [r.seconds for r in results if r.seconds is not None]
    errors = [r for r in results if r.seconds is None]
    print(f"\n{title} : {len(results)} sessions simultanées, {len(errors)} erreur(s), {wall:.1f} s au total")
    if done:
        print(f"  latence (s) : p50 {percentile(done, 0.5):.2f}  p90 {percentile(done, 0.9):.2f}  "
              f"p95 {percentile(done, 0.95):.2f}  max {max(done):.2f}  moyenne {statistics.mean(done):.2f}")
        pages = {}
        for r in results:
            if r.seconds is not None:
                pages.setdefault(r.page or "accueil", []).append(r.seconds)
        print("  par page (médiane) : " + ", ".join(f"{p} {statistics.median(s):.2f}" for p, s in pages.items()))
        drawn = [r.elements for r in results if r.seconds is not None]
        print(f"  éléments reçus par session : de {min(drawn)} à {max(drawn)}")
    for r in errors:
        print(f"  erreur sur « {r.page or 'accueil'} » : {r.error}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--bursts", type=int, default=2, help="la première sur un serveur qui vient de démarrer")
    parser.add_argument("--home", type=Path, help="SDSF_HOME avec un entrepôt (défaut : démo construite à part)")
    args = parser.parse_args()
    with browser.warehouse_home(args.home) as home:
        port = browser.free_port()
        server = browser.start_app(home, port)
        failures = 0
        try:
            for number in range(1, args.bursts + 1):
                results, wall = asyncio.run(burst(port, args.sessions))
                report(f"Rafale {number}" + (" (serveur froid)" if number == 1 else ""), results, wall)
                failures += sum(r.seconds is None for r in results)
        finally:
            browser.stop(server)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
