"""A work's page (/obra/<código>): the query, the story's pure pieces, and the page for works
with and without coordinates, history and alerts, unknown and malformed codes."""

from __future__ import annotations

from datetime import date

import pytest
from dash import dcc, html

from layers import work_story as story
from queries import alerts as alerts_query
from queries.filters import FilterError
from queries.work_detail import parse_code, work_detail
from tests.citizen_data import (
    STORY_MONTHS,
    TOKEN,
    components,
    page_module,
    strings,
)

pytest_plugins = ["tests.citizen_support"]
pytestmark = pytest.mark.db


@pytest.fixture(scope="module")
def obra(citizen_app, citizen_works):
    with citizen_app.server.test_request_context("/obra/1"):
        yield page_module("obra")


def _text(component) -> str:
    return " ".join(strings(component))


# -- the query ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("raw", "message"), [
    ("", "Falta el código"), (None, "Falta el código"), ("abc", "no es un código INFObras"),
    ("12a", "no es un código"), ("-5", "no es un código"), ("1.5", "no es un código"),
    ("٣٤", "no es un código"), ("0", "fuera de rango"), ("9" * 30, "fuera de rango"),
])
def test_malformed_codes_are_explained(raw, message):
    with pytest.raises(FilterError, match=message):
        parse_code(raw)


def test_detail_has_names_history_and_load(citizen_works):
    work = work_detail(citizen_works["story"])
    assert work["district"] == "Huancayo" and work["region"] == "Junín"
    assert [p["month"] for p in work["history"]] == [m for m, _ in STORY_MONTHS]
    assert work["geom_source"] == "surveyed" and work["longitude"] is not None
    assert work_detail(citizen_works["no_point"])["history"] == []
    assert work_detail(1) is None


# -- the story's pieces (pure) ---------------------------------------------------------------
def test_paralysis_periods_join_consecutive_months():
    history = [{"month": date(2024, m, 1), "status": s} for m, s in
               ((1, "en_ejecucion"), (2, "paralizada"), (3, "paralizada"), (4, "en_ejecucion"),
                (11, "paralizada"), (12, "paralizada"))]
    assert story.paralysis_periods(history) == [(date(2024, 2, 1), date(2024, 4, 1)),
                                                (date(2024, 11, 1), date(2025, 1, 1))]


def test_cost_steps_from_technical_file_to_updated_cost():
    steps = story.cost_steps({"amount_technical_file": 1_000_000, "amount_contract": 1_100_000,
                              "amount_additional": 200_000, "amount_updated": 1_400_000})
    assert [(s.label, s.measure, s.value) for s in steps] == [
        ("Expediente técnico", "absolute", 1_000_000), ("Contrato", "relative", 100_000),
        ("Adicionales de obra", "relative", 200_000), ("Otras variaciones", "relative", 100_000),
        ("Costo actualizado", "total", 1_400_000)]
    assert story.cost_steps({"amount_updated": 5}) == []
    assert [s.label for s in story.cost_steps({"amount_contract": 10, "amount_updated": 10})] \
        == ["Contrato", "Costo actualizado"]
    fig = story.cost_waterfall(steps)
    assert list(fig.data[0].measure) == ["absolute", "relative", "relative", "relative", "total"]
    assert "+ S/ 200 000" in fig.data[0].y[2]


def test_progress_figure_shades_paralysis(citizen_works):
    history = work_detail(citizen_works["story"])["history"]
    fig = story.progress_figure(history)
    assert [t.name for t in fig.data] == ["Avance físico real", "Avance físico programado",
                                          "Avance financiero (gasto)"]
    shaded = [s for s in fig.layout.shapes if s.type == "rect"]
    assert [(s.x0, s.x1) for s in shaded] == [(date(2024, 3, 1), date(2024, 6, 1))]
    summary = " ".join(story.progress_summary(history))
    assert "Paralizada desde mar. 2024 durante 3 meses" in summary
    assert "puntos por debajo de lo programado" in summary


def test_sources_that_disagree_are_shown_side_by_side(citizen_works):
    work = work_detail(citizen_works["sources"])
    found = {c.label: c for c in story.source_comparisons(work)}
    progress = found["Avance físico"]
    assert not progress.agree
    assert [v[:2] for v in progress.values] == [("INFObras", "60,2 %"),
                                                ("Invierte.pe (MEF)", "71,3 %")]
    balance = found["Saldo de inversión"]
    assert balance.agree and balance.values[0][1] == "S/ 800 000"
    extra = dict(story.extra_fields(work))
    assert extra["Población afectada"] == "2109"
    assert "avance_fisico_por_fuente" not in extra


