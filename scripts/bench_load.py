"""The benchmark's datasets and databases: one database per size, `mirador_bench_<n>`, loaded
with the Makefile's own `load` commands (read with `make -n`: migrate, boundaries, ubigeo, the
generator, INFObras with its history), and reused when already loaded with the same size and
seed (the database's comment records both, and the measured load times).
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from queries import db

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "var" / "bench"
EXPORT_STEM = "DataSet-Obras-Publicas-demo"
SUMMARY_FILE = "resumen-generacion-demo.json"
MARK = "mirador-bench"


@dataclass
class Loaded:
    """A size's database: its URL and what loading it cost (from the record when reused)."""

    url: str
    reused: bool
    record: dict[str, Any]


def bench_url(works: int, base: str | None = None) -> str:
    """postgresql://.../mirador_bench_<works> on the server of `base` (DATABASE_URL)."""
    server = make_url(db._normalise(base or os.environ.get("DATABASE_URL") or db.database_url()))
    return server.set(database=f"mirador_bench_{works}").render_as_string(hide_password=False)


def _admin(url: str) -> sa.Engine:
    return sa.create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def recorded(url: str) -> dict[str, Any] | None:
    """The record a finished load left on the database (None: absent or not loaded)."""
    name = make_url(url).database
    eng = _admin(url)
    try:
        with eng.connect() as conn:
            text = conn.execute(sa.text(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database"
                " WHERE datname = :n"), {"n": name}).scalar()
    finally:
        eng.dispose()
    try:
        record = json.loads(text or "")
    except ValueError:
        return None
    return record if isinstance(record, dict) and record.get("mark") == MARK else None


def _record(url: str, record: dict[str, Any]) -> None:
    name = make_url(url).database
    eng = _admin(url)
    try:
        with eng.connect() as conn:
            text = json.dumps(record).replace("'", "''")
            conn.execute(sa.text(f"COMMENT ON DATABASE \"{name}\" IS '{text}'"))
    finally:
        eng.dispose()


def drop(url: str) -> None:
    db.reset_engines()
    eng = _admin(url)
    try:
        with eng.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" '
                                 "WITH (FORCE)"))
    finally:
        eng.dispose()


def makefile_steps(works: int, seed: int, out: Path) -> list[list[str]]:
    """The Makefile's `load` commands (`make -n`) for this size, as `python -m` argument
    lists (the install step left out): the benchmark loads exactly as `make load` does."""
    text = subprocess.run(["make", "-s", "-n", "load", f"PYTHON={sys.executable}",
                           f"DEMO_WORKS={works}", f"DEMO_SEED={seed}", f"DEMO_DIR={out}"],
                          cwd=ROOT, capture_output=True, text=True, check=True).stdout
    steps = []
    for line in text.splitlines():
        words = shlex.split(line)
        if words[:2] == [sys.executable, "-m"] and words[2] != "pip":
            steps.append(words[2:])
    return steps


def _generated(out: Path, works: int, seed: int, commands: list[list[str]]) -> bool:
    """The generator's output is there for this size and seed, with every file of `out`
    that the load commands read (a newer generator may write more files)."""
    summary = out / SUMMARY_FILE
    if not summary.exists() or not list(out.glob(f"{EXPORT_STEM}.*")):
        return False
    facts = json.loads(summary.read_text(encoding="utf-8"))
    inputs = [Path(a) for args in commands if args[0] != "geodata.demo"
              for a in args[1:] if Path(a).parent == out]
    return (facts.get("obras") == works and facts.get("semilla") == seed
            and all(p.exists() for p in inputs))


def _run(module_args: list[str], url: str) -> float:
    """`python -m <module> ...` with DATABASE_URL=url; its wall time. Output goes to the
    log (the loaders' summaries), a failure stops the benchmark with the loader's message."""
    started = time.perf_counter()
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("DATABASE_READ_URL", None)
    done = subprocess.run([sys.executable, "-m", *module_args], env=env, capture_output=True,
                          text=True, check=False, cwd=ROOT)
    log = DATA_DIR / "load.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a", encoding="utf-8") as f:
        f.write(f"$ python -m {' '.join(module_args)}\n{done.stdout}{done.stderr}\n")
    if done.returncode:
        raise SystemExit(f"falló python -m {' '.join(module_args)}:\n{done.stderr[-2000:]}")
    return time.perf_counter() - started


