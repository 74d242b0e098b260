"""Shared fixtures: a fresh PostGIS database per test run, the national areas loaded once.

The server comes from TEST_DATABASE_URL, else DATABASE_URL, else the zero-configuration
default. A missing PostGIS is an error with the command that fixes it; MIRADOR_SKIP_DB=1 skips
the database tests on purpose, and any other skip fails the run (tests/skip_policy.py).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from geodata.shared_data import shared_data_dir
from queries import db, migrate
from tests.skip_policy import (  # noqa: F401  (pytest's hooks, found here by name)
    SKIP_DB,
    db_missing,
    opted_out,
    pytest_collection_modifyitems,
    pytest_sessionfinish,
    pytest_terminal_summary,
)

ROOT = Path(__file__).resolve().parent.parent
# Every figure the layers build (unvalidated, for speed) is checked against Plotly's
# validation while the tests run: see layers/figures.py.
os.environ.setdefault("MIRADOR_CHECK_FIGURES", "1")
SHARED = shared_data_dir()
PARALIZADAS_CSV = SHARED / "obras" / "obras_paralizadas_alertas_2026-05.csv"


def _server_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    return db._normalise(url) if url else db.database_url()


@pytest.fixture(scope="session")
def database_url() -> str:
    """A new, empty, migrated database for this run; dropped at the end."""
    if opted_out(SKIP_DB):
        db_missing(SKIP_DB)   # skips
    base = make_url(_server_url())
    name = f"mirador_test_{uuid.uuid4().hex[:10]}"
    url = base.set(database=name).render_as_string(hide_password=False)
    problem = None
    try:
        migrate.migrate(url)
    except (db.DatabaseUnavailable, sa.exc.OperationalError) as exc:
        problem = exc
    if problem is not None:   # failed outside the except: no chained traceback
        pytest.fail(db_missing(problem), pytrace=False)
    saved = {k: os.environ.get(k) for k in ("DATABASE_URL", "DATABASE_READ_URL")}
    os.environ["DATABASE_URL"] = url
    os.environ.pop("DATABASE_READ_URL", None)
    db.reset_engines()
    yield url
    db.reset_engines()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    _drop_database(url, name)


def _drop_database(server: str, name: str) -> None:
    admin = sa.create_engine(make_url(server).set(database="postgres"),
                             isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def areas_template(database_url: str) -> Iterator[str]:
    """A migrated database holding the INEI areas only, never used directly: the modules that
    count whole sources clone it (own_database), so that no other module's rows are counted."""
    from geodata import boundaries, ubigeo

    name = f"mirador_tmpl_{uuid.uuid4().hex[:10]}"
    url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    migrate.migrate(url)
    template = sa.create_engine(url)
    boundaries.load(engine=template)
    ubigeo.load(engine=template)
    template.dispose()            # a template with a connection open cannot be cloned
    yield name
    _drop_database(database_url, name)


@contextmanager
def areas_clone(template: str, server: str) -> Iterator[str]:
    """The URL of a new database cloned from the areas template (about half a second);
    dropped afterwards."""
    name = f"mirador_mod_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(make_url(server).set(database="postgres"),
                             isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    admin.dispose()
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        _drop_database(server, name)


@pytest.fixture(scope="module")
def own_database(areas_template: str, database_url: str) -> Iterator[sa.Engine]:
    """This module's own database (areas_clone), and the application's engines pointed at it
    for the module's duration."""
    with areas_clone(areas_template, database_url) as url:
        os.environ["DATABASE_URL"] = url
        db.reset_engines()
        yield db.engine()
        db.reset_engines()
        os.environ["DATABASE_URL"] = database_url


@pytest.fixture(scope="session")
def engine(database_url: str) -> sa.Engine:
    return db.engine()


@pytest.fixture(scope="session")
def national_areas(engine: sa.Engine) -> sa.Engine:
    """The INEI regions, provinces and districts with population, loaded once per run."""
    from geodata import boundaries, ubigeo

    boundaries.load(engine=engine)
    ubigeo.load(engine=engine)
    return engine
