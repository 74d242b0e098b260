"""Apply the DDL in queries/sql, in order, idempotently: `python -m queries.migrate`."""

from __future__ import annotations

import sys
from pathlib import Path

import sqlalchemy as sa

from queries import db, explorer_views

SQL_DIR = Path(__file__).parent / "sql"
# Order matters: later files reference tables of earlier ones.
MIGRATIONS = ("schema.sql", "alerts.sql", "reports.sql", "sources.sql", "flags.sql", "views.sql",
              "scores.sql", "follow.sql")
_LOCK_KEY = 7_424_242  # advisory lock: concurrent migrations (gunicorn workers) wait their turn


def load_sql(name: str) -> str:
    """The text of a .sql file in queries/sql, by name."""
    return (SQL_DIR / name).read_text(encoding="utf-8")


def migrate(url: str | None = None) -> None:
    """Create the database if needed and bring its schema up to date."""
    url = url or db.database_url()
    db.ensure_database(url)
    eng = sa.create_engine(url)
    try:
        with eng.begin() as conn:
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
            _require_postgis(conn)
            for name in MIGRATIONS:
                if (SQL_DIR / name).exists():
                    # Straight to psycopg: no parameters, so '%' in the DDL is literal.
                    conn.connection.driver_connection.execute(load_sql(name))
            _fill_new_views(conn)
    finally:
        eng.dispose()


def _fill_new_views(conn: sa.Connection) -> None:
    """A derived table this migration added is empty: fill it now when there are works
    (a reader would otherwise trust the freshness record of the older ones and fail)."""
    empty = conn.execute(sa.text(
        "SELECT count(*) FROM pg_matviews WHERE matviewname = ANY(:names) AND NOT ispopulated"),
        {"names": list(explorer_views.VIEWS)}).scalar()
    has_works = conn.execute(sa.text("SELECT EXISTS (SELECT 1 FROM work)")).scalar()
    if empty and has_works:
        explorer_views.refresh_views(conn)


def _require_postgis(conn: sa.Connection) -> None:
    available = conn.execute(sa.text(
        "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")).scalar()
    if not available:
        raise db.DatabaseUnavailable(
            "PostgreSQL no tiene la extensión PostGIS instalada. "
            "Instálela (Debian: apt-get install postgresql-15-postgis-3) y vuelva a intentar.")


def main() -> int:
    try:
        migrate()
    except db.DatabaseUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print("Esquema al día.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
