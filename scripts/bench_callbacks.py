"""Server time of the main callbacks, in-process through Flask's test client with the payloads
the browser sends (scripts.dash_calls), so Dash's dispatch, the queries, the figures, the JSON
and the gzip are all in the time. Each scenario runs three ways:

- first: every request once, with the shared cache emptied, before anything else: the
  database's buffers do not yet hold what it reads (the first requests after a restart, or
  after another database filled the machine's memory);
- cold: again with the shared cache emptied before each request: a view nobody asked for
  since the last load, on a server and a database in service (the targets);
- warm: the same request again, from the shared cache.

Every response is checked for boundary geometry; drill-down responses are sized (gzip).
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import math
import random
import statistics
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import sqlalchemy as sa

from dashboard.cache import cache
from queries import areas, db, explorer, nearby
from queries.filters import Filters
from scripts.dash_calls import UPDATE_URL, DashCallbacks, geometry_bytes


def pct(values: list[float], q: float) -> float:
    """The q-quantile by nearest rank (p95 of 20 values is the 19th)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def stats(values: list[float]) -> dict[str, float]:
    return {"n": len(values), "p50": round(statistics.median(values), 2),
            "p95": round(pct(values, 0.95), 2), "max": round(max(values), 2)}


@dataclass
class Checked:
    """What the responses carried: count, boundary geometry bytes, non-200 answers."""

    responses: int = 0
    geometry_bytes: int = 0
    errors: list[str] = field(default_factory=list)


class Client:
    """POSTs callback payloads to the app, timed, sized and checked."""

    def __init__(self, app):
        self.http = app.server.test_client()
        self.calls = DashCallbacks(self.http.get("/_dash-dependencies").get_json())
        self.checked = Checked()

    def post(self, name: str, body: dict[str, Any]) -> tuple[float, int]:
        """(milliseconds, gzip bytes) of one callback."""
        started = time.perf_counter()
        response = self.http.post(UPDATE_URL, json=body, headers={"Accept-Encoding": "gzip"})
        elapsed = (time.perf_counter() - started) * 1000
        data = response.data
        raw = gzip.decompress(data) if response.headers.get("Content-Encoding") == "gzip" else data
        self.checked.responses += 1
        if response.status_code not in (200, 204):
            self.checked.errors.append(f"{name}: HTTP {response.status_code}")
        elif raw:
            decoded = json.loads(raw)
            self.checked.geometry_bytes += geometry_bytes(decoded)
            if "sideUpdate" in decoded and "app-error" in decoded["sideUpdate"]:
                self.checked.errors.append(
                    f"{name}: {decoded['sideUpdate']['app-error'].get('children')}")
        return elapsed, len(data)


def explorer_searches(n_areas: int, seed: int) -> dict[str, dict[str, list[str]]]:
    """Drill-downs (Perú, regions, provinces, districts) and filters (national, within a
    region, amounts, text), as URL searches by group."""
    rng = random.Random(seed)
    regions = [a["ubigeo"] for a in areas.children(None)]
    provinces = [p["ubigeo"] for r in regions for p in areas.children(r)]
    chosen = rng.sample(provinces, min(n_areas, len(provinces)))
    districts = [d["ubigeo"] for p in chosen for d in areas.children(p)]
    options = explorer.filter_options()
    low, high = options["year_min"], options["year_max"]
    national = [Filters(status=(s,)) for s in ("en_ejecucion", "paralizada", "finalizada",
                                               "sin_ejecucion")]
    national += [Filters(sector=(s,)) for s in options["sector"][:5]]
    national += [Filters(government_level=(g,)) for g in options["government_level"]]
    national += [Filters(year_min=y, year_max=y) for y in range(low, high + 1, 3)]
    national += [Filters(status=("paralizada",), sector=(s,)) for s in options["sector"][:3]]

    def search(f: Filters) -> str:
        query = urlencode(f.to_query(), doseq=True)
        return f"?{query}" if query else ""

    def areas_of(codes: list[str]) -> list[str]:
        return [f"?area={u}" for u in codes]

    return {
        "drilldown": {"Perú": [""], "región": areas_of(regions), "provincia": areas_of(chosen),
                      "distrito": areas_of(rng.sample(districts, min(n_areas, len(districts))))},
        "filter": {
            "nacional": [search(f) for f in national],
            "en una región": [search(f.with_area(rng.choice(regions))) for f in national[:12]],
            "monto (S/ >= 1 M)": [search(Filters(amount_min=1e6, area=a))
                                  for a in [None, *rng.sample(regions, 4)]],
            "texto": [search(Filters(q=q)) for q in ("puente", "colegio", "saneamiento",
                                                     "pista")]},
    }


