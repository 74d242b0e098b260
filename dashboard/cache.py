"""The shared response cache and the data version that keys it.

`cache` is flask-caching: Redis (REDIS_URL, else 127.0.0.1:6379) when it answers, so every
gunicorn worker shares one cache; an in-process SimpleCache otherwise. Keys carry
`data_version()` (the newest successful load run), so a new load invalidates every entry, and
the cache's key prefix names the database, so two databases on one Redis never mix answers.
"""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask
from flask_caching import Cache

from queries import db
from queries.tables import load_run

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
DEFAULT_TIMEOUT = 3600
cache = Cache()
_DATABASE_IDS: dict[str, str] = {}


def redis_url() -> str:
    return os.environ.get("REDIS_URL", DEFAULT_REDIS_URL)


def _redis_answers(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379),
                                      timeout=0.3):
            return True
    except OSError:
        return False


def cache_config() -> dict[str, Any]:
    """Redis when it answers (shared by workers), else a per-process SimpleCache."""
    if os.environ.get("MIRADOR_CACHE") != "simple" and _redis_answers(redis_url()):
        return {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": redis_url(),
                "CACHE_KEY_PREFIX": key_prefix, "CACHE_DEFAULT_TIMEOUT": DEFAULT_TIMEOUT}
    return {"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 2000,
            "CACHE_KEY_PREFIX": "", "CACHE_DEFAULT_TIMEOUT": DEFAULT_TIMEOUT}


def init_cache(server: Flask) -> None:
    cache.init_app(server, config=cache_config())


def key_prefix() -> str:
    """"mirador:<database>:" — the database's URL and identity (a re-created database with
    the same name restarts its load-run ids, so its oid is part of the name)."""
    url = db.read_database_url()
    if url not in _DATABASE_IDS:
        digest = hashlib.sha1(url.encode()).hexdigest()[:10]
        with db.read_engine().connect() as conn:
            oid = conn.execute(sa.text(
                "SELECT oid FROM pg_database WHERE datname = current_database()")).scalar()
        _DATABASE_IDS[url] = f"{digest}.{oid}"
    return f"mirador:{_DATABASE_IDS[url]}:"


def data_version(loaders: Iterable[str] | None = None) -> int:
    """The id of the newest successful load run (of `loaders`, when given); 0 before any."""
    stmt = sa.select(sa.func.max(load_run.c.id)).where(load_run.c.status == "ok")
    if loaders is not None:
        stmt = stmt.where(load_run.c.loader.in_(list(loaders)))
    with db.read_engine().connect() as conn:
        return int(conn.execute(stmt).scalar() or 0)


def memoize(key: str, compute: Callable[[], Any], timeout: int = DEFAULT_TIMEOUT) -> Any:
    """`compute()` once per key and data version ("explorer:..." keys, for example)."""
    full_key = f"{key}@{data_version()}"
    value = cache.get(full_key)
    if value is None:
        value = compute()
        cache.set(full_key, value, timeout=timeout)
    return value
