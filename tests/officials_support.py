"""Hand-made works for the compare, briefing, export, API and data-page tests.

Six works in four real districts (Lima, Ate, Cusco, Wanchaq), every name carrying the token
`zzoficiales` so `Filters(q=TOKEN)` selects exactly them whatever else the test database
holds; two with monthly history; one load run with two quarantined rows (one with HTML in
it). A test module gets the fixtures with `pytest_plugins = ["tests.officials_support"]`.
"""

from __future__ import annotations

import sys
from datetime import date
from types import SimpleNamespace

import dash
import pytest
import sqlalchemy as sa

from geodata.runs import load_run
from queries.filters import Filters

TOKEN = "zzoficiales"
SOURCE_DATE = date(2026, 5, 31)
FIRST_CODE = 9_600_001


def _work(n: int, ubigeo: str, status: str, point: tuple[float, float] | None, **values):
    base = {
        "infobras_code": FIRST_CODE + n, "cui": f"26{n:05d}", "name": f"Obra {TOKEN} {n}",
        "entity": f"Municipalidad de prueba {ubigeo}", "government_level": "Gobierno Local",
        "work_type_1": "Transporte", "modality": "Contrata", "ubigeo": ubigeo,
        "geom": f"SRID=4326;POINT({point[0]} {point[1]})" if point else None,
        "geom_source": "surveyed" if point else None, "status": status,
        "amount_technical_file": None, "amount_contract": None, "amount_updated": None,
        "amount_accrued": None, "amount_additional": None, "physical_progress": None,
        "start_date": date(2021, 3, 1), "programmed_end": date(2022, 3, 1),
        "reprogrammed_end": None, "real_end": None, "paralysis_cause": None,
        "contractor_name": None, "contractor_ruc": None, "supervisor_name": None,
        "supervisor_ruc": None, "source": "prueba", "source_date": SOURCE_DATE,
    }
    return {**base, **values}


WORKS = [
    _work(0, "150101", "en_ejecucion", (-77.03, -12.05), amount_updated=1_000_000,
          amount_accrued=400_000, physical_progress=40, contractor_name="Consorcio Uno",
          contractor_ruc="20100000001", supervisor_name="Supervisora Uno",
          supervisor_ruc="20100000002"),
    _work(1, "150101", "paralizada", (-77.04, -12.06), amount_contract=2_000_000,
          amount_updated=2_500_000, amount_accrued=1_000_000, amount_additional=300_000,
          physical_progress=30, paralysis_cause="Falta de recursos",
          reprogrammed_end=date(2023, 1, 1), contractor_name="Consorcio Dos",
          contractor_ruc="20100000003"),
    _work(2, "150103", "finalizada", (-76.92, -12.03), amount_technical_file=600_000,
          amount_updated=800_000, amount_accrued=800_000, physical_progress=100,
          real_end=date(2022, 6, 30)),
    _work(3, "150103", "sin_ejecucion", None, amount_contract=500_000, physical_progress=0),
    _work(4, "080101", "paralizada", (-71.97, -13.52), amount_updated=3_000_000,
          amount_accrued=300_000, physical_progress=10, paralysis_cause="Arbitraje"),
    _work(5, "080108", "en_ejecucion", (-71.96, -13.53), amount_updated=1_200_000,
          amount_accrued=600_000, physical_progress=70),
]
# Monthly cumulative accrued amount and physical progress of works 0 and 5.
HISTORY = [
    (FIRST_CODE + 0, date(2021, 3, 1), 10, 100_000),
    (FIRST_CODE + 0, date(2021, 4, 1), 25, 250_000),
    (FIRST_CODE + 0, date(2021, 5, 1), 40, 400_000),
    (FIRST_CODE + 5, date(2021, 4, 1), 30, 200_000),
    (FIRST_CODE + 5, date(2021, 5, 1), 70, 600_000),
]
QUARANTINED = [
    (7, "ubigeo_not_found", "No se encontró el distrito «Ca Ete».",
     {"Distrito": "<script>alert('x')</script>Ca Ete"}),
    (9, "bad_amount", "El monto «12 a» no es un número.", {"Monto": "12 a"}),
]


def seed(engine: sa.Engine) -> None:
    """Insert the works once per database (idempotent), through a real load run."""
    with engine.connect() as conn:
        if conn.execute(sa.text("SELECT 1 FROM work WHERE infobras_code = :c"),
                        {"c": FIRST_CODE}).first():
            return
    with load_run("prueba-oficiales", "tests/officials_support.py", SOURCE_DATE,
                  engine=engine) as run:
        columns = list(WORKS[0])
        values = ", ".join(f"CAST(:{c} AS geometry)" if c == "geom" else f":{c}"
                           for c in columns)
        run.conn.execute(sa.text(
            f"INSERT INTO work ({', '.join(columns)}) VALUES ({values})"), WORKS)
        run.conn.execute(sa.text(
            "INSERT INTO work_progress (infobras_code, month, physical_real, amount_accrued)"
            " VALUES (:code, :month, :physical, :accrued)"),
            [{"code": c, "month": m, "physical": p, "accrued": a} for c, m, p, a in HISTORY])
        for row_number, code, reason, raw in QUARANTINED:
            run.quarantine(row_number, code, reason, raw, record_key=str(row_number))
        run.rows_read = len(WORKS) + len(QUARANTINED)
        run.count(len(WORKS), 0, 0)


@pytest.fixture(scope="session")
def names(national_areas: sa.Engine) -> dict[str, str]:
    """Area names as the areas loader wrote them (ubigeo -> name)."""
    with national_areas.connect() as conn:
        return dict(conn.execute(sa.text("SELECT ubigeo, name FROM area")).all())


@pytest.fixture(scope="session")
def officials_works(national_areas: sa.Engine) -> Filters:
    """The hand-made works are in the database; returns the filter that selects them."""
    seed(national_areas)
    return Filters(q=TOKEN)


@pytest.fixture(scope="session")
def app(database_url: str):
    """The real Dash app (dashboard.app's module-level one) against the test database."""
    from dashboard import app as module

    return module.app


@pytest.fixture(scope="session")
def client(app):
    return app.server.test_client()


@pytest.fixture(scope="session")
def pages(app):
    """Page modules as Dash loaded them ("pages.<name>"): importing dashboard.pages.<name>
    again would register the page a second time (a duplicate navigation link)."""
    loaded = {entry["module"].rsplit(".", 1)[-1]: sys.modules[entry["module"]]
              for entry in dash.page_registry.values()}
    return SimpleNamespace(**loaded)
