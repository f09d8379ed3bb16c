"""The interactive page in a real headless browser (Debian's chromium driven by Playwright).

Starts ``solara run sim/ui/app.py`` on loopback, loads the page, checks it loads
without errors, moves a slider, steps the model, and checks the charts change. A
screenshot is kept in ``outputs/test-artifacts/dashboard.png``.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from sim.analysis.regimes import REGIMES

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "outputs" / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [  # the flags this closed network needs (no background connections, no sandbox as root)
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip

playwright = pytest.importorskip("playwright.sync_api", reason="needs playwright (pip install playwright)")
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="needs Debian's chromium (apt-get install chromium)"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = free_port()
    solara = Path(sys.executable).with_name("solara")
    command = [str(solara), "run", "sim/ui/app.py", "--host", "127.0.0.1", "--port", str(port), "--production"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        process.kill()
        pytest.fail(f"the page did not come up: {process.stdout.read()[-2000:]}")
    yield url
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture(scope="module")
def page(server):
    with playwright.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1200})
        page.problems = []
        page.on("pageerror", lambda error: page.problems.append(f"page error: {error}"))
        page.on("console", lambda msg: msg.type == "error" and page.problems.append(f"console: {msg.text}"))
        page.on("response", lambda r: r.status >= 400 and page.problems.append(f"{r.status} {r.url}"))
        page.goto(server, wait_until="networkidle")
        page.get_by_text("Too early to tell").wait_for(timeout=60_000)
        yield page
        browser.close()


def step(page, times: int) -> None:
    """Click Step ``times`` times, each time waiting until the page shows the new week."""
    button = page.get_by_role("button", name="Step")
    start = _week(page)
    for week in range(start + 1, start + times + 1):
        button.click()
        page.get_by_text(f"Time: {week:.1f}").wait_for(timeout=60_000)
    page.wait_for_timeout(1000)  # let the charts of the last week finish drawing


def _week(page) -> int:
    text = page.get_by_text("Time:").inner_text()
    return int(float(text.split(":")[1]))


def charts(page) -> list[str]:
    """The rendered chart images (matplotlib PNGs inlined by Solara)."""
    return page.locator("img").evaluate_all("images => images.map(i => i.src)")


def test_the_page_loads_without_errors_and_shows_every_panel(page):
    for text in ["Individualization pressure", "Institutional enforcement", "Tool malleability", "Data-work cost",
                 "Scenario", "Policy", "Regime", "Too early to tell"]:  # fmt: skip
        assert page.get_by_text(text).first.is_visible(), text
    assert len(charts(page)) >= 4
    assert page.problems == []


def test_a_slider_change_and_some_steps_change_the_charts(page):
    step(page, 35)
    with_defaults = charts(page)
    assert page.get_by_text("Too early to tell").first.is_visible()  # the settle window is 100 weeks
    step(page, 70)
    assert page.locator("h2.regime").inner_text() in REGIMES

    slider = page.locator(".v-input", has_text="Institutional enforcement").get_by_role("slider")
    slider.focus()
    for _ in range(10):  # 0.3 -> 0.8 in steps of 0.05
        page.keyboard.press("ArrowRight")
    page.get_by_role("button", name="Reset").click()
    page.get_by_text("Time: 0.0").wait_for(timeout=60_000)
    step(page, 35)
    with_mandate = charts(page)

    assert with_mandate != with_defaults, "the same seed with another enforcement must draw other charts"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "dashboard.png", full_page=True)
    assert page.problems == []
