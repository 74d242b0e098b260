"""The street basemap (MIRADOR_TILES_URL) in headless Chromium: with tiles from a local tile
server they are requested and their attribution is shown on the near-me map, the work page's
map and the explorer at district level (not above it); with tiles from a closed port the same
pages still draw their maps and markers, answer their callbacks and show no error; with none
configured the maps keep the white background and the CSP names no other origin.
Screenshots: /tmp/mirador-shots/streets-*.png."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from tests.browser_support import WINDOW, browser, live_server, resize, screenshot  # noqa: F401
from tests.citizen_data import CODES, DISTRICT

pytest_plugins = ["tests.citizen_support"]
pytestmark = [pytest.mark.db, pytest.mark.browser]
PHONE = (390, 844)
WAIT = 40
CLOSED = "http://127.0.0.1:9/{z}/{x}/{y}.png"    # the discard port: nothing listens
ATTRIBUTION = "Teselas de prueba Mirador"
PROVINCE = DISTRICT[:4]
PAGES = {  # page -> (path, the graph's id)
    "cerca": (f"/cerca?area={DISTRICT}&r=5", "cerca-map"),
    "obra": (f"/obra/{CODES['around_0']}", "obra-map"),
    "explorador": (f"/?area={PROVINCE}", "explorar-map"),
}


def _png() -> bytes:
    """A 256-pixel tile: beige ground crossed by a white street."""
    from PIL import Image, ImageDraw

    tile = Image.new("RGB", (256, 256), "#efe6d2")
    ImageDraw.Draw(tile).line([(0, 128), (256, 128)], fill="#ffffff", width=10)
    out = io.BytesIO()
    tile.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def tile_server() -> Iterator[tuple[str, list[str]]]:
    """A tile server on a free port: (its {z}/{x}/{y} template, the paths it was asked)."""
    body, asked = _png(), []

    class Tiles(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/{{z}}/{{x}}/{{y}}.png", asked
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture()
def phone(browser, live_server, citizen_works):  # noqa: F811
    resize(browser, *PHONE)
    yield browser
    resize(browser, *WINDOW)


def _wait(driver, condition, timeout=WAIT):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition)


# The graph's MapLibre map once it has drawn: its raster layer (visible or not, or none), how
# many markers and areas are painted, how many traces hold data, the legend's entries, its
# attribution text; null until drawn.
MAP_STATE = """
var g = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');
var sub = g && g._fullLayout && g._fullLayout.map && g._fullLayout.map._subplot;
var map = sub && sub.map;
if (!map || !map.loaded()) { return null; }
var layers = map.getStyle().layers;
function painted(type) {
  var ids = layers.filter(function(l) { return l.type === type; }).map(function(l) {
    return l.id; });
  return ids.length ? map.queryRenderedFeatures({layers: ids}).length : 0;
}
var raster = layers.filter(function(l) { return l.type === 'raster'; })[0];
var attribution = document.querySelector('#' + arguments[0] + ' .maplibregl-ctrl-attrib');
return {raster: raster ? (raster.layout || {}).visibility || 'visible' : null,
        markers: painted('circle'), areas: painted('fill'),
        filled: g.data.filter(function(t) { return (t.locations || t.lat || []).length; }).length,
        legend: document.querySelectorAll('#' + arguments[0] + ' .legend .traces').length,
        attribution: attribution ? attribution.textContent : ''};
"""


LAYERS_SHOWN = """return document.querySelector('#' + arguments[0] + ' .js-plotly-plot')
    .layout.map.layers.map(function(l) { return l.visible !== false; });"""


def _drawn(driver, graph: str) -> dict:
    """The map's state once drawn and every callback answered (nothing loading)."""
    def ready(d):
        if d.find_elements("css selector", "[data-dash-is-loading='true']"):
            return None
        return d.execute_script(MAP_STATE, graph)

    return _wait(driver, ready)


def _no_error(driver) -> bool:
    banner = driver.find_elements("css selector", "#app-error")
    return not banner or not banner[0].is_displayed()


def test_without_tiles_the_maps_are_white_and_the_policy_names_no_other_origin(
        monkeypatch, live_server, citizen_works) -> None:  # noqa: F811
    monkeypatch.delenv("MIRADOR_TILES_URL", raising=False)
    monkeypatch.delenv("MIRADOR_TILES", raising=False)
    policy = requests.get(live_server + "/cerca", timeout=30).headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["img-src"] == "'self' data: blob:"
    assert directives["connect-src"] == "'self'"


def test_unreachable_tiles_leave_every_map_working(monkeypatch, phone, live_server) -> None:  # noqa: F811
    monkeypatch.setenv("MIRADOR_TILES_URL", CLOSED)
    monkeypatch.setenv("MIRADOR_TILES_ATTRIBUTION", ATTRIBUTION)
    policy = requests.get(live_server + "/cerca", timeout=30).headers["Content-Security-Policy"]
    assert "http://127.0.0.1:9" in policy    # the browser may ask (and gets nothing)
    for name, (path, graph) in PAGES.items():
        phone.get(live_server + path)
        state = _drawn(phone, graph)
        screenshot(phone, f"streets-sin-teselas-{name}")
        assert state["raster"] == "visible", name
        assert _no_error(phone), name
        # The map took its values (a failed tile once stopped the explorer's updates).
        assert state["markers"] > 0 and (state["legend"] > 0 or name == "obra"), name
        if name == "explorador":
            assert state["areas"] > 0 and state["filled"] >= 3
            assert phone.find_element("id", "explorar-kpis").text.strip()
        if name == "cerca":   # the search's other answers arrived too
            assert phone.find_elements("css selector", ".cerca-card")


def test_tiles_are_requested_and_attributed(monkeypatch, phone, live_server,  # noqa: F811
                                            tile_server) -> None:
    template, asked = tile_server
    monkeypatch.setenv("MIRADOR_TILES_URL", template)
    monkeypatch.setenv("MIRADOR_TILES_ATTRIBUTION", ATTRIBUTION)
    for name, (path, graph) in PAGES.items():
        before = len(asked)
        phone.get(live_server + path)
        state = _drawn(phone, graph)
        _wait(phone, lambda d, n=before: len(asked) > n)
        screenshot(phone, f"streets-{name}")
        assert state["raster"] == "visible", name
        assert ATTRIBUTION in state["attribution"], name
        assert all(p.endswith(".png") and p.count("/") == 3 for p in asked[before:])
        assert _no_error(phone), name
        if name == "explorador":  # the tiles show; the neighbours' grey fill would hide them
            assert phone.execute_script(LAYERS_SHOWN, graph) == [True, False, True]

    # Above district level the explorer keeps its white map: no tiles drawn, none asked.
    before = len(asked)
    phone.get(live_server + f"/?area={DISTRICT[:2]}")
    state = _drawn(phone, "explorar-map")
    assert state["raster"] in (None, "none") and state["areas"] > 0
    assert phone.execute_script(LAYERS_SHOWN, "explorar-map") == [False, True, True]
    assert len(asked) == before