# -- the page --------------------------------------------------------------------------------
def test_story_page_has_every_section(obra, citizen_works):
    page = obra.layout(codigo=str(citizen_works["story"]))
    text = _text(page)
    for part in ("Obra zzciudadana con historia", "¿Cómo avanza?", "¿Cuánto cuesta?",
                 "¿Dónde está?", "¿Quién la hace?", "Alertas", "¿De dónde vienen los datos?",
                 "Reportes ciudadanos", "Reportar un problema", "2400001", "300001",
                 "Constructora <b>Andina</b> S.A.C.", "RUC 20123456786", "Supervisora Centro",
                 "S/ 1 400 000", "Saldo por ejecutar", "S/ 500 000",
                 "Ubicación registrada por la entidad"):
        assert part in text, part
    graphs = {c.id: c for c in components(page) if isinstance(c, dcc.Graph)}
    assert {"obra-progress", "obra-waterfall", "obra-map"} <= set(graphs)
    # The district outlines come by URL; the figure carries no geometry.
    assert "/geo/" in str(graphs["obra-map"].figure.data[0].geojson)
    assert not any(getattr(c, "dangerously_allow_html", False) for c in components(page))


def test_alerts_with_their_explanations(obra, citizen_works):
    code = citizen_works["story"]
    rows = [a for a in alerts_query.work_alerts(code) if a["state"] == "alerta"]
    assert {"sobrecosto", "adicionales"} <= {a["rule_code"] for a in rows}
    text = _text(obra.layout(codigo=str(code)))
    for a in rows:
        assert a["message"] in text
    assert "Reglas que no se pudieron evaluar" in text or all(
        a["state"] == "alerta" for a in alerts_query.work_alerts(code))


def test_work_without_coordinates_history_or_alerts_renders(obra, citizen_works):
    code = citizen_works["no_point"]
    page = obra.layout(codigo=str(code))
    text = _text(page)
    assert "Sin coordenadas: solo se conoce el distrito (Huancayo)" in text
    assert "no publica el avance mes a mes" in text
    assert "obra-progress" not in {c.id for c in components(page) if isinstance(c, dcc.Graph)}
    assert "Aún no hay reportes publicados" in text


def test_approximate_location_is_said(obra, citizen_works):
    text = _text(obra.layout(codigo=str(citizen_works["capital"])))
    assert "Ubicación aproximada" in text and "capital del distrito de Huancayo" in text


def test_source_page_shows_both_values_and_escapes(obra, citizen_works):
    page = obra.layout(codigo=str(citizen_works["sources"]))
    text = _text(page)
    assert "No coinciden" in text and "60,2 %" in text and "71,3 %" in text
    assert "Obra suspendida <script>alert(1)</script>" in strings(page)
    assert "no lo publica la fuente" in text        # contract amount: not in that file


@pytest.mark.parametrize(("codigo", "message"), [
    ("999999999", "No tenemos una obra con el código INFObras 999999999"),
    ("abc", "«abc» no es un código INFObras"),
    ("<script>", "«<script>» no es un código INFObras"),
])
def test_unknown_or_malformed_code_page(obra, codigo, message):
    page = obra.layout(codigo=codigo)
    assert isinstance(page, html.Div)
    text = _text(page)
    assert "Obra no encontrada" in text and message in text


def test_http_status_and_shared_title(citizen_app, citizen_works):
    client = citizen_app.server.test_client()
    good = client.get(f"/obra/{citizen_works['story']}")
    assert good.status_code == 200
    assert f"Obra {TOKEN} con historia — Mirador de Obras" in good.get_data(as_text=True)
    for bad in ("/obra/999999999", "/obra/abc", "/obra/%3Cscript%3E"):
        response = client.get(bad)
        assert response.status_code == 404, bad
        assert "Obra no encontrada" in response.get_data(as_text=True)


def test_alerts_section_without_alerts_or_before_any_computation(obra, citizen_works,
                                                                  monkeypatch):
    code = citizen_works["story"]
    monkeypatch.setattr(obra, "memoize", lambda key, compute, timeout=0: compute())
    monkeypatch.setattr(obra.alerts_query, "work_alerts", lambda _code: [])
    assert "Esta obra no activa ninguna alerta." in _text(obra._alerts(code))
    monkeypatch.setattr(obra.alerts_query, "last_run", lambda: None)
    assert "Las alertas todavía no se han calculado." in _text(obra._alerts(code))
