"""Loader 1 of the INEI areas: regions, provinces and districts with their polygons.

Reads the three GeoJSON levels (latam-atlas, derived from IDEP/INEI), repairs invalid polygons,
and names every area with the official Title Case names of the INEI 2025 table ("Áncash", not
"ANCASH"), which also gives each district's capital point. The districts of that table with no
polygon (collapsed or missing in the source) are added as capital points, flagged `no_polygon`.
A row whose parent area is missing is quarantined: the chain district -> province -> region
always holds. `geom_display` is the polygon simplified per level for the maps; `area_km2` is
measured on the spheroid. Population and capitals' names come next, from `geodata.ubigeo`.

    python -m geodata.boundaries [--dir DIR]
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import shapely
import sqlalchemy as sa
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from geodata import ubigeo
from geodata.runs import LoaderError, Run, load_run, run_cli
from geodata.upsert import upsert
from queries.areas_geojson import areas_geojson_stmt

DEFAULT_DIR = ubigeo.DEFAULT_DIR
LEVEL_FILES = {1: Path("boundaries/peru_departamentos.geojson"),
               2: Path("boundaries/peru_provincias.geojson"),
               3: Path("boundaries/peru_distritos.geojson")}
LEVEL_NAMES = {1: "regiones", 2: "provincias", 3: "distritos"}
LEVEL_NOUNS = {1: "región", 2: "provincia", 3: "distrito"}
# geom_display = ST_SimplifyPreserveTopology(geom, tolerance in degrees). Each tolerance moves a
# border by under a third of a pixel where the level is drawn whole (regions on the national map,
# provinces on a region, districts on a province), so neighbours' shared borders still meet.
TOLERANCES = {1: 0.01, 2: 0.005, 3: 0.002}
SOURCE_DISTRICTS = 1890   # district features of the latam-atlas TopoJSON (data/ATTRIBUTION.md)
PERU_BOUNDS = (-81.5, -18.5, -68.5, 0.1)   # west, south, east, north: capitals must be inside

COLUMNS = ("ubigeo", "level", "name", "parent", "region_name", "province_name", "geom",
           "geom_display", "capital_point", "geom_source", "flags")
MEASURED = (*COLUMNS, "area_km2")   # area_km2 of districts without polygon is geodata.ubigeo's


@dataclass
class Area:
    """One row of `area` as this loader writes it (geometries as hex EWKB)."""

    ubigeo: str
    name: str
    region_name: str
    province_name: str | None
    geom: str | None = None
    capital_point: str | None = None
    flags: list[str] = field(default_factory=list)
    geom_display: str | None = None
    area_km2: float | None = None

    @property
    def level(self) -> int:
        return len(self.ubigeo) // 2

    @property
    def parent(self) -> str | None:
        return self.ubigeo[:-2] or None

    @property
    def geom_source(self) -> str:
        return "polygon" if self.geom else "capital_point"

    def row(self, columns: Sequence[str]) -> tuple:
        return tuple(getattr(self, c) for c in columns)


@dataclass
class Directory:
    """The INEI 2025 table as this loader needs it: names per code, capital point per district."""

    names: dict[str, tuple[str, str, str | None]] = field(default_factory=dict)
    capitals: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def read(cls, run: Run, path: Path) -> Directory:
        directory = cls()
        for number, raw in ubigeo.read_table(path, ubigeo.INEI_COLUMNS):
            try:
                code = ubigeo.parse_ubigeo(raw["ubigeo"], 3)
            except ValueError as exc:
                run.quarantine(number, "ubigeo_invalido", f"{path.name}: {exc}.", raw,
                               raw["ubigeo"])
                continue
            if code in directory.capitals:
                run.quarantine(number, "ubigeo_duplicado",
                               f"{path.name}: el ubigeo {code} aparece más de una vez.", raw, code)
                continue
            directory.add(code, raw, run)
            directory.capitals[code] = _capital_point(raw)
            if directory.capitals[code] is None:
                run.quarantine(number, "coordenadas_invalidas",
                               f"{path.name}: la latitud/longitud de la capital no es válida o "
                               "cae fuera del Perú; el distrito queda sin punto de capital.",
                               raw, code)
        return directory

    def add(self, code: str, raw: dict[str, str | None], run: Run) -> None:
        """Name the district, and its province and region from their first district; a row
        naming them otherwise keeps the first names, with a note (061306 says "Ninabamba")."""
        region = self.names.setdefault(code[:2], (raw["departamento"], raw["departamento"],
                                                  None))[0]
        province = self.names.setdefault(code[:4], (raw["provincia"], region,
                                                    raw["provincia"]))[0]
        if (raw["departamento"], raw["provincia"]) != (region, province):
            run.note(f"tabla INEI: el distrito {code} dice «{raw['departamento']} / "
                     f"{raw['provincia']}»; se usa «{region} / {province}» como sus "
                     "otros distritos")
        self.names[code] = (raw["distrito"], region, province)

    def area(self, code: str, geom: str | None = None, flags: Iterable[str] = ()) -> Area:
        name, region, province = self.names[code]
        return Area(code, name, region, province, geom,
                    self.capitals.get(code), list(flags))


def load(engine: sa.Engine | None = None, data_dir: str | Path = DEFAULT_DIR) -> Run:
    """Upsert regions, then provinces, then districts (the parent must exist); returns the Run."""
    data_dir = Path(data_dir)
    with load_run("boundaries", str(data_dir / "boundaries"), engine=engine) as run:
        directory = Directory.read(run, data_dir / ubigeo.INEI_TABLE)
        loaded: set[str] = set()
        counts = {}
        for level in (1, 2, 3):
            areas = read_polygons(run, data_dir / LEVEL_FILES[level], level, directory)
            if level == 3:
                areas += capital_points(run, directory, {a.ubigeo for a in areas})
            areas = with_parents(run, areas, loaded)
            measure(run.conn, areas, TOLERANCES[level])
            write(run, areas)
            loaded.update(a.ubigeo for a in areas)
            counts[level] = areas
        report(run, counts)
        run.at_end(analyze_areas)
    return run


def analyze_areas(conn: sa.Connection) -> None:
    """Fresh statistics for `area`: with the ones of an empty table the planner pairs the
    polygon index with the level index, and placing 170,000 surveyed points takes 2.5 times
    longer (geodata.names.districts_at)."""
    conn.execute(sa.text("ANALYZE area"))


def read_polygons(run: Run, path: Path, level: int, directory: Directory) -> list[Area]:
    """The level's polygons, valid, as MultiPolygons in EPSG:4326, named from the INEI table."""
    frame = _read_geojson(path)
    areas, seen = [], {}
    for number, feature in enumerate(frame.to_dict("records"), start=1):
        try:
            code = _checked_code(feature["ubigeo"], level, directory, seen)
            polygons, repaired = _multipolygon(code, feature["geometry"])
        except Rejected as exc:
            geom = feature["geometry"]
            run.quarantine(number, exc.code, f"{path.name}: {exc}.",
                           {**feature, "geometry": None if geom is None else geom.wkt},
                           str(feature["ubigeo"]))
            continue
        seen[code] = number
        areas.append(directory.area(code, _ewkb(polygons), ["repaired"] if repaired else []))
    run.rows_read += len(frame)
    return areas


