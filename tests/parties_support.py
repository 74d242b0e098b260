"""Fixtures of the entity and contractor tests: the hand-made rows of tests/parties_data.py
in the test database, and the app. A test module gets them with
`pytest_plugins = ["tests.parties_support"]`."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.parties_data import insert


@pytest.fixture(scope="session")
def parties(national_areas: sa.Engine) -> sa.Engine:
    """The rows above in the test database (the explorer's tables and alerts recomputed)."""
    insert(national_areas)
    return national_areas


@pytest.fixture(scope="session")
def party_app(parties: sa.Engine):
    """The real Dash app (module-level) against the test database, with the rows above."""
    from dashboard import app as module

    return module.app
