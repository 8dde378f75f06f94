"""Screenshots of access in headless Chromium: the sign-in page, each role's navigation, a forbidden typed URL,
and the open demo. Local accounts on a copy of the demo warehouse (one account per role).

    .venv/bin/python scripts/access_screenshots.py [--out screenshots/acces]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts import browser  # noqa: E402

PASSWORD = "mot de passe de démonstration"
ROLES = ("lecteur", "analyste", "administrateur")


def _menu(page) -> list[str]:
    links = page.locator("[data-testid='stSidebarNavLink']")
    return [links.nth(i).inner_text().strip() for i in range(links.count())]


def sign_in(page, port: int, user: str) -> float:
    seconds = browser.open_url(page, f"http://127.0.0.1:{port}/")
    browser.widget(page, "stTextInput", "Identifiant").locator("input").fill(user)
    browser.widget(page, "stTextInput", "Mot de passe").locator("input").fill(PASSWORD)
    seconds += browser.act(page, lambda: page.get_by_role("button", name="Se connecter").click())
    # the form's run ends with a rerun into the signed-in app: wait for that one too
    page.wait_for_function("() => [...document.querySelectorAll('h1')].every(h => h.innerText !== 'Connexion')",
                           timeout=browser.TIMEOUT_MS)
    browser.settle(page)
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="SDSF_HOME avec un entrepôt de démonstration")
    parser.add_argument("--out", type=Path, default=browser.REPO / "screenshots" / "acces")
    args = parser.parse_args()
    reason = browser.missing()
    if reason:
        print(f"Captures impossibles : {reason}", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    from pipelines.access.accounts import add_account

    with browser.warehouse_home(args.home) as home:
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
                    if role == "lecteur":
                        browser.act(page, lambda: page.goto(f"http://127.0.0.1:{port}/depot"))
                        page.screenshot(path=str(args.out / "05-lecteur-adresse-depot.png"), full_page=True)
                        print(f"lecteur sur /depot : titre « {page.locator('h1').first.inner_text()} »")
                    if role == "administrateur":
                        browser.act(page, lambda: page.get_by_role("link", name="Dépôt d'extraits").click())
                        page.screenshot(path=str(args.out / "06-depot-administrateur.png"), full_page=True)
                config.unlink()
                page = browser.new_page(chromium)
                browser.open_url(page, f"http://127.0.0.1:{port}/")
                page.screenshot(path=str(args.out / "07-demonstration-ouverte.png"), full_page=True)
                print(f"démonstration : menu {_menu(page)}")
                chromium.close()
        finally:
            config.unlink(missing_ok=True)
            browser.stop(server)
    print(f"Captures dans {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
