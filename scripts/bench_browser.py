"""What a first visit costs: serve the app, open "/" in headless Chromium, and add up what
travelled (the performance API's encoded = gzip sizes), Dash/Plotly bundles apart from the
rest; every callback response the browser received is read back through CDP and checked for
boundary geometry.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from scripts.dash_calls import UPDATE_URL, geometry_bytes

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SETTLE_SECONDS = 1.5      # no new request for this long: the view is complete
MAX_SECONDS = 60
BUNDLES = "bundles Dash/Plotly"


def kind(url: str) -> str:
    """Which part of a first view a URL is."""
    if "/_dash-component-suites/" in url:
        return BUNDLES
    if "/geo/" in url:
        return "límites (GeoJSON)"
    if UPDATE_URL in url:
        return "callbacks"
    if "/assets/" in url:
        return "assets (CSS)"
    return "HTML, layout, dependencias"


@contextmanager
def served(app) -> Iterator[str]:
    """The Flask app on a free loopback port, in a thread; its base URL."""
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@contextmanager
def chromium() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="mirador-bench-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-dev-shm-usage",
                 f"--user-data-dir={profile}", "--window-size=1440,900"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


ENTRIES_JS = """return performance.getEntriesByType('navigation')
    .concat(performance.getEntriesByType('resource'))
    .map(function(e) { return [e.name, e.encodedBodySize, e.decodedBodySize]; });"""


def _settled(driver) -> list[list]:
    """The entries once the page stopped requesting for SETTLE_SECONDS."""
    deadline = time.monotonic() + MAX_SECONDS
    seen, quiet_since = -1, time.monotonic()
    while time.monotonic() < deadline:
        entries = driver.execute_script(ENTRIES_JS)
        if len(entries) != seen:
            seen, quiet_since = len(entries), time.monotonic()
        elif time.monotonic() - quiet_since >= SETTLE_SECONDS:
            return entries
        time.sleep(0.25)
    return driver.execute_script(ENTRIES_JS)


def _callback_bodies(driver) -> list[str]:
    """The bodies of the callback responses the browser received (CDP)."""
    bodies = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if (message.get("method") == "Network.responseReceived"
                and UPDATE_URL in message["params"]["response"]["url"]):
            try:
                got = driver.execute_cdp_cmd("Network.getResponseBody",
                                             {"requestId": message["params"]["requestId"]})
            except Exception:  # noqa: BLE001 - a body the browser already dropped
                continue
            bodies.append(got.get("body", ""))
    return bodies


def first_view(app, path: str = "/") -> dict[str, Any]:
    """Bytes of the first view of `path` by kind (gzip as sent, and decoded), the total beyond
    the bundles, and the boundary geometry found in its callback responses."""
    with served(app) as base, chromium() as driver:
        driver.get(base + path)
        entries = _settled(driver)
        bodies = _callback_bodies(driver)
        rendered = driver.execute_script(
            "var k = document.getElementById('explorar-kpis');"
            "return k ? k.innerText.length : -1;")
    groups: dict[str, dict[str, int]] = {}
    for url, encoded, decoded in entries:
        group = groups.setdefault(kind(url), {"requests": 0, "gzip": 0, "raw": 0})
        group["requests"] += 1
        group["gzip"] += int(encoded)
        group["raw"] += int(decoded)
    geometry = sum(geometry_bytes(json.loads(b)) for b in bodies if b.strip())
    return {"groups": groups,
            "beyond_bundles_gzip": sum(g["gzip"] for k, g in groups.items() if k != BUNDLES),
            "bundles_gzip": groups.get(BUNDLES, {}).get("gzip", 0),
            "requests": len(entries), "callback_responses": len(bodies),
            "geometry_bytes": geometry, "kpis_rendered": rendered > 0}
