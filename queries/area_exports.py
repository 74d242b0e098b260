"""Area polygons for the metrics downloads (GeoJSON, GeoPackage of `/api/v1/aggregates`).

The display geometry of each level (simplified for its map, topology kept between
neighbours), or the capital's point for the districts that have no polygon.
"""

from __future__ import annotations

import geopandas as gpd
import sqlalchemy as sa

from queries import db
from queries.tables import area


def area_shapes_stmt(level: int) -> sa.Select:
    a = area.c
    return (sa.select(a.ubigeo, a.geom_source,
                      sa.func.coalesce(a.geom_display, a.geom, a.capital_point).label("geom"))
            .where(a.level == level).order_by(a.ubigeo))


def area_shapes(level: int) -> gpd.GeoDataFrame:
    """ubigeo, geom_source (polygon | capital_point) and geometry, EPSG:4326."""
    with db.read_engine().connect() as conn:
        return gpd.read_postgis(area_shapes_stmt(level), conn, geom_col="geom",
                                crs="EPSG:4326").rename_geometry("geometry")
