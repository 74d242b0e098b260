"""The street basemap this server is configured with, read from the environment at each use
(a test or an operator may change it without rebuilding the app):

    MIRADOR_TILES_URL          a raster tile template, https://host/{z}/{x}/{y}.png, or the URL
                               of a MapLibre style (.json); empty or "none": no basemap
    MIRADOR_TILES_ATTRIBUTION  the text the map shows for the tiles (HTML links allowed);
                               default: OpenStreetMap's

The near-me map, the work page's map and the explorer at district level draw it; the
Content-Security-Policy lets the browser fetch from its origin only while it is configured
(dashboard/security.py). A style's own tiles, glyphs and sprites must come from that origin.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from dashboard.i18n import N_, _
from layers.basemap import Basemap

URL_ENV = "MIRADOR_TILES_URL"
ATTRIBUTION_ENV = "MIRADOR_TILES_ATTRIBUTION"
LEGACY_ENV = "MIRADOR_TILES"   # the explorer's earlier name for the same setting
OSM_ATTRIBUTION = N_('© <a href="https://www.openstreetmap.org/copyright">colaboradores de '
                     'OpenStreetMap</a>')


def configured() -> Basemap | None:
    """The basemap, or None when none is configured (or the URL is not http(s))."""
    url = (os.environ.get(URL_ENV) or os.environ.get(LEGACY_ENV) or "").strip()
    if url.lower() in ("", "none") or urlsplit(url).scheme not in ("http", "https"):
        return None
    return Basemap(url, os.environ.get(ATTRIBUTION_ENV) or _(OSM_ATTRIBUTION))


def origin() -> str | None:
    """scheme://host[:port] of the configured basemap, for the CSP."""
    basemap = configured()
    if basemap is None:
        return None
    parts = urlsplit(basemap.url)
    return f"{parts.scheme}://{parts.netloc}"
