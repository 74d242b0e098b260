"""The demo's SSI execution list: the real list's columns first, the execution figures after,
some works deliberately apart; loaded by the MEF loader, the between-source rules trip on the
works the generator set apart and on no other."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa
from unidecode import unidecode

from geodata import alerts, infobras, mef
from geodata.demo import dataset
from geodata.demo.ssi import COLUMNS, FILE
from geodata.shared_data import shared_data_dir

pytestmark = pytest.mark.db
REAL = shared_data_dir() / "mef" / "ssi_lista_ejecucion_2019_cusco_madre_de_dios.csv"
WORKS = 3000


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("demo-ssi")
    data = dataset.generate(WORKS, seed=7)
    return {"paths": dataset.write(data, out, fmt="csv"), "works": data.works}


def test_the_list_has_the_real_columns_then_the_figures(written):
    frame = pd.read_csv(written["paths"]["ssi"], dtype=str, keep_default_na=False)
    assert written["paths"]["ssi"].name == FILE
    if REAL.exists():
        real = pd.read_csv(REAL, nrows=0).columns.tolist()
        assert frame.columns.tolist()[:len(real)] == real
    assert tuple(frame.columns) == COLUMNS
    assert frame["monto_actualizado"].str.fullmatch(r"(S/\. [\d,]+\.\d{2})?").all()
    assert frame["cui"].is_unique


@pytest.fixture(scope="module")
def loaded(written, own_database: sa.Engine) -> sa.Engine:
    paths = written["paths"]
    infobras.load(paths["csv"], engine=own_database, history=paths["history"],
                  refresh_views=False)
    mef.load(paths["ssi"], engine=own_database)
    alerts.recompute(own_database)
    return own_database


def test_rules_trip_where_the_generator_set_the_sources_apart(written, loaded):
    """Pandas on the two written files: the works whose list progress is more than 20 points
    from the export's, and whose devengado is more than 20 points ahead of it."""
    ssi = pd.read_csv(written["paths"]["ssi"], dtype={"cui": str})
    export = pd.read_csv(written["paths"]["csv"], skiprows=3, dtype=str, keep_default_na=False)
    physical = pd.to_numeric(export["Avance Físico Real Acumulado (%)"].str.replace(" ", "."),
                             errors="coerce")
    works = pd.DataFrame({"code": pd.to_numeric(export["Código INFOBRAS"], errors="coerce"),
                          "cui": export["Código único de inversión"].str.lstrip("0"),
                          "physical": physical})
    started = ~export["Estado de ejecución"].map(unidecode).str.lower().str.strip().eq(
        "sin ejecucion")
    with loaded.connect() as conn:     # rows the loader set aside are tested with the loader
        stored = set(conn.execute(sa.text("SELECT infobras_code FROM work")).scalars())
    joined = works[started & works["code"].isin(stored)].merge(ssi, on="cui")
    money = joined["monto_actualizado"].str.replace(r"[S/., ]", "", regex=True)
    cost = pd.to_numeric(money, errors="coerce") / 100
    apart = (joined["physical"] - joined["avance_fisico"]).abs() > 20
    ahead = joined["devengado_acumulado"] / cost * 100 - joined["physical"] > 20
    with loaded.connect() as conn:
        got = {rule: set(conn.execute(sa.text(
            "SELECT infobras_code FROM alert WHERE rule_code = :r AND state = 'alerta'"),
            {"r": rule}).scalars()) for rule in ("avance_fuentes", "devengado_avance")}
    assert got["avance_fuentes"] == set(joined.loc[apart, "code"].astype(int))
    assert got["devengado_avance"] == set(joined.loc[ahead, "code"].astype(int))
    assert got["avance_fuentes"] and got["devengado_avance"]