def capital_points(run: Run, directory: Directory, with_polygon: set[str]) -> list[Area]:
    """INEI districts with no polygon: a row with the capital point, flagged `no_polygon`."""
    missing = sorted(c for c in directory.capitals if c not in with_polygon)
    for code in missing:
        if directory.capitals[code] is None:
            run.quarantine(None, "sin_geometria",
                           f"El distrito {code} no tiene polígono ni coordenadas de capital.",
                           {"ubigeo": code, "name": directory.names[code][0]}, code)
    return [directory.area(code, flags=["no_polygon"]) for code in missing
            if directory.capitals[code] is not None]


def with_parents(run: Run, areas: list[Area], loaded: set[str]) -> list[Area]:
    """The areas whose parent was loaded; the others go to quarantine with the reason."""
    kept = []
    for area in areas:
        if area.parent is None or area.parent in loaded:
            kept.append(area)
            continue
        run.quarantine(None, "sin_padre",
                       f"No se cargó la {LEVEL_NOUNS[area.level - 1]} {area.parent}, de la que "
                       f"depende {area.ubigeo} ({area.name}).",
                       {"ubigeo": area.ubigeo, "name": area.name, "parent": area.parent},
                       area.ubigeo)
    return kept


def measure(conn: sa.Connection, areas: list[Area], tolerance: float) -> None:
    """Area on the spheroid (km²) and the simplified display polygon, computed by PostGIS."""
    polygons = [a for a in areas if a.geom]
    rows = conn.execute(sa.text(
        "SELECT ST_Area(g::geography) / 1e6,"
        " encode(ST_AsEWKB(ST_Multi(ST_SimplifyPreserveTopology(g, :tolerance))), 'hex')"
        " FROM (SELECT CAST(w AS geometry) AS g, i"
        "       FROM unnest(CAST(:geoms AS text[])) WITH ORDINALITY AS s(w, i)) t ORDER BY i"),
        {"geoms": [a.geom for a in polygons], "tolerance": tolerance}).all()
    for area, (km2, display) in zip(polygons, rows, strict=True):
        area.area_km2, area.geom_display = km2, display


def write(run: Run, areas: list[Area]) -> None:
    polygons = [a.row(MEASURED) for a in areas if a.geom]
    points = [a.row(COLUMNS) for a in areas if not a.geom]
    run.count(*upsert(run.conn, "area", ("ubigeo",), MEASURED, polygons))
    if points:
        run.count(*upsert(run.conn, "area", ("ubigeo",), COLUMNS, points))


