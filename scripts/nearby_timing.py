"""Time the near-me query (queries.nearby.nearby) on the database in DATABASE_URL.

    python -m scripts.nearby_timing [--runs 200] [--seed 1]

Search points are drawn the way citizens use the page: half at the location of a random
work (towns, where people live), half at a random district capital. Prints p50/p95/max in ms
per radius, measured around the whole function (SQL, transfer and Python), warm cache.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import sqlalchemy as sa

from queries import db, nearby


def _points(n: int, seed: int) -> list[nearby.Place]:
    with db.read_engine().connect() as conn:
        works = conn.execute(sa.text(
            "SELECT ST_X(geom), ST_Y(geom) FROM work TABLESAMPLE SYSTEM (5) "
            "WHERE geom IS NOT NULL LIMIT 5000")).all()
        capitals = conn.execute(sa.text(
            "SELECT ST_X(capital_point), ST_Y(capital_point) FROM area "
            "WHERE level = 3 AND capital_point IS NOT NULL")).all()
    rng = random.Random(seed)
    pool = [rng.choice(works) if i % 2 else rng.choice(capitals) for i in range(n)]
    return [nearby.Place(float(x), float(y), "prueba") for x, y in pool]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.nearby_timing")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    points = _points(args.runs, args.seed)
    with db.read_engine().connect() as conn:
        works = conn.execute(sa.text("SELECT count(*) FROM work")).scalar_one()
    print(f"{works:,} obras; {len(points)} búsquedas por radio")
    for place in points[:20]:  # warm the connection pool and the caches
        nearby.nearby(place, nearby.DEFAULT_RADIUS_KM)
    for radius in nearby.RADII_KM:
        times, found = [], []
        for place in points:
            start = time.perf_counter()
            result = nearby.nearby(place, radius)
            times.append((time.perf_counter() - start) * 1000)
            found.append(result["total"])
        cuts = statistics.quantiles(times, n=20)
        print(f"{radius:>3} km: p50 {statistics.median(times):6.1f} ms  p95 {cuts[18]:6.1f} ms  "
              f"max {max(times):6.1f} ms  (obras en el radio: mediana "
              f"{statistics.median(found):,.0f}, máx {max(found):,})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
