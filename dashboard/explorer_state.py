"""The explorer's whole state — selected area, metric and filters — and its URL query string,
so that a copied URL opens the same view and the back button walks back through it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qs, urlencode

from layers.choropleth import DEFAULT_METRIC, METRICS
from queries.filters import FilterError, Filters

# Names the router passes to page layouts that are not query parameters.
NOT_QUERY = frozenset({"_pages_store"})


@dataclass(frozen=True)
class ExplorerState:
    filters: Filters = field(default_factory=Filters)
    metric: str = DEFAULT_METRIC

    @classmethod
    def from_query(cls, params: dict[str, Any]) -> ExplorerState:
        """From query parameters (strings or lists); FilterError on a bad value."""
        params = {k: v for k, v in params.items() if k not in NOT_QUERY}
        metric = params.get("metric") or DEFAULT_METRIC
        if isinstance(metric, list | tuple):
            metric = metric[0] if metric else DEFAULT_METRIC
        if metric not in METRICS:
            raise FilterError(f"Métrica no válida: «{str(metric)[:30]}». "
                              f"Use: {', '.join(METRICS)}.")
        return cls(Filters.from_query(params), metric)

    @classmethod
    def from_search(cls, search: str | None) -> ExplorerState:
        """From a location's search string ("?area=08&metric=investment")."""
        return cls.from_query(parse_qs((search or "").lstrip("?")))

    def to_query(self) -> dict[str, Any]:
        query = self.filters.to_query()
        if self.metric != DEFAULT_METRIC:
            query["metric"] = self.metric
        return query

    def to_search(self) -> str:
        """"?area=08&metric=investment"; "" for the national view with no filters."""
        query = urlencode(self.to_query(), doseq=True)
        return f"?{query}" if query else ""

    def with_area(self, ubigeo: str | None) -> ExplorerState:
        return replace(self, filters=self.filters.with_area(ubigeo))

    def with_filters(self, **changes: Any) -> ExplorerState:
        return replace(self, filters=replace(self.filters, **changes))

    def key(self) -> tuple:
        """Hashable, for caches."""
        return (self.metric, self.filters.key())


def state_or_national(search: str | None) -> ExplorerState:
    """The state of a search; the national view for a search that is refused (the page
    says what was wrong)."""
    try:
        return ExplorerState.from_search(search)
    except FilterError:
        return ExplorerState()


def href(state: ExplorerState) -> str:
    """The explorer's URL for a state (links in the breadcrumb, other pages)."""
    return "/" + state.to_search()
