"""Fixtures of the citizen tests: the hand-made works of tests/citizen_data.py inserted straight
into PostGIS, with real alerts computed on them, and the app.

A test module gets them with `pytest_plugins = ["tests.citizen_support"]`.
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from geodata import alerts as engine_alerts
from queries.reports import citizen_report
from queries.tables import work, work_progress
from tests.citizen_data import AS_OF, CODES, capital, rows_around, story_history


@pytest.fixture(scope="session")
def citizen_works(national_areas: sa.Engine) -> dict[str, int]:
    """The works (replaced if present), their history, and alerts recomputed; name -> code."""
    with national_areas.begin() as conn:
        codes = list(CODES.values())
        conn.execute(sa.delete(citizen_report).where(citizen_report.c.infobras_code.in_(codes)))
        conn.execute(sa.delete(work).where(work.c.infobras_code.in_(codes)))
        rows = rows_around(capital(conn))
        for row in rows:
            row["extra"] = json.dumps(row["extra"])
        columns = sorted({key for row in rows for key in row})
        full = [{c: row.get(c) for c in columns} for row in rows]
        values = ", ".join(f"CAST(:{c} AS {'geometry' if c == 'geom' else 'jsonb'})"
                           if c in ("geom", "extra") else f":{c}" for c in columns)
        conn.execute(sa.text(f"INSERT INTO work ({', '.join(columns)}) VALUES ({values})"), full)
        conn.execute(sa.insert(work_progress), story_history())
    engine_alerts.recompute(national_areas, as_of=AS_OF)
    return dict(CODES)


@pytest.fixture(scope="session")
def citizen_app(database_url: str):
    """The real Dash app (module-level) against the test database."""
    from dashboard import app as module

    return module.app
