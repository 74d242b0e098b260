"""Load test on loopback (`make loadtest`): simulated citizens, officials and managers hitting
the real Dash callback endpoint and Flask routes of the app under gunicorn, bounded in time.

    python -m scripts.loadtest [--users 20 --duration 60]           # a fixed number of users
    python -m scripts.loadtest --ramp [--start 4 --step 2 --stage 45 --max-seconds 600]
    python -m scripts.loadtest --url http://127.0.0.1:8050 ...       # a server already running

Without --url it starts `gunicorn -c gunicorn.conf.py dashboard.app:server` on a free
loopback port against --database-url (default: the 50k benchmark database,
mirador_bench_50000, generated and loaded the first time) and stops it at the end.
A user does one action, thinks (exponential, mean --think seconds) and does the next:
- citizens (60 %): the home page and its first callbacks, near me around a town, a work's page;
- officials (30 %): explorer drill-downs and filters, compare, the alerts table;
- managers (10 %): an area's briefing page, the CSV export of a province.
The ramp mode raises the users stage by stage (x --step) while the p95 stays under
--p95-limit ms and errors under 1 %, then bisects between the last good and first bad stage:
it reports how many concurrent users the server holds. A warm-up (--warmup s) comes first:
a freshly started server's first answers are slow in every worker. Results go to
bench/results/loadtest-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from scripts.bench_callbacks import pct
from scripts.dash_calls import DEPENDENCIES_URL, UPDATE_URL, DashCallbacks

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
LOG = ROOT / "var" / "bench" / "gunicorn-loadtest.log"
MIX = (("ciudadano", 0.6), ("funcionario", 0.3), ("gestor", 0.1))
P95_LIMIT_MS = 200.0
ERROR_LIMIT = 0.01
MIN_SAMPLES = 200
TIMEOUT = 30
LOADTEST_WORKS, LOADTEST_SEED = 50_000, 42   # the benchmark's smallest database


# -- what users ask for ----------------------------------------------------------------------
@dataclass
class Catalogue:
    """Real codes, areas and places to ask about, read from the app's own API."""

    regions: list[str]
    provinces: list[str]
    works: list[dict[str, Any]]

    @classmethod
    def fetch(cls, base: str) -> Catalogue:
        def items(path: str) -> list[dict[str, Any]]:
            answer = requests.get(base + path, timeout=TIMEOUT)
            answer.raise_for_status()
            return answer.json()["items"]

        works = [w for page in (1, 7, 23) for w in items(f"/api/v1/works?per_page=200&page={page}")]
        return cls([a["ubigeo"] for a in items("/api/v1/areas?level=1")],
                   [a["ubigeo"] for a in items("/api/v1/areas?level=2")],
                   [w for w in works if w.get("latitude") is not None])


@dataclass
class Sample:
    name: str
    ms: float
    ok: bool
    error: str | None = None


@dataclass
class Recorder:
    samples: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)

    def since(self, start: int) -> list[Sample]:
        with self.lock:
            return self.samples[start:]


