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


@pytest.fixture(scope="session")
def real_sources(national_areas: sa.Engine) -> sa.Engine:
    """The real files of ../shared/data loaded as `make load` would: MEF (Banco de
    Inversiones, SSI), SEACE (CONOSCE), CGR and the paralysed works, then the links once."""
    from geodata import cgr, links, mef, paralizadas, seace
    from tests.conftest import PARALIZADAS_CSV, SHARED

    for name in ("banco_inversiones_callao.xlsx", "banco_inversiones_tumbes.xlsx",
                 "banco_inversiones_moquegua.xlsx",
                 "ssi_lista_ejecucion_2019_cusco_madre_de_dios.csv",
                 "ssi_formato8_2019_cusco_madre_de_dios.csv"):
        mef.load(SHARED / "mef" / name, engine=national_areas, relink=False)
    seace.load(SHARED / "seace" / "conosce_contrataciones_2019_cusco_madre_de_dios.csv.gz",
               engine=national_areas, relink=False)
    cgr.load(SHARED / "cgr" / "informes_control_2019_2022.csv", engine=national_areas,
             relink=False)
    paralizadas.load(PARALIZADAS_CSV, engine=national_areas)
    with national_areas.begin() as conn:
        links.relink(conn)
    return national_areas
