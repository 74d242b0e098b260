"""The map's boundaries by URL: /geo/<version>/<level>.json, /geo/<version>/<level>/<parent>.json.

The version (the newest boundaries load) is part of the URL, so a browser or proxy may keep
the file for a year; the gzip bytes are built once per version and kept in the shared cache.
Callbacks only ever send these URLs, never the geometry.
"""

from __future__ import annotations

import gzip

from flask import Blueprint, Response, request

from dashboard.cache import cache, data_version
from queries.areas_geojson import areas_geojson, check
from queries.filters import FilterError

bp = Blueprint("geo", __name__)

GEO_LOADERS = ("boundaries", "ubigeo")   # the loads that change boundaries or names
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300"
CACHE_SECONDS = 7 * 24 * 3600


def geo_version() -> int:
    """The newest successful boundaries or ubigeo load (0 before any)."""
    return data_version(GEO_LOADERS)


def geojson_url(level: int, parent: str | None = None, version: int | None = None) -> str:
    """Where the boundaries of `level` (under `parent`) are served."""
    check(level, parent)
    version = geo_version() if version is None else version
    return f"/geo/{version}/{level}/{parent}.json" if parent else f"/geo/{version}/{level}.json"


def _gzipped(version: int, level: int, parent: str | None) -> bytes:
    key = f"geo:{version}:{level}:{parent or ''}"
    body = cache.get(key)
    if body is None:
        body = gzip.compress(areas_geojson(level, parent), compresslevel=9, mtime=0)
        cache.set(key, body, timeout=CACHE_SECONDS)
    return body


def boundaries_bytes(level: int, parent: str | None = None) -> bytes:
    """The GeoJSON the map's URL serves today (the shared cache's copy)."""
    return gzip.decompress(_gzipped(geo_version(), level, parent))


@bp.get("/geo/<int:version>/<int:level>.json")
@bp.get("/geo/<int:version>/<int:level>/<parent>.json")
def boundaries(version: int, level: int, parent: str | None = None) -> Response:
    try:
        check(level, parent)
    except FilterError as exc:
        return Response(f'{{"error": "{exc}"}}', status=400,
                        mimetype="application/json; charset=utf-8")
    current = geo_version()
    body = _gzipped(current, level, parent)
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        response = Response(body, mimetype="application/json")
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = Response(gzip.decompress(body), mimetype="application/json")
    response.headers["Vary"] = "Accept-Encoding"
    # An old version's URL gets today's boundaries, but only briefly.
    response.headers["Cache-Control"] = IMMUTABLE if version == current else SHORT
    return response
