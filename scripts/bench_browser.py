"""What a first visit costs: serve the app, open "/" in headless Chromium, and add up what
travelled (the performance API's encoded sizes: brotli or gzip as sent; the results keep
the key names "gzip" of earlier runs), Dash/Plotly bundles apart from the
rest and by type (JS, CSS, JSON, GeoJSON, fonts, images); every callback response the browser
received is read back through CDP and checked for boundary geometry.

`phone_visits` times the explorer on an emulated mid-range phone (PHONE viewport, CPU 4x
slower, SLOW_4G network, all through Chromium's DevTools protocol) for a first visit (empty
cache) and a repeat visit, from the navigation's start, as noted by a script injected into
the page (USABLE_JS):
- `usable_ms`: the first moment a map can be read and used: the page's preview (its HTML:
  dashboard/preview.py) has painted the areas of its SVG map, each a link into that area,
  with the KPIs; or the interactive map is drawn, whichever comes first;
- `interactive_ms`: the interactive map is drawn: MapLibre has drawn the map
  (`map.loaded()`), at least one area of the choropleth is painted on screen (a rendered
  feature of a fill layer), the app's KPIs are written and no Dash component is loading
  (every callback of the first view has answered).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from scripts.dash_calls import UPDATE_URL, geometry_bytes

CHROMIUM = "/usr/bin/chromium"
# A mid-range Android phone (Moto G Power class: 412 x 915 CSS px) on a slow 4G link: what
# Lighthouse calls "slow 4G" (1.6 Mbps down, 750 kbps up, 150 ms round trip) and a CPU four
# times slower than this machine's.
PHONE = {"width": 412, "height": 915, "deviceScaleFactor": 2.625, "mobile": True}
SLOW_4G = {"offline": False, "latency": 150, "downloadThroughput": 1_600_000 / 8,
           "uploadThroughput": 750_000 / 8}
CPU_SLOWDOWN = 4
USABLE_TIMEOUT = 90
CHROMEDRIVER = "/usr/bin/chromedriver"
SETTLE_SECONDS = 1.5      # no new request for this long: the view is complete
MAX_SECONDS = 60
BUNDLES = "bundles Dash/Plotly"
TYPES = {".js": "js", ".css": "css", ".woff2": "fonts", ".woff": "fonts", ".ttf": "fonts",
         ".otf": "fonts", ".png": "images", ".jpg": "images", ".jpeg": "images",
         ".svg": "images", ".ico": "images", ".webp": "images", ".gif": "images"}


def kind(url: str) -> str:
    """Which part of a first view a URL is."""
    if "/_dash-component-suites/" in url or ("/assets/" in url and _path(url).endswith(".js")):
        return BUNDLES
    if "/geo/" in url:
        return "límites (GeoJSON)"
    if UPDATE_URL in url:
        return "callbacks"
    if "/assets/" in url:
        return "assets (CSS)"
    return "HTML, layout, dependencias"


def _path(url: str) -> str:
    return urlsplit(url).path.lower()


def content_type(url: str, navigation: bool = False) -> str:
    """What a URL holds: html, js, css, json, geojson, fonts, images or other."""
    if navigation:
        return "html"
    path = _path(url)
    if "/geo/" in path:
        return "geojson"
    suffix = path[path.rfind("."):] if "." in path.rsplit("/", 1)[-1] else ""
    if suffix in TYPES:
        return TYPES[suffix]
    if path.startswith(("/_dash-", "/api/")) or suffix == ".json":
        return "json"
    return "other"


@contextmanager
def served(app) -> Iterator[str]:
    """The Flask app on a free loopback port, in a thread; its base URL. Its static files
    are compressed first, as gunicorn's master does before forking (static_cache.warm):
    otherwise the first seconds would measure gzip while the brotli is being made."""
    from werkzeug.serving import make_server

    from dashboard.static_cache import warm

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    warm(app)
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@contextmanager
def chromium(phone: bool = False) -> Iterator[Any]:
    """Headless Chromium; with `phone`, PHONE's screen, SLOW_4G and the CPU CPU_SLOWDOWN
    times slower (DevTools emulation, for every page this driver opens)."""
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
    if phone:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.emulateNetworkConditions", SLOW_4G)
        driver.execute_cdp_cmd("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
        driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True})
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


ENTRIES_JS = """return performance.getEntriesByType('navigation')
    .concat(performance.getEntriesByType('resource'))
    .map(function(e) { return [e.name, e.encodedBodySize, e.decodedBodySize, e.transferSize,
                               e.entryType === 'navigation']; });"""


def by_type(entries: list[list]) -> dict[str, dict[str, int]]:
    """Requests, gzip body bytes (as sent), decoded bytes and bytes that crossed the network
    (transfer: 0 for what came from the browser's cache) per content type."""
    out: dict[str, dict[str, int]] = {}
    for url, encoded, decoded, transfer, navigation in entries:
        group = out.setdefault(content_type(url, navigation),
                               {"requests": 0, "gzip": 0, "raw": 0, "transfer": 0})
        group["requests"] += 1
        group["gzip"] += int(encoded)
        group["raw"] += int(decoded)
        group["transfer"] += int(transfer)
    return out


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
    for url, encoded, decoded, *_ in entries:
        group = groups.setdefault(kind(url), {"requests": 0, "gzip": 0, "raw": 0})
        group["requests"] += 1
        group["gzip"] += int(encoded)
        group["raw"] += int(decoded)
    geometry = sum(geometry_bytes(json.loads(b)) for b in bodies if b.strip())
    return {"groups": groups, "by_type": by_type(entries),
            "beyond_bundles_gzip": sum(g["gzip"] for k, g in groups.items() if k != BUNDLES),
            "bundles_gzip": groups.get(BUNDLES, {}).get("gzip", 0),
            "requests": len(entries), "callback_responses": len(bodies),
            "geometry_bytes": geometry, "kpis_rendered": rendered > 0}


# Runs in every page before its own scripts: notes (performance.now(), ms from the navigation's
# start) the first moment a map is usable, and the moment the interactive one is drawn; see
# the module's docstring.
USABLE_JS = """(function() {
  function interactive() {
    var g = document.querySelector('#explorar-map .js-plotly-plot');
    var sub = g && g._fullLayout && g._fullLayout.map && g._fullLayout.map._subplot;
    var map = sub && sub.map;
    if (!map || !map.loaded()) { return false; }
    var kpis = document.getElementById('explorar-kpis');
    if (!kpis || !kpis.innerText.trim()) { return false; }
    if (document.querySelector('[data-dash-is-loading="true"]')) { return false; }
    var fills = map.getStyle().layers.filter(function(l) { return l.type === 'fill'; })
        .map(function(l) { return l.id; });
    return fills.length > 0 && map.queryRenderedFeatures({layers: fills}).length > 0;
  }
  function preview() {
    var box = document.getElementById('vista-previa');
    var area = box && box.querySelector('.preview-map a[href] path');
    var kpis = box && box.querySelector('.explorer-kpis');
    if (!area || !kpis || !kpis.innerText.trim()) { return false; }
    var r = area.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < window.innerHeight;
  }
  function note(name) {   // the next frame: what the check saw has been painted
    requestAnimationFrame(function() { window[name] = window[name] || performance.now(); });
  }
  var timer = setInterval(function() {
    try {
      if (!window.__miradorUsable && preview()) { note('__miradorUsable'); }
      if (interactive()) { note('__miradorUsable'); note('__miradorInteractive');
                           clearInterval(timer); }
    } catch (e) { /* the map is being built */ }
  }, 50);
})();"""


def _visit(driver, url: str) -> dict[str, Any]:
    """Open `url` and wait until the interactive map is drawn: when a map was usable and
    when the interactive one was (ms), and what travelled."""
    driver.get(url)
    deadline = time.monotonic() + USABLE_TIMEOUT
    times: list = [None, None]
    while times[1] is None and time.monotonic() < deadline:
        times = driver.execute_script(
            "return [window.__miradorUsable || null, window.__miradorInteractive || null];")
        time.sleep(0.1)
    entries = _settled(driver)
    types = by_type(entries)
    usable, interactive = times
    return {"usable_ms": None if usable is None else round(usable),
            "interactive_ms": None if interactive is None else round(interactive),
            "requests": len(entries),
            "transfer": sum(g["transfer"] for g in types.values()),
            "from_cache": sum(1 for e in entries if not e[4] and e[3] == 0 and e[2] > 0),
            "by_type": types}


def phone_visits(app, path: str = "/") -> dict[str, Any]:
    """A first visit (empty cache) and a repeat visit of `path` on the emulated phone."""
    with served(app) as base, chromium(phone=True) as driver:
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": USABLE_JS})
        driver.execute_cdp_cmd("Network.clearBrowserCache", {})
        first = _visit(driver, base + path)
        driver.get("about:blank")
        repeat = _visit(driver, base + path)
    return {"device": {**PHONE, "cpu_slowdown": CPU_SLOWDOWN, "network": SLOW_4G},
            "first": first, "repeat": repeat,
            # The CPU emulation slows this machine's: on a busy one the times grow with it.
            "load_average": round(os.getloadavg()[0], 2)}