def report(run: Run, counts: dict[int, list[Area]]) -> None:
    """Counts per level, repairs, and the size of each level's map GeoJSON."""
    run.note(" · ".join(f"{LEVEL_NAMES[lv]}: {len(areas):,}" for lv, areas in counts.items()))
    districts = counts[3]
    points = [a for a in districts if not a.geom]
    polygons = len(districts) - len(points)
    run.note(f"distritos: {polygons:,} polígonos + {len(points)} puntos de capital "
             f"({', '.join(f'{a.ubigeo} {a.name}' for a in points)}) = {len(districts):,} del "
             f"INEI 2025. La fuente TopoJSON tenía {SOURCE_DISTRICTS:,} distritos: "
             f"{SOURCE_DISTRICTS - polygons} colapsaron a anillos degenerados al simplificarse "
             f"y {len(districts) - SOURCE_DISTRICTS} no figura.")
    repaired = [a.ubigeo for areas in counts.values() for a in areas if "repaired" in a.flags]
    run.note(f"geometrías reparadas (make_valid): {len(repaired)}"
             + (f" ({', '.join(repaired)})" if repaired else ""))
    sizes = []
    for level in counts:
        body = run.conn.execute(areas_geojson_stmt(level)).scalar_one().encode()
        sizes.append(f"{LEVEL_NAMES[level]} {len(body) / 1024:,.0f} KB "
                     f"(gzip {len(gzip.compress(body)) / 1024:,.0f} KB)")
    run.note("GeoJSON del mapa por nivel: " + ", ".join(sizes))


def _read_geojson(path: Path) -> gpd.GeoDataFrame:
    if not path.is_file():
        raise LoaderError(f"No existe el archivo: {path}")
    try:
        frame = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise LoaderError(f"{path.name} no se puede leer como GeoJSON: "
                          f"{str(exc).splitlines()[0][:200]}") from None
    if frame.empty:
        raise LoaderError(f"{path.name} no tiene elementos")
    if "ubigeo" not in frame.columns:
        raise LoaderError(f"{path.name}: falta la propiedad «ubigeo» en los elementos")
    return frame.set_crs(4326) if frame.crs is None else frame.to_crs(4326)


class Rejected(ValueError):
    """A feature that cannot be loaded as it is: `code` for the quarantine, text in Spanish."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code


def _checked_code(raw_code, level: int, directory: Directory, seen: dict[str, int]) -> str:
    """The feature's ubigeo, known to the INEI table and not seen before in the file."""
    try:
        code = ubigeo.parse_ubigeo(None if raw_code is None else str(raw_code), level)
    except ValueError as exc:
        raise Rejected("ubigeo_invalido", str(exc)) from None
    if code in seen:
        raise Rejected("ubigeo_duplicado",
                       f"el ubigeo {code} ya apareció en el elemento {seen[code]}")
    if code not in directory.names:
        raise Rejected("ubigeo_no_inei", f"el ubigeo {code} no figura en la tabla INEI 2025")
    return code


def _multipolygon(code: str, geom: BaseGeometry | None) -> tuple[MultiPolygon, bool]:
    """The polygonal parts as one valid MultiPolygon, and whether it had to be repaired."""
    if geom is None or geom.is_empty:
        raise Rejected("geometria_vacia", f"el elemento {code} no tiene geometría")
    repaired = not geom.is_valid
    if repaired:
        geom = shapely.make_valid(geom, method="structure", keep_collapsed=False)
    parts = _polygons(geom)
    if not parts:
        raise Rejected("geometria_no_poligonal",
                       f"la geometría de {code} no tiene partes poligonales (tras repararla)")
    return MultiPolygon(parts), repaired


def _polygons(geom: BaseGeometry) -> list[Polygon]:
    if isinstance(geom, Polygon):
        return [] if geom.is_empty else [geom]
    return [p for part in getattr(geom, "geoms", ()) for p in _polygons(part)]


def _capital_point(raw: dict[str, str | None]) -> str | None:
    try:
        lon = ubigeo.parse_number(raw["longitud"], "la longitud", minimum=PERU_BOUNDS[0])
        lat = ubigeo.parse_number(raw["latitud"], "la latitud", minimum=PERU_BOUNDS[1])
    except ValueError:
        return None
    if lon > PERU_BOUNDS[2] or lat > PERU_BOUNDS[3]:
        return None
    return _ewkb(Point(lon, lat))


def _ewkb(geom: BaseGeometry) -> str:
    return shapely.to_wkb(shapely.set_srid(geom, 4326), hex=True, include_srid=True)


main = ubigeo.command(load, "geodata.boundaries",
                      "Carga los límites INEI de regiones, provincias y distritos.",
                      "boundaries/*.geojson y ubigeo/*.csv")


if __name__ == "__main__":
    raise SystemExit(run_cli(main))
