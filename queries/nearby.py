"""Works near a point (/cerca): nearest first, within a radius, in metres on the spheroid.

A geography GiST index answers both halves: `ST_DWithin` keeps the works inside the radius
and the KNN operator `<->` walks them nearest first, so only the first `limit` rows are read
whatever the size of the table. `<->` on geography measures on the sphere; the exact
spheroid distance (`ST_Distance`) is computed for those few rows and orders the answer (a
small margin of extra candidates covers sphere/spheroid ties). The works, with what their
cards show, come from explorer_works when it is fresh (stored in area order, so neighbours
share pages), else from `work`.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import sqlalchemy as sa
from geoalchemy2 import Geography

from geodata.alert_rules import RULES
from queries import db
from queries.alerts import alert_work
from queries.explorer_views import explorer_works, views_are_fresh
from queries.filters import FilterError
from queries.tables import area, work

RADII_KM = (1, 5, 10, 25)
DEFAULT_RADIUS_KM = 5
MAX_RESULTS = 50
COUNT_CAP = 1000      # beyond this the total is "more than COUNT_CAP"
_MARGIN = 10          # extra KNN candidates re-ordered by the exact distance
# A generous box around Peru (lon, lat): a location outside it is not searched.
PERU_LON = (-81.5, -68.5)
PERU_LAT = (-18.5, 0.2)
RULE_NAMES = {rule.code: rule.name for rule in RULES}


@dataclass(frozen=True)
class Place:
    """Where to search from: a point and how to name it."""

    lon: float
    lat: float
    label: str


def parse_point(lat: object, lon: object, label: str = "su ubicación") -> Place:
    """A point from the browser or the URL; FilterError (Spanish) when it is not in Peru."""
    try:
        lat_f, lon_f = float(lat), float(lon)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise FilterError("La ubicación no es válida: faltan la latitud o la longitud.") from None
    if not (math.isfinite(lat_f) and math.isfinite(lon_f)):
        raise FilterError("La ubicación no es válida.")
    if not (PERU_LAT[0] <= lat_f <= PERU_LAT[1] and PERU_LON[0] <= lon_f <= PERU_LON[1]):
        raise FilterError("La ubicación está fuera del Perú. Escriba el nombre de un distrito "
                          "para buscar obras allí.")
    return Place(lon_f, lat_f, label)


def parse_radius(value: object) -> int:
    """One of RADII_KM (km); the default when empty."""
    if value in (None, ""):
        return DEFAULT_RADIUS_KM
    try:
        radius = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        radius = -1
    if radius not in RADII_KM:
        raise FilterError(f"Radio no válido. Use {', '.join(map(str, RADII_KM))} km.")
    return radius


def _here() -> sa.ColumnElement:
    """The search point, from the statement's `lon` and `lat` parameters."""
    point = sa.func.ST_SetSRID(sa.func.ST_MakePoint(sa.bindparam("lon", type_=sa.Float),
                                                    sa.bindparam("lat", type_=sa.Float)),
                               4326)
    return sa.func.geography(point, type_=Geography)


def search_params(place: Place, radius_km: int) -> dict[str, float]:
    """The parameters of nearby_stmt and count_stmt for a search."""
    return {"lon": place.lon, "lat": place.lat, "radius_m": radius_km * 1000.0}


def _geog(geom: sa.ColumnElement) -> sa.ColumnElement:
    """The indexed expression (work_geog_gix, explorer_works_geog: geom::geography), written
    as the cast function: `CAST(geom AS geography(GEOMETRY,-1))` would add a typmod and miss
    the index."""
    return sa.func.geography(geom, type_=Geography)


