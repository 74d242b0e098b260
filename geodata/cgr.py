"""Load CGR control reports (Contraloría's register of published reports) into `control_report`.

`python -m geodata.cgr FILE...` reads the register's CSV as in ../shared/data/cgr/ (columns
región, tipodeservicio, ndeinforme, entidad, títulodelinforme, ..., informe, ficharesumen; see
PROVENANCE.md). Files in another dress load too: UTF-8 with or without BOM, Windows-1252 /
Latin-1, ',', ';' or tab separated, headers with or without accents and spaces ("Título del
informe"), extra columns (ignored, named in the summary).

Rules, each stated in the summary when it applies:
- the key is the report's id in the register, the token after the PDF URL in `informe`
  (2019CPO032800032); a row without one is keyed by region + report number ("15:001-2020-...")
  and counted;
- the region name gives `region_ubigeo` through the `area` table (accents, case, "P. C. DEL
  CALLAO" = Callao, "LIMA METROPOLITANA" = Lima); a region that matches none is quarantined,
  since without it a municipality's entity cannot be told from its namesakes;
- persons with presumed responsibility must be a whole number >= 0 and dates real dates, else
  the row is quarantined with the column and the value;
- `pdf_url` and `summary_url` keep only http(s) URLs. A link that is not one is NOT stored as a
  link and the report is still loaded (its figures are sound): the summary (and the run's
  message) lists the reports and the rejected texts;
- a row repeating another's id with the same values is an explained duplicate
  (`run.duplicate`); with different values it is quarantined naming the fields that differ, and
  the first row in the file is kept;
- `source_date` is the latest publication date in the file (the register as of then).

The register has no CUI column: geodata.links joins a report to its entity (entity + region
for a municipality), to the investment and works of a CUI its title writes, and, as a
candidate, to a work of its entity whose name the title repeats (`nombre_similar`). The
command line checks every file before loading any and rebuilds the links once, after the last.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

from geodata.names import loose_key, name_key
from geodata.parsing import clean_text, fold, parse_date, parse_int
from geodata.runs import LoaderError, Run, load_files, load_run, progress, run_cli
from geodata.sheets import Sheet, open_sheet
from geodata.upsert import upsert

LOADER = "cgr"
SOURCE = "cgr"
# Enough to find the header row and the separator; the other columns are matched below.
FIND_HEADER = ("entidad",)
# Table column -> the header keys it takes (regular expressions over the header folded to
# letters and digits: "Nº de informe" -> "nodeinforme", "Título del informe" -> "titulodelinforme").
HEADERS: dict[str, str] = {
    "region_name": r"region|departamento|regiondelaentidad",
    "service_type": r"tipo(de)?servicio.*",
    "number": r"(n|no|nro|ndeg|num|numero)(de)?(l)?informe",
    "entity_name": r"(nombre)?(de)?(la)?entidad(auditada)?",
    "title": r"titulo.*|asunto",
    "event": r"evento",
    "operation": r"operativo",
    "persons_responsible": r".*personas.*",
    "responsibility_type": r"tipo(de)?responsabilidad",
    "issued_date": r"fecha(de)?emision",
    "concluded_date": r"fecha(de)?conclusion",
    "published_date": r"fecha(de)?publicacion",
    "report": r"informe|(enlace|url|link)(del)?informe|informepdf",
    "summary_url": r"(enlace|url|link)?(de)?(la)?ficha(de)?resumen|resumen",
}
REQUIRED = ("region_name", "number", "entity_name")
DATES = ("issued_date", "concluded_date", "published_date")
COLUMNS = ("id", "number", "region_name", "region_ubigeo", "entity_name", "service_type",
           "title", "event", "operation", "persons_responsible", "responsibility_type",
           "issued_date", "concluded_date", "published_date", "pdf_url", "summary_url",
           "source", "source_date", "load_run_id")
LABELS = {"persons_responsible": "personas con presunta responsabilidad",
          "issued_date": "fecha de emisión", "concluded_date": "fecha de conclusión",
          "published_date": "fecha de publicación", "pdf_url": "enlace del informe",
          "summary_url": "ficha resumen", "entity_name": "entidad", "title": "título",
          "region_name": "región", "number": "nº de informe"}
_REPORT_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]{3,}")
_REGION_PREFIX = re.compile(r"^(gobierno regional( de(l)?)?|region|departamento( de)?) ")
NOTE_IDS = 10   # reports named per summary note


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold(header))


@dataclass(frozen=True)
class Columns:
    """Where each table column is in this file's rows, and the headers not used."""

    index: dict[str, int]
    headers: list[str]
    unused: list[str]

    @classmethod
    def of(cls, headers: Sequence[str], name: str) -> Columns:
        index: dict[str, int] = {}
        unused = []
        for i, header in enumerate(headers):
            key = _key(header)
            column = next((c for c, pattern in HEADERS.items() if re.fullmatch(pattern, key)),
                          None)
            if column and column not in index:
                index[column] = i
            elif header:
                unused.append(header)
        if missing := [LABELS.get(c, c) for c in REQUIRED if c not in index]:
            raise LoaderError(f"{name}: faltan columnas obligatorias: {', '.join(missing)}")
        return cls(index, list(headers), unused)

    def cell(self, cells: Sequence[Any], column: str) -> Any:
        i = self.index.get(column)
        return cells[i] if i is not None and i < len(cells) else None

    def raw(self, cells: Sequence[Any]) -> dict[str, Any]:
        """The row as it is in the file (header -> cell), for the quarantine."""
        named = zip(self.headers, cells, strict=False)
        raw = {h or f"columna {i + 1}": c for i, (h, c) in enumerate(named) if c not in (None, "")}
        raw.update({f"columna {i + 1}": c for i, c in enumerate(cells)
                    if i >= len(self.headers) and c not in (None, "")})
        return raw