class User:
    """One simulated person with a keep-alive session."""

    def __init__(self, base: str, calls: DashCallbacks, catalogue: Catalogue,
                 recorder: Recorder, rng: random.Random):
        self.base, self.calls, self.cat, self.rec, self.rng = (base, calls, catalogue,
                                                               recorder, rng)
        self.http = requests.Session()
        # As a browser does: one retry when a kept-alive connection was closed by the server
        # just as it was reused (gunicorn's keepalive is 5 s; a user may think longer).
        retry = Retry(total=1, connect=1, read=1, status=0, allowed_methods=None)
        self.http.mount("http://", HTTPAdapter(max_retries=retry))

    def _timed(self, name: str, send: Callable[[], requests.Response]) -> None:
        started = time.perf_counter()
        error = None
        try:
            answer = send()
            if answer.status_code != 200:
                error = f"HTTP {answer.status_code}"
            elif b'"app-error"' in answer.content:
                error = "aviso de error en la página"
        except requests.RequestException as exc:
            error = type(exc).__name__
        self.rec.add(Sample(name, (time.perf_counter() - started) * 1000, error is None, error))

    def get(self, name: str, path: str) -> None:
        self._timed(name, lambda: self.http.get(self.base + path, timeout=TIMEOUT))

    def callback(self, name: str, body: dict[str, Any]) -> None:
        self._timed(name, lambda: self.http.post(self.base + UPDATE_URL, json=body,
                                                 timeout=TIMEOUT))

    # -- personas: each returns the list of steps of one visit ---------------------------
    def citizen(self) -> list[Callable[[], None]]:
        work = self.rng.choice(self.cat.works)
        lat, lon = work["latitude"], work["longitude"]
        code = work["infobras_code"]
        return [lambda: self.get("GET /", "/"),
                lambda: self.callback("router /", self.calls.page("/")),
                lambda: self.callback("explorer inicio", self.calls.explorer("")),
                lambda: self.callback("router /cerca", self.calls.page("/cerca")),
                lambda: self.callback("cerca de mí", self.calls.near_me(
                    f"?lat={lat:.3f}&lon={lon:.3f}&r=5")),
                lambda: self.get("GET /obra", f"/obra/{code}"),
                lambda: self.callback("router /obra", self.calls.page(f"/obra/{code}"))]

    def official(self) -> list[Callable[[], None]]:
        region = self.rng.choice(self.cat.regions)
        province = self.rng.choice([p for p in self.cat.provinces if p.startswith(region)]
                                   or self.cat.provinces)
        status = self.rng.choice(("paralizada", "en_ejecucion", "finalizada"))
        peers = self.rng.sample(self.cat.regions, 3)
        return [lambda: self.callback("explorer drill-down", self.calls.explorer(
                    f"?area={region}")),
                lambda: self.callback("explorer drill-down", self.calls.explorer(
                    f"?area={province}")),
                lambda: self.callback("explorer filtro", self.calls.explorer(
                    f"?area={region}&status={status}")),
                lambda: self.callback("comparar", self.calls.compare(1, peers)),
                lambda: self.callback("tabla de alertas", self.calls.alerts_table(
                    f"?area={region}"))]

    def manager(self) -> list[Callable[[], None]]:
        area = self.rng.choice(self.cat.regions + self.cat.provinces)
        province = self.rng.choice(self.cat.provinces)
        return [lambda: self.callback("router /informe", self.calls.page(f"/informe/{area}")),
                lambda: self.get("CSV provincia", f"/api/v1/works.csv?area={province}")]

    def run(self, stop: threading.Event, think: float) -> None:
        personas = {"ciudadano": self.citizen, "funcionario": self.official,
                    "gestor": self.manager}
        while not stop.is_set():
            kind = self.rng.choices([k for k, _ in MIX], [w for _, w in MIX])[0]
            for step in personas[kind]():
                if stop.is_set():
                    return
                step()
                stop.wait(min(self.rng.expovariate(1 / think), 4 * think) if think else 0)


# -- running ---------------------------------------------------------------------------------
def summarise(samples: list[Sample], seconds: float) -> dict[str, Any]:
    """Requests, rate, p50/p95 and error rate of a stage, overall and per request kind."""
    if not samples:
        return {"requests": 0, "rps": 0.0, "p50": None, "p95": None, "errors": 0.0, "by": {},
                "error_kinds": {}}
    by: dict[str, list[Sample]] = {}
    for s in samples:
        by.setdefault(s.name, []).append(s)

    def figures(group: list[Sample]) -> dict[str, Any]:
        times = [s.ms for s in group]
        return {"requests": len(group), "p50": round(pct(times, 0.5), 1),
                "p95": round(pct(times, 0.95), 1),
                "errors": round(sum(not s.ok for s in group) / len(group), 4)}

    kinds: dict[str, int] = {}
    for s in samples:
        if s.error:
            kinds[f"{s.name}: {s.error}"] = kinds.get(f"{s.name}: {s.error}", 0) + 1
    return {**figures(samples), "rps": round(len(samples) / seconds, 1),
            "by": {name: figures(group) for name, group in sorted(by.items())},
            "error_kinds": kinds}


