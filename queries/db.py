"""Where the PostGIS database is, and one engine per URL.

`DATABASE_URL` wins. With none set, Mirador needs zero configuration: it uses the PostgreSQL
listening on 127.0.0.1:5432 (database `mirador`, created on first use), and where no server
listens there it starts a private instance of its own under the user's data directory.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url

DEFAULT_DB_NAME = "mirador"


class DatabaseUnavailable(RuntimeError):
    """PostGIS cannot be reached or prepared; the message says what to do."""


def database_url() -> str:
    """The URL of the main database (writes and reads unless a replica is configured)."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return _normalise(url)
    return _normalise(_zero_config_url())


def read_database_url() -> str:
    """Reads may go to a streaming replica (`DATABASE_READ_URL`)."""
    url = os.environ.get("DATABASE_READ_URL")
    return _normalise(url) if url else database_url()


def _normalise(url: str) -> str:
    """Use psycopg 3 whatever driver the user wrote."""
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


_ZERO_CONFIG: dict[str, str] = {}


def _zero_config_url() -> str:
    """The server on 127.0.0.1:5432 once it has answered (remembered per process and user:
    probing the port on every engine() call cost a TCP handshake per query), else the
    private instance (probed again next time: the server may be restarting)."""
    user = os.environ.get("PGUSER", "postgres")
    if user in _ZERO_CONFIG:
        return _ZERO_CONFIG[user]
    if _port_open("127.0.0.1", 5432):
        _ZERO_CONFIG[user] = URL.create(
            "postgresql+psycopg", username=user, host="127.0.0.1", port=5432,
            database=DEFAULT_DB_NAME).render_as_string()
        return _ZERO_CONFIG[user]
    from queries.localpg import private_instance_url

    return private_instance_url(DEFAULT_DB_NAME)


def ensure_database(url: str) -> None:
    """Create the database named in `url` if it does not exist (needs CREATEDB on the server)."""
    target = make_url(url)
    admin = target.set(database="postgres")
    eng = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with eng.connect() as conn:
            exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                  {"n": target.database}).scalar()
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    except sa.exc.OperationalError as exc:
        raise DatabaseUnavailable(
            f"No se pudo conectar con PostgreSQL en {target.host}:{target.port}: "
            f"{exc.orig}. Revise DATABASE_URL o inicie PostgreSQL.") from exc
    finally:
        eng.dispose()


_ENGINES: dict[str, Engine] = {}
# A server that does not answer must fail a request in seconds, not hang a worker (a stopped
# server refuses at once; an unreachable host would wait for the kernel's TCP timeout).
CONNECT_TIMEOUT = int(os.environ.get("MIRADOR_DB_CONNECT_TIMEOUT", "5"))


def connect_args() -> dict[str, object]:
    """Driver options: the connect timeout and, behind PgBouncer in transaction mode
    (MIRADOR_PGBOUNCER=1), no server-side prepared statements (psycopg prepares a query run
    5 times, and the next transaction may land on another server connection)."""
    args: dict[str, object] = {"connect_timeout": CONNECT_TIMEOUT}
    if os.environ.get("MIRADOR_PGBOUNCER") == "1":
        args["prepare_threshold"] = None
    return args


def _engine_for(url: str) -> Engine:
    """pool_pre_ping replaces the connections a PostgreSQL restart closed, so the app is
    back by itself when the server is."""
    if url not in _ENGINES:
        _ENGINES[url] = sa.create_engine(url, pool_size=5, max_overflow=5,
                                         pool_pre_ping=True, pool_recycle=1800,
                                         connect_args=connect_args())
    return _ENGINES[url]


def engine() -> Engine:
    """The engine for writes (loaders, reports)."""
    return _engine_for(database_url())


def read_engine() -> Engine:
    """The engine for dashboard reads."""
    return _engine_for(read_database_url())


def reset_engines() -> None:
    """Forget pooled connections (tests switch databases; gunicorn workers fork)."""
    for eng in _ENGINES.values():
        eng.dispose()
    _ENGINES.clear()


class Reads:
    """Named statements compiled once per dialect and sent together (psycopg's pipeline mode):
    a page's dozen reads wait for PostgreSQL once, not a dozen times, and on a busy machine
    each wait costs a turn of the scheduler."""

    def __init__(self, stmts: Mapping[str, sa.Select]):
        self.stmts = dict(stmts)
        self._compiled: dict[str, tuple[str, dict[str, Any]]] | None = None

    def compiled(self, dialect: sa.Dialect) -> dict[str, tuple[str, dict[str, Any]]]:
        if self._compiled is None:
            done = {name: stmt.compile(dialect=dialect) for name, stmt in self.stmts.items()}
            self._compiled = {name: (str(c), dict(c.params)) for name, c in done.items()}
        return self._compiled

    def fetch(self, conn: sa.Connection, **params: Any) -> dict[str, list[dict[str, Any]]]:
        """{name: its rows as dicts}; every statement is sent before any answer is read."""
        from psycopg.rows import dict_row

        driver = conn.connection.driver_connection
        cursors = {}
        with driver.pipeline():
            for name, (sql, defaults) in self.compiled(conn.dialect).items():
                cursors[name] = driver.cursor(row_factory=dict_row)
                cursors[name].execute(sql, {**defaults, **params})
        return {name: cursor.fetchall() for name, cursor in cursors.items()}
