"""Read a works spreadsheet (.xlsx/.xls/.ods or .csv) as a header plus numbered rows.

Excel files are read with calamine (Rust): a 200,000-row INFObras export takes seconds where
openpyxl takes minutes. CSV files may come in UTF-8, UTF-16 or Windows-1252 and with ',', ';'
or tab separators. The header need not be on row 1 (the INFObras export has three title rows):
it is the first of the top rows that holds the required columns. Every problem with the file
itself is a LoaderError with one clear Spanish line.
"""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import python_calamine

from geodata.parsing import clean_text, fold
from geodata.runs import LoaderError

HEADER_SCAN_ROWS = 20
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}
_MAGIC = {b"PK\x03\x04": "xlsx", b"\xd0\xcf\x11\xe0": "xls"}
_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF")
_ENCODINGS = ("utf-8", "cp1252")
_DELIMITERS = (",", ";", "\t", "|")
_CSV_ERRORS = {"field larger than field limit": "un campo demasiado largo (¿comillas sin cerrar?)",
               "unexpected end of data": "el archivo termina dentro de un campo entre comillas"}


@dataclass
class Sheet:
    """A file's header (row `header_row`, 1-based), the title rows above it and its data rows
    as (1-based row number in the file, cells)."""

    path: Path
    header_row: int
    headers: list[str]
    titles: list[str] = field(default_factory=list)
    rows: Iterator[tuple[int, list[Any]]] = iter(())
    total: int | None = None                # data rows, when known before iterating


def open_sheet(path: str | Path, required: Sequence[str]) -> Sheet:
    """Open `path` and find its header: the top row with the most `required` columns."""
    path = Path(path)
    if not path.exists():
        raise LoaderError(f"No existe el archivo: {path}")
    if not path.is_file():
        raise LoaderError(f"No es un archivo: {path}")
    head = path.open("rb").read(8)
    if not head:
        raise LoaderError(f"El archivo está vacío: {path}")
    kind = _kind(path, head)
    rows = _excel_rows(path, kind) if kind != "csv" else _csv_rows(path, required)
    return _with_header(path, rows, required)


def _kind(path: Path, head: bytes) -> str:
    for magic, kind in _MAGIC.items():
        if head.startswith(magic):
            return kind
    if head.startswith(_IMAGE_MAGIC):
        raise LoaderError(f"{path.name} no es una hoja de cálculo ni un CSV (parece una imagen o "
                          "un PDF)")
    if path.suffix.lower() in EXCEL_SUFFIXES and path.suffix.lower() != ".ods":
        raise LoaderError(f"{path.name} no es un archivo Excel válido (contenido no reconocido)")
    return "csv"


def _excel_rows(path: Path, kind: str) -> tuple[int, Iterator[list[Any]], int]:
    """(number of the first row, rows, row count) of the first sheet."""
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        sheet = book.get_sheet_by_index(0)
    except Exception as exc:  # calamine raises its own types for every kind of damage
        raise LoaderError(f"{path.name} no se puede leer como hoja de cálculo ({kind} dañado o "
                          f"de otro tipo; detalle: {str(exc).splitlines()[0][:200]})") from None
    if sheet.height == 0:
        raise LoaderError(f"El archivo está vacío: {path}")
    return sheet.start[0] + 1, iter(sheet.iter_rows()), sheet.height


def _csv_rows(path: Path, required: Sequence[str]) -> tuple[int, Iterator[list[Any]], None]:
    text = _decode(path)
    delimiter = _delimiter(text, required)
    return 1, _checked(path, csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)), None


def _checked(path: Path, reader: Any) -> Iterator[list[str]]:
    """The CSV's rows; damage found half-way (a runaway quoted field) is a
    LoaderError naming the line, raised inside the load's transaction, so nothing is kept."""
    try:
        yield from reader
    except csv.Error as exc:
        raise LoaderError(f"{path.name}: CSV dañado cerca de la línea {reader.line_num}: "
                          f"{_CSV_ERRORS.get(str(exc).split(' (')[0], str(exc))}") from None


def _decode(path: Path) -> str:
    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:65536]:
        raise LoaderError(f"{path.name} no es un archivo de texto CSV: contiene bytes nulos "
                          "(¿archivo binario, o UTF-16 sin marca BOM?)")
    for encoding in _ENCODINGS:
        try:
            return data.decode(encoding).removeprefix("\ufeff")
        except UnicodeDecodeError:
            continue
    raise LoaderError(f"{path.name}: codificación no reconocida (se espera UTF-8 o "
                      "Windows-1252)")


def _delimiter(text: str, required: Sequence[str]) -> str:
    """The separator under which the top rows show the most required columns."""
    top = "\n".join(text.splitlines()[:HEADER_SCAN_ROWS])
    scores = {}
    for delimiter in _DELIMITERS:
        rows = []
        with contextlib.suppress(csv.Error):   # damage is reported when the rows are read
            rows.extend(csv.reader(io.StringIO(top), delimiter=delimiter))
        scores[delimiter] = max((_score(row, required) for row in rows), default=0)
    return max(_DELIMITERS, key=lambda d: scores[d])


def _score(cells: Sequence[Any], required: Sequence[str]) -> int:
    folded = {fold(c) for c in cells if c is not None}
    return sum(fold(name) in folded for name in required)


def _with_header(path: Path, source: tuple[int, Iterator[list[Any]], int | None],
                 required: Sequence[str]) -> Sheet:
    first, rows, height = source
    top: list[list[Any]] = []
    for row in rows:
        top.append(row)
        if _score(row, required) == len(required) or len(top) >= HEADER_SCAN_ROWS:
            break
    if not top:
        raise LoaderError(f"El archivo está vacío: {path}")
    best = max(range(len(top)), key=lambda i: _score(top[i], required))
    found = {fold(c) for c in top[best] if c is not None}
    missing = [name for name in required if fold(name) not in found]
    if missing:
        raise LoaderError(f"{path.name}: faltan columnas obligatorias: {', '.join(missing)}")
    headers = [clean_text(c) or "" for c in top[best]]
    titles = [t for row in top[:best] for c in row if (t := clean_text(c))]
    header_row = first + best
    numbered = ((header_row + 1 + i, row) for i, row in enumerate(rows))
    total = None if height is None else height - (best + 1)
    return Sheet(path, header_row, headers, titles, numbered, total)
