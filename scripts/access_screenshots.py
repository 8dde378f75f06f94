"""Screenshots of access in headless Chromium: the sign-in page, each role's navigation, a forbidden typed URL,
the deposit page with the preview of a bad file's problems, a « secret statistique » cell, and the open demo.
Local accounts on a copy of the demo warehouse (one account per role). PNG files, not committed.

    .venv/bin/python scripts/access_screenshots.py [--out /tmp/sdsf-shots-trust]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts import browser  # noqa: E402

PASSWORD = "mot de passe de démonstration"
ROLES = ("lecteur", "analyste", "administrateur")
TEMPLATE = "assistants_maternels"
# a PMI extract as a steward might send it: a formula, a word for a count, an unknown commune
BAD_EXTRACT = ("annee;code_commune;am_agrees;am_actifs;places_agrees;places_moins_3_ans_actifs;"
               "am_actifs_55_ans_et_plus\n2024;71001;=1+1;8;29;15;3\n2024;71002;quatorze;14;48;24;4\n"
               "2024;99999;3;3;9;6;0\n")


def _menu(page) -> list[str]:
    links = page.locator("[data-testid='stSidebarNavLink']")
    return [links.nth(i).inner_text().strip().split("\n")[-1] for i in range(links.count())]  # without the icon


def sign_in(page, port: int, user: str, path: str = "") -> float:
    """Open ``path`` signed out (the sign-in page answers every address), then sign in as ``user``."""
    seconds = browser.open_url(page, f"http://127.0.0.1:{port}/{path}")
    browser.widget(page, "stTextInput", "Identifiant").locator("input").fill(user)
    browser.widget(page, "stTextInput", "Mot de passe").locator("input").fill(PASSWORD)
    seconds += browser.act(page, lambda: page.get_by_role("button", name="Se connecter").click())
    # the form's run ends with a rerun into the signed-in app: wait for that one too
    page.wait_for_function("() => [...document.querySelectorAll('h1')].every(h => h.innerText !== 'Connexion')",
                           timeout=browser.TIMEOUT_MS)
    browser.settle(page)
    return seconds


def bad_upload(page, out: Path) -> None:
    """Drop a bad extract on the deposit page: every problem is previewed, nothing is stored."""
    box = browser.widget(page, "stSelectbox", "Modèle de l'extrait")
    box.locator("input").click()
    box.locator("input").fill(TEMPLATE)
    option = page.get_by_role("option").filter(has_text=TEMPLATE).first
    browser.act(page, option.click)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "extrait PMI 2024.csv"
        path.write_text(BAD_EXTRACT, encoding="utf-8")
        browser.act(page, lambda: page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
            str(path)))
    page.wait_for_selector("[data-testid='stDataFrame']", timeout=browser.TIMEOUT_MS)
    page.screenshot(path=str(out), full_page=True)
    print(f"dépôt d'un fichier à problèmes : {page.locator('[data-testid=stAlert]').first.inner_text()}")


def secret_cell(page, port: int, out: Path) -> None:
    """The communes table of an EPCI portrait, where small communes' counts read « secret statistique »."""
    from pipelines.warehouse.query import Warehouse

    wh = Warehouse.open_current()
    try:
        secret = wh._df("SELECT c.epci, count(*) AS n FROM secret_cell s JOIN commune c ON c.code = s.code "
                        "WHERE s.level = 'commune' AND s.year = 2024 AND s.indicator = 'places_total' "
                        "GROUP BY 1 ORDER BY 2 DESC LIMIT 1")
    finally:
        wh.close()
    epci = secret["epci"].iloc[0]
    browser.open_url(page, f"http://127.0.0.1:{port}/portrait?niveau=epci&territoire={epci}&annee=2024")
    block = page.locator(".st-key-communes")
    block.scroll_into_view_if_needed()
    block.screenshot(path=str(out))
    print(f"secret statistique : portrait de l'EPCI {epci}, tableau des communes")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="SDSF_HOME avec un entrepôt de démonstration")
    parser.add_argument("--out", type=Path, default=Path("/tmp/sdsf-shots-trust"))
    args = parser.parse_args()
    reason = browser.missing()
    if reason:
        print(f"Captures impossibles : {reason}", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    from pipelines.access.accounts import add_account

    with browser.warehouse_home(args.home) as home:
        os.environ["SDSF_HOME"] = str(home)  # this process reads the same warehouse (which cell is secret)
        accounts = home / "data" / "access" / "accounts.json"
        for role in ROLES:
            add_account(accounts, role, role, PASSWORD, name=role.capitalize(), replace=True)
        config = home / "sdsf.toml"
        args.out.mkdir(parents=True, exist_ok=True)
        port = browser.free_port()
        server = browser.start_app(home, port)
        try:
            with sync_playwright() as pw:
                chromium = browser.launch(pw)
                config.write_text(f'[access]\nmode = "local"\naccounts = "{accounts}"\n', encoding="utf-8")
                page = browser.new_page(chromium)
                browser.open_url(page, f"http://127.0.0.1:{port}/explorer")  # a typed URL before signing in
                page.screenshot(path=str(args.out / "01-connexion.png"), full_page=True)
                print(f"connexion : menu {_menu(page)}")
                for number, role in enumerate(ROLES, start=2):
                    page = browser.new_page(chromium)
                    seconds = sign_in(page, port, role)
                    page.screenshot(path=str(args.out / f"0{number}-navigation-{role}.png"), full_page=True)
                    print(f"{role} ({seconds:.1f} s) : menu {_menu(page)}")
                    if role == "lecteur":  # a typed address (a reload is a new session: signed in again)
                        page = browser.new_page(chromium)
                        sign_in(page, port, role, "depot?modele=assistants_maternels")
                        page.screenshot(path=str(args.out / "05-lecteur-adresse-depot.png"), full_page=True)
                        print(f"lecteur sur /depot : titre « {page.locator('h1').first.inner_text()} »")
                    if role == "administrateur":
                        browser.act(page, lambda: page.get_by_role("link", name="Dépôt d'extraits").click())
                        page.screenshot(path=str(args.out / "06-depot-administrateur.png"), full_page=True)
                        bad_upload(page, args.out / "09-depot-apercu-problemes.png")
                config.unlink()
                page = browser.new_page(chromium)
                browser.open_url(page, f"http://127.0.0.1:{port}/")
                page.screenshot(path=str(args.out / "07-demonstration-ouverte.png"), full_page=True)
                print(f"démonstration : menu {_menu(page)}")
                secret_cell(page, port, args.out / "08-secret-statistique.png")
                chromium.close()
        finally:
            config.unlink(missing_ok=True)
            browser.stop(server)
    print(f"Captures dans {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
