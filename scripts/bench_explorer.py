"""Time the explorer's callbacks, server side, on the database in DATABASE_URL.

    python -m scripts.bench_explorer [--areas 30] [--seed 1] [--browser]

`render` (what every drill-down and filter ends in: sums, works, figures, the map's Patch,
serialised as Dash sends them) is timed for drill-downs (Perú, regions, provinces,
districts) and filters (status, sector, years, government level, amounts, text), cold (the
shared cache emptied before each call: every query runs) and warm (the same view again).
`navigate` (controls and clicks -> URL) is timed too. With --browser, Chromium loads the
first view and the bytes transferred are summed (Dash/Plotly bundles apart).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Callable

from dash._utils import to_json

from dashboard.app import app
from dashboard.cache import cache
from dashboard.explorer_state import ExplorerState
from dashboard.pages.explorer import after_click, rendered, state_from_controls
from layers import choropleth as chm
from queries import areas, explorer
from queries.filters import Filters

WIDTH, HEIGHT = 1100, 560


def render_once(state: ExplorerState) -> int:
    """The render callback's work for a state; the size of what it sends."""
    out = rendered(state, WIDTH, HEIGHT)
    return len(to_json(out))


def scenarios(n_areas: int, seed: int) -> dict[str, list[ExplorerState]]:
    rng = random.Random(seed)
    regions = [a["ubigeo"] for a in areas.children(None)]
    provinces = [p["ubigeo"] for r in regions for p in areas.children(r)]
    districts = [d["ubigeo"] for p in rng.sample(provinces, min(n_areas, len(provinces)))
                 for d in areas.children(p)]
    options = explorer.filter_options()
    years = (options["year_min"], options["year_max"])
    sectors = options["sector"][:5]
    filters = [Filters(status=(s,)) for s in ("en_ejecucion", "paralizada", "finalizada",
                                              "sin_ejecucion")]
    filters += [Filters(sector=(s,)) for s in sectors]
    filters += [Filters(government_level=(g,)) for g in options["government_level"]]
    filters += [Filters(year_min=y, year_max=y) for y in range(years[0], years[1] + 1, 3)]
    filters += [Filters(status=("paralizada",), sector=(s,)) for s in sectors[:3]]
    region_filters = [f.with_area(rng.choice(regions)) for f in filters]
    return {
        "drill: Perú": [ExplorerState()],
        "drill: región": [ExplorerState(Filters(area=r)) for r in regions],
        "drill: provincia": [ExplorerState(Filters(area=p))
                             for p in rng.sample(provinces, min(n_areas, len(provinces)))],
        "drill: distrito": [ExplorerState(Filters(area=d))
                            for d in rng.sample(districts, min(n_areas, len(districts)))],
        "filtro: nacional": [ExplorerState(f) for f in filters],
        "filtro: en una región": [ExplorerState(f) for f in region_filters],
        "filtro: monto (S/ >= 1 M)": [ExplorerState(Filters(amount_min=1e6, area=a))
                                       for a in [None, *rng.sample(regions, 4)]],
        "filtro: texto": [ExplorerState(Filters(q=q)) for q in ("puente", "colegio",
                                                                "saneamiento", "pista")],
        "métrica: alertas": [ExplorerState(Filters(area=r), "alerts") for r in regions[:8]],
    }


def timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(name: str, cold: list[float], warm: list[float]) -> None:
    print(f"{name:28s} n={len(cold):3d}  sin caché p50 {statistics.median(cold):6.1f} "
          f"p95 {pct(cold, 0.95):6.1f} ms   con caché p50 {statistics.median(warm):5.1f} "
          f"p95 {pct(warm, 0.95):5.1f} ms")


def bench_callbacks(n_areas: int, seed: int) -> None:
    with app.server.app_context():
        render_once(ExplorerState())  # connections, imports
        all_cold, all_warm, sizes = [], [], []
        for name, states in scenarios(n_areas, seed).items():
            cold, warm = [], []
            for state in states:
                cache.clear()
                cold.append(timed(lambda s=state: sizes.append(render_once(s))))
                warm.append(timed(lambda s=state: render_once(s)))
            report(name, cold, warm)
            all_cold += cold
            all_warm += warm
        report("render: todas", all_cold, all_warm)
        print(f"respuesta de render: mediana {statistics.median(sizes) / 1024:.1f} KiB "
              f"(máx. {max(sizes) / 1024:.1f} KiB, sin comprimir)")
    bounds = [2008, 2026]
    controls = {"metric": "investment", "per_capita": ["hab"], "status": ["paralizada"],
                "government_level": [], "sector": [], "modality": [], "years": bounds,
                "amount_min": None, "amount_max": None, "q": ""}
    click = {"points": [{"curveNumber": chm.VALUES, "location": "08"}]}
    navigate = [timed(lambda: (state_from_controls("08", controls, bounds).to_search(),
                               after_click(ExplorerState(), "map", click).to_search()))
                for _ in range(200)]
    print(f"navigate (controles/clic -> URL)  p50 {statistics.median(navigate):.2f} "
          f"p95 {pct(navigate, 0.95):.2f} ms")


def first_view_bytes() -> None:
    """Serve the app, load "/" in Chromium, sum the transferred bytes by kind."""
    import tempfile
    import threading

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", f"--user-data-dir={tempfile.mkdtemp()}",
                 "--window-size=1440,900"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        driver.get(f"http://127.0.0.1:{server.server_port}/")
        time.sleep(8)
        entries = driver.execute_script(
            "return performance.getEntriesByType('navigation').concat("
            "performance.getEntriesByType('resource')).map(function(e) {"
            "return [e.name, e.transferSize, e.decodedBodySize]; });")
    finally:
        driver.quit()
        server.shutdown()
    groups: dict[str, list[int]] = {}
    for url, transferred, decoded in entries:
        kind = ("bundles Dash/Plotly" if "/_dash-component-suites/" in url else
                "geojson" if "/geo/" in url else
                "callbacks" if "_dash-update-component" in url else "html, css, layout")
        groups.setdefault(kind, [0, 0])
        groups[kind][0] += transferred
        groups[kind][1] += decoded
    for kind, (transferred, decoded) in sorted(groups.items()):
        print(f"primera vista {kind:22s} {transferred / 1024:8.1f} KiB transferidos "
              f"({decoded / 1024:.1f} KiB sin comprimir)")
    own = sum(t for k, (t, _) in groups.items() if k != "bundles Dash/Plotly")
    print(f"primera vista sin bundles: {own / 1024:.1f} KiB; "
          f"total: {sum(t for t, _ in groups.values()) / 1024:.1f} KiB")
    print(json.dumps({"requests": len(entries)}))


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench_explorer")
    parser.add_argument("--areas", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--browser", action="store_true", help="medir la primera vista")
    args = parser.parse_args()
    bench_callbacks(args.areas, args.seed)
    if args.browser:
        first_view_bytes()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
