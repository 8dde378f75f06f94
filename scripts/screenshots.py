"""Screenshots of every page of the app on the demo warehouse, with the real browser load time of each.

    python scripts/screenshots.py [--home DIR] [--out screenshots] [--only MOT …]

Without ``--home`` the demo warehouse is built (``sdsf demo``) in a temporary ``SDSF_HOME``. The app is
started with ``streamlit run``, each page is opened in headless Chromium at 1 440 × 900 (Debian's
``/usr/bin/chromium`` through playwright; never ``playwright install``) and photographed once its script has
finished and its charts are drawn. ``scripts/first_paint.py`` times the pages in detail.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts import browser  # noqa: E402

# (file name, URL path and query); the demo's Saône-et-Loire codes, ignored by the app on another warehouse.
PAGES = [
    ("01-accueil", ""),
    ("02-portrait-epci", "portrait"),
    ("03-explorer", "explorer"),
    ("04-explorer-livret-ctg", "explorer?type=CC&ctg=200071579,247100647,200042414&indicateurs=tcg,tcg_eaje,"
                               "part_am_55_plus,places_eaje_solde,panier_complet&filtre=tcg&min=60&tri=tcg"
                               "&ordre=decroissant"),
    ("05-cartes-epci", "cartes"),
    ("06-cartes-communes-classes-fixes", "cartes?niveau=commune&indicateur=tcg&classes=fixes&annee=2017"),
    ("07-priorites", "priorites"),
    ("08-tendances", "tendances?epci=247100589,200071579"),
    ("09-donnees", "donnees"),
    ("10-lien-errone", "portrait?territoire=999999999&annee=1900"),
    ("11-cartes-insertion-communes", "cartes?niveau=commune&annee=2024"),
    ("12-bilan-annuel", "bilan"),
    ("13-bilan-annuel-epci", "bilan?niveau=epci&territoire=200071884&annee=2024"),
    ("14-suivi-du-plan", "plan"),
    ("15-suivi-du-plan-en-retard", "plan?annee=2025&suivi=en+retard"),
    ("16-communes-autorites-organisatrices", "communes"),
    ("17-portrait-commune", "portrait?niveau=commune&territoire=71270"),
    ("18-explorer-livret-ctg-communes", "explorer?ctg_niveau=commune&ctg_communes=71270,71105,71090"),
]


def photograph(page, path: Path) -> None:
    """Streamlit scrolls inside its main block, not the document: grow the viewport to the content first."""
    height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": browser.WIDTH, "height": max(browser.HEIGHT, int(height) + 40)})
    page.wait_for_timeout(800)  # plotly re-lays out on resize
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": browser.WIDTH, "height": browser.HEIGHT})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="SDSF_HOME holding a warehouse (défaut : démo construite à part)")
    parser.add_argument("--out", type=Path, default=browser.REPO / "screenshots")
    parser.add_argument("--only", nargs="+", default=[], metavar="MOT", help="seulement les captures dont le nom "
                                                                             "contient l'un de ces mots")
    args = parser.parse_args()
    reason = browser.missing()
    if reason:
        print(f"Captures impossibles : {reason}", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    with browser.warehouse_home(args.home) as home:
        args.out.mkdir(parents=True, exist_ok=True)
        port = browser.free_port()
        server = browser.start_app(home, port)
        try:
            with sync_playwright() as pw:
                chromium = browser.launch(pw)
                page = browser.new_page(chromium)
                print(f"{'page':<36} {'chargement':>10}")
                for name, path in [(n, p) for n, p in PAGES if not args.only or any(w in n for w in args.only)]:
                    seconds = browser.open_url(page, f"http://127.0.0.1:{port}/{path}")
                    photograph(page, args.out / f"{name}.png")
                    print(f"{name:<36} {seconds:>8.1f} s")
                chromium.close()
        finally:
            browser.stop(server)
    print(f"Captures dans {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
