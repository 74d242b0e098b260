"""Bulk upsert through COPY into a staging table, counting inserted / updated / unchanged.

Idempotent by construction: a row whose values equal the stored ones is left untouched,
so re-running a load reports everything as unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa

# Columns that change on every run and must not make a row count as "updated".
BOOKKEEPING = frozenset({"load_run_id"})


def upsert(conn: sa.Connection, table: str, key: Sequence[str], columns: Sequence[str],
           rows: Iterable[Sequence]) -> tuple[int, int, int]:
    """Insert or update `rows` (tuples in `columns` order) into `table`; returns the counts.

    Geometry values are passed as EWKT text ('SRID=4326;POINT(-77 -12)').
    """
    stage = f"_stage_{table}"
    cols = ", ".join(columns)
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {stage}")
    conn.exec_driver_sql(
        f"CREATE TEMP TABLE {stage} AS SELECT {cols} FROM {table} WITH NO DATA")
    total = 0
    cursor = conn.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {stage} ({cols}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            total += 1
    compared = [c for c in columns if c not in key and c not in BOOKKEEPING]
    sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c not in key)
    changed = (f"({', '.join(f'{table}.{c}' for c in compared)}) IS DISTINCT FROM "
               f"({', '.join(f'EXCLUDED.{c}' for c in compared)})")
    result = conn.exec_driver_sql(
        f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {stage} "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {sets} WHERE {changed} "
        f"RETURNING (xmax = 0)").fetchall()
    conn.exec_driver_sql(f"DROP TABLE {stage}")
    inserted = sum(1 for (is_new,) in result if is_new)
    updated = len(result) - inserted
    return inserted, updated, total - inserted - updated