def load(works: int, seed: int, reload: bool = False) -> Loaded:
    """The size's database, loaded (or reused: same size, seed and Makefile commands) and
    analysed; alerts recomputed after a load. The dataset is generated once per size and seed
    (var/bench/works-<n>-seed-<s>)."""
    url = bench_url(works)
    out = DATA_DIR / f"works-{works}-seed-{seed}"
    commands = makefile_steps(works, seed, out)
    record = None if reload else recorded(url)
    if record and (record.get("works"), record.get("seed"), record.get("commands")) == (
            works, seed, commands):
        return Loaded(url, True, record)
    drop(url)
    steps: dict[str, float] = {}
    generated = None
    for args in commands:
        module = args[0]
        if module == "geodata.demo":
            if not _generated(out, works, seed, commands):
                generated = _run(args, url)
            continue
        if module == "geodata.alerts":
            continue  # timed on its own, below
        if module in ("geodata.infobras", "geodata.paralizadas") and "--sin-alertas" not in args:
            args = [*args, "--sin-alertas"]  # the alerts are timed on their own
        steps[module.rsplit(".", 1)[-1]] = _run(args, url)
    record = {"mark": MARK, "works": works, "seed": seed, "commands": commands,
              "generate_seconds": generated,
              "load_steps": steps, "load_seconds": sum(steps.values()),
              "alerts_seconds": recompute_alerts(url), "analyze_seconds": analyze(url),
              "loaded_at": time.strftime("%Y-%m-%dT%H:%M:%S")}
    _record(url, record)
    return Loaded(url, False, record)


def recompute_alerts(url: str) -> float:
    """geodata.alerts.recompute on the size's database, timed in this process."""
    return recompute_alerts_steps(url)["seconds"]


def recompute_alerts_steps(url: str) -> dict[str, Any]:
    """{"seconds": the whole recompute, "steps": seconds per rule and step (the recompute's
    own timings: history, sources, each rule, the replacement, the entities' figures)}."""
    from geodata import alerts

    eng = sa.create_engine(url)
    try:
        started = time.perf_counter()
        summary = alerts.recompute(engine=eng)
        return {"seconds": round(time.perf_counter() - started, 2),
                "steps": {k: round(v, 2) for k, v in summary.timings.items()}}
    finally:
        eng.dispose()


def analyze(url: str) -> float:
    """ANALYZE (what autovacuum does a minute after a load), so the timings do not depend on
    whether it ran yet."""
    eng = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        started = time.perf_counter()
        with eng.connect() as conn:
            conn.execute(sa.text("ANALYZE"))
        return time.perf_counter() - started
    finally:
        eng.dispose()


SOURCE_TABLES = ("investment_source", "investment_place", "procurement_process", "process_item",
                 "bid", "contract", "contract_penalty", "supplier", "control_report",
                 "source_link", "entity")


def source_counts(url: str) -> dict[str, int | None]:
    """Rows of each source table (None where the table does not exist)."""
    eng = sa.create_engine(url)
    try:
        with eng.connect() as conn:
            return {t: (None if conn.execute(sa.text("SELECT to_regclass(:t)"), {"t": t}).scalar()
                        is None else int(conn.execute(sa.text(f'SELECT count(*) FROM "{t}"'))
                                         .scalar_one()))
                    for t in SOURCE_TABLES}
    finally:
        eng.dispose()


def works_count(url: str) -> int:
    eng = sa.create_engine(url)
    try:
        with eng.connect() as conn:
            return int(conn.execute(sa.text("SELECT count(*) FROM work")).scalar_one())
    finally:
        eng.dispose()
