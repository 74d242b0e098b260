"""A minimal streaming XLSX writer: one sheet of text cells (inline strings), deterministic bytes.

Why not a library: measured on this 2-core machine for 50,000 rows x 54 text columns,
xlsxwriter (constant_memory) took 17.3 s and pyexcelerate 14.7 s, i.e. ~70 s for the 200,000-row
benchmark file, while this writer builds the sheet XML with list joins and streams it into the
zip in ~9 s for 200,000 rows. The package holds only the parts Excel, LibreOffice, openpyxl
and calamine need; every cell carries its reference (r="B5") so readers never guess columns.
Zip entries get a fixed timestamp, so the same rows give the same bytes.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

STAMP = (2026, 1, 1, 0, 0, 0)
COMPRESS_LEVEL = 1   # level 6 makes the 200k file ~15 % smaller but the write ~60 % slower
CHUNK_ROWS = 20_000
SHEET_NAME = "DataSet"

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
<Default Extension="xml" ContentType="application/xml"/>\
<Override PartName="/xl/workbook.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
<Override PartName="/xl/worksheets/sheet1.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\
<Override PartName="/xl/styles.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
</Types>"""
ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
<Relationship Id="rId1" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" \
Target="xl/workbook.xml"/></Relationships>"""
WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
<Relationship Id="rId1" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" \
Target="worksheets/sheet1.xml"/>\
<Relationship Id="rId2" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" \
Target="styles.xml"/></Relationships>"""
STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>\
<fills count="2"><fill><patternFill patternType="none"/></fill>\
<fill><patternFill patternType="gray125"/></fill></fills>\
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>\
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
</styleSheet>"""
SHEET_HEAD = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
<dimension ref="A1:{last}"/><sheetData>"""
SHEET_TAIL = "</sheetData></worksheet>"


def column_letters(count: int) -> list[str]:
    """A, B, ..., Z, AA, AB, ... for the first `count` columns."""
    letters = []
    for index in range(count):
        name, number = "", index + 1
        while number:
            number, rest = divmod(number - 1, 26)
            name = chr(65 + rest) + name
        letters.append(name)
    return letters


def _cells(letter: str, values: Sequence[str], first_row: int, number: bool = False
           ) -> list[str]:
    """One column's cells as XML ('' for an empty cell). Most columns need no escaping and
    no preserved spaces: one scan of the joined texts finds out, and the fast path skips both.
    A `number` column holds numerals ('2233850', '12490195638.88') written as numeric cells,
    as the MEF export writes its CUI, amounts and ubigeo."""
    if number:
        return [f'<c r="{letter}{row}"><v>{v}</v></c>' if v else ""
                for row, v in enumerate(values, start=first_row)]
    joined = "\x00".join(values)
    if any(char in joined for char in "&<>") or joined[:1] == " " or joined[-1:] == " " or (
            "\x00 " in joined or " \x00" in joined):
        return [f'<c r="{letter}{row}" t="inlineStr"><is>{_text(v)}</is></c>' if v else ""
                for row, v in enumerate(values, start=first_row)]
    return [f'<c r="{letter}{row}" t="inlineStr"><is><t>{v}</t></is></c>' if v else ""
            for row, v in enumerate(values, start=first_row)]


def _text(value: str) -> str:
    if value[0] == " " or value[-1] == " ":
        return f'<t xml:space="preserve">{escape(value)}</t>'
    return f"<t>{escape(value)}</t>"


def _rows(columns: Sequence[Sequence[str]], first_row: int, numbers: frozenset[int] = frozenset()
          ) -> Iterable[str]:
    """Row XML, CHUNK_ROWS rows per string; the columns at `numbers` as numeric cells."""
    letters = column_letters(len(columns))
    total = len(columns[0]) if len(columns) else 0
    for begin in range(0, total, CHUNK_ROWS):
        part = [_cells(letter, list(column[begin:begin + CHUNK_ROWS]), first_row + begin,
                       index in numbers)
                for index, (letter, column) in enumerate(zip(letters, columns, strict=True))]
        yield "".join(f'<row r="{first_row + begin + i}">{"".join(cells)}</row>'
                      for i, cells in enumerate(zip(*part, strict=True)))


class SheetWriter:
    """Stream rows into a one-sheet XLSX: `with SheetWriter(path, width, rows) as sheet:
    sheet.append(columns)` with chunks of columns (lists of texts) in row order."""

    def __init__(self, path: Path, width: int, total_rows: int, sheet_name: str = SHEET_NAME):
        self.path, self.width, self.total_rows = path, width, total_rows
        self.sheet_name = sheet_name
        self.next_row = 1

    def __enter__(self) -> SheetWriter:
        self.book = zipfile.ZipFile(self.path, "w", compression=zipfile.ZIP_DEFLATED)
        for name, text in (("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", ROOT_RELS),
                           ("xl/workbook.xml", WORKBOOK.format(name=self.sheet_name)),
                           ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
                           ("xl/styles.xml", STYLES)):
            self.book.writestr(_entry(name), text)
        self.sheet = self.book.open(_entry("xl/worksheets/sheet1.xml"), "w", force_zip64=True)
        last = f"{column_letters(self.width)[-1]}{max(self.total_rows, 1)}"
        self.sheet.write(SHEET_HEAD.format(last=last).encode())
        return self

    def append_rows(self, rows: Sequence[Sequence[str]]) -> None:
        """Rows given as lists of texts (for the few title and header rows)."""
        padded = [[str(v) for v in row] + [""] * (self.width - len(row)) for row in rows]
        self.append([list(column) for column in zip(*padded, strict=True)])

    def append(self, columns: Sequence[Sequence[str]], numbers: Iterable[int] = ()) -> None:
        """Columns of texts in row order; those at the indexes `numbers` hold numerals."""
        for chunk in _rows(columns, self.next_row, frozenset(numbers)):
            self.sheet.write(chunk.encode())
        self.next_row += len(columns[0]) if len(columns) else 0

    def __exit__(self, *exc) -> None:
        self.sheet.write(SHEET_TAIL.encode())
        self.sheet.close()
        self.book.close()


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=STAMP)
    info.compress_type = zipfile.ZIP_DEFLATED
    info._compresslevel = COMPRESS_LEVEL   # Python 3.11's ZipInfo has no public setter
    return info
