"""The bulk upsert stays linear when the table's statistics say it is empty: a reload after a
DELETE and a vacuum used to probe the table once per staged row (quadratic)."""

from __future__ import annotations

import sqlalchemy as sa

from geodata.upsert import upsert

ROWS = 20_000


def _seq_scans(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT pg_stat_clear_snapshot()"))
        return conn.execute(sa.text(
            "SELECT seq_scan FROM pg_stat_user_tables WHERE relname = 'upsert_probe'")).scalar()


def test_a_reload_into_a_vacuumed_empty_table_scans_it_once(engine: sa.Engine):
    auto = engine.execution_options(isolation_level="AUTOCOMMIT")
    with auto.connect() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS upsert_probe"))
        conn.execute(sa.text(
            "CREATE TABLE upsert_probe (k text, s text, v integer, PRIMARY KEY (k, s))"))
        conn.execute(sa.text(
            "INSERT INTO upsert_probe SELECT g::text, 'a', g FROM generate_series(1, 1000) g"))
        conn.execute(sa.text("DELETE FROM upsert_probe"))
        conn.execute(sa.text("VACUUM ANALYZE upsert_probe"))
        conn.execute(sa.text("SELECT pg_stat_force_next_flush()"))
    before = _seq_scans(engine)
    try:
        with engine.begin() as conn:
            counts = upsert(conn, "upsert_probe", ("k", "s"), ("k", "s", "v"),
                            ((str(i), "a", i) for i in range(ROWS)))
            conn.execute(sa.text("SELECT pg_stat_force_next_flush()"))
            nestloop = conn.execute(sa.text("SHOW enable_nestloop")).scalar()
        assert counts == (ROWS, 0, 0)
        assert nestloop == "on"                        # the setting does not outlive the upsert
        # A hash join reads the table once per statement; the quadratic plan read it per row.
        assert _seq_scans(engine) - before <= 4
    finally:
        with auto.connect() as conn:
            conn.execute(sa.text("DROP TABLE upsert_probe"))
