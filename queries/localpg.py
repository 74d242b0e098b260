"""A private PostgreSQL instance for machines where none listens on 127.0.0.1:5432.

Needs the PostgreSQL server binaries and PostGIS installed (Debian: `postgresql-15-postgis-3`).
initdb refuses to run as root, so as root the instance is created and run as the `postgres`
system user. The instance listens only on a Unix socket and a private port.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL

PRIVATE_PORT = 54329


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    from queries.db import DatabaseUnavailable

    raise DatabaseUnavailable(
        "No hay PostgreSQL en 127.0.0.1:5432 ni binarios de PostgreSQL para crear una instancia "
        "propia. Instale PostgreSQL y PostGIS (Debian: apt-get install postgresql-15-postgis-3) "
        "o defina DATABASE_URL.")


def _run_as(user: str | None, args: list[str]) -> None:
    cmd = ["runuser", "-u", user, "--", *args] if user else args
    subprocess.run(cmd, check=True, capture_output=True)


def private_instance_url(database: str) -> str:
    """Start (creating it the first time) the private instance and return its URL."""
    bindir = _bin_dir()
    is_root = os.geteuid() == 0
    user = "postgres" if is_root else None
    base = Path("/var/lib/mirador/pg") if is_root else (
        Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local/share")) / "mirador/pg")
    data, sock = base / "data", base / "run"
    if not (data / "PG_VERSION").exists():
        sock.mkdir(parents=True, exist_ok=True)
        if is_root:
            pw = pwd.getpwnam("postgres")
            for p in (base, data.parent, sock):
                os.chown(p, pw.pw_uid, pw.pw_gid)
        _run_as(user, [str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                       "-E", "UTF8", "--locale=C.UTF-8"])
    if not (data / "postmaster.pid").exists():
        _run_as(user, [str(bindir / "pg_ctl"), "-D", str(data), "-w", "-l", str(base / "log"),
                       "-o", f"-p {PRIVATE_PORT} -k {sock} -c listen_addresses=''", "start"])
    return URL.create("postgresql+psycopg", username="postgres", database=database,
                      query={"host": str(sock), "port": str(PRIVATE_PORT)}).render_as_string()
