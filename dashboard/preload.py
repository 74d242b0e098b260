"""What a page's <head> starts early, and a script no page needs: on a phone the explorer's
first requests otherwise wait for the bundles to be downloaded and run (seconds), and then
for round trips one after another.

- Dash's renderer asks for /_dash-layout and /_dash-dependencies only once its scripts have
  run; preloaded, they travel with the bundles. A preload is used only by a request with the
  same mode and credentials: the renderer's fetch() is same-origin with credentials
  "same-origin", which is `crossorigin="anonymous"` ("use-credentials" would be "include",
  a second request). tests/test_plotly_bundle.py checks each is fetched once.
- dcc loads Graph, Dropdown and Slider from async chunks whose URL its webpack runtime builds
  as the folder of dash_core_components.js plus a fixed name (async-graph.js, no version): a
  repeat visit revalidates each (a round trip after the first callback), and a longer
  Cache-Control on that URL is not safe (after an upgrade of Dash a browser could pair the
  new bundle with an old chunk for as long as it keeps it). So the page loads the chunks the
  explorer needs itself, under the URL Dash fingerprints with its version (cached for a year,
  like the bundles: dashboard/static_cache.py); a chunk that has run registers itself in
  webpack's queue (self.webpackChunkdash_core_components) and is never requested again. This
  is what Dash's own `eager_loading` does, for every chunk (mathjax's 2 MB included).
- @babel/polyfill (core-js 2 and regenerator-runtime, 34 KiB gzip, run on every page)
  supplies ES2015-2017 to browsers without it; every browser the dashboard supports
  (Chromium >= 100, Safari >= 15) has all of it. Only regenerator-runtime is still used: the
  renderer's, dcc's and dash_table's async components call the global `regeneratorRuntime`,
  so assets/regenerator-runtime-0.13.11.js (MIT, 6 KiB brotli) provides it. core-js's
  setImmediate is not needed either: every use (dcc, React, Plotly) falls back to setTimeout.
"""

from __future__ import annotations

import os
from html import escape

import dash
from dash import _dash_renderer, dcc
from dash.fingerprint import build_fingerprint

# The explorer's lazily loaded dcc components (its map and charts, filters, year slider).
CHUNKS = ("graph", "dropdown", "slider")
RENDERER_FETCHES = ("_dash-layout", "_dash-dependencies")
POLYFILL = "polyfill@"


def head_links(app: dash.Dash) -> str:
    """The <head> markup: preloads of the renderer's first requests, then the explorer's
    async chunks under versioned URLs (deferred: they run once the page is parsed)."""
    links = [f'<link rel="preload" href="{escape(app.get_relative_path("/" + name))}" '
             'as="fetch" crossorigin="anonymous">' for name in RENDERER_FETCHES]
    links += [f'<script defer src="{escape(chunk_url(app, name))}"></script>'
              for name in CHUNKS]
    return "\n        ".join(links)


def chunk_url(app: dash.Dash, name: str) -> str:
    """The fingerprinted URL of dcc's async chunk `name`, as Dash writes its bundles' (the
    package's version and the file's modification time)."""
    path = f"dcc/async-{name}.js"
    modified = int(os.stat(os.path.join(os.path.dirname(dcc.__file__), path[4:])).st_mtime)
    fingerprint = build_fingerprint(path, dcc.__version__, modified)
    return app.get_relative_path(f"/_dash-component-suites/dash/{fingerprint}")


def drop_polyfill() -> None:
    """Leave @babel/polyfill out of the scripts of every page (see the module's docstring)."""
    for dependency in _dash_renderer._js_dist_dependencies:
        for kind in ("relative_package_path", "external_url"):
            for mode, paths in dependency.get(kind, {}).items():
                dependency[kind][mode] = [p for p in paths if POLYFILL not in p]
