"""Everything one explorer view needs from the database (the page caches what it renders
from it, keyed by the data version: a new load, and nothing is stale)."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from dashboard.cache import cache, data_version
from dashboard.explorer_state import ExplorerState
from dashboard.routes.geo import GEO_LOADERS, geojson_url
from layers.choropleth import METRICS
from queries import alerts as alert_queries
from queries import areas, areas_geojson, db, explorer
from queries.explorer import POINTS_LIMIT, View
from queries.filters import FilterError

CACHE_SECONDS = 3600
log = logging.getLogger(__name__)


@dataclass
class ViewData:
    """A view's figures: the sums, the alerts per area (None when not computed), the works
    when few enough, where to frame the map and which boundaries to draw."""

    state: ExplorerState
    summary: explorer.Summary
    alerts: dict[str, float] | None
    points: explorer.Points
    bounds: dict[str, float] | None
    breadcrumb: list[tuple[str | None, str]]
    geojson: str
    context_geojson: str
    polygon_less: dict[str, tuple[float, float]] = field(default_factory=dict)

    @property
    def view(self) -> View:
        return View(self.state.filters.area)

    @property
    def total_works(self) -> int:
        return self.summary.totals.get("works") or 0

    @property
    def shows_points(self) -> bool:
        return 0 < self.total_works <= POINTS_LIMIT


def _cached(version: int, key: str, compute):
    full_key = f"explorer:{version}:{key}"
    value = cache.get(full_key)
    if value is None:
        value = compute()
        cache.set(full_key, value, timeout=CACHE_SECONDS)
    return value


def alerts_by_area(filters, level: int) -> dict[str, float] | None:
    """Alerts per area of `level`; None when the alerts were never computed."""
    try:
        rows = alert_queries.alert_counts(filters, level)
    except sa.exc.ProgrammingError:  # a database without the alerts tables
        log.warning("alerts tables missing: the alerts metric shows no data")
        return None
    if not rows and alert_queries.last_run() is None:
        return None
    return {r["ubigeo"]: r["alerts"] for r in rows}


def view_data(state: ExplorerState) -> ViewData:
    """The view of `state`. The sums and the works come from this process's copy of the
    works (queries.explorer_facts) in a few milliseconds, faster than the shared cache
    could pickle them; the alerts per area, from the cache when this data version already
    counted them."""
    version = data_version()
    filters = state.filters
    view = View(filters.area)
    summary, points = explorer.summary_and_points(filters)
    alerts = None
    if METRICS[state.metric].base == "alerts":
        parent_filters = filters.with_area(view.parent)
        alerts = _cached(version, f"alerts:{view.level}:{parent_filters.key()}",
                         lambda: alerts_by_area(parent_filters, view.level))
    geo = _geography(db.read_database_url(), data_version(GEO_LOADERS), view.selected)
    if view.selected and geo["breadcrumb"][-1][0] != view.selected:
        # Shown in the shell's banner (dashboard.app); the view on screen stays.
        raise FilterError(f"No existe un área con ubigeo {view.selected}.")
    return ViewData(state=state, summary=summary, alerts=alerts, points=points, **geo)


@functools.lru_cache(maxsize=4096)
def _geography(database: str, geo_version: int, selected: str | None) -> dict[str, Any]:
    """Frame, breadcrumb and boundary URLs of a view. They change only with the boundaries
    (their load's version is in the key), so each process keeps them: a few kilobytes for
    each of the 2,112 areas, and three queries less on every view the shared cache lacks."""
    view = View(selected)
    focus = view.parent if not view.is_district else view.selected[:4]
    return {
        "bounds": explorer.bounds(focus),
        "breadcrumb": areas.breadcrumb(view.selected) if view.selected else
        areas.breadcrumb(""),
        "geojson": geojson_url(view.level, view.parent, geo_version),
        "context_geojson": geojson_url(1, None, geo_version),
        "polygon_less": {p["ubigeo"]: (p["lon"], p["lat"])
                         for p in areas_geojson.area_points(view.level, view.parent)},
    }