class Regions:
    """Region name as CGR writes it -> two-digit ubigeo, from the `area` table."""

    def __init__(self, conn: sa.Connection):
        self.by_key: dict[str, str] = {}
        for ubigeo, name in conn.execute(sa.text(
                "SELECT ubigeo, name FROM area WHERE level = 1")).all():
            self.by_key[name_key(name)] = ubigeo
            self.by_key[loose_key(name)] = ubigeo
        if not self.by_key:
            raise LoaderError("la tabla de áreas está vacía: cargue antes las regiones "
                              "(python -m geodata.boundaries)")

    def __call__(self, name: str) -> str | None:
        key = name_key(name)
        bare = name_key(_REGION_PREFIX.sub("", key))
        return self.by_key.get(key) or self.by_key.get(bare) or self.by_key.get(loose_key(bare))


def http_url(text: str | None) -> bool:
    """An absolute http(s) URL with a host and no spaces."""
    if not text or any(c.isspace() for c in text):
        return False
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and "." in (parts.hostname or "")


def split_report(cell: Any) -> tuple[str | None, str | None]:
    """`informe` -> (link text, report id): 'https://.../X_ADJUNTO.pdf 2019CPO032800032'."""
    text = clean_text(cell)
    if text is None:
        return None, None
    links, ids = [], []
    for token in text.split(" "):
        is_link = "://" in token or token.lower().startswith(("www.", "http"))
        (links if is_link or not _REPORT_ID.fullmatch(token) else ids).append(token)
    return (" ".join(links) or None), (ids[-1] if ids else None)


class Problem(ValueError):
    """Why a row is quarantined: a code and a Spanish sentence."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code


@dataclass
class Notes:
    """What the summary says about rows that were loaded."""

    fallback_ids: list[str]
    bad_links: list[str]
    unused: list[str]
    date_order: list[str]

    def lines(self) -> Iterable[str]:
        if self.fallback_ids:
            yield (f"informes sin id del registro en «informe»: {len(self.fallback_ids):,}; "
                   f"clave = región:nº de informe ({_some(self.fallback_ids)})")
        if self.bad_links:
            yield (f"enlaces que no son URL http(s), no guardados como enlace: "
                   f"{len(self.bad_links):,} ({_some(self.bad_links)})")
        if self.date_order:
            yield (f"calidad de datos — emitidos después de concluidos o concluidos después de "
                   f"publicados: {len(self.date_order):,} informes ({_some(self.date_order)})")
        if self.unused:
            yield f"columnas no usadas: {', '.join(self.unused)}"


def _some(items: Sequence[str]) -> str:
    return ", ".join(items[:NOTE_IDS]) + (" …" if len(items) > NOTE_IDS else "")


def load(path: str | Path, engine: sa.Engine | None = None, relink: bool = True) -> Run:
    """Load one register file; returns the finished run (rows read = loaded + updated +
    unchanged + quarantined + duplicates)."""
    sheet, columns = _open(path)
    with load_run(LOADER, str(path), engine=engine, refresh_views=False) as run:
        notes = Notes([], [], columns.unused, [])
        regions = Regions(run.conn)
        kept = _read(run, progress(sheet.rows, total=sheet.total, desc="informes"), columns,
                     regions, notes)
        when = max((r["published_date"] for r in kept.values() if r["published_date"]),
                   default=None)
        run.conn.execute(sa.text("UPDATE load_run SET source_date = :d WHERE id = :id"),
                         {"d": when, "id": run.id})
        rows = ([r.get(c) for c in COLUMNS] for r in
                ({**r, "source": SOURCE, "source_date": when, "load_run_id": run.id}
                 for r in kept.values()))
        run.count(*upsert(run.conn, "control_report", ("id",), COLUMNS, rows))
        for line in notes.lines():
            run.note(line)
        if relink:
            from geodata import links
            run.at_end(links.relink)
    return run


def _open(path: str | Path) -> tuple[Sheet, Columns]:
    """The file's rows and where each column is; a LoaderError if it is not a register."""
    sheet = open_sheet(path, FIND_HEADER)
    return sheet, Columns.of(sheet.headers, sheet.path.name)