@functools.lru_cache(maxsize=8)
def nearby_stmt(points: sa.Table = work, limit: int = MAX_RESULTS) -> sa.Select:
    """The `limit` works nearest to the point (parameters: search_params) within the
    radius, found in `points` with what a card shows (explorer_works has the columns of
    `work` it needs, in area order: the cards of neighbours come from a few pages), and on
    each row how many lie within the radius (count_stmt, run once: one round trip). Built
    once: building it took longer than running it."""
    here = _here()
    p = points.c
    candidates = (sa.select(
                      p.infobras_code, p.name, p.entity, p.contractor_name, p.status,
                      sa.cast(p.amount_investment, sa.Float).label("amount_investment"),
                      sa.cast(p.physical_progress, sa.Float).label("physical_progress"),
                      sa.cast(p.financial_progress, sa.Float).label("financial_progress"),
                      p.geom_source, p.ubigeo, p.geom)
                  .where(p.geom.is_not(None))
                  .order_by(_geog(p.geom).op("<->")(here))
                  .limit(limit + _MARGIN)
                  .subquery("candidates"))
    c, d, aw = candidates.c, area.c, alert_work.c
    distance = sa.func.ST_Distance(_geog(c.geom), here)
    shown = [column for column in c if column.name != "geom"]
    return (sa.select(
                *shown, d.name.label("district"),
                sa.func.ST_X(c.geom).label("lon"), sa.func.ST_Y(c.geom).label("lat"),
                distance.label("distance_m"),
                sa.func.coalesce(aw.alerts, 0).label("alerts"), aw.rules.label("alert_rules"),
                count_stmt(points).scalar_subquery().label("total"))
            .select_from(candidates
                         .outerjoin(area, d.ubigeo == c.ubigeo)
                         .outerjoin(alert_work, aw.infobras_code == c.infobras_code))
            .where(distance <= sa.bindparam("radius_m", type_=sa.Float))
            .order_by(distance, c.infobras_code)
            .limit(limit))


def count_stmt(points: sa.Table = work) -> sa.Select:
    """How many works lie within the radius, counted up to COUNT_CAP + 1 (the list shows
    the nearest MAX_RESULTS; "más de 1 000" is all a citizen needs, and counting the
    20 000 works around central Lima exactly costs ~50 ms)."""
    inside = (sa.select(points.c.infobras_code)
              .where(points.c.geom.is_not(None),
                     sa.func.ST_DWithin(_geog(points.c.geom), _here(),
                                        sa.bindparam("radius_m", type_=sa.Float)))
              .limit(COUNT_CAP + 1).subquery("inside"))
    return sa.select(sa.func.count()).select_from(inside)


def nearby(place: Place, radius_km: int, limit: int = MAX_RESULTS) -> dict:
    """{"works": nearest first, each with distance_m and alert names, "total": how many
    in the radius (COUNT_CAP + 1 means more than COUNT_CAP)}."""
    with db.read_engine().begin() as conn:
        # A few hundred index hits: starting parallel workers costs more than it saves
        # (measured: the count at 25 km in Lima takes 70 ms with workers, 3-10 ms without).
        conn.execute(sa.text("SET LOCAL max_parallel_workers_per_gather = 0"))
        points = explorer_works if views_are_fresh(conn) else work
        rows = [dict(r) for r in conn.execute(nearby_stmt(points, limit),
                                              search_params(place, radius_km)).mappings()]
    total = len(rows)
    for row in rows:
        row["alert_names"] = [RULE_NAMES.get(c, c) for c in row.pop("alert_rules") or []]
        total = max(total, row.pop("total"))
    return {"works": rows, "total": total}


def place_stmt(ubigeo: str) -> sa.Select:
    """An area's search point: its capital, else a point inside its polygon."""
    a = area.c
    point = sa.func.coalesce(a.capital_point, sa.func.ST_PointOnSurface(a.geom))
    return (sa.select(a.ubigeo, a.level, a.name, a.capital, a.province_name, a.region_name,
                      sa.func.ST_X(point).label("lon"), sa.func.ST_Y(point).label("lat"))
            .where(a.ubigeo == ubigeo))


def area_place(ubigeo: str) -> Place | None:
    """Where to search from when the user picked an area (None when unknown)."""
    with db.read_engine().connect() as conn:
        row = conn.execute(place_stmt(ubigeo)).mappings().first()
    if row is None or row["lon"] is None:
        return None
    where = row["capital"] or row["name"]
    label = (f"{where} (capital de {row['name']})" if row["capital"] and row["level"] == 3
             else row["name"])
    return Place(float(row["lon"]), float(row["lat"]), label)
