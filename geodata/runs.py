"""Load runs: one transaction per load, a quarantine for bad rows, a summary at the end.

Every loader goes through `load_run`: the data and its quarantine rows are written in one
transaction (a failed load leaves the previous data intact) while the run itself is recorded
outside it, so a failure is still on record with its message.
"""

from __future__ import annotations

import argparse
import errno
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from tqdm import tqdm

from queries import db


class LoaderError(Exception):
    """A bad input file or setting: one clear line for the user, no traceback."""


@dataclass
class Run:
    """The state of one load: counters, quarantined rows and the open transaction."""

    id: int
    loader: str
    source: str
    conn: sa.Connection
    rows_read: int = 0
    loaded: int = 0
    updated: int = 0
    unchanged: int = 0
    reasons: Counter = field(default_factory=Counter)
    # Rows that repeat another by the source's own key, by why (summed once, never twice).
    repeats: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    _pending: list[dict] = field(default_factory=list)
    _at_end: list[Callable[[sa.Connection], None]] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)
    # False: leave the explorer's derived tables stale (readers then use the work table) for
    # one refresh after several loads (`make load`: python -m queries.explorer_views).
    refresh_views: bool = True

    def at_end(self, step: Callable[[sa.Connection], None]) -> None:
        """Run `step` once, last in the load's transaction (e.g. refreshing derived tables,
        whose exclusive lock is then held only for the commit)."""
        if step not in self._at_end:
            self._at_end.append(step)

    @property
    def quarantined(self) -> int:
        return sum(self.reasons.values())

    def quarantine(self, row_number: int | None, reason_code: str, reason: str,
                   raw: dict[str, Any], record_key: str | None = None) -> None:
        """Keep a row that cannot be loaded as it is, with the reason."""
        self.reasons[reason_code] += 1
        self._pending.append({
            "run": self.id, "loader": self.loader, "source": self.source,
            "row_number": row_number, "record_key": record_key, "reason_code": reason_code,
            "reason": reason, "raw": json.dumps(raw, default=str, ensure_ascii=False)})
        if len(self._pending) >= 1000:
            self.flush()

    @property
    def duplicates(self) -> int:
        return sum(self.repeats.values())

    def duplicate(self, reason_code: str, n: int = 1) -> None:
        """Count rows that repeat another by the source's key: rows read = loaded, updated or
        unchanged + quarantined + these."""
        self.repeats[reason_code] += n

    def note(self, text: str) -> None:
        """A line for the summary (e.g. repaired geometries)."""
        self.notes.append(text)

    def flush(self) -> None:
        if self._pending:
            self.conn.execute(sa.text(
                "INSERT INTO quarantine (load_run_id, loader, source, row_number, record_key,"
                " reason_code, reason, raw) VALUES (:run, :loader, :source, :row_number,"
                " :record_key, :reason_code, :reason, CAST(:raw AS jsonb))"), self._pending)
            self._pending.clear()

    def count(self, inserted: int, updated: int, unchanged: int) -> None:
        self.loaded += inserted
        self.updated += updated
        self.unchanged += unchanged

    def summary(self) -> str:
        secs = time.perf_counter() - self.started
        lines = [f"[{self.loader}] {self.source}",
                 f"  filas leídas: {self.rows_read:,}  cargadas: {self.loaded:,}  "
                 f"actualizadas: {self.updated:,}  sin cambios: {self.unchanged:,}  "
                 f"en cuarentena: {self.quarantined:,}  ({secs:.1f} s)"]
        if self.repeats:
            lines.append(f"  filas repetidas (explicadas, no sumadas dos veces): "
                         f"{self.duplicates:,}")
            lines += [f"  repetidas {code}: {n:,}" for code, n in self.repeats.most_common()]
        lines += [f"  cuarentena {code}: {n:,}" for code, n in self.reasons.most_common()]
        lines += [f"  {n}" for n in self.notes]
        return "\n".join(lines)


@contextmanager
def load_run(loader: str, source: str, source_date: date | None = None,
             engine: sa.Engine | None = None, refresh_views: bool = True) -> Iterator[Run]:
    """Open a load: yields a Run bound to a transaction; records the outcome either way."""
    eng = engine or db.engine()
    with eng.begin() as conn:
        run_id = conn.execute(sa.text(
            "INSERT INTO load_run (loader, source, source_date) VALUES (:l, :s, :d) RETURNING id"),
            {"l": loader, "s": source, "d": source_date}).scalar_one()
    try:
        with eng.begin() as conn:
            run = Run(run_id, loader, source, conn, refresh_views=refresh_views)
            yield run
            for step in run._at_end:
                step(conn)
            run.flush()
    except BaseException as exc:
        with eng.begin() as conn:
            conn.execute(sa.text(
                "UPDATE load_run SET status='failed', finished_at=now(), message=:m WHERE id=:id"),
                {"m": str(exc)[:2000] or type(exc).__name__, "id": run_id})
        raise
    with eng.begin() as conn:
        conn.execute(sa.text(
            "UPDATE load_run SET status='ok', finished_at=now(), rows_read=:r, loaded=:l,"
            " updated=:u, unchanged=:n, quarantined=:q, duplicates=:d, message=:m WHERE id=:id"),
            {"r": run.rows_read, "l": run.loaded, "u": run.updated, "n": run.unchanged,
             "q": run.quarantined, "d": run.duplicates, "m": "\n".join(run.notes) or None,
             "id": run_id})


