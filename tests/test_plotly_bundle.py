"""Fast on a phone: the Plotly.js bundle of assets/ is the Python plotly's plotly.js version
and holds every trace type and layout component the figures use; the page loads it instead of
Dash's full plotly.min.js; versioned static URLs are cached for a year (immutable, brotli or gzip);
the benchmark's content types."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import brotli
import plotly.graph_objects as go
import pytest
from plotly.offline import get_plotlyjs_version

from scripts.bench_browser import by_type, content_type
from tests.browser_support import browser, live_server  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
ENTRY = ROOT / "scripts" / "plotly_bundle" / "entry.js"
# Every trace type plotly knows (the Python package's list, not the product's).
TRACE_TYPES = set(go.Figure()._data_validator.class_strs_map)
# Layout parts whose plotly.js components the bundle leaves out (entry.js).
LEFT_OUT = ("updatemenus", "sliders", "rangeslider", "rangeselector", "error_x", "error_y",
            "images")


def _sources() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for package in ("layers", "dashboard")
                     for p in sorted((ROOT / package).rglob("*.py")))


def _bundle() -> Path:
    (path,) = (ROOT / "assets").glob("plotly-*-mirador.min.js")
    return path


def test_the_bundle_is_the_python_plotly_version() -> None:
    version = get_plotlyjs_version()
    assert _bundle().name == f"plotly-{version}-mirador.min.js"
    assert _bundle().read_text(encoding="utf-8").startswith(f"/* plotly.js {version} ")
    assert f'"plotly.js": "{version}"' in (ENTRY.parent / "package.json").read_text()


def test_every_trace_type_and_component_the_figures_use_is_in_the_bundle() -> None:
    code = _sources()
    used = set()
    for pattern in (r'"type":\s*"(\w+)"', r"\btype=\"(\w+)\"", r"\bgo\.(\w+)\("):
        used |= {t.lower() for t in re.findall(pattern, code)} & TRACE_TYPES
    assert {"choroplethmap", "scattermap", "bar"} <= used    # the scan finds them
    bundled = set(re.findall(r"require\('plotly\.js/lib/(\w+)'\)", ENTRY.read_text()))
    assert used - {"scatter"} <= bundled, used - bundled
    for part in LEFT_OUT:
        assert not re.search(rf"[\"']{part}[\"']\s*:|\b{part}\s*=", code), part


def test_versioned_static_files_are_immutable_and_compressed_once() -> None:
    from dashboard import static_cache
    from dashboard.app import app

    client = app.server.test_client()
    page = client.get("/").get_data(as_text=True)
    bundle_url = re.search(r'src="(/assets/plotly-[^"]+)"', page).group(1)
    suite_url = re.search(r'src="(/_dash-component-suites/dash/dcc/[^"]+\.js)"', page).group(1)
    chrome = "gzip, deflate, br, zstd"
    for url in (bundle_url, suite_url):
        raw = client.get(url).get_data()                       # identity for who asks neither
        first = client.get(url, headers={"Accept-Encoding": chrome})
        assert first.headers["Content-Encoding"] in ("br", "gzip")  # gzip while brotli is made
        static_cache.settle()
        tags = set()
        for accept, encoding, decode in ((chrome, "br", brotli.decompress),
                                         ("gzip, deflate", "gzip", gzip.decompress),
                                         ("br;q=0, gzip", "gzip", gzip.decompress)):
            answer = client.get(url, headers={"Accept-Encoding": accept})
            assert answer.status_code == 200
            assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
            assert answer.headers["Content-Encoding"] == encoding, accept
            assert "Accept-Encoding" in answer.headers["Vary"]
            assert decode(answer.get_data()) == raw
            tags.add((encoding, answer.headers.get("ETag")))
        if url == bundle_url:       # an asset's tag (Dash's fingerprinted bundles have none)
            assert len({tag for _, tag in tags}) == len({encoding for encoding, _ in tags}) == 2
    # Made-up versions of one file are compressed once: they cannot fill the memory.
    kept = len(static_cache._packed)
    for made_up in ("?m=1", "?m=2"):
        client.get(bundle_url.split("?")[0] + made_up, headers={"Accept-Encoding": chrome})
    client.get(suite_url.replace(".v4_", ".v9_"), headers={"Accept-Encoding": chrome})
    static_cache.settle()
    assert len(static_cache._packed) == kept
    raw = _bundle().read_bytes()
    gzipped = client.get(bundle_url, headers={"Accept-Encoding": "gzip"}).get_data()
    assert gzip.decompress(gzipped) == raw and len(gzipped) < len(raw) / 3
    brotlied = client.get(bundle_url, headers={"Accept-Encoding": chrome}).get_data()
    assert brotli.decompress(brotlied) == raw and len(brotlied) < 0.85 * len(gzipped)
    # Unversioned: revalidated, not kept.
    plain = client.get("/assets/style.css")
    assert "immutable" not in plain.headers.get("Cache-Control", "")
    assert "immutable" not in client.get("/").headers.get("Cache-Control", "")


def test_content_types_of_a_first_view() -> None:
    assert content_type("http://h/", navigation=True) == "html"
    assert content_type("http://h/assets/plotly-3.7.0-mirador.min.js?m=12") == "js"
    assert content_type("http://h/_dash-component-suites/dash/dcc/async-graph.js") == "js"
    assert content_type("http://h/assets/style.css?m=1") == "css"
    assert content_type("http://h/geo/2/3/0801.json") == "geojson"
    assert content_type("http://h/_dash-update-component?endId=x") == "json"
    assert content_type("http://h/_dash-layout") == "json"
    assert content_type("http://h/_favicon.ico?v=4") == "images"
    assert content_type("http://h/assets/fonts/x.woff2") == "fonts"
    entries = [["http://h/", 10, 30, 310, True], ["http://h/a.js", 100, 300, 0, False],
               ["http://h/b.js", 50, 90, 350, False]]
    assert by_type(entries) == {
        "html": {"requests": 1, "gzip": 10, "raw": 30, "transfer": 310},
        "js": {"requests": 2, "gzip": 150, "raw": 390, "transfer": 350}}


@pytest.mark.db
@pytest.mark.browser
def test_the_page_draws_with_the_bundle_and_never_fetches_the_full_plotly(
        browser, live_server, national_areas) -> None:  # noqa: F811
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(live_server + "/")
    WebDriverWait(browser, 40).until(lambda d: d.execute_script(
        "var g = document.querySelector('#explorar-map .js-plotly-plot');"
        "return g && g._fullLayout && g._fullLayout.map && g.data[0].locations.length > 0;"))
    version, traces, urls = browser.execute_script(
        "return [Plotly.version, Object.keys(Plotly.PlotSchema.get().traces),"
        " performance.getEntriesByType('resource').map(e => e.name)];")
    assert version == get_plotlyjs_version()
    assert set(traces) == {"scatter", "bar", "waterfall", "scattermap", "choroplethmap"}
    assert any("/assets/plotly-" in u for u in urls)
    assert not [u for u in urls if "plotly.min.js" in u or "cdn.plot.ly" in u]