def places(n: int, seed: int) -> list[nearby.Place]:
    """Where citizens search from: half at a random work (towns), half at district capitals."""
    with db.read_engine().connect() as conn:
        works = conn.execute(sa.text(
            "SELECT ST_X(geom), ST_Y(geom) FROM work TABLESAMPLE SYSTEM (5) "
            "WHERE geom IS NOT NULL LIMIT 5000")).all()
        capitals = conn.execute(sa.text(
            "SELECT ST_X(capital_point), ST_Y(capital_point) FROM area "
            "WHERE level = 3 AND capital_point IS NOT NULL")).all()
    rng = random.Random(seed)
    pool = [rng.choice(works) if i % 2 and works else rng.choice(capitals) for i in range(n)]
    return [nearby.Place(float(x), float(y), "prueba") for x, y in pool]


def work_codes(n: int, seed: int) -> list[int]:
    with db.read_engine().connect() as conn:
        codes = list(conn.execute(sa.text("SELECT infobras_code FROM work")).scalars())
    return random.Random(seed).sample(codes, min(n, len(codes)))


def entity_ids(n: int, seed: int) -> dict[str, list[str]]:
    """Entities for /entidad/<id> by group: the n // 6 with most works (the heaviest pages: a
    national programme's thousands of works) and the rest at random; empty when the entity
    table is absent or empty."""
    with db.read_engine().connect() as conn:
        if conn.execute(sa.text("SELECT to_regclass('entity')")).scalar() is None:
            return {}
        ids = list(conn.execute(sa.text("SELECT id FROM entity ORDER BY id")).scalars())
        busiest = list(conn.execute(sa.text(
            "SELECT entity_id FROM work WHERE entity_id IS NOT NULL GROUP BY entity_id "
            "ORDER BY count(*) DESC, entity_id LIMIT :n"), {"n": n // 6}).scalars())
    rest = sorted(set(ids) - set(busiest))
    chosen = random.Random(seed).sample(rest, min(n - len(busiest), len(rest)))
    return {group: found for group, found in (("con más obras", busiest), ("al azar", chosen))
            if found}


def entity_page_exists() -> bool:
    return importlib.util.find_spec("dashboard.pages.entidad") is not None


def ranking_searches(seed: int) -> list[str]:
    """The ranking of entities as people read it: all, by level, by level and band, by
    region, sorted by other columns, later pages."""
    rng = random.Random(seed)
    regions = [a["ubigeo"] for a in areas.children(None)]
    cases = ["", "?pagina=3", "?orden=works", "?orden=per_inhabitant&dir=asc",
             "?orden=name&dir=asc"]
    cases += [f"?nivel={level}" for level in ("distrital", "provincial", "regional",
                                               "nacional")]
    cases += [f"?nivel=distrital&banda={b}" for b in (0, 1, 2)]
    cases += [f"?region={r}" for r in rng.sample(regions, min(6, len(regions)))]
    cases += [f"?nivel=distrital&region={r}&orden=investment" for r in regions[:4]]
    return cases


def alert_searches(seed: int) -> list[tuple[str, int, list[dict]]]:
    """The alerts table as officials use it: all, per region and province, per rule and
    severity, sorted by other columns, later pages."""
    rng = random.Random(seed)
    regions = [a["ubigeo"] for a in areas.children(None)]
    provinces = [p["ubigeo"] for r in rng.sample(regions, 4) for p in areas.children(r)][:6]
    by = [{"column_id": c, "direction": d} for c, d in (
        ("amount_at_risk", "desc"), ("severity", "desc"), ("work_name", "asc"))]
    cases = [("", 0, by[0]), ("", 3, by[0]), ("", 0, by[1]), ("", 0, by[2])]
    cases += [(f"?area={r}", 0, by[0]) for r in regions[:10]]
    cases += [(f"?area={p}", 0, by[0]) for p in provinces]
    cases += [(f"?rule={r}", 0, by[0]) for r in ("paralizada", "sobrecosto", "retrasada")]
    cases += [("?severity=alta", 0, by[0]), ("?severity=alta&area=15", 1, by[1]),
              ("?state=no_calculable", 0, by[0])]
    return [(s, page, [sort]) for s, page, sort in cases]


def cold_and_warm(client: Client, name: str,
                  bodies: Iterable[dict[str, Any]] | Mapping[str, Iterable[dict[str, Any]]],
                  sizes: list[int] | None = None) -> dict[str, Any]:
    """Each body first (a pass over all of them, cache emptied), then cold (cache emptied)
    and warm; gzip sizes of the cold answers into `sizes`. Bodies given by group also get
    each group's figures ("by")."""
    groups = bodies if isinstance(bodies, Mapping) else {"": bodies}
    groups = {group: list(members) for group, members in groups.items()}
    first: list[float] = []
    for members in groups.values():
        for body in members:
            cache.clear()
            first.append(client.post(name, body)[0])
    cold: list[float] = []
    warm: list[float] = []
    by = {}
    for group, members in groups.items():
        start = len(cold)
        for body in members:
            cache.clear()
            elapsed, size = client.post(name, body)
            cold.append(elapsed)
            if sizes is not None:
                sizes.append(size)
            warm.append(client.post(name, body)[0])
        by[group] = {"cold": stats(cold[start:]), "warm": stats(warm[start:])}
    result: dict[str, Any] = {"first": stats(first), "cold": stats(cold), "warm": stats(warm)}
    if isinstance(bodies, Mapping):
        result["by"] = by
    return result


def near_me_query(points: list[nearby.Place]) -> dict[str, float]:
    """queries.nearby.nearby at the default radius (no cache in front of it)."""
    for place in points[:10]:  # the pool, the plan cache
        nearby.nearby(place, nearby.DEFAULT_RADIUS_KM)
    return stats([_timed(lambda p=p: nearby.nearby(p, nearby.DEFAULT_RADIUS_KM))
                  for p in points])


def _timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def measure(app, n_areas: int = 30, runs: int = 100, seed: int = 1) -> dict[str, Any]:
    """Every callback's cold/warm timings, the near-me query, drill-down sizes and the
    geometry check on the database in DATABASE_URL."""
    with app.server.app_context():
        client = Client(app)
        calls = client.calls
        client.post("warm-up", calls.explorer(""))
        searches = explorer_searches(n_areas, seed)
        drill_sizes: list[int] = []
        points = places(runs, seed)
        near = [calls.near_me(f"?lat={p.lat:.3f}&lon={p.lon:.3f}&r={nearby.DEFAULT_RADIUS_KM}")
                for p in points]
        result = {
            "explorer_drilldown": cold_and_warm(client, "drill-down", {
                group: [calls.explorer(s) for s in found]
                for group, found in searches["drilldown"].items()}, drill_sizes),
            "explorer_filter": cold_and_warm(client, "filtro", {
                group: [calls.explorer(s) for s in found]
                for group, found in searches["filter"].items()}),
            "near_me_callback": cold_and_warm(client, "cerca", near),
            "near_me_query": near_me_query(points),
            "work_page": cold_and_warm(client, "obra", (
                calls.page(f"/obra/{c}") for c in work_codes(n_areas, seed))),
            "alerts_table": cold_and_warm(client, "alertas", (
                calls.alerts_table(s, page, sort_by=sort)
                for s, page, sort in alert_searches(seed))),
        }
        if importlib.util.find_spec("dashboard.pages.entidades") is not None:
            result["entity_ranking"] = cold_and_warm(client, "entidades", (
                calls.page("/entidades", search) for search in ranking_searches(seed)))
        entities = entity_ids(n_areas, seed) if entity_page_exists() else {}
        if entities:    # else the entity page's target says SIN MEDIR
            result["entity_page"] = cold_and_warm(client, "entidad", {
                group: [calls.page(f"/entidad/{quote(e, safe='')}") for e in found]
                for group, found in entities.items()})
    result["drilldown_bytes"] = {"n": len(drill_sizes),
                                 "p50_gzip": int(statistics.median(drill_sizes)),
                                 "max_gzip": max(drill_sizes)}
    result["checked"] = {"responses": client.checked.responses,
                         "geometry_bytes": client.checked.geometry_bytes,
                         "errors": client.checked.errors[:20]}
    return result
