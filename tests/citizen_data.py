"""The citizen tests' hand-made works (around the capital of Huancayo, 120101) and helpers to
read Dash component trees. The fixtures that insert them live in tests/citizen_support.py."""

from __future__ import annotations

import sys
from datetime import date
from types import SimpleNamespace

import sqlalchemy as sa
from pyproj import Geod

TOKEN = "zzciudadana"
DISTRICT = "120101"          # Huancayo, Junín
DISTRICT_NAME = "Huancayo"
AS_OF = date(2026, 5, 31)
BASE = 9_800_000
GEOD = Geod(ellps="WGS84")
# Works around the capital: (azimuth in degrees, metres, status).
AROUND = [(0, 300, "en_ejecucion"), (90, 800, "paralizada"), (180, 3_000, "finalizada"),
          (270, 7_000, "en_ejecucion"), (45, 20_000, "sin_ejecucion"), (135, 40_000, "paralizada")]
CODES = {
    **{f"around_{i}": BASE + i for i in range(len(AROUND))},
    "capital": BASE + 10,        # no coordinates of its own: placed at the district capital
    "no_point": BASE + 11,       # no geometry at all
    "story": BASE + 12,          # surveyed, monthly history with a paralysis, cost changes
    "sources": BASE + 13,        # from the paralysed-works file, sources disagree
}
STORY_MONTHS = [(date(2024, m, 1), status) for m, status in
                ((1, "en_ejecucion"), (2, "en_ejecucion"), (3, "paralizada"), (4, "paralizada"),
                 (5, "paralizada"), (6, "en_ejecucion"), (7, "en_ejecucion"))]


def _base(code: int, name: str, **values) -> dict:
    row = {"infobras_code": code, "name": f"Obra {TOKEN} {name}", "ubigeo": DISTRICT,
           "entity": "Municipalidad Provincial de Huancayo", "government_level": "Gobierno Local",
           "modality": "Contrata", "status": "en_ejecucion", "source": "prueba-ciudadana",
           "source_date": AS_OF, "geom": None, "geom_source": None,
           "amount_updated": 1_000_000, "amount_accrued": 250_000, "physical_progress": 30,
           "financial_progress": 25, "start_date": date(2024, 1, 10),
           "last_progress_date": date(2026, 5, 10), "last_update": date(2026, 5, 10),
           "extra": {}}
    row.update(values)
    return row


def capital(conn: sa.Connection) -> tuple[float, float]:
    return tuple(conn.execute(sa.text(
        "SELECT ST_X(capital_point), ST_Y(capital_point) FROM area WHERE ubigeo = :u"),
        {"u": DISTRICT}).one())


def _point(lon: float, lat: float) -> str:
    return f"SRID=4326;POINT({lon} {lat})"


def rows_around(center: tuple[float, float]) -> list[dict]:
    lon0, lat0 = center
    rows = []
    for i, (azimuth, metres, status) in enumerate(AROUND):
        lon, lat, _ = GEOD.fwd(lon0, lat0, azimuth, metres)
        rows.append(_base(CODES[f"around_{i}"], f"a {metres} m", status=status,
                          geom=_point(lon, lat), geom_source="surveyed",
                          contractor_name="Consorcio Vial zzciudadana"))
    rows.append(_base(CODES["capital"], "en la capital", geom=_point(lon0, lat0),
                      geom_source="district_capital"))
    rows.append(_base(CODES["no_point"], "sin punto"))
    lon, lat, _ = GEOD.fwd(lon0, lat0, 300, 1_500)
    rows.append(_base(
        CODES["story"], "con historia", geom=_point(lon, lat), geom_source="surveyed",
        coords_ubigeo=DISTRICT, status="en_ejecucion", amount_technical_file=1_000_000,
        amount_contract=1_100_000, amount_additional=200_000, amount_updated=1_400_000,
        amount_accrued=900_000, physical_progress=55, physical_programmed=90,
        financial_progress=64.29, contractor_name="Constructora <b>Andina</b> S.A.C.",
        contractor_ruc="20123456786", supervisor_name="Supervisora Centro",
        supervisor_ruc="20987654321", cui="2400001", snip="300001",
        programmed_end=date(2024, 12, 31)))
    rows.append(_base(
        CODES["sources"], "de dos fuentes", source="paralizadas", status="paralizada",
        paralysis_date=date(2025, 2, 1), paralysis_cause="Falta de recursos financieros",
        amount_technical_file=2_000_000, amount_updated=2_000_000, amount_accrued=1_200_000,
        physical_progress=60.17,
        extra={"avance_fisico_por_fuente": [
            {"fuente": "INFObras", "avance": "60.17", "fecha": "2026-04-01"},
            {"fuente": "Invierte.pe (MEF)", "avance": 71.33, "fecha": "2026-03-04"}],
            "saldo_inversion": 800_000.0, "Pobl_afectada": 2109,
            "ult_estado_situacional_F12B": "Obra suspendida <script>alert(1)</script>"}))
    return rows


def story_history() -> list[dict]:
    points = []
    for i, (month, status) in enumerate(STORY_MONTHS):
        real = [5, 15, 20, 20, 20, 35, 55][i]
        points.append({"infobras_code": CODES["story"], "month": month, "status": status,
                       "physical_programmed": min(100, 15 * (i + 1)), "physical_real": real,
                       "financial": real + 8, "amount_accrued": 10_000 * (i + 1)})
    return points


def page_module(name: str):
    """A page module as Dash's page loader imported it (importing it again would register
    its callbacks twice)."""
    return sys.modules[f"dashboard.pages.{name}"]


def strings(component) -> list[str]:
    """Every text child in a component tree, depth first."""
    if component is None or isinstance(component, bool):
        return []
    if isinstance(component, str | int | float):
        return [str(component)]
    if isinstance(component, list | tuple):
        return [s for child in component for s in strings(child)]
    return strings(getattr(_component(component), "children", None))


def components(component):
    """Every component in a tree, depth first (one in wire form, dashboard.wire, as an
    object of its properties and its type)."""
    if isinstance(component, list | tuple):
        for child in component:
            yield from components(child)
    elif component is not None and not isinstance(component, str | int | float | bool):
        component = _component(component)
        yield component
        yield from components(getattr(component, "children", None))


def _component(component):
    if isinstance(component, dict) and {"type", "namespace", "props"} <= component.keys():
        return SimpleNamespace(_type=component["type"], **component["props"])
    return component
