"""The "Datos" page: sources and dates, loads, coverage per region, quarantine and why."""

from __future__ import annotations

import pytest
from dash import html

from queries import data_sources
from tests.officials_support import QUARANTINED, SOURCE_DATE, WORKS

pytest_plugins = ["tests.officials_support"]
pytestmark = pytest.mark.db
LOADER = "prueba-oficiales"


def _walk(component):
    yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if child is not None and not isinstance(child, str | int | float):
            yield from _walk(child)


def _texts(component) -> list[str]:
    out = []
    for node in _walk(component):
        children = getattr(node, "children", None)
        for child in children if isinstance(children, list | tuple) else [children]:
            if isinstance(child, str):
                out.append(child)
    return out


def test_quarantine_report_counts_rows_per_loader_and_reason(officials_works):
    report = data_sources.quarantine_report()
    mine = {(r["loader"], r["reason_code"]): r for r in report["summary"]
            if r["loader"] == LOADER}
    assert {code: r["rows"] for (_, code), r in mine.items()} == {
        "ubigeo_not_found": 1, "bad_amount": 1}
    example = next(e for e in report["examples"]
                   if e["loader"] == LOADER and e["reason_code"] == "ubigeo_not_found")
    assert example["raw"] == QUARANTINED[0][3] and example["row_number"] == QUARANTINED[0][0]


def test_runs_dates_and_coverage(officials_works, names):
    run = next(r for r in data_sources.latest_runs() if r["loader"] == LOADER)
    assert run["source_date"] == SOURCE_DATE
    assert (run["loaded"], run["quarantined"]) == (len(WORKS), len(QUARANTINED))
    assert data_sources.data_date() is not None
    coverage = {r["ubigeo"]: r for r in data_sources.coverage()}
    assert set(coverage) == {code for code in names if len(code) == 2}
    cusco = coverage["08"]
    assert cusco["works"] >= 2
    assert cusco["surveyed_pct"] == pytest.approx(100 * cusco["surveyed"] / cusco["works"])


def test_page_shows_quarantine_counts_and_escapes_raw_text(pages, officials_works):
    datos = pages.datos
    page = datos.layout()
    texts = _texts(page)
    assert any("filas no se cargaron" in t for t in texts)
    summaries = [t for t in texts if t.startswith(f"{LOADER} · ")]
    assert any("ubigeo_not_found: 1 fila " in t for t in summaries)
    raw = [node for node in _walk(page) if isinstance(node, html.Code)
           and "<script>" in str(node.children)]
    assert raw, "the quarantined row is shown as text inside <code>"
    assert not any(getattr(node, "dangerously_allow_html", False) for node in _walk(page))
    assert any("Con coordenadas levantadas" in t for t in texts)
    assert any(t == "Atribución y licencias" for t in texts)