def holds(stage: dict[str, Any], p95_limit: float) -> bool:
    """A stage is held when its p95 is under the limit and under 1 % of requests failed."""
    return (stage["requests"] > 0 and stage["p95"] is not None and stage["p95"] < p95_limit
            and stage["errors"] < ERROR_LIMIT)


def run_stage(base: str, calls: DashCallbacks, catalogue: Catalogue, users: int,
              seconds: float, think: float, seed: int) -> dict[str, Any]:
    """`users` users for `seconds` (the first 20 % are warm-up, not counted). Each stage
    needs its own `seed`: the same seed replays the same visits, all answered from cache."""
    recorder, stop = Recorder(), threading.Event()
    threads = [threading.Thread(target=User(base, calls, catalogue, recorder,
                                            random.Random(seed * 10_000 + i)).run,
                                args=(stop, think), daemon=True) for i in range(users)]
    for t in threads:
        t.start()
        time.sleep(min(0.05, think / max(users, 1)))  # do not start all in the same ms
    time.sleep(seconds * 0.2)
    first = len(recorder.since(0))
    started = time.monotonic()
    # A p95 needs samples: a short stage of few users is stretched (up to 3x) to MIN_SAMPLES.
    while (time.monotonic() - started < seconds * 0.8
           or (len(recorder.since(first)) < MIN_SAMPLES
               and time.monotonic() - started < seconds * 2.4)):
        time.sleep(0.5)
    measured, elapsed = recorder.since(first), time.monotonic() - started
    stop.set()
    for t in threads:
        t.join(timeout=TIMEOUT)
    return {"users": users, "seconds": round(elapsed, 1), **summarise(measured, elapsed)}


