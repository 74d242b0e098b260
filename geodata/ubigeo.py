"""Loader 2 of the INEI areas: population, capitals and the missing surfaces.

Runs after `geodata.boundaries`, which creates the areas. From the INEI 2025 district table it
takes each district's projected population and legal capital, and sums the population into
provinces and regions; from the 'aumentado' tables it takes the capital of provinces and
regions, and the surface (km²) of the districts that have no polygon. Rows that name no known
area (legacy codes, a row without INEI code) go to quarantine with the reason.

    python -m geodata.ubigeo [--dir DIR]
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from geodata.parsing import clean_text, fold
from geodata.runs import LoaderError, Parser, Run, load_run, run_cli
from geodata.sheets import open_sheet

DEFAULT_DIR = Path(__file__).resolve().parent / "data"
INEI_TABLE = Path("ubigeo/ubigeo_distritos_inei_2025.csv")
DISTRICT_EXTRA = Path("ubigeo/ubigeo_distrito_aumentado.csv")
PROVINCE_EXTRA = Path("ubigeo/ubigeo_provincia_aumentado.csv")
REGION_EXTRA = Path("ubigeo/ubigeo_departamento_aumentado.csv")
INEI_COLUMNS = ("ubigeo", "departamento", "provincia", "distrito", "capital_legal",
                "poblacion_proyectada_2025", "latitud", "longitud")
EXTRA_COLUMNS = ("inei", "capital", "superficie")
POPULATION_DATE = date(2025, 6, 30)   # INEI "Población Total Proyectada al 30/06/2025"

# SQL types of the columns this loader writes (for jsonb_to_recordset).
_TYPES = {"population": "integer", "capital": "text", "area_km2": "double precision"}

Record = tuple[int, dict[str, str | None]]   # (1-based row number in the file, cells)


def read_table(path: Path, required: Sequence[str]) -> list[Record]:
    """The rows of a CSV as dicts keyed by its headers (required ones by their canonical name).

    A missing, empty, unreadable or wrongly shaped file is a LoaderError with one clear line.
    """
    sheet = open_sheet(path, required)
    canonical = {fold(name): name for name in required}
    headers = [canonical.get(fold(h), h) for h in sheet.headers]
    rows = [(number, {h: clean_text(v) for h, v in zip(headers, cells, strict=False)})
            for number, cells in sheet.rows if any(clean_text(v) for v in cells)]
    if not rows:
        raise LoaderError(f"{Path(path).name} no tiene filas de datos (solo el encabezado)")
    return rows


def parse_ubigeo(value: str | None, level: int) -> str:
    """The INEI code of an area of `level` (1-3). Accepts the 6-digit padded form of provinces
    and regions ('010100' = 0101) and a code that lost its leading zero in a spreadsheet."""
    text = (value or "").strip()
    if not (text.isdigit() and text.isascii()):
        raise ValueError(f"el ubigeo «{text[:20]}» no es un código numérico")
    if len(text) % 2:
        text = "0" + text
    width = 2 * level
    if len(text) == 6 and text[width:] == "0" * (6 - width):
        text = text[:width]
    if len(text) != width:
        raise ValueError(f"el ubigeo «{value}» no tiene {width} dígitos")
    return text


def parse_number(value: str | None, what: str, minimum: float = 0) -> float:
    """A plain decimal number (these tables write '153.78'); ValueError in Spanish otherwise."""
    if value is None:
        raise ValueError(f"{what} no tiene dato")
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{what} no es un número: «{value}»") from None
    if not number >= minimum:   # also rejects NaN
        raise ValueError(f"{what} fuera de rango: {value}")
    return number


def load(engine: sa.Engine | None = None, data_dir: str | Path = DEFAULT_DIR) -> Run:
    """Fill population, capitals and missing surfaces of the areas; returns the finished Run."""
    data_dir = Path(data_dir)
    with load_run("ubigeo", str(data_dir / "ubigeo"), POPULATION_DATE, engine) as run:
        polygons = dict(run.conn.execute(sa.text(
            "SELECT ubigeo, geom IS NOT NULL FROM area")).all())
        if not polygons:
            raise LoaderError("No hay áreas cargadas: ejecute primero "
                              "«python -m geodata.boundaries».")
        changes = _Changes(run, polygons)
        changes.apply(("population", "capital"),
                      _districts(run, read_table(data_dir / INEI_TABLE, INEI_COLUMNS), changes))
        changes.apply(("area_km2",), _surfaces(
            run, read_table(data_dir / DISTRICT_EXTRA, EXTRA_COLUMNS), changes))
        for level, path in ((2, PROVINCE_EXTRA), (1, REGION_EXTRA)):
            changes.apply(("capital",), _capitals(
                read_table(data_dir / path, EXTRA_COLUMNS[:2]), level, changes))
        changes.sum_population()
        changes.finish()
    return run


class _Changes:
    """The areas this load writes, and which of them actually changed."""

    def __init__(self, run: Run, polygons: dict[str, bool]):
        self.run, self.polygons = run, polygons
        self.touched: set[str] = set()
        self.changed: set[str] = set()
        self.seen: dict[tuple[str, str], int] = {}

    def match(self, record: Record, column: str, level: int, source: str) -> str | None:
        """The area a row names, or None after quarantining the row with the reason."""
        number, raw = record
        self.run.rows_read += 1
        if not raw.get(column):
            self.run.quarantine(number, "sin_codigo_inei",
                                f"{source}: la fila no tiene código INEI.", raw)
            return None
        try:
            code = parse_ubigeo(raw[column], level)
        except ValueError as exc:
            self.run.quarantine(number, "ubigeo_invalido", f"{source}: {exc}.", raw, raw[column])
            return None
        if code not in self.polygons:
            self.run.quarantine(number, "ubigeo_sin_area",
                                f"{source}: el ubigeo {code} no corresponde a ningún área "
                                "INEI vigente (código antiguo o inexistente).", raw, code)
            return None
        if (source, code) in self.seen:
            self.run.quarantine(number, "ubigeo_duplicado",
                                f"{source}: el ubigeo {code} ya apareció en la fila "
                                f"{self.seen[source, code]}.", raw, code)
            return None
        self.seen[source, code] = number
        return code

    def apply(self, names: Sequence[str], rows: list[dict[str, Any]]) -> None:
        """Write the `names` columns of the listed areas, leaving equal values untouched."""
        spec = ", ".join(f"{c} {_TYPES[c]}" for c in names)
        changed = self.run.conn.execute(sa.text(
            f"UPDATE area a SET {', '.join(f'{c} = s.{c}' for c in names)} "
            f"FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS s(ubigeo text, {spec}) "
            f"WHERE a.ubigeo = s.ubigeo AND ({', '.join(f'a.{c}' for c in names)}) "
            f"IS DISTINCT FROM ({', '.join(f's.{c}' for c in names)}) RETURNING a.ubigeo"),
            {"rows": json.dumps(rows, ensure_ascii=False)}).scalars()
        self.changed.update(changed)
        self.touched.update(r["ubigeo"] for r in rows)

    def sum_population(self) -> None:
        """Provinces and regions hold the sum of their districts' population."""
        changed = self.run.conn.execute(sa.text(
            "UPDATE area a SET population = s.population"
            " FROM (SELECT p.ubigeo, sum(d.population)::integer AS population"
            "       FROM area p JOIN area d"
            "         ON d.level = 3 AND left(d.ubigeo, 2 * p.level) = p.ubigeo"
            "       WHERE p.level < 3 GROUP BY p.ubigeo) s"
            " WHERE a.ubigeo = s.ubigeo AND a.population IS DISTINCT FROM s.population"
            " RETURNING a.ubigeo")).scalars()
        self.changed.update(changed)
        self.touched.update(u for u in self.polygons if len(u) < 6)

    def finish(self) -> None:
        self.run.count(0, len(self.changed), len(self.touched - self.changed))
        national, districts, missing = self.run.conn.execute(sa.text(
            "SELECT sum(population), count(*), count(*) FILTER (WHERE population IS NULL)"
            " FROM area WHERE level = 3")).one()
        self.run.note(f"población proyectada 2025: {national or 0:,} habitantes en "
                      f"{districts:,} distritos ({missing} sin dato); provincias y regiones "
                      "suman la de sus distritos")


