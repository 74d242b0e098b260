"""The app survives its servers going away and comes back by itself: Redis (the shared cache)
and PostgreSQL are put behind a loopback TCP proxy that is stopped (every connection cut,
nothing listening, as in a restart) and started again. Also: reads go to DATABASE_READ_URL,
and the per-process memory of the data version does not break invalidation after a load.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis
import sqlalchemy as sa
from flask import Flask
from flask_caching import Cache
from sqlalchemy.engine import make_url

from dashboard import cache as cache_module
from dashboard.app import DB_DOWN, app
from geodata.runs import load_run
from queries import db, reports
from scripts.dash_calls import UPDATE_URL, DashCallbacks
from tests.proxy_support import TcpProxy, free_port

pytestmark = pytest.mark.db
FAST = 2.0   # seconds: a request while a server is down must fail fast, not hang


@pytest.fixture(scope="module")
def redis_port() -> Iterator[int]:
    """The machine's Redis on 6379, else a private redis-server on a free port."""
    if db._port_open("127.0.0.1", 6379):
        yield 6379
        return
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is required under CI")
        pytest.skip("no Redis and no redis-server")
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no"], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not db._port_open("127.0.0.1", port) and time.monotonic() < deadline:
        time.sleep(0.1)
    yield port
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def quick_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_module, "RETRY_SECONDS", 0.2)


def _redis_config(port: int, prefix) -> dict:
    return {"CACHE_TYPE": "dashboard.cache.ResilientRedisCache",
            "CACHE_REDIS_URL": f"redis://127.0.0.1:{port}/0", "CACHE_KEY_PREFIX": prefix,
            "CACHE_DEFAULT_TIMEOUT": 60}


# -- Redis -------------------------------------------------------------------------------
def test_redis_outage_falls_back_and_recovers(redis_port: int, quick_retry: None) -> None:
    """While Redis is down nothing raises and values still cache (per process); once it is
    back, the shared Redis answers again, with what was stored before the outage."""
    prefix = f"mirador-test-{uuid.uuid4().hex[:8]}:"
    direct = redis.Redis(port=redis_port)
    server = Flask("redis-outage")
    with TcpProxy("127.0.0.1", redis_port) as proxy:
        shared = Cache(server, config=_redis_config(proxy.port, prefix))
        with server.app_context():
            shared.set("antes", 1)
            assert direct.exists(prefix + "antes")          # it went to the shared Redis
            proxy.stop()
            started = time.monotonic()
            assert shared.get("antes") is None              # a miss, not an exception
            shared.set("durante", 2)
            assert shared.get("durante") == 2               # the local fallback keeps it
            shared.cache.add("intentos", 0)
            assert shared.cache.inc("intentos") == 1
            assert time.monotonic() - started < FAST
            assert not shared.cache.available
            assert not direct.exists(prefix + "durante")
            proxy.start()
            time.sleep(0.3)
            assert shared.get("antes") == 1                 # the shared cache is back
            assert shared.cache.available
            shared.set("despues", 3)
            assert direct.exists(prefix + "despues")
    direct.delete(*(prefix + k for k in ("antes", "despues")))


@contextmanager
def app_cache(config: dict) -> Iterator[object]:
    """The dashboard's shared cache re-initialised with `config` for the block."""
    server = app.server
    saved = server.extensions["cache"][cache_module.cache]
    cache_module.cache.init_app(server, config=config)
    try:
        yield server.extensions["cache"][cache_module.cache]
    finally:
        server.extensions["cache"][cache_module.cache] = saved


def _render(client, calls: DashCallbacks, search: str = "") -> dict:
    answer = client.post(UPDATE_URL, json=calls.explorer(search))
    assert answer.status_code == 200
    return answer.get_json()


def test_app_serves_through_a_redis_restart(national_areas: sa.Engine, redis_port: int,
                                            quick_retry: None) -> None:
    """Callbacks and the boundaries route answer normally while Redis is down, and the
    app writes to the shared Redis again once it is back."""
    client = app.server.test_client()
    calls = DashCallbacks(client.get("/_dash-dependencies").get_json())
    direct = redis.Redis(port=redis_port)
    with TcpProxy("127.0.0.1", redis_port) as proxy, \
            app_cache(_redis_config(proxy.port, cache_module.key_prefix)) as backend:
        prefix = cache_module.key_prefix()
        assert "app-error" not in str(_render(client, calls))
        geo = client.get("/geo/0/1.json")
        assert geo.status_code == 200
        proxy.stop()
        started = time.monotonic()
        for search in ("", "?area=08", "?area=0801"):
            body = _render(client, calls, search)
            assert "sideUpdate" not in body, body.get("sideUpdate")
            assert "explorar-map" in body["response"]
        assert client.get("/geo/0/1.json").status_code == 200
        assert time.monotonic() - started < 3 * FAST
        assert not backend.available
        proxy.start()
        time.sleep(0.3)
        before = set(direct.scan_iter(match=f"{prefix}*", count=1000))
        assert "app-error" not in str(_render(client, calls, "?area=15"))
        assert backend.available
        assert set(direct.scan_iter(match=f"{prefix}*", count=1000)) - before


# -- PostgreSQL --------------------------------------------------------------------------
def _apply(values: dict[str, str | None]) -> None:
    for key, value in values.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@contextmanager
