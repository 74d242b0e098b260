"""Production serving: `gunicorn -c gunicorn.conf.py dashboard.app:server` with several
workers serves the pages, the callbacks and the boundaries, and the workers share one cache
(Redis) keyed by the data version, which a load changes for all of them."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import requests
import sqlalchemy as sa

from dashboard.cache import key_prefix
from geodata.runs import load_run
from scripts.dash_calls import DEPENDENCIES_URL, UPDATE_URL, DashCallbacks
from tests.proxy_support import free_port
from tests.test_resilience import redis_port  # noqa: F401 - the Redis fixture

pytestmark = pytest.mark.db
ROOT = Path(__file__).resolve().parent.parent
WORKERS = 3


@pytest.fixture(scope="module")
def gunicorn(national_areas: sa.Engine, database_url: str, redis_port: int,  # noqa: F811
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """The project's gunicorn config with WORKERS workers on a free port; (base URL, pid)."""
    port = free_port()
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    env = {**os.environ, "DATABASE_URL": database_url, "MIRADOR_BIND": f"127.0.0.1:{port}",
           "MIRADOR_WORKERS": str(WORKERS), "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
           "MIRADOR_VERSION_SECONDS": "0.5"}
    env.pop("MIRADOR_CACHE", None)
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                                 "dashboard.app:server"], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        assert proc.poll() is None, log.read_text()[-3000:]
        try:
            if requests.get(base + DEPENDENCIES_URL, timeout=5).ok:
                break
        except requests.RequestException:
            pass
        assert time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(0.5)
    yield base, proc.pid
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


def _workers(master: int) -> set[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True,
                         text=True, check=False).stdout
    return {int(p) for p in out.split()}


def test_gunicorn_serves_pages_and_callbacks(gunicorn: tuple[str, int]) -> None:
    base, master = gunicorn
    deadline = time.monotonic() + 30
    while len(_workers(master)) < WORKERS and time.monotonic() < deadline:
        time.sleep(0.2)  # the master forks them one after another
    assert len(_workers(master)) == WORKERS
    http = requests.Session()
    home = http.get(base + "/", timeout=30)
    assert home.status_code == 200 and "Mirador de Obras" in home.text
    assert home.headers.get("Content-Encoding") in ("gzip", "br", "zstd")  # compressed
    calls = DashCallbacks(http.get(base + DEPENDENCIES_URL, timeout=30).json())
    for body in (calls.page("/alertas"), calls.page("/cerca"), calls.explorer("?area=08"),
                 calls.explorer("?area=0801&status=paralizada")):
        answer = http.post(base + UPDATE_URL, json=body, timeout=30)
        assert answer.status_code == 200
        assert "app-error" not in answer.text
    geo = http.get(base + "/geo/1/1.json", timeout=30)
    assert geo.status_code == 200 and geo.json()["type"] == "FeatureCollection"
    assert http.get(base + "/api/v1/areas?level=1", timeout=30).json()["total"] == 25


def test_workers_serve_the_static_files_compressed_from_their_first_request(
        gunicorn: tuple[str, int]) -> None:
    """The master compressed them before forking (gunicorn.conf.py, when_ready): no worker
    answers with gzip while it makes the brotli (seconds for the Plotly bundle)."""
    base, _ = gunicorn
    page = requests.get(base + "/", timeout=30).text
    url = re.search(r'src="(/assets/plotly-[^"]+)"', page).group(1)
    for _ in range(2 * WORKERS):   # a new connection each: the requests spread over workers
        answer = requests.get(base + url, headers={"Accept-Encoding": "br, gzip"}, timeout=30)
        assert answer.status_code == 200 and answer.headers["Content-Encoding"] == "br"


def test_workers_share_the_cache_and_a_load_invalidates_it(
        gunicorn: tuple[str, int], national_areas: sa.Engine, redis_port: int) -> None:  # noqa: F811
    """Views computed by any worker land in the one Redis under this database's prefix; a
    new load run moves every worker to new keys."""
    base, _ = gunicorn
    direct = redis.Redis(port=redis_port)
    calls = DashCallbacks(requests.get(base + DEPENDENCIES_URL, timeout=30).json())

    prefix = key_prefix()  # this database's, the same the workers compute

    def explorer_keys() -> set[bytes]:
        return set(direct.scan_iter(match=f"{prefix}explorer:*", count=1000))

    def render_all() -> None:
        # New connections: requests spread over the workers.
        for area in ("01", "02", "03", "04", "05", "06"):
            answer = requests.post(base + UPDATE_URL, json=calls.explorer(f"?area={area}"),
                                   timeout=30)
            assert answer.status_code == 200 and "app-error" not in answer.text

    def version() -> int:
        with national_areas.connect() as conn:
            return conn.execute(sa.text(
                "SELECT max(id) FROM load_run WHERE status = 'ok'")).scalar()

    render_all()
    old = version()
    before = explorer_keys()
    assert any(f"explorer:{old}:render".encode() in k for k in before)
    with load_run("prueba-servidor", "tests/test_serving.py", engine=national_areas) as run:
        run.count(0, 0, 0)
    time.sleep(0.6)  # MIRADOR_VERSION_SECONDS in the workers
    render_all()
    new = version()
    assert new > old
    assert any(f"explorer:{new}:render".encode() in k for k in explorer_keys() - before)
