"""Real /_dash-update-component payloads for the dashboard's main callbacks, built from the
app's own /_dash-dependencies (so a renamed output or a new input shows up here, not as a
silent 500), and a check that a callback response carries no boundary geometry.

Shared by the benchmark (scripts.bench, in-process through Flask's test client) and the
load test (scripts.loadtest, over HTTP against gunicorn).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

UPDATE_URL = "/_dash-update-component"
DEPENDENCIES_URL = "/_dash-dependencies"
MAP_SIZE = (1100, 560)
GEOMETRY_TYPES = frozenset({"Polygon", "MultiPolygon", "LineString", "MultiLineString",
                            "Feature", "FeatureCollection", "GeometryCollection"})

# The callbacks a person's actions end in: (the output that names the callback, its inputs).
EXPLORER_RENDER = "explorar-map.figure"
NEAR_ME = "cerca-results.children"
ROUTER = "_pages_content.children"
ALERTS_TABLE = "alertas-table.data"
COMPARE = "comparar-table.children"
DEFAULT_SORT = [{"column_id": "amount_at_risk", "direction": "desc"}]


class DashCallbacks:
    """Payload builder over the app's dependency list."""

    def __init__(self, dependencies: Sequence[Mapping[str, Any]]):
        self.dependencies = list(dependencies)

    def find(self, output: str) -> Mapping[str, Any]:
        """The server-side callback whose outputs include `output` ("id.property")."""
        for dep in self.dependencies:
            names = dep["output"].strip(".").split("...")
            if output in names and not dep.get("clientside_function"):
                return dep
        raise KeyError(f"no server callback outputs {output}")

    def payload(self, output: str, values: Mapping[str, Any],
                changed: Sequence[str] = ()) -> dict[str, Any]:
        """The request body Dash's renderer sends: every input and state of the callback,
        with `values` ("id.property" -> value; None where not given)."""
        dep = self.find(output)

        def props(items: Sequence[Mapping[str, str]]) -> list[dict[str, Any]]:
            return [{"id": i["id"], "property": i["property"],
                     "value": values.get(f"{i['id']}.{i['property']}")} for i in items]

        outputs = [dict(zip(("id", "property"), name.rsplit(".", 1), strict=True))
                   for name in dep["output"].strip(".").split("...")]
        return {"output": dep["output"], "outputs": outputs if len(outputs) > 1 else outputs[0],
                "inputs": props(dep["inputs"]), "state": props(dep["state"]),
                "changedPropIds": list(changed)}

    # -- the main callbacks ------------------------------------------------------------------
    def explorer(self, search: str, size: tuple[int, int] = MAP_SIZE) -> dict[str, Any]:
        """The explorer's render: what every drill-down and filter ends in."""
        view = {"search": search, "width": size[0], "height": size[1]}
        return self.payload(EXPLORER_RENDER, {"explorar-view.data": view},
                            ["explorar-view.data"])

    def near_me(self, search: str) -> dict[str, Any]:
        return self.payload(NEAR_ME, {"cerca-url.search": search}, ["cerca-url.search"])

    def page(self, pathname: str, search: str = "") -> dict[str, Any]:
        """The router: a page's layout (e.g. /obra/<code>) on navigation."""
        return self.payload(ROUTER, {"_pages_location.pathname": pathname,
                                     "_pages_location.search": search},
                            ["_pages_location.pathname"])

    def alerts_table(self, search: str, page: int = 0, size: int = 25,
                     sort_by: list[dict] | None = None) -> dict[str, Any]:
        return self.payload(ALERTS_TABLE, {
            "alertas-url.search": search, "alertas-table.page_current": page,
            "alertas-table.page_size": size,
            "alertas-table.sort_by": DEFAULT_SORT if sort_by is None else sort_by},
            ["alertas-url.search"])

    def compare(self, level: int, areas: Sequence[str], per: str = "hab",
                metric: str = "investment") -> dict[str, Any]:
        return self.payload(COMPARE, {
            "comparar-areas.value": list(areas), "comparar-per.value": per,
            "comparar-metric.value": metric, "comparar-level.value": level,
            "comparar-url.search": ""}, ["comparar-areas.value"])


def geometry_bytes(value: Any) -> int:
    """Bytes of boundary geometry in a decoded JSON value: any GeoJSON object (a polygon,
    a feature, a collection) or a "coordinates" array. Works' points travel as plain lat/lon
    lists and a map's boundaries as a URL, so a correct response gives 0."""
    if isinstance(value, dict):
        if value.get("type") in GEOMETRY_TYPES or "coordinates" in value:
            return len(json.dumps(value, separators=(",", ":")))
        if isinstance(value.get("geojson"), dict | list):
            return len(json.dumps(value["geojson"], separators=(",", ":")))
        return sum(geometry_bytes(v) for v in value.values())
    if isinstance(value, list):
        return sum(geometry_bytes(v) for v in value)
    return 0
