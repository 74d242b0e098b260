"""What a page's head starts early (dashboard/preload.py): the renderer's first requests are
preloaded and used (one request each), the explorer's async chunks come from versioned,
immutable URLs and are never asked for by their unversioned names, and without
@babel/polyfill the explorer still draws with no script error."""

from __future__ import annotations

import re

import dash
import pytest

from dashboard.preload import CHUNKS, chunk_url, head_links
from tests.browser_support import browser, live_server, screenshot  # noqa: F401

ERRORS_JS = """window.__pageErrors = [];
window.addEventListener('error', function(e) { window.__pageErrors.push(String(e.message)); });
window.addEventListener('unhandledrejection',
                        function(e) { window.__pageErrors.push(String(e.reason)); });"""


def test_the_head_respects_the_path_prefix() -> None:
    app = dash.Dash(__name__, requests_pathname_prefix="/mirador/")
    head = head_links(app)
    assert ('<link rel="preload" href="/mirador/_dash-layout" as="fetch" '
            'crossorigin="anonymous">') in head
    assert 'href="/mirador/_dash-dependencies"' in head
    for name in CHUNKS:
        url = chunk_url(app, name)
        assert re.fullmatch(rf"/mirador/_dash-component-suites/dash/dcc/async-{name}\.v[\w]+\.js",
                            url), url
        assert f'<script defer src="{url}"></script>' in head


def test_the_page_loads_the_chunks_versioned_and_no_polyfill() -> None:
    from dashboard.app import app

    client = app.server.test_client()
    page = client.get("/").get_data(as_text=True)
    head = page[:page.index("</head>")]
    assert "{preload}" not in page and 'href="/_dash-layout"' in head
    assert "polyfill" not in page                      # removed from Dash's dependencies
    assert re.search(r'src="/assets/regenerator-runtime-[\d.]+\.js\?m=', page)
    for name in CHUNKS:
        url = chunk_url(app, name)
        assert f'src="{url}"' in head
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert answer.get_data() == client.get(
            f"/_dash-component-suites/dash/dcc/async-{name}.js").get_data()


@pytest.mark.db
@pytest.mark.browser
def test_the_explorer_uses_the_preloads_and_needs_no_polyfill(
        browser, live_server, national_areas) -> None:  # noqa: F811
    from selenium.webdriver.support.ui import WebDriverWait

    added = browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                                    {"source": ERRORS_JS})
    try:
        browser.get(live_server + "/")
        WebDriverWait(browser, 40).until(lambda d: d.execute_script(
            "var g = document.querySelector('#explorar-map .js-plotly-plot');"
            "return g && g._fullLayout && g._fullLayout.map && g.data[0].locations.length > 0"
            " && !document.querySelector('[data-dash-is-loading]');"))
        errors, entries, runtime = browser.execute_script(
            "return [window.__pageErrors, performance.getEntriesByType('resource').map("
            "function(e) { return [e.name.replace(location.origin, ''), e.initiatorType]; }),"
            " typeof regeneratorRuntime];")
    finally:
        browser.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", added)
    screenshot(browser, "preload_explorer")
    assert errors == [] and runtime == "object"
    urls = [url for url, _ in entries]
    for name in ("/_dash-layout", "/_dash-dependencies"):   # the preload, used by the renderer
        assert [kind for url, kind in entries if url == name] == ["link"], entries
    assert not [u for u in urls if re.search(r"/async-\w+\.js$", u)]   # no unversioned chunk
    assert not [u for u in urls if "polyfill" in u]
