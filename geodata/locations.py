"""The geolocation file of INFObras works (`python -m geodata.infobras EXPORT --coords FILE`).

Why a file of its own: the INFObras export has no coordinates (only an address and "exacta /
referencial"), while INFObras publishes each work's point on the work's page, from INFObras or,
failing that, from Invierte.pe (see COORDS_COLUMNS in geodata/infobras_format.py). A work with
a usable point is placed on it (geom_source 'surveyed'), with the district that contains it
(coords_ubigeo) and the location-mismatch flag, exactly as the paralysed-works loader does; a
work without one stays on its district's capital.

Every row of the file is used or quarantined with its reason (codes 'ubicacion_...'): empty,
zero, swapped or out-of-Peru coordinates, a point no district contains or lies near (the sea,
a neighbouring country), a repeated code, a code whose work this load does not write. A
quarantined point never removes a work: the work keeps its capital.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from geodata import works
from geodata.infobras_format import COORDS_COLUMNS
from geodata.names import PointDistrict, districts_at
from geodata.runs import Run, progress
from geodata.sheets import Sheet
from geodata.works import Layout, Problem

KIND = "ubicacion"
COLUMNS = dict(zip(COORDS_COLUMNS, ("infobras_code", "latitude", "longitude", "coords_source"),
                   strict=True))
REQUIRED = COORDS_COLUMNS[:3]


@dataclass(slots=True)
class Surveyed:
    """A usable point of the file: its row, (lon, lat), the district it falls in, its source."""

    row_number: int
    point: tuple[float, float]
    at: PointDistrict
    source: str | None
    raw: dict[str, Any]


def read(run: Run, sheet: Sheet) -> dict[int, Surveyed]:
    """The usable point of each INFObras code; every other row goes to quarantine. The
    districts of all the points are found in one query."""
    layout = Layout.of(sheet.headers, COLUMNS)
    name = sheet.path.name
    found: dict[int, tuple[int, tuple[float, float], str | None, dict[str, Any]]] = {}
    read_rows = 0
    for row_number, cells in progress(sheet.rows, total=sheet.total, desc="ubicaciones"):
        if all(c in (None, "") for c in cells):
            continue
        read_rows += 1
        record, problems = layout.read(cells)
        problems += works.missing(record, ("infobras_code",), layout)
        raw = {"archivo": name, **layout.raw(cells)}
        point = None
        if not problems:
            point, problem = works.surveyed_point(record.get("longitude"), record.get("latitude"))
            problems += [problem] if problem else []
        if problems or point is None:
            works.quarantine_row(run, row_number, problems, raw, record, name, KIND)
            continue
        code = record["infobras_code"]
        if (other := found.get(code)) is not None:
            works.quarantine_row(run, other[0], [Problem(
                "duplicado", f"código {code} repetido (filas {other[0]} y {row_number}): se "
                             f"conserva la fila {row_number}")], other[3], record, name, KIND)
        found[code] = (row_number, point, record.get("coords_source"), raw)
    points: dict[int, Surveyed] = {}
    located = districts_at(run.conn, [entry[1] for entry in found.values()])
    for (code, (row_number, point, source, raw)), at in zip(found.items(), located, strict=True):
        if at.ubigeo is None:
            works.quarantine_row(run, row_number, [works.far_from_districts(at)], raw,
                                 {"infobras_code": code}, name, KIND)
            continue
        points[code] = Surveyed(row_number, point, at, source, raw)
    run.note(f"ubicaciones {name}: {read_rows:,} filas leídas, {len(points):,} puntos "
             "utilizables")
    return points


def keep_loaded(run: Run, points: dict[int, Surveyed], loaded: Collection[int],
                seen: Collection[int], name: str) -> None:
    """Quarantine (and forget) the points of works this load does not write: codes absent
    from the export, and works whose export row is itself in quarantine."""
    for code in [c for c in points if c not in loaded]:
        surveyed = points.pop(code)
        problem = (Problem("obra_en_cuarentena", f"la obra {code} no se cargó: su fila de la "
                                                 "exportación está en cuarentena")
                   if code in seen else
                   Problem("obra_desconocida", f"obra no cargada: el código {code} no está en "
                                               "la exportación"))
        works.quarantine_row(run, surveyed.row_number, [problem], surveyed.raw,
                             {"infobras_code": code}, name, KIND)


def place(record: dict[str, Any], surveyed: Surveyed) -> None:
    """Put the work on its surveyed point, saying where the point came from."""
    works.set_point(record, surveyed.point, surveyed.at)
    record["extra"]["fuente_coordenadas"] = surveyed.source
