"""The benchmark (`make bench`): load time, alerts recompute, callback server times, bytes of
a first view (by kind: JS, CSS, JSON, GeoJSON, fonts, images) and of a drill-down, the time
to a usable map on an emulated mid-range phone over slow 4G, first and repeat visit
(scripts/bench_browser.py says what "usable" means), and how each grows with the data, on the
seeded national dataset at several sizes.

    python -m scripts.bench [--sizes 50000,200000,1000000] [--seed 42] [--reload]
                            [--areas 30] [--runs 100] [--no-browser]
    python -m scripts.bench --compare bench/results/A.json bench/results/B.json

At every size `make load` loads all the sources around the works (the generator's defaults):
at 200k works that is the multi-source size of issue 12, with 250k MEF investments, 100k
procurement processes with their bidders and 10k control reports; each source's load, the
relink (geodata.links), the entity page (/entidad/<id>) and the ranking of entities
(/entidades) are timed.

Each size has its database, mirador_bench_<n>, on the server of DATABASE_URL (default: the
local PostgreSQL); a database already loaded with the same size and seed is reused with its
recorded load times (--reload loads it again). Results go to bench/results/<timestamp>.json.
The targets are stated for 200k works on a 2-core machine; with fewer sizes they are checked
on the largest one measured, and the line says so.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts import bench_load

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_SIZES = (50_000, 200_000, 1_000_000)
TARGET_SIZE = 200_000


@dataclass(frozen=True)
class Target:
    name: str
    path: str          # where the value is in a size's results
    limit: float
    unit: str


TARGETS = (
    Target("drill-down del explorador p95 (sin caché)", "callbacks.explorer_drilldown.cold.p95",
           50, "ms"),
    Target("filtro del explorador p95 (sin caché)", "callbacks.explorer_filter.cold.p95",
           50, "ms"),
    Target("cerca de mí: consulta p95", "callbacks.near_me_query.p95", 20, "ms"),
    Target("cerca de mí: callback p95", "callbacks.near_me_callback.cold.p95", 20, "ms"),
    Target("primera vista sin bundles Dash/Plotly (comprimida)",
           "first_view.beyond_bundles_gzip", 500 * 1024, "B"),
    Target("primera vista: JavaScript (comprimido)", "first_view.by_type.js.gzip", 900 * 1024, "B"),
    Target("teléfono, 4G lenta: mapa usable en la 1.ª visita", "phone.first.usable_ms", 5000,
           "ms"),
    Target("teléfono, 4G lenta: mapa usable en una visita repetida", "phone.repeat.usable_ms",
           2000, "ms"),
    Target("geometría de límites en callbacks", "geometry_bytes", 0, "B"),
    Target("obra /obra/<código> p95 (sin caché)", "callbacks.work_page.cold.p95", 50, "ms"),
    Target("entidad /entidad/<id> p95 (sin caché)", "callbacks.entity_page.cold.p95", 50, "ms"),
    Target("ranking de entidades /entidades p95 (sin caché)",
           "callbacks.entity_ranking.cold.p95", 50, "ms"),
    Target("carga multi-fuente (MEF + SEACE + CGR + enlaces)", "sources_load_seconds", 180, "s"),
    Target("recálculo de todas las reglas de alerta", "alerts_recompute.seconds", 60, "s"),
    Target("tabla de alertas p95 (sin caché)", "callbacks.alerts_table.cold.p95", 50, "ms"),
)
# The loads of the sources around the works (`make load` steps, by module) and the relink.
SOURCE_STEPS = ("mef", "seace", "cgr", "links")
# What the growth table follows (ratio to the smallest size).
GROWTH = {
    "carga (s)": "load_seconds", "alertas (s)": "alerts_seconds",
    "drill-down p95 sin caché (ms)": "callbacks.explorer_drilldown.cold.p95",
    "drill-down p95 con caché (ms)": "callbacks.explorer_drilldown.warm.p95",
    "filtro p95 sin caché (ms)": "callbacks.explorer_filter.cold.p95",
    "cerca de mí consulta p95 (ms)": "callbacks.near_me_query.p95",
    "cerca de mí callback p95 (ms)": "callbacks.near_me_callback.cold.p95",
    "obra /obra/<código> p95 sin caché (ms)": "callbacks.work_page.cold.p95",
    "entidad /entidad/<id> p95 sin caché (ms)": "callbacks.entity_page.cold.p95",
    "ranking /entidades p95 sin caché (ms)": "callbacks.entity_ranking.cold.p95",
    "carga de fuentes y enlaces (s)": "sources_load_seconds",
    "tabla de alertas p95 sin caché (ms)": "callbacks.alerts_table.cold.p95",
    "respuesta de drill-down mediana (B gzip)": "callbacks.drilldown_bytes.p50_gzip",
    "primera vista sin bundles (B comprimidos)": "first_view.beyond_bundles_gzip",
    "teléfono: mapa usable, 1.ª visita (ms)": "phone.first.usable_ms",
    "teléfono: mapa interactivo, 1.ª visita (ms)": "phone.first.interactive_ms",
}


def lookup(results: dict[str, Any], path: str) -> Any:
    """results["a"]["b"] for "a.b"; None when absent."""
    value: Any = results
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def flatten(results: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, float]]:
    """Every numeric leaf as ("a.b.c", value)."""
    for key, value in results.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from flatten(value, f"{path}.")
        elif isinstance(value, int | float) and not isinstance(value, bool):
            yield path, float(value)


def growth(sizes: dict[str, dict[str, Any]]) -> dict[str, dict[str, float | None]]:
    """Each followed figure's ratio to its value at the smallest size."""
    ordered = sorted(sizes, key=int)
    table: dict[str, dict[str, float | None]] = {}
    for label, path in GROWTH.items():
        base = lookup(sizes[ordered[0]], path) if ordered else None
        table[label] = {n: (round(lookup(sizes[n], path) / base, 2)
                            if base and lookup(sizes[n], path) is not None else None)
                        for n in ordered}
    return table