def environment(**values: str | None) -> Iterator[None]:
    """Environment variables set (None: unset) for the block, with fresh engines."""
    saved = {k: os.environ.get(k) for k in values}
    _apply(values)
    db.reset_engines()
    try:
        yield
    finally:
        _apply(saved)
        db.reset_engines()


def _via(url: str, proxy: TcpProxy) -> str:
    return make_url(url).set(host="127.0.0.1", port=proxy.port).render_as_string(
        hide_password=False)


def test_database_restart(national_areas: sa.Engine, database_url: str,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL goes away under a running app: callbacks say so in Spanish (the banner),
    the API answers 503 with a Spanish message, the shell still loads; when the server is
    back, the same pooled engine serves again by itself."""
    monkeypatch.setattr(cache_module, "VERSION_SECONDS", 0)
    client = app.server.test_client()
    calls = DashCallbacks(client.get("/_dash-dependencies").get_json())
    target = make_url(database_url)
    with TcpProxy(target.host or "127.0.0.1", target.port or 5432) as proxy, \
            environment(DATABASE_URL=_via(database_url, proxy), DATABASE_READ_URL=None):
        assert "app-error" not in str(_render(client, calls, "?area=08"))
        proxy.stop()
        started = time.monotonic()
        body = _render(client, calls, "?area=10")
        assert body["sideUpdate"]["app-error"] == {"children": DB_DOWN, "hidden": False}
        api = client.get("/api/v1/areas?level=1")
        assert api.status_code == 503
        assert "base de datos" in api.get_json()["error"]
        assert b"Traceback" not in api.data
        assert client.get("/").status_code == 200
        assert time.monotonic() - started < 3 * FAST
        proxy.start()
        body = _render(client, calls, "?area=11")
        assert "sideUpdate" not in body
        assert client.get("/api/v1/areas?level=1").status_code == 200


def test_reads_go_to_the_read_url(national_areas: sa.Engine, database_url: str,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """With DATABASE_READ_URL set, the dashboard's reads use it and the primary keeps the
    writes and the moderators' reads: a dead replica fails reads only."""
    monkeypatch.setattr(cache_module, "VERSION_SECONDS", 0)
    client = app.server.test_client()
    target = make_url(database_url)
    with TcpProxy(target.host or "127.0.0.1", target.port or 5432) as replica, \
            environment(DATABASE_URL=database_url,
                        DATABASE_READ_URL=_via(database_url, replica)):
        assert client.get("/api/v1/areas?level=1").status_code == 200
        assert replica.accepted > 0
        assert db.read_engine().url.port == replica.port
        assert db.engine().url.port == target.port
        replica.stop()
        assert client.get("/api/v1/areas?level=1").status_code == 503
        assert reports.queue_counts()["pendiente"] >= 0      # the primary still answers
        with db.engine().connect() as conn:
            assert conn.execute(sa.text("SELECT 1")).scalar() == 1


# -- the data version ---------------------------------------------------------------------
def _count_queries(engine: sa.Engine) -> list[str]:
    seen: list[str] = []
    sa.event.listen(engine, "before_cursor_execute",
                    lambda conn, cursor, statement, *a: seen.append(statement))
    return seen


def test_data_version_is_remembered_and_a_load_is_seen_at_once(
        national_areas: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_module, "VERSION_SECONDS", 30)
    cache_module.forget_data_version()
    monkeypatch.setattr(cache_module, "_no_memo_until", 0.0)
    first = cache_module.data_version()
    seen = _count_queries(db.read_engine())
    assert [cache_module.data_version() for _ in range(5)] == [first] * 5
    assert not [s for s in seen if "load_run" in s]          # remembered, not asked again
    with load_run("prueba-version", "tests/test_resilience.py") as run:
        run.count(0, 0, 0)
    assert cache_module.data_version() > first               # this process's load: at once


def test_another_process_load_is_seen_within_the_memo_time(
        national_areas: sa.Engine, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_module, "VERSION_SECONDS", 0.5)
    monkeypatch.setattr(cache_module, "_no_memo_until", 0.0)
    cache_module._versions.clear()
    before = cache_module.data_version()
    # Another process's loader: a plain psycopg connection, unseen by this process's hooks.
    import psycopg

    with psycopg.connect(make_url(database_url).set(drivername="postgresql")
                         .render_as_string(hide_password=False), autocommit=True) as other:
        other.execute("INSERT INTO load_run (loader, source, status, finished_at) "
                      "VALUES ('otro-proceso', 'test', 'ok', now())")
    assert cache_module.data_version() == before             # still remembered ...
    time.sleep(0.6)
    assert cache_module.data_version() > before              # ... for at most the memo time


# -- connection settings ---------------------------------------------------------------------
def test_zero_config_probes_the_port_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The local server's URL is decided once it answered (not a TCP probe per query); while
    nothing answers it is probed again each time (the server may be restarting)."""
    probes: list[int] = []
    monkeypatch.setattr(db, "_ZERO_CONFIG", {})
    monkeypatch.setattr(db, "_port_open", lambda host, port: probes.append(port) or True)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    first = db.database_url()
    assert db.database_url() == first and probes == [5432]
    assert make_url(first).database == db.DEFAULT_DB_NAME


def test_pgbouncer_mode_turns_off_prepared_statements(monkeypatch: pytest.MonkeyPatch) -> None:
    assert db.connect_args() == {"connect_timeout": db.CONNECT_TIMEOUT}
    monkeypatch.setenv("MIRADOR_PGBOUNCER", "1")
    assert db.connect_args()["prepare_threshold"] is None
