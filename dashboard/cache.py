"""The shared response cache and the data version that keys it.

`cache` is flask-caching on Redis (REDIS_URL, else 127.0.0.1:6379), so every gunicorn worker
(and every app server behind a load balancer) shares one cache. Redis is never a point of
failure: while it does not answer, reads and writes go to a per-process SimpleCache and Redis
is tried again every few seconds, so the app serves (more slowly) and is back on the shared
cache by itself. MIRADOR_CACHE=simple keeps everything in the process (tests, one-off runs).

Keys carry `data_version()` (the newest successful load run), so a new load invalidates every
entry; the cache's key prefix names the database (cluster and database identity, the same on a
streaming replica), so two databases on one Redis never mix answers. `data_version()` is
remembered per process for VERSION_SECONDS: a load seen by another process reaches this one
within that time; a load run in this process is seen at once.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from cachelib import SimpleCache as LocalCache
from flask import Flask
from flask_caching import Cache
from flask_caching.backends.rediscache import RedisCache
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from queries import db
from queries.tables import load_run

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
DEFAULT_TIMEOUT = 3600
LOCAL_ENTRIES = 2000
RETRY_SECONDS = 5.0        # while Redis is down, how often it is tried again
VERSION_SECONDS = float(os.environ.get("MIRADOR_VERSION_SECONDS", "2"))
# A dead Redis must cost milliseconds, not seconds: short timeouts and one retry (the retry
# replaces a pooled connection that a Redis restart closed).
REDIS_OPTIONS = {"socket_connect_timeout": 0.25, "socket_timeout": 0.5,
                 "retry": Retry(NoBackoff(), 1), "health_check_interval": 30}
cache = Cache()
log = logging.getLogger(__name__)
_DATABASE_IDS: dict[str, str] = {}
_CODE: list[str] = []
ROOT = Path(__file__).resolve().parent.parent


def redis_url() -> str:
    return os.environ.get("REDIS_URL", DEFAULT_REDIS_URL)


class ResilientRedisCache(RedisCache):
    """Redis, but an outage never fails a request: a Redis error sends this call, and the
    calls of the next RETRY_SECONDS, to a per-process cache (same keys and prefix)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.local = LocalCache(threshold=LOCAL_ENTRIES, default_timeout=self.default_timeout)
        self.down_until = 0.0

    @classmethod
    def factory(cls, app: Flask, config: dict[str, Any], args: list[Any],
                kwargs: dict[str, Any]) -> ResilientRedisCache:
        config.setdefault("CACHE_OPTIONS", dict(REDIS_OPTIONS))
        return super().factory(app, config, args, kwargs)

    @property
    def available(self) -> bool:
        """False while Redis is considered down (between retries)."""
        return time.monotonic() >= self.down_until

    def _guard(self, remote: Callable[[], Any], local: Callable[[], Any]) -> Any:
        if self.available:
            try:
                value = remote()
            except RedisError as exc:
                log.warning("Redis no responde (%s): caché local por %.0f s", exc,
                            RETRY_SECONDS)
                self.down_until = time.monotonic() + RETRY_SECONDS
            else:
                if self.down_until:
                    log.warning("Redis responde de nuevo: caché compartida")
                    self.down_until = 0.0
                return value
        return local()

    def _local_key(self, key: str) -> str:
        return self._get_prefix() + key

    def get(self, key: str) -> Any:
        return self._guard(lambda: super(ResilientRedisCache, self).get(key),
                           lambda: self.local.get(self._local_key(key)))

    def get_many(self, *keys: str) -> list[Any]:
        return self._guard(lambda: super(ResilientRedisCache, self).get_many(*keys),
                           lambda: [self.local.get(self._local_key(k)) for k in keys])

    def set(self, key: str, value: Any, timeout: int | None = None) -> Any:
        return self._guard(lambda: super(ResilientRedisCache, self).set(key, value, timeout),
                           lambda: self.local.set(self._local_key(key), value, timeout))

    def add(self, key: str, value: Any, timeout: int | None = None) -> Any:
        return self._guard(lambda: super(ResilientRedisCache, self).add(key, value, timeout),
                           lambda: self.local.add(self._local_key(key), value, timeout))

    def set_many(self, mapping: dict[str, Any], timeout: int | None = None) -> list[Any]:
        return self._guard(
            lambda: super(ResilientRedisCache, self).set_many(mapping, timeout),
            lambda: [k for k, v in mapping.items()
                     if self.local.set(self._local_key(k), v, timeout)])

    def delete(self, key: str) -> bool:
        return self._guard(lambda: super(ResilientRedisCache, self).delete(key),
                           lambda: self.local.delete(self._local_key(key)))

    def delete_many(self, *keys: str) -> list[Any]:
        return self._guard(lambda: super(ResilientRedisCache, self).delete_many(*keys),
                           lambda: [k for k in keys if self.local.delete(self._local_key(k))])

    def has(self, key: str) -> bool:
        return self._guard(lambda: super(ResilientRedisCache, self).has(key),
                           lambda: self.local.has(self._local_key(key)))

    def inc(self, key: str, delta: int = 1) -> Any:
        return self._guard(lambda: super(ResilientRedisCache, self).inc(key, delta),
                           lambda: self.local.inc(self._local_key(key), delta))

    def dec(self, key: str, delta: int = 1) -> Any:
        return self._guard(lambda: super(ResilientRedisCache, self).dec(key, delta),
                           lambda: self.local.dec(self._local_key(key), delta))

    def clear(self) -> bool:
        self.local.clear()
        return self._guard(lambda: super(ResilientRedisCache, self).clear(), lambda: True)