def check_targets(sizes: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Each target on 200k works when measured, else on the largest size measured."""
    if not sizes:
        return []
    size = str(TARGET_SIZE) if str(TARGET_SIZE) in sizes else max(sizes, key=int)
    checks = []
    for target in TARGETS:
        value = lookup(sizes[size], target.path)
        checks.append({"target": target.name, "size": int(size), "value": value,
                       "limit": target.limit, "unit": target.unit,
                       "pass": value is not None and value <= target.limit})
    return checks


def bench_size(works: int, seed: int, reload: bool, n_areas: int, runs: int,
               browser: bool) -> dict[str, Any]:
    """Load (or reuse) one size's database and measure it."""
    from queries import db

    print(f"\n== {works:,} obras ==", flush=True)
    loaded = bench_load.load(works, seed, reload)
    os.environ["DATABASE_URL"] = loaded.url
    os.environ.pop("DATABASE_READ_URL", None)
    db.reset_engines()
    record = loaded.record
    print(f"base {loaded.url.rsplit('/', 1)[-1]} "
          f"{'reutilizada' if loaded.reused else 'cargada'}: carga {record['load_seconds']:.1f} s "
          f"({', '.join(f'{k} {v:.1f}' for k, v in record['load_steps'].items())}), "
          f"alertas {record['alerts_seconds']:.1f} s", flush=True)
    # Every rule recomputed on the loaded database, timed step by step (the load's own
    # recompute ran with the code of its day: a reused database is timed again here).
    recompute = bench_load.recompute_alerts_steps(loaded.url)
    from dashboard.app import app
    from scripts import bench_callbacks

    callbacks = bench_callbacks.measure(app, n_areas, runs)
    steps = record["load_steps"]
    result = {"works_requested": works, "works_loaded": bench_load.works_count(loaded.url),
              "reused": loaded.reused, **{k: record[k] for k in (
                  "load_seconds", "load_steps", "alerts_seconds", "analyze_seconds",
                  "generate_seconds", "loaded_at")},
              "sources_load_seconds": (round(sum(steps[s] for s in SOURCE_STEPS if s in steps),
                                             2) if any(s in steps for s in SOURCE_STEPS)
                                       else None),
              "source_rows": bench_load.source_counts(loaded.url),
              "alerts_recompute": recompute, "callbacks": callbacks}
    geometry = callbacks["checked"]["geometry_bytes"]
    if browser:
        from scripts.bench_browser import first_view, phone_visits

        result["first_view"] = first_view(app)
        result["phone"] = phone_visits(app)
        geometry += result["first_view"]["geometry_bytes"]
    result["geometry_bytes"] = geometry
    print_size(result)
    return result


def print_size(result: dict[str, Any]) -> None:
    c = result["callbacks"]
    print(f"{result['works_loaded']:,} obras cargadas")
    rows = result.get("source_rows") or {}
    print("  fuentes: " + ", ".join(f"{t} {n:,}" for t, n in rows.items() if n is not None))
    steps = result["load_steps"]
    if result.get("sources_load_seconds") is not None:
        print(f"  carga multi-fuente {result['sources_load_seconds']:.1f} s ("
              + ", ".join(f"{s} {steps[s]:.1f}" for s in SOURCE_STEPS if s in steps) + ")")
    if (recompute := result.get("alerts_recompute")) is not None:
        print(f"  recálculo de alertas {recompute['seconds']:.1f} s (por paso: "
              + ", ".join(f"{k} {v:.1f}" for k, v in recompute["steps"].items()) + ")")
    for name in ("explorer_drilldown", "explorer_filter", "near_me_callback", "work_page",
                 "entity_page", "entity_ranking", "alerts_table"):
        if name not in c:
            print(f"  {name:20s} SIN MEDIR (la página no existe o no hay entidades)")
            continue
        _print_timing(name, c[name])
        for group, figures in c[name].get("by", {}).items():
            _print_timing(f"  {group}", figures)
    q = c["near_me_query"]
    print(f"  {'near_me_query':20s} n={q['n']:3d}  p50 {q['p50']:.1f}  p95 {q['p95']:.1f} ms")
    b = c["drilldown_bytes"]
    print(f"  respuesta de drill-down: mediana {b['p50_gzip'] / 1024:.1f} KiB gzip "
          f"(máx. {b['max_gzip'] / 1024:.1f} KiB)")
    if "first_view" in result:
        fv = result["first_view"]
        for kind, g in sorted(fv["groups"].items()):
            print(f"  primera vista {kind:28s} {g['requests']:3d} pedidos "
                  f"{g['gzip'] / 1024:8.1f} KiB por la red ({g['raw'] / 1024:8.1f} KiB)")
        print(f"  primera vista sin bundles: {fv['beyond_bundles_gzip'] / 1024:.1f} KiB por la red")
        print("  primera vista por tipo: " + ", ".join(
            f"{kind} {g['gzip'] / 1024:.1f} KiB" for kind, g in sorted(fv["by_type"].items())))
    if "phone" in result:
        for visit, label in (("first", "1.ª visita"), ("repeat", "visita repetida")):
            v = result["phone"][visit]
            usable, interactive = (
                "—" if v[k] is None else f"{v[k] / 1000:.2f} s"
                for k in ("usable_ms", "interactive_ms"))
            print(f"  teléfono 4G lenta, {label:15s}: mapa usable en {usable} (vista previa "
                  f"en el HTML), interactivo en {interactive}; "
                  f"{v['transfer'] / 1024:.1f} KiB por la red, {v['from_cache']} de "
                  f"{v['requests']} pedidos desde la caché")
        print(f"  (carga media de la máquina al medir: {result['phone']['load_average']}; "
              "la CPU emulada es 4 veces más lenta que la real)")
    print(f"  respuestas revisadas: {c['checked']['responses']}, geometría de límites: "
          f"{result['geometry_bytes']} B; errores: {len(c['checked']['errors'])}")
    for line in c["checked"]["errors"]:
        print(f"    {line}")


def _print_timing(name: str, figures: dict[str, dict[str, float]]) -> None:
    cold, warm = figures["cold"], figures["warm"]
    first = f"   1.ª pasada p95 {figures['first']['p95']:6.1f}" if "first" in figures else ""
    print(f"  {name:20s} n={cold['n']:3d}  sin caché p50 {cold['p50']:7.1f}  "
          f"p95 {cold['p95']:7.1f} ms   con caché p50 {warm['p50']:6.1f}  "
          f"p95 {warm['p95']:6.1f} ms{first}")


def print_summary(report: dict[str, Any]) -> None:
    sizes = sorted(report["sizes"], key=int)
    print("\n== crecimiento (proporción respecto de la menor) ==")
    print(f"  {'':42s}" + "".join(f"{int(n):>12,}" for n in sizes))
    for label, ratios in report["growth"].items():
        print(f"  {label:42s}" + "".join(
            f"{'—' if ratios[n] is None else f'×{ratios[n]:.2f}':>12s}" for n in sizes))
    print("\n== objetivos ==")
    for check in report["targets"]:
        where = ("" if check["size"] == TARGET_SIZE else
                 f" [medido con {check['size']:,} obras; el objetivo es para {TARGET_SIZE:,}]")
        value = "—" if check["value"] is None else f"{check['value']:,.1f}"
        verdict = ("SIN MEDIR" if check["value"] is None else  # --no-browser, say
                   "PASS" if check["pass"] else "FAIL")
        print(f"  {verdict}  {check['target']}: {value} "
              f"{check['unit']} (límite {check['limit']:,.0f} {check['unit']}){where}")


def compare(a_path: Path, b_path: Path) -> int:
    """Print every figure of two result files side by side with the change."""
    a, b = (json.loads(p.read_text(encoding="utf-8")) for p in (a_path, b_path))
    print(f"A = {a_path.name} ({a.get('started')})\nB = {b_path.name} ({b.get('started')})")
    left, right = dict(flatten(a.get("sizes", {}))), dict(flatten(b.get("sizes", {})))
    print(f"{'':60s}{'A':>12s}{'B':>12s}{'B/A':>9s}")
    for path in sorted(set(left) | set(right), key=lambda p: (int(p.split('.')[0]), p)):
        va, vb = left.get(path), right.get(path)
        ratio = f"×{vb / va:.2f}" if va and vb is not None else ""
        show = [("—" if v is None else f"{v:,.1f}") for v in (va, vb)]
        print(f"{path:60s}{show[0]:>12s}{show[1]:>12s}{ratio:>9s}")
    for name, data in (("A", a), ("B", b)):
        failed = [t["target"] for t in data.get("targets", []) if not t["pass"]]
        print(f"objetivos no cumplidos en {name}: {', '.join(failed) or 'ninguno'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                        help="obras por tamaño, separadas por comas")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--reload", action="store_true", help="volver a cargar cada base")
    parser.add_argument("--areas", type=int, default=30, help="áreas por nivel y obras")
    parser.add_argument("--runs", type=int, default=100, help="búsquedas de cerca de mí")
    parser.add_argument("--no-browser", action="store_true", help="sin la primera vista")
    parser.add_argument("--out", type=Path, default=None, help="archivo JSON de resultados")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("A.json", "B.json"))
    args = parser.parse_args(argv)
    if args.compare:
        return compare(*args.compare)
    sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    started = time.strftime("%Y%m%dT%H%M%S")
    report: dict[str, Any] = {
        "started": started, "seed": args.seed,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "sizes": {}}
    for works in sizes:
        report["sizes"][str(works)] = bench_size(works, args.seed, args.reload, args.areas,
                                                 args.runs, not args.no_browser)
    report["growth"] = growth(report["sizes"])
    report["targets"] = check_targets(report["sizes"])
    out = args.out or RESULTS / f"{started}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    print_summary(report)
    print(f"\nresultados: {out}")
    return 0 if all(t["pass"] for t in report["targets"]) else 1


if __name__ == "__main__":
    sys.exit(main())
