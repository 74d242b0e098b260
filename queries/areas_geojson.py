"""The map's boundaries: one level's simplified polygons as a compact GeoJSON, built by PostGIS.

One query returns the whole FeatureCollection as text (feature id = ubigeo, properties
{ubigeo, name}); dashboard/routes/geo.py serves and caches it by URL, so callbacks never
carry it.
Districts without a polygon are not in it: `area_points` gives their capital points.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from geoalchemy2 import functions as gf
from sqlalchemy.dialects.postgresql import aggregate_order_by

from queries import db
from queries.filters import FilterError
from queries.tables import area

LEVELS = (1, 2, 3)
DECIMALS = 4          # ~11 m: finer than a pixel at any zoom these layers are drawn at


def check(level: int, parent: str | None) -> None:
    """A level 1-3 and, if given, a parent ubigeo of a coarser level (FilterError otherwise)."""
    if level not in LEVELS:
        raise FilterError("El nivel debe ser 1 (región), 2 (provincia) o 3 (distrito).")
    if parent is not None and not (parent.isascii() and parent.isdigit()
                                   and len(parent) in (2, 4) and len(parent) < 2 * level):
        raise FilterError(f"Área superior no válida: «{parent[:20]}». Use el ubigeo de una "
                          "región (2 dígitos) o provincia (4) de nivel superior.")


def in_level(level: int, parent: str | None) -> list[sa.ColumnElement[bool]]:
    """WHERE conditions: the areas of `level`, under `parent` when given."""
    check(level, parent)
    conditions = [area.c.level == level]
    if parent:
        conditions.append(area.c.ubigeo.startswith(parent, autoescape=True))
    return conditions


def areas_geojson_stmt(level: int, parent: str | None = None) -> sa.Select:
    """A select of one text value: the FeatureCollection (an empty one when nothing matches)."""
    a = area.c
    feature = sa.func.concat(
        '{"type":"Feature","id":', sa.func.to_json(a.ubigeo),
        ',"properties":{"ubigeo":', sa.func.to_json(a.ubigeo), ',"name":', sa.func.to_json(a.name),
        '},"geometry":', gf.ST_AsGeoJSON(a.geom_display, DECIMALS), "}")
    features = sa.func.string_agg(feature, aggregate_order_by(sa.literal(","), a.ubigeo))
    return (sa.select(sa.func.concat('{"type":"FeatureCollection","features":[',
                                     sa.func.coalesce(features, ""), "]}"))
            .where(*in_level(level, parent), a.geom_display.is_not(None)))


def areas_geojson(level: int, parent: str | None = None) -> bytes:
    """The level's boundaries for the map, as UTF-8 GeoJSON bytes."""
    with db.read_engine().connect() as conn:
        return conn.execute(areas_geojson_stmt(level, parent)).scalar_one().encode()


def area_points_stmt(level: int, parent: str | None = None) -> sa.Select:
    """Areas of the level drawn as a point (no polygon): ubigeo, name, lon, lat."""
    a = area.c
    return (sa.select(a.ubigeo, a.name, gf.ST_X(a.capital_point).label("lon"),
                      gf.ST_Y(a.capital_point).label("lat"))
            .where(*in_level(level, parent), a.geom_display.is_(None),
                   a.capital_point.is_not(None))
            .order_by(a.ubigeo))


def area_points(level: int, parent: str | None = None) -> list[dict[str, Any]]:
    with db.read_engine().connect() as conn:
        return [dict(r) for r in conn.execute(area_points_stmt(level, parent)).mappings()]

