"""The benchmark's and the load test's own logic: the geometry check, percentiles, growth and
targets, --compare, reusing a loaded database, the callback payloads the browser would send,
and the ramp's search for the users a server holds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from scripts import bench, bench_load, loadtest
from scripts.bench_callbacks import pct, stats
from scripts.dash_calls import UPDATE_URL, DashCallbacks, geometry_bytes

SQUARE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}


def test_geometry_bytes_finds_boundaries_anywhere() -> None:
    assert geometry_bytes(SQUARE) == len(json.dumps(SQUARE, separators=(",", ":")))
    figure = {"data": [{"type": "choroplethmap", "geojson": "/geo/3/1/08.json",
                        "locations": ["08"], "z": [1.5]},
                       {"type": "scattermap", "lat": [-12.0], "lon": [-77.0]}]}
    assert geometry_bytes(figure) == 0                       # a URL and points: nothing
    figure["data"][0]["geojson"] = {"type": "FeatureCollection",
                                    "features": [{"type": "Feature", "geometry": SQUARE}]}
    assert geometry_bytes(figure) > geometry_bytes(SQUARE)  # inlined boundaries: counted
    assert geometry_bytes([{"patch": [{"value": {"coordinates": [[1, 2]]}}]}]) > 0


def test_percentiles_by_nearest_rank() -> None:
    values = [float(v) for v in range(1, 21)]
    assert pct(values, 0.95) == 19
    assert pct(values, 0.5) == 10
    assert pct([7.0], 0.95) == 7
    assert stats([3.0, 1.0, 2.0]) == {"n": 3, "p50": 2.0, "p95": 3.0, "max": 3.0}


def _size(drill_p95: float, first_view: int) -> dict:
    return {"load_seconds": drill_p95 / 10, "geometry_bytes": 0,
            "callbacks": {"explorer_drilldown": {"cold": {"p95": drill_p95},
                                                 "warm": {"p95": 5.0}},
                          "explorer_filter": {"cold": {"p95": 40.0}},
                          "near_me_query": {"p95": 8.0},
                          "near_me_callback": {"cold": {"p95": 30.0}}},
            "first_view": {"beyond_bundles_gzip": first_view}}


def test_growth_and_targets_use_the_right_sizes() -> None:
    sizes = {"50000": _size(20.0, 50_000), "200000": _size(60.0, 52_000),
             "1000000": _size(300.0, 55_000)}
    table = bench.growth(sizes)
    assert table["drill-down p95 sin caché (ms)"] == {"50000": 1.0, "200000": 3.0,
                                                      "1000000": 15.0}
    assert table["alertas (s)"] == {"50000": None, "200000": None, "1000000": None}
    checks = {c["target"]: c for c in bench.check_targets(sizes)}
    drill = checks["drill-down del explorador p95 (sin caché)"]
    assert (drill["size"], drill["value"], drill["pass"]) == (200_000, 60.0, False)
    assert checks["filtro del explorador p95 (sin caché)"]["pass"]
    assert checks["cerca de mí: callback p95"]["pass"] is False
    assert checks["geometría de límites en callbacks"]["pass"]
    # Without 200k the largest size measured is checked.
    only_small = bench.check_targets({"50000": _size(20.0, 600 * 1024)})
    assert {c["size"] for c in only_small} == {50_000}
    assert not next(c for c in only_small if "primera vista" in c["target"])["pass"]


def test_compare_prints_both_values_and_the_ratio(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    for path, p95 in ((a, 40.0), (b, 60.0)):
        sizes = {"50000": _size(p95, 50_000)}
        path.write_text(json.dumps({"started": path.stem, "sizes": sizes,
                                    "targets": bench.check_targets(sizes)}))
    assert bench.main(["--compare", str(a), str(b)]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines()
                if x.startswith("50000.callbacks.explorer_drilldown.cold.p95"))
    assert line.split()[1:] == ["40.0", "60.0", "×1.50"]
    assert "objetivos no cumplidos en B: drill-down del explorador p95 (sin caché)" in out


@pytest.mark.db
def test_a_loaded_size_is_reused_unless_reload(database_url: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The record on the database says what was loaded: the same size, seed and Makefile
    commands are reused (nothing dropped or loaded); another seed, a changed `make load`
    or --reload is not."""
    commands = [["queries.migrate"], ["geodata.infobras", "x.xlsx", "--history", "h.csv"]]
    monkeypatch.setattr(bench_load, "bench_url", lambda works, base=None: database_url)
    monkeypatch.setattr(bench_load, "makefile_steps", lambda works, seed, out: commands)
    record = {"mark": bench_load.MARK, "works": 1234, "seed": 7, "commands": commands,
              "load_seconds": 1.5, "load_steps": {}, "alerts_seconds": 0.5}
    bench_load._record(database_url, record)
    assert bench_load.recorded(database_url) == record
    loaded = bench_load.load(1234, 7)
    assert loaded.reused and loaded.record == record

    def would_load(_url: str) -> None:
        raise AssertionError("loading again")

    monkeypatch.setattr(bench_load, "drop", would_load)
    for works, seed, reload in ((1234, 8, False), (1234, 7, True)):
        with pytest.raises(AssertionError, match="loading again"):
            bench_load.load(works, seed, reload)
    commands.append(["geodata.infobras", "--coords", "c.csv"])   # `make load` changed
    with pytest.raises(AssertionError, match="loading again"):
        bench_load.load(1234, 7)


