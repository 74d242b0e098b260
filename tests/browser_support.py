"""Browser tests: the real app served in a background thread against the test database, and
a headless Chromium driving it.

    from tests.browser_support import live_server, browser  # noqa: F401

Screenshots go to /tmp/mirador-shots/<name>.png (look at them).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.skip_policy import SKIP_BROWSER, browser_missing, opted_out

SHOTS = Path(os.environ.get("MIRADOR_SHOTS", "/tmp/mirador-shots"))
WINDOW = (1366, 900)


@pytest.fixture(scope="session")
def live_server(database_url: str) -> Iterator[str]:
    """The dashboard (dashboard.app's module-level app) on a free local port; its base URL."""
    from werkzeug.serving import make_server

    from dashboard.app import app

    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def _chromium() -> tuple[str, str]:
    binary = (os.environ.get("CHROMIUM") or shutil.which("chromium")
              or shutil.which("chromium-browser") or shutil.which("google-chrome"))
    driver = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver")
    if not binary or not driver:
        pytest.fail(browser_missing("Faltan Chromium o chromedriver / Chromium and chromedriver "
                                    "are needed for the browser tests"), pytrace=False)
    return binary, driver


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """A headless Chromium WebDriver (one per test session), desktop-sized."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    if opted_out(SKIP_BROWSER):
        browser_missing("")   # skips
    binary, driver_path = _chromium()
    profile = tempfile.mkdtemp(prefix="mirador-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-dev-shm-usage",
                 f"--user-data-dir={profile}", f"--window-size={WINDOW[0]},{WINDOW[1]}",
                 "--lang=es-PE", "--hide-scrollbars"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def screenshot(driver, name: str) -> Path:
    """Save the window as /tmp/mirador-shots/<name>.png and return the path."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


def resize(driver, width: int, height: int) -> None:
    """The window's inner size (the viewport) becomes width x height."""
    driver.set_window_size(width, height)
    inner = driver.execute_script("return [window.innerWidth, window.innerHeight];")
    driver.set_window_size(2 * width - inner[0], 2 * height - inner[1])