def progress(iterable, total: int | None = None, desc: str = "") -> Iterator:
    """A progress bar on stderr (quiet when stderr is not a terminal and under tests)."""
    return tqdm(iterable, total=total, desc=desc, unit=" filas", file=sys.stderr,
                disable=None, mininterval=0.5)


# argparse's own messages -> Spanish (the rest of each message is kept as it is).
_ARGPARSE_ES = (
    (re.compile(r"the following arguments are required: (.*)"),
     r"faltan argumentos obligatorios: \1"),
    (re.compile(r"argument (\S+): invalid choice: (.*) \(choose from (.*)\)"),
     r"argumento \1: opción no válida \2 (opciones: \3)"),
    (re.compile(r"argument (\S+): invalid \S+ value: (.*)"), r"argumento \1: valor no válido \2"),
    (re.compile(r"argument (\S+): expected one argument"), r"argumento \1: falta su valor"),
    (re.compile(r"unrecognized arguments: (.*)"), r"argumentos no reconocidos: \1"),
    (re.compile(r"argument (\S+): (.*)"), r"argumento \1: \2"),
)


_OS_ERRORS = {errno.ENOENT: "no existe la carpeta o el archivo", errno.EACCES: "permiso denegado",
              errno.EPERM: "operación no permitida", errno.ENOSPC: "no queda espacio en el disco",
              errno.EROFS: "sistema de archivos de solo lectura",
              errno.ENOTDIR: "una parte de la ruta no es una carpeta",
              errno.EISDIR: "es una carpeta, no un archivo"}


class Parser(argparse.ArgumentParser):
    """The loaders' command line: a bad argument is one Spanish line (and exit 2), not
    argparse's usage block in English."""

    def error(self, message: str) -> None:  # type: ignore[override]
        for pattern, spanish in _ARGPARSE_ES:
            if pattern.fullmatch(message):
                message = pattern.sub(spanish, message)
                break
        self.exit(2, f"error: {message} (ayuda: {self.prog} --help)\n")

    def add_works_load_options(self) -> None:
        """What a works loader may leave for later: the alerts and the explorer's tables
        (`make load` runs several loaders, then each of these once)."""
        self.add_argument("--sin-alertas", action="store_true",
                          help="no recalcular las alertas después de cargar")
        self.add_argument("--sin-vistas", action="store_true",
                          help="no recalcular las tablas del explorador (después de varias "
                               "cargas, una vez: python -m queries.explorer_views)")

    @staticmethod
    def after_works_load(args: argparse.Namespace) -> None:
        """The alerts recompute, unless --sin-alertas; then the followers' change log and
        digests (geodata/digest.py)."""
        if not args.sin_alertas:
            from geodata import alerts, digest
            print(alerts.recompute())
            print(digest.run())


def run_cli(main: Callable[[list[str] | None], int], argv: list[str] | None = None) -> int:
    """Run a loader's main: bad files, unwritable folders and an absent database give one
    clear line, exit 1."""
    try:
        return main(argv)
    except (LoaderError, db.DatabaseUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:   # a folder that cannot be created, a disk that is full
        where = f": {exc.filename}" if exc.filename else ""
        why = _OS_ERRORS.get(exc.errno, exc.strerror or str(exc))
        print(f"error: no se pudo leer o escribir{where} ({why})", file=sys.stderr)
        return 1
    except sa.exc.OperationalError as exc:
        print(f"error: la base de datos no responde: {exc.orig}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrumpido: no se cambió nada", file=sys.stderr)
        return 130


def load_files(argv: list[str] | None, *, prog: str, description: str, files_help: str,
               load: Callable[..., Run], check: Callable[[str], Any] | None = None) -> int:
    """A source loader's command line: `FILE... [--sin-enlaces]`. Every file is checked
    before any is loaded (a typo in the third name must not leave two loaded), and the links
    between sources are rebuilt once, after the last file, and the followers told of what
    changed (geodata/digest.py); with --sin-enlaces both wait for a later step (`make load`)."""
    parser = Parser(prog=prog, description=description)
    parser.add_argument("files", metavar="ARCHIVO", nargs="+", help=files_help)
    parser.add_argument("--sin-enlaces", action="store_true",
                        help="no rehacer los enlaces entre fuentes (después de varias cargas, "
                             "una vez: python -m geodata.links)")
    args = parser.parse_args(argv)
    for name in args.files:
        (check or _check_file)(name)
    for i, name in enumerate(args.files):
        last = i == len(args.files) - 1
        print(load(name, relink=last and not args.sin_enlaces).summary())
    if not args.sin_enlaces:   # a load on its own: its news (a control report) told now
        from geodata import digest
        print(digest.run())
    return 0


def _check_file(name: str) -> None:
    path = Path(name)
    if not path.is_file():
        raise LoaderError(f"No existe el archivo: {name}" if not path.exists()
                          else f"No es un archivo: {name}")
