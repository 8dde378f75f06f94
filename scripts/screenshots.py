"""Screenshots of every page of the app on the demo warehouse, with the real browser load time of each.

    python scripts/screenshots.py [--home DIR] [--port 8612] [--out screenshots]

Without ``--home`` the demo warehouse is built (``sdsf demo``) in a temporary ``SDSF_HOME``. The app is
started with ``streamlit run``, each page is opened in headless Chromium (Debian's ``/usr/bin/chromium``
through playwright; never ``playwright install``) and photographed once its script has finished and its
charts are drawn. ``AppTest`` only times the script; this times what a user waits for.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
SETTLED = "[data-testid='stApp'][data-test-script-state='notRunning']"
WIDTH, HEIGHT = 1400, 900
# (file name, URL path and query); the demo's Saône-et-Loire codes, ignored by the app on another warehouse.
PAGES = [
    ("01-accueil", ""),
    ("02-portrait-epci", "portrait"),
    ("03-explorer", "explorer"),
    ("04-explorer-livret-ctg", "explorer?type=CC&ctg=200071579,247100647,200042414&indicateurs=tcg,tcg_eaje,"
                               "part_am_55_plus,places_eaje_solde&filtre=tcg&min=60"),
    ("05-cartes-epci", "cartes"),
    ("06-cartes-communes-classes-fixes", "cartes?niveau=commune&indicateur=tcg&classes=fixes&annee=2017"),
    ("07-priorites", "priorites"),
    ("08-tendances", "tendances?epci=247100589,200071579"),
    ("09-donnees", "donnees"),
]


def build_demo(home: Path) -> None:
    subprocess.run([str(BIN / "sdsf"), "demo"], env={**os.environ, "SDSF_HOME": str(home)}, check=True,
                   stdout=subprocess.DEVNULL)


def start_app(home: Path, port: int) -> subprocess.Popen:
    command = [str(BIN / "streamlit"), "run", "app/main.py", "--server.port", str(port), "--server.headless", "true",
               "--browser.gatherUsageStats", "false"]
    server = subprocess.Popen(command, cwd=REPO, env={**os.environ, "SDSF_HOME": str(home)},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://localhost:{port}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise RuntimeError(f"l'application ne répond pas sur le port {port}")


def load(page: Page, url: str) -> float:
    """Open ``url`` and wait until the script has run and every plotly chart is drawn; seconds taken."""
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(SETTLED, timeout=90_000)
    expected = page.locator("[data-testid='stPlotlyChart']").count()
    if expected:
        page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot').length >= {expected}", timeout=90_000)
    return time.perf_counter() - start


def photograph(page: Page, path: Path) -> None:
    """Streamlit scrolls inside its main block, not the document: grow the viewport to the content first."""
    height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": WIDTH, "height": max(HEIGHT, int(height) + 40)})
    page.wait_for_timeout(800)  # plotly re-lays out on resize
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="SDSF_HOME holding a warehouse (défaut : démo construite à part)")
    parser.add_argument("--port", type=int, default=8612)
    parser.add_argument("--out", type=Path, default=REPO / "screenshots")
    parser.add_argument("--only", nargs="+", default=[], metavar="MOT", help="seulement les captures dont le nom "
                                                                             "contient l'un de ces mots")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sdsf-screens-") as scratch:
        home = args.home or Path(scratch)
        if args.home is None:
            print(f"Construction de l'entrepôt de démonstration dans {home}…")
            build_demo(home)
        args.out.mkdir(parents=True, exist_ok=True)
        server = start_app(home, args.port)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, locale="fr-FR",
                                           timezone_id="Europe/Paris").new_page()
                print(f"{'page':<36} {'1er chargement':>15} {'2e chargement':>14}")
                for name, path in [(n, p) for n, p in PAGES if not args.only or any(w in n for w in args.only)]:
                    url = f"http://localhost:{args.port}/{path}"
                    cold, warm = load(page, url), load(page, url)  # caches empty, then filled
                    photograph(page, args.out / f"{name}.png")
                    print(f"{name:<36} {cold:>13.1f} s {warm:>12.1f} s")
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"Captures dans {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
