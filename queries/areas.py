"""The INEI areas as the UI needs them: one area with where to zoom, its children, its
breadcrumb from Perú down, and a name search that forgives accents and case."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from queries import db
from queries.tables import area as area_table

COUNTRY = "Perú"
SEARCH_LIMIT = 50          # most results a search returns, whatever the caller asks
FUZZY_MIN = 0.5            # pg_trgm word similarity for a misspelt name ("cuzco")
UBIGEO = re.compile(r"\d{2}(\d{2}(\d{2})?)?", re.ASCII)


def _rows(stmt: sa.Select) -> list[dict[str, Any]]:
    with db.read_engine().connect() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]


def area_stmt(ubigeo: str) -> sa.Select:
    """One area, with its bounding box and centre (of the polygon, or the capital point)."""
    a = area_table.c
    box = sa.func.Box2D(sa.func.coalesce(a.geom, a.capital_point))
    west, south = sa.func.ST_XMin(box), sa.func.ST_YMin(box)
    east, north = sa.func.ST_XMax(box), sa.func.ST_YMax(box)
    return sa.select(
        a.ubigeo, a.level, a.name, a.parent, a.region_name, a.province_name, a.capital,
        a.population, a.area_km2, a.geom_source, a.flags,
        west.label("west"), south.label("south"), east.label("east"), north.label("north"),
        ((west + east) / 2).label("center_lon"), ((south + north) / 2).label("center_lat"),
    ).where(a.ubigeo == ubigeo)


def area(ubigeo: str) -> dict[str, Any] | None:
    """The area with that ubigeo, or None (also for a malformed code)."""
    rows = _rows(area_stmt(ubigeo)) if UBIGEO.fullmatch(ubigeo or "") else []
    return rows[0] if rows else None


def children_stmt(ubigeo: str | None) -> sa.Select:
    """The areas one level below `ubigeo` (the regions for None), by ubigeo."""
    a = area_table.c
    where = a.level == 1 if ubigeo is None else a.parent == ubigeo
    return (sa.select(a.ubigeo, a.level, a.name, a.capital, a.population, a.area_km2,
                      a.geom_source)
            .where(where).order_by(a.ubigeo))


def children(ubigeo: str | None = None) -> list[dict[str, Any]]:
    return _rows(children_stmt(ubigeo))


def breadcrumb_stmt(ubigeo: str) -> sa.Select:
    """The area and its ancestors (region, province), coarsest first."""
    prefixes = [ubigeo[:n] for n in range(2, len(ubigeo) + 1, 2)]
    return (sa.select(area_table.c.ubigeo, area_table.c.name)
            .where(area_table.c.ubigeo.in_(prefixes)).order_by(area_table.c.level))


def breadcrumb(ubigeo: str) -> list[tuple[str | None, str]]:
    """[(None, "Perú"), (region, name), (province, name), (district, name)] down to the area;
    just Perú for an unknown ubigeo."""
    rows = _rows(breadcrumb_stmt(ubigeo)) if ubigeo else []
    return [(None, COUNTRY)] + [(r["ubigeo"], r["name"]) for r in rows]


def _folded(value) -> sa.ColumnElement[str]:
    return sa.func.unaccent(sa.func.lower(value))


def search_areas_stmt(text: str, limit: int = 10) -> sa.Select:
    """Areas whose name or capital contains `text` ignoring accents and case, or whose name
    is close to it (pg_trgm). Exact names first, then names starting with or containing the
    text, then capitals containing it, then the closest names; coarser levels and larger
    populations first among equals. `name_match` is False where only the capital matched."""
    a = area_table.c
    query = _folded(sa.literal(text.strip(), sa.Text))
    name, capital = _folded(a.name), _folded(a.capital)
    similarity = sa.func.word_similarity(query, name)
    found_in_name = sa.func.strpos(name, query) > 0
    found_in_capital = sa.func.strpos(capital, query) > 0
    return (sa.select(a.ubigeo, a.level, a.name, a.region_name, a.province_name, a.capital,
                      a.population, found_in_name.label("name_match"))
            .where(sa.or_(found_in_name, found_in_capital, similarity >= FUZZY_MIN))
            .order_by((name == query).desc(), (sa.func.strpos(name, query) == 1).desc(),
                      found_in_name.desc(), found_in_capital.desc(), similarity.desc(), a.level,
                      a.population.desc().nulls_last(), a.ubigeo)
            .limit(max(1, min(limit, SEARCH_LIMIT))))


def search_areas(text: str, limit: int = 10) -> list[dict[str, Any]]:
    """Up to `limit` areas matching `text` ("ancash" finds "Áncash"); [] for a blank text."""
    if not text or not text.strip():
        return []
    return _rows(search_areas_stmt(text[:100], limit))
