"""First paint of every page, as a user waits for it, and the server-side time behind it.

    python scripts/first_paint.py [--home DIR] [--repo DIR] [--only MOT …]

Per page, in headless Chromium (Debian's ``/usr/bin/chromium`` through playwright), seconds until the script
has run and the last chart is drawn:

- *serveur froid*: the first visit after the server starts (one server started per page);
- *nouvelle session*: the same link opened in a new session once the server is idle (its start-up warming
  done; *repos* says how long after the first visit that was), in a new tab of the same browser (*onglet*:
  the app's JavaScript is in the browser's cache) and in a new browser profile (*profil vierge*: nothing is);
- *menu*: in that session, from another page, a click on the page's menu entry;
- *reçu*: what the browser received over the websocket for the new session's load (maps dominate);

then *côté serveur*: the page's script alone under ``AppTest`` (no browser), caches empty then warm.
Without ``--home`` the demo warehouse is built in a temporary ``SDSF_HOME``; ``--repo`` measures another
checkout of the app (a « before » figure). Measurements only: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts import browser  # noqa: E402

# (name, URL path, menu entry, script of the page)
PAGES = [
    ("accueil", "", "Accueil", "app_pages/accueil.py"),
    ("portrait", "portrait", "Portrait de territoire", "app_pages/portrait.py"),
    ("explorer", "explorer", "Explorer les EPCI", "app_pages/explorer.py"),
    ("cartes", "cartes", "Cartes", "app_pages/cartes.py"),
    ("priorites", "priorites", "Territoires prioritaires", "app_pages/priorites.py"),
    ("tendances", "tendances", "Tendances", "app_pages/tendances.py"),
    ("donnees", "donnees", "Données et sources", "app_pages/donnees.py"),
]


class Received:
    """Bytes the page received over Streamlit's websocket since the last ``reset``."""

    def __init__(self, page):
        self.bytes = 0
        page.on("websocket", lambda ws: ws.on("framereceived", self._add))

    def _add(self, payload) -> None:
        self.bytes += len(payload)

    def reset(self) -> None:
        self.bytes = 0


def browser_times(home: Path, repo: Path, name: str, path: str, menu: str) -> dict[str, float]:
    from playwright.sync_api import TimeoutError, sync_playwright

    port = browser.free_port()
    server = browser.start_app(home, port, repo)
    url = f"http://127.0.0.1:{port}/{path}"
    try:
        with sync_playwright() as pw:
            chromium = browser.launch(pw)
            first = browser.new_page(chromium)
            cold = browser.open_url(first, url)
            idle = browser.wait_idle(server)  # the warming of the other pages' reads, started by the first visit
            tab = first.context.new_page()  # a new session in the same browser: its HTTP cache holds the app's JS
            received = Received(tab)
            cached = browser.open_url(tab, url)
            weight = received.bytes
            page = browser.new_page(chromium)  # a new session in a new browser profile: nothing cached
            fresh = browser.open_url(page, url)
            other = "portrait" if name == "accueil" else ""
            browser.open_url(page, f"http://127.0.0.1:{port}/{other}")
            link = page.locator("[data-testid='stSidebarNav'] a", has_text=menu).first
            try:
                by_menu = browser.act(page, link.click)
            except TimeoutError:  # playwright's: the click never gave a finished run; said, not fatal
                by_menu = float("nan")
            chromium.close()
    finally:
        browser.stop(server)
    return {"cold": cold, "cached": cached, "fresh": fresh, "menu": by_menu, "bytes": weight, "idle": idle}


def server_times(home: Path, repo: Path, script: str) -> tuple[float, float, int]:
    """AppTest run of the page, caches cleared, then again warm (a new AppTest: a new session); and the bytes
    of its charts' JSON (what each rerun sends for them)."""
    code = f"""
import os, sys, time
sys.path.insert(0, {str(repo)!r})
import streamlit as st
from streamlit.testing.v1 import AppTest
times = []
for _ in range(2):
    at = AppTest.from_file({str(repo / "app" / "main.py")!r}, default_timeout=120)
    if {script!r} != "app_pages/accueil.py":
        at.switch_page({script!r})
    start = time.perf_counter()
    at.run(timeout=120)
    times.append(time.perf_counter() - start)
    assert not at.exception, [e.value for e in at.exception]
charts = sum(len(chart.proto.spec) for chart in at.get("plotly_chart"))
print(*times, charts)
"""
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, "SDSF_HOME": str(home)}, cwd=repo,
                         capture_output=True, text=True, check=True).stdout.split()
    return float(out[-3]), float(out[-2]), int(out[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="SDSF_HOME holding a warehouse (défaut : démo construite à part)")
    parser.add_argument("--repo", type=Path, default=browser.REPO, help="checkout de l'application à mesurer")
    parser.add_argument("--only", nargs="+", default=[], metavar="MOT")
    parser.add_argument("--no-browser", action="store_true", help="seulement les temps côté serveur")
    args = parser.parse_args()
    reason = None if args.no_browser else browser.missing()
    if reason:
        print(f"Mesures navigateur impossibles : {reason}", file=sys.stderr)
        return 2
    with browser.warehouse_home(args.home) as home:
        print(f"{'page':<11} {'serveur froid':>13} {'repos':>6} {'onglet':>8} {'profil vierge':>13} {'menu':>7} "
              f"{'reçu':>9} {'serveur (froid / chaud)':>24} {'graphiques':>10}")
        for name, path, menu, script in PAGES:
            if args.only and not any(word in name for word in args.only):
                continue
            cold_server, warm_server, weight = server_times(home, args.repo.resolve(), script)
            server = f"{cold_server:>14.2f} / {warm_server:.2f} s {weight / 1e6:>7.2f} Mo"
            if args.no_browser:
                print(f"{name:<11} {'':>13} {'':>6} {'':>8} {'':>13} {'':>7} {'':>9} {server}", flush=True)
                continue
            t = browser_times(home, args.repo.resolve(), name, path, menu)
            print(f"{name:<11} {t['cold']:>11.1f} s {t['idle']:>4.0f} s {t['cached']:>6.1f} s {t['fresh']:>11.1f} s "
                  f"{t['menu']:>5.1f} s "
                  f"{t['bytes'] / 1e6:>6.2f} Mo {server}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