def test_the_load_steps_are_the_makefiles(tmp_path: Path) -> None:
    """What `make load` runs for a size, without the install; the export it names is the
    one the generator writes (.csv above 300k works, .xlsx below)."""
    steps = bench_load.makefile_steps(1000, 5, tmp_path)
    modules = [s[0] for s in steps]
    assert modules[0] == "queries.migrate" and "pip" not in modules
    assert {"geodata.boundaries", "geodata.ubigeo", "geodata.demo",
            "geodata.infobras"} <= set(modules)
    generate = steps[modules.index("geodata.demo")]
    assert generate[generate.index("--works") + 1] == "1000"
    assert generate[generate.index("--out") + 1] == str(tmp_path)
    infobras = steps[modules.index("geodata.infobras")]
    assert str(tmp_path / f"{bench_load.EXPORT_STEM}.xlsx") in infobras
    big = bench_load.makefile_steps(400_000, 5, tmp_path)
    export = [s for s in big if s[0] == "geodata.infobras"][0]
    assert str(tmp_path / f"{bench_load.EXPORT_STEM}.csv") in export


@pytest.mark.db
def test_payloads_are_what_dash_accepts(national_areas: sa.Engine) -> None:
    """The payloads answer 200 with the callbacks' outputs, so the bench and the load test
    time the real work, not an error page."""
    from dashboard.app import app

    client = app.server.test_client()
    calls = DashCallbacks(client.get("/_dash-dependencies").get_json())
    expected = {
        "explorer": (calls.explorer("?area=08"), "explorar-map"),
        "near_me": (calls.near_me("?lat=-12.046&lon=-77.043&r=5"), "cerca-results"),
        "page": (calls.page("/alertas"), "_pages_content"),
        "alerts": (calls.alerts_table("?area=15"), "alertas-table"),
        "compare": (calls.compare(1, ["08", "15"]), "comparar-table"),
    }
    for name, (body, output) in expected.items():
        answer = client.post(UPDATE_URL, json=body)
        assert answer.status_code == 200, name
        decoded = answer.get_json()
        assert output in decoded["response"], name
        assert "sideUpdate" not in decoded, (name, decoded.get("sideUpdate"))
        assert geometry_bytes(decoded) == 0, name
    with pytest.raises(KeyError):
        calls.find("no-existe.children")


def _stage(users: int, p95: float, errors: float = 0.0) -> dict:
    return {"users": users, "requests": 100, "p95": p95, "errors": errors}


def test_ramp_finds_the_most_users_held() -> None:
    """Doubling until a stage fails, then bisecting: with a server that holds up to 37 users
    the answer is within 10 % below 37."""
    asked: list[int] = []

    def run(users: int) -> dict:
        asked.append(users)
        return _stage(users, 150.0 if users <= 37 else 400.0)

    held, stages = loadtest.ramp(run, 4, 2.0, 200.0, deadline=float("inf"))
    assert asked[:5] == [4, 8, 16, 32, 64]
    assert 34 <= held <= 37
    assert len(stages) == len(asked)
    held, _ = loadtest.ramp(lambda u: _stage(u, 100.0, errors=0.05), 4, 2.0, 200.0,
                            deadline=float("inf"))
    assert held == 0                                         # errors: not held


def test_summarise_counts_errors_per_kind() -> None:
    samples = [loadtest.Sample("a", float(ms), ok=ms != 5, error=None if ms != 5 else "HTTP 500")
               for ms in range(1, 11)]
    samples += [loadtest.Sample("b", 300.0, ok=True)]
    summary = loadtest.summarise(samples, seconds=2.0)
    assert summary["requests"] == 11 and summary["rps"] == 5.5
    assert summary["by"]["a"]["errors"] == 0.1 and summary["by"]["b"]["p95"] == 300.0
    assert summary["error_kinds"] == {"a: HTTP 500": 1}
    assert not loadtest.holds(summary, 200.0)                # 300 ms is the p95 of all 11
