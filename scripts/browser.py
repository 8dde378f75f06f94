"""Drive the app in headless Chromium as a user does: start a server, open pages, click, wait for the result.

Shared by ``scripts/screenshots.py``, ``scripts/first_paint.py`` and the browser tests. Debian's
``/usr/bin/chromium`` through playwright (never ``playwright install``: it downloads a browser).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
SETTLED = "[data-testid='stApp'][data-test-script-state='notRunning']"
WIDTH, HEIGHT = 1440, 900
TIMEOUT_MS = 90_000
# Every plotly chart on the page has drawn: its SVG is laid out, and a map's MapLibre canvas has rendered.
CHARTS_DRAWN = """() => {
  const boxes = [...document.querySelectorAll("[data-testid='stPlotlyChart']")];
  return boxes.every(box => {
    const plot = box.querySelector('.js-plotly-plot');
    if (!plot || !plot._fullLayout || !plot.querySelector('.main-svg')) return false;
    const map = plot._fullLayout.map && plot._fullLayout.map._subplot && plot._fullLayout.map._subplot.map;
    return !map || (map.loaded() && map.areTilesLoaded());
  });
}"""
# Counts the script's state changes, so a wait after a click sees the rerun it caused, not the previous one.
WATCH_RUNS = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  window.__sdsfRuns = 0;
  if (window.__sdsfObserver) window.__sdsfObserver.disconnect();
  window.__sdsfObserver = new MutationObserver(records => {
    for (const r of records) if (r.attributeName === 'data-test-script-state') window.__sdsfRuns += 1;
  });
  window.__sdsfObserver.observe(app, {attributes: true});
}"""
# A document without the counter is a new one (the click reloaded the page): its own run is waited for.
# The script has stayed finished for a moment: a rerun it asks for itself (a corrected link) has come and gone.
STEADY = """() => {
  const state = document.querySelector("[data-testid='stApp']")?.getAttribute('data-test-script-state');
  const now = performance.now();
  if (state !== 'notRunning') { window.__sdsfSince = undefined; return false; }
  if (window.__sdsfSince === undefined) window.__sdsfSince = now;
  return now - window.__sdsfSince >= 400;
}"""
RAN = """() => (window.__sdsfRuns === undefined || window.__sdsfRuns > 0) &&
  document.querySelector("[data-testid='stApp']")?.getAttribute('data-test-script-state') === 'notRunning'"""


def missing() -> str | None:
    """Why the browser checks cannot run here, or ``None``."""
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} absent (Debian: apt-get install -y chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright absent (pip install -e '.[browser]')"
    return None


@contextlib.contextmanager
def warehouse_home(home: Path | None):
    """``home`` when given, else a temporary ``SDSF_HOME`` with the demo warehouse built (``sdsf demo``)."""
    with tempfile.TemporaryDirectory(prefix="sdsf-browser-") as scratch:
        if home is None:
            home = Path(scratch)
            print(f"Construction de l'entrepôt de démonstration dans {home}…", file=sys.stderr)
            subprocess.run([str(Path(sys.executable).parent / "sdsf"), "demo"], check=True, stdout=subprocess.DEVNULL,
                           env={**os.environ, "SDSF_HOME": str(home)})
        yield home


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(home: Path, port: int, repo: Path = REPO) -> subprocess.Popen:
    """``streamlit run app/main.py`` of ``repo`` on ``home``'s warehouse; returns once the server answers."""
    streamlit = shutil.which("streamlit", path=str(Path(sys.executable).parent)) or "streamlit"
    command = [streamlit, "run", "app/main.py", "--server.port", str(port), "--server.headless", "true",
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    server = subprocess.Popen(command, cwd=repo, env={**os.environ, "SDSF_HOME": str(home)},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    stop(server)
    raise RuntimeError(f"l'application ne répond pas sur le port {port}")


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()


def wait_idle(server: subprocess.Popen, quiet: float = 1.5, limit: float = 120.0) -> float:
    """Wait until the server has used no CPU for ``quiet`` seconds (its start-up warming done); seconds waited."""
    def cpu() -> int:
        fields = Path(f"/proc/{server.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks

    start = last_change = time.monotonic()
    used = cpu()
    while time.monotonic() - start < limit:
        time.sleep(0.25)
        now = cpu()
        if now != used:
            used, last_change = now, time.monotonic()
        elif time.monotonic() - last_change >= quiet:
            break
    return time.monotonic() - start


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def new_page(browser):
    """A new session: a fresh context (no cookies, no cache), French locale, Paris time."""
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, locale="fr-FR",
                                  timezone_id="Europe/Paris")
    return context.new_page()


def settle(page) -> None:
    """The script has finished and every chart is drawn."""
    page.wait_for_selector(SETTLED, timeout=TIMEOUT_MS)
    page.wait_for_function(CHARTS_DRAWN, timeout=TIMEOUT_MS, polling=50)


def open_url(page, url: str) -> float:
    """Open ``url``; seconds until its script has run and its last chart is drawn."""
    start = time.perf_counter()
    page.goto(url)
    # the shell says « not running » before the script has even started: wait for its title first
    page.wait_for_selector("[data-testid='stMain'] h1", timeout=TIMEOUT_MS)
    settle(page)
    seconds = time.perf_counter() - start
    page.wait_for_function(STEADY, timeout=TIMEOUT_MS, polling=50)
    settle(page)
    return seconds


def act(page, action) -> float:
    """Run ``action`` (a click, a key press) and wait for the rerun it causes; seconds taken."""
    page.evaluate(WATCH_RUNS)
    start = time.perf_counter()
    action()
    page.wait_for_function(RAN, timeout=TIMEOUT_MS, polling=20)
    settle(page)
    return time.perf_counter() - start


def widget(page, testid: str, label: str):
    """The widget of type ``testid`` (``stSelectbox``, ``stMultiSelect``, ``stTextInput``…) labelled ``label``."""
    return page.locator(f"[data-testid='{testid}']").filter(
        has=page.locator("[data-testid='stWidgetLabel']", has_text=label)).first


def pick(page, label: str, option: str) -> float:
    """Choose ``option`` (its visible text) in the selectbox ``label``."""
    box = widget(page, "stSelectbox", label)
    box.locator("input").click()
    box.locator("input").fill(option)
    return act(page, lambda: page.get_by_role("option", name=option, exact=True).click())


def shown(page, label: str) -> str:
    """What the selectbox ``label`` shows as chosen."""
    return widget(page, "stSelectbox", label).locator("input").input_value()


def add(page, label: str, option: str) -> float:
    """Add ``option`` to the multiselect ``label``."""
    box = widget(page, "stMultiSelect", label)
    box.locator("input").click()
    box.locator("input").fill(option)
    return act(page, lambda: page.get_by_role("option", name=option, exact=True).click())


def chosen(page, label: str) -> list[str]:
    """The chips of the multiselect ``label``, in order."""
    tags = widget(page, "stMultiSelect", label).locator(".react-aria-ComboBox [data-tag] span[title]")
    return [tags.nth(i).get_attribute("title") for i in range(tags.count())]


def type_text(page, label: str, text: str) -> float:
    """Type ``text`` in the text input ``label`` and press Enter."""
    field = widget(page, "stTextInput", label).locator("input")
    field.fill(text)
    return act(page, lambda: field.press("Enter"))
