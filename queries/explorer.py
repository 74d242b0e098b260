"""The explorer's numbers: works summed by the areas on the map, by status, sector and start
year, the selected area's totals, and the works themselves when few enough.

Every figure is a sum over the works that `Filters` selects. Without a filter the
precomputed explorer_summary answers; with one, this process's copy of explorer_works
(queries.explorer_facts); when the derived tables are stale, the work table itself. All
three give the same numbers (tests/test_explorer.py).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from queries import db
from queries import explorer_facts as facts
from queries.areas import children_stmt
from queries.explorer_views import explorer_summary, freshness
from queries.filters import Filters
from queries.tables import area, work

POINTS_LIMIT = 2000   # works drawn one by one at most; above, the map shows only the areas
MEASURES = ("works", "investment", "accrued", "paralysed", "paralysed_investment",
            "progress_sum", "progress_n")
BREAKDOWNS = ("status", "sector", "year")


@dataclass(frozen=True)
class View:
    """Which areas the map draws for a selected area: a country's regions, a region's
    provinces, a province's districts; a district is shown among its province's."""

    selected: str | None

    @property
    def level(self) -> int:
        return min(len(self.selected or "") // 2 + 1, 3)

    @property
    def parent(self) -> str | None:
        if self.selected is None:
            return None
        return self.selected[:4] if len(self.selected) == 6 else self.selected

    @property
    def is_district(self) -> bool:
        return len(self.selected or "") == 6


@dataclass
class Summary:
    """The sums of a view: one row per area drawn (`children`, every area of the level, with
    None where it has no works), per status, sector and start year, and the selected area's
    totals."""

    children: list[dict[str, Any]]
    totals: dict[str, Any]
    by_status: list[dict[str, Any]] = field(default_factory=list)
    by_sector: list[dict[str, Any]] = field(default_factory=list)
    by_year: list[dict[str, Any]] = field(default_factory=list)
    source: str = "work"


def source_for(filters: Filters, fresh: bool) -> str:
    """Which rows answer: "summary" (every area's unfiltered figures, precomputed), "facts"
    (this process's copy of explorer_works, queries.explorer_facts), else (the derived
    tables are stale) "work", the table itself."""
    if not fresh:
        return "work"
    return "summary" if filters.is_empty(include_area=False) else "facts"


def _rows_stmt(filters: Filters) -> sa.Subquery:
    """The filtered works with the columns the sums need."""
    w = work.c
    stmt = sa.select(w.ubigeo, w.status, w.work_type_1, w.start_year,
                     sa.literal(1).label("works"), w.amount_investment.label("investment"),
                     w.amount_accrued.label("accrued"),
                     w.physical_progress.label("progress_sum"),
                     sa.cast(w.physical_progress.isnot(None), sa.Integer).label("progress_n"))
    return filters.where(stmt, work).subquery("rows")


def _measures(rows: sa.Subquery) -> list:
    r = rows.c
    paralysed = r.status == "paralizada"
    as_float = lambda expr: sa.cast(expr, sa.Float)  # noqa: E731
    return [
        sa.cast(sa.func.sum(r.works), sa.Integer).label("works"),
        as_float(sa.func.sum(r.investment)).label("investment"),
        as_float(sa.func.sum(r.accrued)).label("accrued"),
        sa.cast(sa.func.coalesce(sa.func.sum(r.works).filter(paralysed), 0),
                sa.Integer).label("paralysed"),
        as_float(sa.func.sum(r.investment).filter(paralysed)).label("paralysed_investment"),
        as_float(sa.func.sum(r.progress_sum)).label("progress_sum"),
        sa.cast(sa.func.sum(r.progress_n), sa.Integer).label("progress_n"),
    ]


def _fine(rows: sa.Subquery, level: int) -> sa.Subquery:
    """The rows summed by area of `level`, status, sector and start year first: the grouping
    sets then add up a few thousand groups instead of every work (a national amount filter
    at 200k works: 160 -> 110 ms)."""
    r = rows.c
    child = sa.func.left(r.ubigeo, level * 2)
    keys = (r.status, r.work_type_1, r.start_year)
    sums = [sa.func.sum(r[name]).label(name) for name in (
        "works", "investment", "accrued", "progress_sum", "progress_n")]
    return (sa.select(child.label("ubigeo"), *keys, *sums)
            .group_by(child, *keys).subquery("fine"))


def breakdown_stmt(filters: Filters, level: int, sets: tuple[str, ...]) -> sa.Select:
    """One pass over the filtered works, summed by each of `sets` ("child": the areas of
    `level`; "status", "sector", "year"; "total"). Rows carry `dim` and `key`."""
    rows = _fine(_rows_stmt(filters), level)
    r = rows.c
    keys = {"child": sa.func.left(r.ubigeo, level * 2), "status": r.status,
            "sector": r.work_type_1, "year": sa.cast(r.start_year, sa.Text)}
    used = [name for name in keys if name in sets]
    grouping_sets = [sa.tuple_(keys[name]) for name in used]
    if "total" in sets:
        grouping_sets.append(sa.tuple_())
    dim = sa.case(*((sa.func.grouping(keys[name]) == 0, name) for name in used),
                  else_="total")
    key = sa.func.coalesce(*(sa.case((sa.func.grouping(keys[name]) == 0, keys[name]))
                             for name in used)) if used else sa.null()
    return (sa.select(dim.label("dim"), key.label("key"), *_measures(rows))
            .select_from(rows).group_by(sa.func.grouping_sets(*grouping_sets)))


def _measures_of(row: dict[str, Any] | None) -> dict[str, Any]:
    """The sums of a row; None for each where no work was summed."""
    return {name: (row or {}).get(name) for name in MEASURES}


def summary(filters: Filters, conn: sa.Connection | None = None) -> Summary:
    """The sums the explorer shows for `filters` (its area is the selected one)."""
    with _connection(conn) as c:
        return _summary(_Reader(c, filters))


def summary_and_points(filters: Filters, limit: int = POINTS_LIMIT) -> tuple[Summary, Points]:
    """A view's sums and, when it has at most `limit` works, the works themselves: one
    connection, one freshness check and one text search for both."""
    with db.read_engine().connect() as conn:
        reader = _Reader(conn, filters)
        found = _summary(reader)
        total = found.totals.get("works") or 0
        return found, (_points(reader, limit) if 0 < total <= limit else Points())


class _Reader:
    """What a view reads once on its connection: whether the derived tables are fresh,
    and then this process's copy of the works and the codes the text search finds."""

    def __init__(self, conn: sa.Connection, filters: Filters):
        self.conn, self.filters = conn, filters
        self.token = freshness(conn)

    @functools.cached_property
    def facts(self) -> facts.Facts:
        return facts.facts(self.conn, self.token)

    @functools.cached_property
    def text_codes(self):
        return (facts.matching_codes(self.conn, self.filters) if self.filters.searches()
                else None)

    def rows(self, filters: Filters):
        """The works `filters` (these, or others with the same text search) selects."""
        return facts.rows(self.facts, filters, self.text_codes)


def _summary(reader: _Reader) -> Summary:
    filters, c = reader.filters, reader.conn
    view = View(filters.area)
    source = source_for(filters, reader.token is not None)
    areas = [dict(r) for r in c.execute(children_stmt(view.parent)).mappings()]
    if source == "summary":
        groups = _grouped(c.execute(summary_stmt(view)))
    elif source == "facts":
        groups = _facts_groups(reader, view)
    else:
        groups = _work_groups(c, filters, view)
    by_child = {row["key"]: row for row in groups.get("child", [])}
    children = [{"ubigeo": a["ubigeo"], "name": a["name"], "population": a["population"],
                 **_measures_of(by_child.get(a["ubigeo"]))} for a in areas]
    totals = (groups.get("total") or [None])[0]
    return Summary(children=children, totals=_measures_of(totals),
                   by_status=groups.get("status", []), by_sector=groups.get("sector", []),
                   by_year=groups.get("year", []), source=source)


_SCOPE_SETS = ("total", *BREAKDOWNS)


def _work_groups(c: sa.Connection, filters: Filters, view: View) -> dict[str, list]:
    return _view_groups(filters, view, lambda f, level, sets: _grouped(
        c.execute(breakdown_stmt(f, level, sets))))


def _facts_groups(reader: _Reader, view: View) -> dict[str, list]:
    return _view_groups(reader.filters, view, lambda f, level, sets: facts.breakdown(
        reader.facts, reader.rows(f), level, sets))


def _view_groups(filters: Filters, view: View, breakdown) -> dict[str, list]:
    """The groups a view shows, from `breakdown(filters, level, sets)`: a district's map is
    its province's districts, the rest is the district itself."""
    if view.is_district:
        groups = breakdown(filters.with_area(view.parent), 3, ("child",))
        groups.update(breakdown(filters, 3, _SCOPE_SETS))
        return groups
    return breakdown(filters, view.level, ("child", *_SCOPE_SETS))


def summary_stmt(view: View) -> sa.Select:
    """The precomputed unfiltered rows of a view: its children's (under the parent) and
    the selected area's breakdowns and total; rows like breakdown_stmt's."""
    s = explorer_summary.c
    parent, selected = view.parent or "", view.selected or ""
    numeric = [sa.cast(s[name], sa.Float).label(name) for name in
               ("investment", "accrued", "paralysed_investment", "progress_sum")]
    return (sa.select(s.dim, s.key, s.works, s.paralysed, s.progress_n, *numeric)
            .where(sa.or_(sa.and_(s.scope == parent, s.dim == "child"),
                          sa.and_(s.scope == selected, s.dim != "child"))))


def _grouped(result: sa.CursorResult) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for row in result.mappings():
        item = {"key": row["key"], **{name: row[name] for name in MEASURES}}
        out.setdefault(row["dim"], []).append(item)
    return out


class _connection:
    """Use the caller's connection, or open one on the read engine."""

    def __init__(self, conn: sa.Connection | None):
        self.conn, self.own = conn, conn is None

    def __enter__(self) -> sa.Connection:
        if self.own:
            self.conn = db.read_engine().connect()
        return self.conn

    def __exit__(self, *exc) -> None:
        if self.own:
            self.conn.close()


# -- works one by one --------------------------------------------------------------------
def points_stmt(filters: Filters, limit: int = POINTS_LIMIT) -> sa.Select:
    """The filtered works with a location, largest first (at most `limit`), from the work
    table (the derived tables are stale; else explorer_facts.points answers)."""
    w = work.c
    lon, lat = sa.func.ST_X(w.geom), sa.func.ST_Y(w.geom)
    stmt = (sa.select(w.infobras_code, lon.label("lon"), lat.label("lat"), w.status,
                      sa.cast(w.amount_investment, sa.Float).label("investment"),
                      sa.func.left(w.name, facts.NAME_CHARS).label("name"), w.geom_source)
            .where(w.geom.isnot(None))
            .order_by(w.amount_investment.desc().nulls_last(), w.infobras_code)
            .limit(limit))
    return filters.where(stmt, work)


@dataclass(frozen=True)
class Points:
    """The works drawn one by one, as columns: one list per field of points_stmt, largest
    amount first. Two thousand rows become seven lists in a tenth of the time of a dict per
    work, and the map's traces are columns too."""

    columns: dict[str, list[Any]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.columns.get("infobras_code", ()))


def points(filters: Filters, limit: int = POINTS_LIMIT) -> Points:
    with db.read_engine().connect() as conn:
        return _points(_Reader(conn, filters), limit)


def _points(reader: _Reader, limit: int) -> Points:
    if reader.token is not None:
        return Points(facts.points(reader.facts, reader.rows(reader.filters), limit))
    result = reader.conn.execute(points_stmt(reader.filters, limit))
    keys = tuple(result.keys())
    rows = result.all()
    columns = zip(*rows, strict=True) if rows else [()] * len(keys)
    return Points({key: list(values) for key, values in zip(keys, columns, strict=True)})


# -- bounds of an area, to frame the map ------------------------------------------------------
def bounds_stmt(ubigeo: str | None) -> sa.Select:
    """West, south, east, north of an area (of the whole country when None)."""
    a = area.c
    geom = sa.func.coalesce(a.geom_display, a.geom, a.capital_point)
    extent = sa.func.ST_Extent(geom)
    stmt = sa.select(sa.func.ST_XMin(extent).label("west"), sa.func.ST_YMin(extent).label("south"),
                     sa.func.ST_XMax(extent).label("east"), sa.func.ST_YMax(extent).label("north"))
    return stmt.where(a.ubigeo == ubigeo) if ubigeo else stmt.where(a.level == 1)


def bounds(ubigeo: str | None) -> dict[str, float] | None:
    with db.read_engine().connect() as conn:
        row = conn.execute(bounds_stmt(ubigeo)).mappings().first()
    return dict(row) if row and row["west"] is not None else None


# -- the choices of the filters panel ----------------------------------------------------------
def filter_options_stmt() -> sa.Select:
    """Distinct government levels, sectors and modalities, and the year and amount range."""
    w = work.c
    return sa.select(
        sa.func.array_agg(sa.distinct(w.government_level)).label("government_level"),
        sa.func.array_agg(sa.distinct(w.work_type_1)).label("sector"),
        sa.func.array_agg(sa.distinct(w.modality)).label("modality"),
        sa.func.min(w.start_year).label("year_min"), sa.func.max(w.start_year).label("year_max"),
        sa.cast(sa.func.max(w.amount_investment), sa.Float).label("amount_max"))


def filter_options() -> dict[str, Any]:
    with db.read_engine().connect() as conn:
        row = dict(conn.execute(filter_options_stmt()).mappings().one())
    for name in ("government_level", "sector", "modality"):
        row[name] = sorted(v for v in (row[name] or []) if v)
    return row


# -- one work's summary card -------------------------------------------------------------------
def work_card_stmt(code: int) -> sa.Select:
    w, d = work.c, area.alias("district")
    return (sa.select(w.infobras_code, w.cui, w.name, w.entity, w.contractor_name,
                      w.contractor_ruc, w.status, w.ubigeo, d.c.name.label("district"),
                      d.c.province_name, d.c.region_name,
                      sa.cast(w.amount_investment, sa.Float).label("investment"),
                      sa.cast(w.amount_accrued, sa.Float).label("accrued"),
                      sa.cast(w.physical_progress, sa.Float).label("physical_progress"),
                      w.geom_source, w.last_update)
            .select_from(work.outerjoin(d, d.c.ubigeo == w.ubigeo))
            .where(w.infobras_code == code))


def work_card(code: int) -> dict[str, Any] | None:
    with db.read_engine().connect() as conn:
        row = conn.execute(work_card_stmt(code)).mappings().first()
    return dict(row) if row else None