def ramp(run: Callable[[int], dict[str, Any]], start: int, step: float, p95_limit: float,
         deadline: float, max_users: int = 2000) -> tuple[int, list[dict[str, Any]]]:
    """Raise users (x step) until a stage is not held, then bisect between the last held
    and the first failed; the most users held (0 if even `start` is not) and every stage."""
    stages: list[dict[str, Any]] = []
    good, bad, users = 0, None, start
    while users <= max_users and time.monotonic() < deadline:
        stage = run(users)
        stages.append(stage)
        if holds(stage, p95_limit):
            good = users
            users = max(users + 1, round(users * step))
        else:
            bad = users
            break
    while bad is not None and bad - good > max(1, good // 10) and time.monotonic() < deadline:
        users = (good + bad) // 2 if good else max(1, bad // 2)
        if users in (good, bad):
            break
        stage = run(users)
        stages.append(stage)
        if holds(stage, p95_limit):
            good = users
        else:
            bad = users
    return good, stages


# -- the server ------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(database_url: str, workers: int | None) -> tuple[subprocess.Popen, str]:
    """gunicorn with the project's config on a free loopback port, ready to serve."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "MIRADOR_BIND": f"127.0.0.1:{port}"}
    if workers:
        env["MIRADOR_WORKERS"] = str(workers)
    LOG.parent.mkdir(parents=True, exist_ok=True)
    log = LOG.open("w", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                             "--access-logfile", "/dev/null", "dashboard.app:server"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn terminó al arrancar; vea {log.name}")
        try:
            if requests.get(base + DEPENDENCIES_URL, timeout=5).ok:
                return proc, base
        except requests.RequestException:
            time.sleep(0.5)
    stop_gunicorn(proc)
    raise SystemExit("gunicorn no respondió en 90 s")


def stop_gunicorn(proc: subprocess.Popen) -> None:
    """SIGTERM to gunicorn's own process group (the master and its workers)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def print_stage(stage: dict[str, Any], p95_limit: float) -> None:
    mark = "ok " if holds(stage, p95_limit) else "NO "
    print(f"{mark} {stage['users']:4d} usuarios: {stage['requests']:6d} pedidos "
          f"{stage['rps']:6.1f}/s  p50 {stage['p50']} ms  p95 {stage['p95']} ms  "
          f"errores {stage['errors']:.2%}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.loadtest", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="un servidor ya en marcha (si no, se arranca gunicorn)")
    parser.add_argument("--database-url", default=None,
                        help="base para gunicorn (por defecto mirador_bench_50000)")
    parser.add_argument("--workers", type=int, default=None, help="workers de gunicorn")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60, help="segundos (modo fijo)")
    parser.add_argument("--think", type=float, default=2.0, help="pausa media entre acciones")
    parser.add_argument("--ramp", action="store_true", help="buscar cuántos usuarios aguanta")
    parser.add_argument("--start", type=int, default=4)
    parser.add_argument("--step", type=float, default=2.0)
    parser.add_argument("--stage", type=float, default=45, help="segundos por etapa (rampa)")
    parser.add_argument("--max-seconds", type=float, default=600, help="tope de la rampa")
    parser.add_argument("--warmup", type=float, default=30,
                        help="segundos sin medir antes de la primera etapa")
    parser.add_argument("--p95-limit", type=float, default=P95_LIMIT_MS)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    from scripts.bench_load import load

    RESULTS.mkdir(parents=True, exist_ok=True)
    proc = None
    base = args.url
    if base is None:
        url = args.database_url
        if url is None:  # the 50k benchmark database, loaded the first time
            url = load(LOADTEST_WORKS, LOADTEST_SEED).url
        proc, base = start_gunicorn(url, args.workers)
    try:
        calls = DashCallbacks(requests.get(base + DEPENDENCIES_URL, timeout=TIMEOUT).json())
        catalogue = Catalogue.fetch(base)
        print(f"servidor {base}; {len(catalogue.works)} obras de muestra; pausa media "
              f"{args.think} s; p95 límite {args.p95_limit:.0f} ms", flush=True)

        seeds = itertools.count(args.seed * 1000)

        def stage(users: int, seconds: float = args.stage) -> dict[str, Any]:
            result = run_stage(base, calls, catalogue, users, seconds, args.think, next(seeds))
            print_stage(result, args.p95_limit)
            return result

        if args.warmup:  # a server just started answers its first requests slowly
            print(f"calentamiento: {args.start} usuarios, {args.warmup:.0f} s (no cuenta)")
            run_stage(base, calls, catalogue, args.start, args.warmup, args.think, next(seeds))

        if args.ramp:
            held, stages = ramp(stage, args.start, args.step, args.p95_limit,
                                time.monotonic() + args.max_seconds)
        else:
            stages = [stage(args.users, args.duration)]
            held = args.users if holds(stages[0], args.p95_limit) else 0
    finally:
        if proc is not None:
            stop_gunicorn(proc)
    best = next((s for s in reversed(stages) if s["users"] == held), stages[-1])
    print(f"\nusuarios concurrentes sostenidos con p95 < {args.p95_limit:.0f} ms: {held}")
    if best:
        print(f"  etapa de {best['users']} usuarios: {best['rps']}/s, errores {best['errors']:.2%}")
        for name, f in best["by"].items():
            print(f"  {name:22s} {f['requests']:5d}  p50 {f['p50']:7.1f}  p95 {f['p95']:7.1f} ms"
                  f"  errores {f['errors']:.2%}")
        for kind, n in best["error_kinds"].items():
            print(f"  error {kind}: {n}")
    out = RESULTS / f"loadtest-{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.write_text(json.dumps({"held_users": held, "p95_limit_ms": args.p95_limit,
                               "think_seconds": args.think, "stages": stages}, indent=1,
                              ensure_ascii=False), encoding="utf-8")
    print(f"resultados: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
