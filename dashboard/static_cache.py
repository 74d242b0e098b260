"""Versioned static files are kept by the browser for a year without asking again, so a
repeat visit downloads almost nothing: Dash fingerprints its bundles' URLs with the package's
version and the file's modification time (/_dash-component-suites/dash/dcc/x.v4_4_1m1796.js)
and the assets' with their modification time (/assets/x.js?m=1796...). A changed file gets a
new URL, so `immutable` (no revalidation even on reload) is safe; an unversioned URL keeps
the revalidation by ETag (Dash's async chunks under the names its webpack runtime asks for,
async-graph.js...: dashboard/preload.py loads the explorer's under versioned URLs instead).

They are compressed once per process, not per response (flask-compress then leaves them as
they are): brotli at quality 11 when the browser accepts it (every current browser does, over
HTTP too: our JavaScript is 18 % smaller than gzip's, 573 -> 464 KiB for the Plotly bundle),
else gzip at level 9 (4 % smaller than the level 4 the dynamic responses use). Brotli 11
takes seconds (about 4 s for the Plotly bundle), so no request waits for it: it is made by
one background thread while the requests that come first get the gzip, and `warm()` makes
them all before gunicorn forks its workers (gunicorn.conf.py), which then share them.
Each representation has its own ETag and the responses say `Vary: Accept-Encoding`."""

from __future__ import annotations

import gzip
import os
import re
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from urllib.parse import parse_qsl, urlsplit

import brotli
import dash
from dash.fingerprint import check_fingerprint
from flask import Flask, Response, request

IMMUTABLE = "public, max-age=31536000, immutable"
SUITES = "/_dash-component-suites/"
ASSETS = "/assets/"
PACKED = frozenset({"application/javascript", "text/javascript", "text/css"})
BROTLI_QUALITY = 11
# (file key, encoding) -> the compressed bytes; file keys are bounded (see _file_key).
_packed: dict[tuple[str, str], bytes] = {}
_pending: set[str] = set()
_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None


def versioned(path: str, query: dict[str, str]) -> bool:
    """Whether the URL names one version of a static file (so its bytes never change)."""
    if path.startswith(SUITES):
        return check_fingerprint(path.rsplit("/", 1)[-1])[1]
    return path.startswith(ASSETS) and bool(query.get("m"))


def install(server: Flask) -> None:
    """Mark the successful responses of versioned URLs immutable, and compress them."""

    @server.after_request
    def _long_lived(response: Response) -> Response:
        if response.status_code == 200 and versioned(request.path, request.args):
            response.headers["Cache-Control"] = IMMUTABLE
            if response.mimetype in PACKED and "Content-Encoding" not in response.headers:
                accepted = [e for e in ("br", "gzip") if request.accept_encodings[e]]
                _compress(response, _file_key(request.path, response), accepted)
        return response


def warm(app: dash.Dash) -> int:
    """Compress, and wait for, every versioned file the home page loads (both encodings);
    how many. For a process that forks workers: they inherit the bytes."""
    client = app.server.test_client()
    page = client.get("/").get_data(as_text=True)
    urls = [u for u in re.findall(r'(?:src|href)="([^"?]+(?:\?m=[^"]*)?)"', page)
            if versioned(*_split(u))]
    for url in urls:
        client.get(url, headers={"Accept-Encoding": "br, gzip"})
    settle()
    return len(urls)


def settle() -> None:
    """Wait until the brotli of every file asked for so far is made."""
    if _pool is not None:
        _pool.submit(lambda: None).result()   # one thread: runs after what was queued


def _split(url: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url)
    return parts.path, dict(parse_qsl(parts.query))


def _file_key(path: str, response: Response) -> str:
    """Which file's bytes a response holds: its path without the version (any made-up
    fingerprint or ?m= names the same file, so they cannot fill the memo) and, for an
    asset, its ETag (modification time and size: an edited asset is compressed again)."""
    folder, _, name = path.rpartition("/")
    return f"{folder}/{check_fingerprint(name)[0]}:{response.get_etag()[0] or ''}"


def _compress(response: Response, key: str, accepted: list[str]) -> None:
    """The response's body in the first accepted encoding that is ready (brotli is queued
    when it is not), from the memo or compressed now (gzip); as it is when neither."""
    response.direct_passthrough = False       # a file sent by send_file: read it
    encoding, body = "", None
    for encoding in accepted:
        body = _packed.get((key, encoding))
        if body is not None:
            break
        if encoding == "gzip":
            body = _packed[key, encoding] = gzip.compress(
                response.get_data(), compresslevel=9, mtime=0)
            break
        _brotli_later(key, response.get_data)
    if body is None:
        return
    if not response.is_sequence and hasattr(response.response, "close"):
        response.response.close()             # the file not read
    response.set_data(body)
    tag, weak = response.get_etag()
    if tag:   # another representation, another tag (as flask-compress does)
        response.set_etag(f"{tag}:{encoding}", weak=weak)
    response.headers["Content-Encoding"] = encoding
    response.vary.add("Accept-Encoding")


def _brotli_later(key: str, read: Callable[[], bytes]) -> None:
    """Queue the file's brotli, once, on the one background thread."""
    global _pool
    with _lock:
        if key in _pending:
            return
        _pending.add(key)
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="brotli")
        done: Future = _pool.submit(brotli.compress, read(), quality=BROTLI_QUALITY)
    done.add_done_callback(lambda f: _brotli_done(key, f))


def _brotli_done(key: str, done: Future) -> None:
    if done.exception() is None:
        _packed[key, "br"] = done.result()
    _pending.discard(key)


def _after_fork() -> None:
    """A forked child has no threads: it starts its own pool when it needs one."""
    global _pool
    _pool = None
    _pending.clear()


os.register_at_fork(after_in_child=_after_fork)