def _read(run: Run, rows: Iterable[tuple[int, list[Any]]], columns: Columns, regions: Regions,
          notes: Notes) -> dict[str, dict[str, Any]]:
    """The rows to write, by report id, in file order; the rest quarantined or counted."""
    kept: dict[str, dict[str, Any]] = {}
    first_row: dict[str, int] = {}
    for number, cells in rows:
        if all(c in (None, "") for c in cells):
            continue
        run.rows_read += 1
        try:
            record, flags = _record(cells, columns, regions)
        except Problem as problem:
            run.quarantine(number, problem.code, str(problem), columns.raw(cells),
                           clean_text(columns.cell(cells, "number")))
            continue
        key = record["id"]
        if (earlier := kept.get(key)) is not None:
            if differ := [c for c in record if record[c] != earlier[c]]:
                shown = "; ".join(f"{LABELS.get(c, c)}: {earlier[c]!s} ≠ {record[c]!s}"
                                  for c in differ)
                run.quarantine(number, "informe_repetido_distinto",
                               f"informe {key} repetido con datos distintos ({shown}); se "
                               f"conserva la fila {first_row[key]}", columns.raw(cells), key)
            else:
                run.duplicate("informe_repetido")
            continue
        kept[key], first_row[key] = record, number
        _tally(record, flags, notes)
    return kept


def _tally(record: dict[str, Any], flags: dict[str, Any], notes: Notes) -> None:
    key = record["id"]
    if "fallback_id" in flags:
        notes.fallback_ids.append(key)
    notes.bad_links += [f"{key}: {text!r}" for text in flags.get("bad_links", ())]
    dates = [record[c] for c in DATES if record[c] is not None]
    if dates != sorted(dates):
        notes.date_order.append(key)


def _record(cells: Sequence[Any], columns: Columns, regions: Regions
            ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The row as a control_report record, and what the summary should say about it
    (an id made from region + number, links that are not URLs); a Problem if it cannot load."""
    if len(cells) > len(columns.headers) and any(
            clean_text(c) for c in cells[len(columns.headers):]):
        raise Problem("columnas_de_mas", f"la fila tiene {len(cells)} columnas y el encabezado "
                                         f"{len(columns.headers)} (¿separador dentro de un campo?)")
    text = {c: clean_text(columns.cell(cells, c)) for c in HEADERS}
    for column in REQUIRED:
        if text[column] is None:
            raise Problem("falta_dato", f"falta el dato obligatorio «{LABELS[column]}»")
    region = regions(text["region_name"])
    if region is None:
        raise Problem("region_desconocida", f"región no reconocida: {text['region_name']!r}")
    record: dict[str, Any] = {c: text[c] for c in (
        "number", "region_name", "entity_name", "service_type", "title", "event", "operation",
        "responsibility_type")}
    record["region_ubigeo"] = region
    record["persons_responsible"] = _persons(text["persons_responsible"])
    for column in DATES:
        try:
            record[column] = parse_date(text[column])
        except ValueError as exc:
            raise Problem("fecha_invalida", f"{LABELS[column]}: {exc}") from None
    link, report_id = split_report(text["report"])
    flags: dict[str, Any] = {}
    if report_id is None:
        report_id = f"{region}:{text['number']}"
        flags["fallback_id"] = True
    record["id"] = report_id
    flags["bad_links"] = [t for t in (link, text["summary_url"]) if t and not http_url(t)]
    record["pdf_url"] = link if http_url(link) else None
    record["summary_url"] = text["summary_url"] if http_url(text["summary_url"]) else None
    return record, flags


def _persons(text: str | None) -> int | None:
    try:
        persons = parse_int(text)
    except ValueError:
        persons = -1
    if persons is not None and not 0 <= persons < 10_000:
        raise Problem("personas_invalido", f"{LABELS['persons_responsible']}: se espera un "
                                           f"número entero de 0 o más, no {text!r}")
    return persons


def main(argv: list[str] | None = None) -> int:
    return load_files(argv, prog="python -m geodata.cgr", load=load, check=_open,
                      description="Carga informes de control publicados por la Contraloría "
                                  "(CGR) en la tabla de informes de control.",
                      files_help="CSV del registro de informes publicados (uno o más)")


if __name__ == "__main__":
    sys.exit(run_cli(main))