def _districts(run: Run, records: Iterable[Record], changes: _Changes) -> list[dict[str, Any]]:
    rows = []
    for record in records:
        code = changes.match(record, "ubigeo", 3, INEI_TABLE.name)
        if code is None:
            continue
        number, raw = record
        try:
            population = int(parse_number(raw["poblacion_proyectada_2025"], "la población"))
        except ValueError as exc:
            run.quarantine(number, "poblacion_invalida", f"{INEI_TABLE.name}: {exc}.", raw, code)
            continue
        rows.append({"ubigeo": code, "population": population, "capital": raw["capital_legal"]})
    return rows


def _surfaces(run: Run, records: Iterable[Record], changes: _Changes) -> list[dict[str, Any]]:
    """Surfaces from the table, only for the districts without a polygon to measure."""
    rows = []
    for record in records:
        code = changes.match(record, "inei", 3, DISTRICT_EXTRA.name)
        if code is None or changes.polygons[code]:
            continue
        number, raw = record
        try:
            area_km2 = parse_number(raw["superficie"], "la superficie")
        except ValueError as exc:
            run.quarantine(number, "superficie_invalida", f"{DISTRICT_EXTRA.name}: {exc}.",
                           raw, code)
            continue
        rows.append({"ubigeo": code, "area_km2": area_km2})
    return rows


def _capitals(records: Iterable[Record], level: int, changes: _Changes) -> list[dict[str, Any]]:
    source = (PROVINCE_EXTRA if level == 2 else REGION_EXTRA).name
    return [{"ubigeo": code, "capital": record[1]["capital"]} for record in records
            if (code := changes.match(record, "inei", level, source)) is not None]


def command(load: Callable[..., Run], module: str, description: str, contents: str
            ) -> Callable[[list[str] | None], int]:
    """A loader's command line: prints the run's summary; `--dir` reads other files."""
    def main(argv: list[str] | None = None) -> int:
        parser = Parser(prog=f"python -m {module}", description=description)
        parser.add_argument("--dir", type=Path, default=DEFAULT_DIR,
                            help=f"carpeta con {contents} (por defecto, los datos incluidos)")
        print(load(data_dir=parser.parse_args(argv).dir).summary())
        return 0
    return main


main = command(load, "geodata.ubigeo",
               "Carga población 2025, capitales y superficies de las áreas INEI.", "ubigeo/*.csv")


if __name__ == "__main__":
    raise SystemExit(run_cli(main))
