"""Versioned static files are kept by the browser for a year without asking again, so a
repeat visit downloads almost nothing: Dash fingerprints its bundles' URLs with the package's
version and the file's modification time (/_dash-component-suites/dash/dcc/x.v4_4_1m1796.js)
and the assets' with their modification time (/assets/x.js?m=1796...). A changed file gets a
new URL, so `immutable` (no revalidation even on reload) is safe; an unversioned URL keeps
the revalidation by ETag (Dash's async chunks, async-graph.js..., which it names without a
version: a repeat visit asks for them again and gets 304 Not Modified).

Their gzip is made once per process at level 9 (a first visit's JavaScript is 4 % smaller
than at the level 4 the dynamic responses use), so flask-compress leaves them as they are."""

from __future__ import annotations

import gzip

from dash.fingerprint import check_fingerprint
from flask import Flask, Response, request

IMMUTABLE = "public, max-age=31536000, immutable"
SUITES = "/_dash-component-suites/"
ASSETS = "/assets/"
PACKED = frozenset({"application/javascript", "text/javascript", "text/css"})
_gzipped: dict[str, bytes] = {}


def versioned(path: str, query: dict[str, str]) -> bool:
    """Whether the URL names one version of a static file (so its bytes never change)."""
    if path.startswith(SUITES):
        return check_fingerprint(path.rsplit("/", 1)[-1])[1]
    return path.startswith(ASSETS) and bool(query.get("m"))


def install(server: Flask) -> None:
    """Mark the successful responses of versioned URLs immutable."""

    @server.after_request
    def _long_lived(response: Response) -> Response:
        if response.status_code == 200 and versioned(request.path, request.args):
            response.headers["Cache-Control"] = IMMUTABLE
            if (response.mimetype in PACKED and "Content-Encoding" not in response.headers
                    and "gzip" in request.headers.get("Accept-Encoding", "")):
                _gzip(response, _file_key(request.path, response))
        return response


def _file_key(path: str, response: Response) -> str:
    """Which file's bytes a response holds: its path without the version (any made-up
    fingerprint or ?m= names the same file, so they cannot fill the memo) and, for an
    asset, its ETag (modification time and size: an edited asset is compressed again)."""
    folder, _, name = path.rpartition("/")
    return f"{folder}/{check_fingerprint(name)[0]}:{response.get_etag()[0] or ''}"


def _gzip(response: Response, key: str) -> None:
    """The response's body as gzip level 9, compressed once per file (see _file_key)."""
    response.direct_passthrough = False       # a file sent by send_file: read it
    body = _gzipped.get(key)
    if body is None:
        body = _gzipped[key] = gzip.compress(response.get_data(), compresslevel=9, mtime=0)
    elif hasattr(response.response, "close"):
        response.response.close()             # the file not read
    response.set_data(body)
    tag, weak = response.get_etag()
    if tag:   # another representation, another tag (as flask-compress does)
        response.set_etag(f"{tag}:gzip", weak=weak)
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
