"""The explorer's derived tables (DDL in sql/views.sql): refreshing them after a load and
knowing whether they are fresh.

Loaders call `refresh_views(conn)` inside their load transaction, after writing the works;
readers call `views_are_fresh(conn)` and read the work table itself when it says no (a load
that did not refresh, works edited by hand), so a stale view is never shown.
"""

from __future__ import annotations

import sys
import time

import sqlalchemy as sa
from geoalchemy2 import Geometry

from queries import db
from queries.filters import Filters

# Refresh order: the columns and the summary read explorer_works.
VIEWS = ("explorer_works", "explorer_columns", "explorer_summary", "area_monthly")
FRESHNESS_NAME = "explorer"

_meta = sa.MetaData()
_FILTER_COLUMNS = ("status", "government_level", "work_type_1", "modality")
# Column names match the work table's, so Filters.conditions() applies to both views.
explorer_works = sa.Table(
    "explorer_works", _meta,
    sa.Column("ubigeo", sa.Text), *(sa.Column(name, sa.Text) for name in _FILTER_COLUMNS),
    sa.Column("start_year", sa.SmallInteger),
    sa.Column("amount_investment", sa.Float), sa.Column("amount_accrued", sa.Float),
    sa.Column("physical_progress", sa.Float),
    sa.Column("infobras_code", sa.BigInteger), sa.Column("cui", sa.Text),
    sa.Column("snip", sa.Text), sa.Column("lon", sa.Float), sa.Column("lat", sa.Float),
    sa.Column("geom", Geometry("POINT", srid=4326, spatial_index=False)),
    sa.Column("geom_source", sa.Text), sa.Column("name", sa.Text),
    sa.Column("entity", sa.Text), sa.Column("contractor_name", sa.Text),
    sa.Column("financial_progress", sa.Float),
)
explorer_summary = sa.Table(
    "explorer_summary", _meta,
    sa.Column("scope", sa.Text), sa.Column("dim", sa.Text), sa.Column("key", sa.Text),
    sa.Column("works", sa.Integer), sa.Column("investment", sa.Float),
    sa.Column("accrued", sa.Float), sa.Column("paralysed", sa.Integer),
    sa.Column("paralysed_investment", sa.Float), sa.Column("progress_sum", sa.Float),
    sa.Column("progress_n", sa.Integer),
)

area_monthly = sa.Table(
    "area_monthly", _meta,
    sa.Column("level", sa.SmallInteger), sa.Column("ubigeo", sa.Text),
    sa.Column("month", sa.Date), sa.Column("spent", sa.Numeric),
    sa.Column("physical_sum", sa.Numeric), sa.Column("physical_n", sa.Integer),
    sa.Column("works_reporting", sa.Integer),
)

_INSTALLED = sa.text("SELECT to_regclass('view_freshness') IS NOT NULL "
                     "AND to_regclass('work_changes') IS NOT NULL "
                     "AND to_regclass('explorer_summary') IS NOT NULL "
                     "AND to_regclass('area_monthly') IS NOT NULL")
_FRESH = sa.text("SELECT f.work_changes, f.refreshed_at::text FROM view_freshness f, "
                 "work_changes c WHERE f.name = :name AND f.work_changes = c.n")


def refresh_views(conn: sa.Connection) -> None:
    """Recompute the explorer's derived tables from the work table and record the works'
    change count they reflect. Readers of the views wait for the refresh to commit."""
    for name in VIEWS:
        conn.execute(sa.text(f"REFRESH MATERIALIZED VIEW {name}"))
        conn.execute(sa.text(f"ANALYZE {name}"))
    mark_fresh(conn)


def mark_fresh(conn: sa.Connection) -> None:
    """Record that the derived tables reflect the works' current change count (after a
    refresh, or after a load that changed no work: its upsert still counted as a change)."""
    conn.execute(sa.text(
        "INSERT INTO view_freshness (name, work_changes, refreshed_at) "
        "SELECT :name, n, now() FROM work_changes "
        "ON CONFLICT (name) DO UPDATE SET work_changes = EXCLUDED.work_changes, "
        "refreshed_at = EXCLUDED.refreshed_at"), {"name": FRESHNESS_NAME})


_installed_in: set[str] = set()  # databases known to have the tables (migrations never drop them)


def views_are_fresh(conn: sa.Connection) -> bool:
    """True when the views were refreshed after the last change to the works (False in a
    database migrated before they existed, or never refreshed)."""
    return freshness(conn) is not None


def freshness(conn: sa.Connection) -> tuple[int, str] | None:
    """Which refresh the views hold (the works' change count and its time), or None when
    they are stale: what a copy of them (queries.explorer_facts) is keyed by."""
    url = conn.engine.url.render_as_string(hide_password=True)
    if url not in _installed_in:
        if not conn.execute(_INSTALLED).scalar():
            return None
        _installed_in.add(url)
    row = conn.execute(_FRESH, {"name": FRESHNESS_NAME}).first()
    return (int(row[0]), row[1]) if row else None


def unfiltered_and_fresh(conn: sa.Connection, filters: Filters) -> bool:
    """Whether the precomputed tables answer `filters`: nothing but an area narrows the works,
    and the tables reflect the last change to them."""
    return filters.is_empty(include_area=False) and views_are_fresh(conn)


def main() -> int:
    """`python -m queries.explorer_views`: refresh the derived tables when loads left them
    stale (`make load` defers the refresh of each loader to this one)."""
    try:
        with db.engine().begin() as conn:
            if views_are_fresh(conn):
                print("Tablas del explorador al día: nada que recalcular.")
                return 0
            started = time.perf_counter()
            refresh_views(conn)
    except db.DatabaseUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"Tablas del explorador recalculadas en {time.perf_counter() - started:.1f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