def cache_config() -> dict[str, Any]:
    """Redis (shared by workers, local fallback while it is down), or SimpleCache when
    MIRADOR_CACHE=simple."""
    if os.environ.get("MIRADOR_CACHE") == "simple":
        return {"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": LOCAL_ENTRIES,
                "CACHE_KEY_PREFIX": "", "CACHE_DEFAULT_TIMEOUT": DEFAULT_TIMEOUT}
    return {"CACHE_TYPE": f"{__name__}.ResilientRedisCache", "CACHE_REDIS_URL": redis_url(),
            "CACHE_KEY_PREFIX": key_prefix, "CACHE_DEFAULT_TIMEOUT": DEFAULT_TIMEOUT}


def init_cache(server: Flask) -> None:
    cache.init_app(server, config=cache_config())


def code_version() -> str:
    """A digest of the code that builds cached values (dashboard, layers, queries): a deploy
    never reads entries pickled by the previous code, whose shapes may differ."""
    if not _CODE:
        digest = hashlib.sha1()
        for package in ("dashboard", "layers", "queries"):
            for path in sorted((ROOT / package).rglob("*.py")):
                digest.update(path.read_bytes())
        _CODE.append(digest.hexdigest()[:8])
    return _CODE[0]


def key_prefix() -> str:
    """"mirador:<code>:<cluster>.<database>:" — the code's digest, the cluster's system
    identifier (shared by its streaming replicas, so app servers reading from different
    replicas share entries) and the database's oid (a re-created database with the same
    name restarts its load-run ids)."""
    url = db.read_database_url()
    if url not in _DATABASE_IDS:
        with db.read_engine().connect() as conn:
            oid = conn.execute(sa.text(
                "SELECT oid FROM pg_database WHERE datname = current_database()")).scalar()
        try:
            with db.read_engine().connect() as conn:
                cluster = conn.execute(sa.text(
                    "SELECT system_identifier FROM pg_control_system()")).scalar()
        except sa.exc.ProgrammingError:  # a managed server that hides it: name the URL
            cluster = hashlib.sha1(url.encode()).hexdigest()[:10]
        _DATABASE_IDS[url] = f"{cluster}.{oid}"
    return f"mirador:{code_version()}:{_DATABASE_IDS[url]}:"


# -- the data version ---------------------------------------------------------------------
_versions: dict[tuple[str, tuple[str, ...] | None], tuple[float, int]] = {}
_no_memo_until = 0.0


def data_version(loaders: Iterable[str] | None = None) -> int:
    """The id of the newest successful load run (of `loaders`, when given); 0 before any.
    Remembered per process and database for VERSION_SECONDS (callbacks ask several times
    per request)."""
    wanted = tuple(sorted(loaders)) if loaders is not None else None
    key = (db.read_database_url(), wanted)
    now = time.monotonic()
    memo = _versions.get(key)
    if memo is not None and now < memo[0]:
        return memo[1]
    stmt = sa.select(sa.func.max(load_run.c.id)).where(load_run.c.status == "ok")
    if wanted is not None:
        stmt = stmt.where(load_run.c.loader.in_(wanted))
    with db.read_engine().connect() as conn:
        version = int(conn.execute(stmt).scalar() or 0)
    if now >= _no_memo_until:
        _versions[key] = (now + VERSION_SECONDS, version)
    return version


def forget_data_version() -> None:
    """A load run changed in this process: ask the database again, and do not remember
    for VERSION_SECONDS (a reader racing the commit may have read the old version)."""
    global _no_memo_until
    _no_memo_until = time.monotonic() + VERSION_SECONDS
    _versions.clear()


_LOAD_RUN_WRITE = ("insert into load_run", "update load_run")


@sa.event.listens_for(sa.Engine, "after_cursor_execute")
def _after_execute(conn: sa.Connection, cursor: Any, statement: str, *_args: Any) -> None:
    """Loaders record their runs in load_run (geodata/runs.py): note it on the connection."""
    if statement.lstrip()[:20].lower().startswith(_LOAD_RUN_WRITE):
        conn.info["load_run_written"] = True
        forget_data_version()


@sa.event.listens_for(sa.Engine, "commit")
def _on_commit(conn: sa.Connection) -> None:
    if conn.info.pop("load_run_written", False):
        forget_data_version()


def memoize(key: str, compute: Callable[[], Any], timeout: int = DEFAULT_TIMEOUT) -> Any:
    """`compute()` once per key and data version ("explorer:..." keys, for example)."""
    full_key = f"{key}@{data_version()}"
    value = cache.get(full_key)
    if value is None:
        value = compute()
        cache.set(full_key, value, timeout=timeout)
    return value
