"""The area briefing: its facts, and the PDF/PNG made on the server (opened and rendered)."""

from __future__ import annotations

import io
import shutil
import subprocess
import time

import pytest
from PIL import Image

from layers import briefing as briefing_layer
from queries import briefing, data_sources
from queries.filters import Filters
from tests.officials_support import FIRST_CODE, TOKEN

pytest_plugins = ["tests.officials_support"]
pytestmark = pytest.mark.db
MAX_SECONDS = 3.0


def _ink(image: Image.Image) -> float:
    """Share of pixels that are not (near) white."""
    gray = image.convert("L")
    dark = sum(gray.histogram()[:235])
    return dark / (gray.width * gray.height)


def test_briefing_facts(officials_works, names):
    facts = briefing.briefing("15", officials_works)
    assert (facts.name, facts.level, facts.lineage) == (names["15"], 1, [])
    assert facts.kpis["works"] == 4 and facts.kpis["paralysed"] == 1
    assert [w["infobras_code"] for w in facts.paralysed] == [FIRST_CODE + 1]
    assert facts.children.set_index("ubigeo").loc["1501", "works"] == 4
    assert list(facts.trend["accrued"]) == [100_000, 250_000, 400_000]
    district = briefing.briefing("150103", officials_works)
    assert district.lineage == [names["15"], names["1501"]] and district.children.empty
    assert district.paralysed == []
    assert briefing.briefing("99", officials_works) is None


def test_filters_are_written_in_spanish():
    text = briefing_layer.describe_filters(Filters(status=("paralizada",), year_min=2020,
                                                   q="colegio"))
    assert text == "Estado: Paralizada; Año de inicio: 2020–…; Búsqueda: «colegio»"
    assert briefing_layer.describe_filters(Filters()).startswith("ninguno")


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils not installed")
def test_pdf_opens_and_renders(client, officials_works, names, tmp_path):
    client.get(f"/informe/08.pdf?q={TOKEN}")  # warm-up: fonts and first connections
    started = time.perf_counter()
    response = client.get(f"/informe/1501.pdf?q={TOKEN}&status=paralizada&status=en_ejecucion")
    elapsed = time.perf_counter() - started
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert elapsed < MAX_SECONDS
    pdf = tmp_path / "informe.pdf"
    pdf.write_bytes(response.data)
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-singlefile", str(pdf),
                    str(tmp_path / "page")], check=True, timeout=60)
    page = Image.open(tmp_path / "page.png")
    assert page.width > page.height > 300  # A4 landscape
    assert 0.02 < _ink(page) < 0.6
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
        assert f"Datos al {briefing_layer.date_text(data_sources.data_date())}" in text
        assert "Estado: Paralizada, En ejecución" in text and TOKEN in text
        assert f"Provincia {names['1501']}" in text


def test_png_is_the_same_page(client, officials_works):
    response = client.get(f"/informe/150101.png?q={TOKEN}")
    assert response.status_code == 200 and response.mimetype == "image/png"
    image = Image.open(io.BytesIO(response.data))
    assert image.size == (int(briefing_layer.PAGE[0] * briefing_layer.PNG_DPI),
                          int(briefing_layer.PAGE[1] * briefing_layer.PNG_DPI))
    assert _ink(image) > 0.02


@pytest.mark.parametrize("url, status", [("/informe/99.pdf", 404), ("/informe/1x.png", 400),
                                         ("/informe/15.pdf?status=nada", 400)])
def test_briefing_file_errors_are_json(client, officials_works, url, status):
    response = client.get(url)
    assert response.status_code == status and response.is_json


def test_briefing_page_layout(pages, officials_works, names):
    informe = pages.informe
    page = informe.layout(ubigeo="15", q=TOKEN)
    text = str(page)
    assert f"Informe: Región {names['15']}" in text
    assert f"/informe/15.pdf?q={TOKEN}" in text and f"/informe/15.png?q={TOKEN}" in text
    assert f"/obra/{FIRST_CODE + 1}" in text
    assert "informe-map" in text
    assert "No existe un área" in str(informe.layout(ubigeo="99"))
    assert "Estado no válido" in str(informe.layout(ubigeo="15", status="x"))


def test_briefing_with_computed_alerts(client, officials_works, engine):
    from geodata import alerts

    alerts.recompute(engine=engine)
    facts = briefing.briefing("15", officials_works)
    assert facts.top_alerts, "the paralysed work of Lima trips at least one rule"
    assert {a["infobras_code"] for a in facts.top_alerts} <= {
        FIRST_CODE + i for i in range(4)}
    assert facts.kpis["alerts"] >= len(facts.top_alerts)
    amounts = [a["amount_at_risk"] or 0 for a in facts.top_alerts]
    assert amounts == sorted(amounts, reverse=True)
    labels = dict((label, value) for label, value, _ in briefing_layer.kpi_cards(facts))
    assert labels["Alertas"] != "no calculadas"
    assert client.get(f"/informe/15.png?q={TOKEN}").status_code == 200
