"""Load SEACE procurement (OSCE) into the procurement tables: `python -m geodata.seace FILE...`.

Two shapes, told apart by the file's content (not its name), plain or gzipped:
- the CONOSCE open-data CSV (geodata.conosce: the joined contrataciones table, de-duplicated
  by the source's own keys, broken and shifted rows repaired or quarantined);
- OCDS 1.1 release or record packages, JSON or JSON Lines, as OSCE's Contrataciones Abiertas
  publishes them (geodata.ocds: releases compiled per ocid with ocdsmerge).

Each file is one load run (one transaction, quarantine, summary); the links between sources
are rebuilt at the end of the load (of the last file, from the command line; geodata.links)
unless `--sin-enlaces` / relink=False.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import sqlalchemy as sa

from geodata import conosce, gcpause, links, ocds
from geodata.runs import LoaderError, Run, load_files, load_run, run_cli

LOADER = "seace"
_SNIFF = 4096


def kind(path: Path) -> str:
    """'ocds' or 'conosce', from the first bytes of the (decompressed) file."""
    if not path.exists():
        raise LoaderError(f"No existe el archivo: {path}")
    if not path.is_file():
        raise LoaderError(f"No es un archivo: {path}")
    with path.open("rb") as f:
        head = f.read(_SNIFF)
    if not head:
        raise LoaderError(f"El archivo está vacío: {path}")
    if head[:2] == b"\x1f\x8b":
        try:
            with gzip.open(path) as f:
                head = f.read(_SNIFF)
        except (OSError, EOFError) as exc:
            raise LoaderError(f"{path.name}: el archivo gzip está dañado ({exc})") from None
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:1] in (b"{", b"["):
        return "ocds"
    return "conosce"


@gcpause.paused()
def load(path: str | Path, engine: sa.Engine | None = None, relink: bool = True) -> Run:
    """Load one SEACE file (CONOSCE CSV or OCDS package); returns the finished run."""
    path = Path(path)
    found = kind(path)
    source = ocds.SOURCE if found == "ocds" else conosce.SOURCE
    with load_run(LOADER, str(path), engine=engine) as run:
        if found == "ocds":
            ocds.load_into(run, path)
        else:
            conosce.load_into(run, path)
        run.note(f"formato: {'OCDS' if found == 'ocds' else 'CONOSCE (CSV)'} "
                 f"(fuente '{source}')")
        if relink:
            run.at_end(links.relink)
    return run


def main(argv: list[str] | None = None) -> int:
    return load_files(argv, prog="python -m geodata.seace", load=load,
                      description="Carga contrataciones del SEACE (OSCE): el CSV de datos "
                                  "abiertos CONOSCE o paquetes OCDS (JSON o JSON Lines).",
                      files_help="CSV de CONOSCE (.csv o .csv.gz) o paquete OCDS (.json, .jsonl)")


if __name__ == "__main__":
    sys.exit(run_cli(main))
