"""Open-data downloads of the exact filtered selection: CSV, GeoJSON, GeoPackage, OC4IDS.

CSV is UTF-8 with a BOM (Excel opens the accents right), comma-separated with a decimal
point, and streamed from a server-side cursor so a national selection never sits in memory.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, request

from dashboard.cache import memoize
from dashboard.openapi import EXPLORER_PARAMS, FILTER_PARAMS
from dashboard.routes.api import (
    PAGE_PARAMS,
    aggregates_frame,
    as_page_query,
    filters_from,
    json_response,
    json_text,
    open_data,
    page_url,
    query_params,
)
from layers import oc4ids
from queries import (
    alert_exports,
    api_alerts,
    api_works,
    area_exports,
    data_sources,
    exports,
    work_sources,
)
from queries.alerts import AlertSelection
from queries.filters import Filters

bp = Blueprint("exports", __name__)

OC4IDS_MAX_PER_PAGE = 1000
CSV_CHUNK = 2000
GPKG_LAYER = "obras"


def query_suffix(params: Mapping[str, Any]) -> str:
    """"?a=1&b=2" for a link's query string; "" when there is nothing to pass."""
    query = urlencode(params, doseq=True)
    return f"?{query}" if query else ""


def download_urls(filters: Filters) -> dict[str, str]:
    """Links to the exact selection in every format, for any page that shows works:
    {"CSV": ..., "GeoJSON": ..., "GeoPackage": ..., "OC4IDS": ...}."""
    suffix = query_suffix(filters.to_query())
    return {"CSV": f"/api/v1/works.csv{suffix}", "GeoJSON": f"/api/v1/works.geojson{suffix}",
            "GeoPackage": f"/api/v1/works.gpkg{suffix}",
            "OC4IDS": f"/api/v1/oc4ids.json{suffix}"}


def aggregate_urls(filters: Filters, level: int, parent: str | None = None
                   ) -> dict[str, str]:
    """Links to the metrics of every area of `level` (under `parent`):
    {"CSV", "GeoJSON", "GeoPackage", "JSON"} (the geographic ones with the areas' shapes)."""
    params = {**filters.with_area(None).to_query(), "level": level,
              **({"parent": parent} if parent else {})}
    query = urlencode(params, doseq=True)
    return {"CSV": f"/api/v1/aggregates.csv?{query}",
            "GeoJSON": f"/api/v1/aggregates.geojson?{query}",
            "GeoPackage": f"/api/v1/aggregates.gpkg?{query}",
            "JSON": f"/api/v1/aggregates?{query}"}


def alert_urls(selection: AlertSelection) -> dict[str, str]:
    """Links to every alert of the selection: {"CSV", "GeoJSON", "GeoPackage", "JSON"}."""
    suffix = query_suffix(selection.to_query())
    return {"CSV": f"/api/v1/alerts.csv{suffix}",
            "GeoJSON": f"/api/v1/alerts.geojson{suffix}",
            "GeoPackage": f"/api/v1/alerts.gpkg{suffix}", "JSON": f"/api/v1/alerts{suffix}"}


def _filename(filters: Filters, extension: str, stem: str = "obras") -> str:
    return f"{stem}-{filters.area or 'peru'}-{date.today().isoformat()}.{extension}"


def _download(body, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_lines(header: list[str], rows: Iterable[Iterable], chunk: int = CSV_CHUNK
              ) -> Iterator[str]:
    """CSV text in chunks, starting with a BOM and the header."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(header)
    for n, row in enumerate(rows, start=1):
        writer.writerow(row)
        if n % chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _export_filters() -> Filters:
    return filters_from(query_params(FILTER_PARAMS + EXPLORER_PARAMS))


@bp.get("/api/v1/works.csv")
@open_data
def works_csv() -> Response:
    filters = _export_filters()
    lines = csv_lines(exports.export_columns(), exports.iter_works_rows(filters))
    return _download(lines, "text/csv", _filename(filters, "csv"))


@bp.get("/api/v1/works.geojson", defaults={"extension": "geojson"})
@bp.get("/api/v1/works.gpkg", defaults={"extension": "gpkg"})
@open_data
def works_file(extension: str) -> Response:
    """GeoJSON or GeoPackage of the selection (cached: both need the whole frame)."""
    filters = _export_filters()
    return _geo_download(extension, GPKG_LAYER, filters.key(),
                         lambda: exports.works_frame(filters), filters)


def _geo_download(extension: str, layer: str, key: Any, frame: Callable[[], Any],
                  filters: Filters, stem: str = "obras") -> Response:
    """A GeoJSON or GeoPackage download, built once per data version and selection."""
    body = memoize(f"exports:{layer}:{extension}:{key}",
                   lambda: geo_file(frame(), extension, layer))
    return _download(body, GEO_MEDIA[extension], _filename(filters, extension, stem))


def _alert_selection() -> AlertSelection:
    params = query_params(FILTER_PARAMS + EXPLORER_PARAMS + api_alerts.PARAMS)
    return AlertSelection.from_query(as_page_query(params, FILTER_PARAMS + api_alerts.PARAMS))


@bp.get("/api/v1/alerts.csv")
@open_data
def alerts_csv() -> Response:
    selection = _alert_selection()
    lines = csv_lines(list(alert_exports.COLUMNS), alert_exports.iter_alert_rows(selection))
    return _download(lines, "text/csv",
                     _filename(selection.filters, "csv", "alertas"))


@bp.get("/api/v1/alerts.geojson", defaults={"extension": "geojson"})
@bp.get("/api/v1/alerts.gpkg", defaults={"extension": "gpkg"})
@open_data
def alerts_file(extension: str) -> Response:
    selection = _alert_selection()
    return _geo_download(extension, "alertas", selection.key(),
                         lambda: alert_exports.alerts_frame(selection), selection.filters,
                         "alertas")


def geo_file(frame, extension: str, layer: str) -> bytes:
    """GeoJSON (RFC 7946; dates as ISO text, JSON has no date type) or a GeoPackage layer."""
    if extension == "gpkg":
        return write_file(frame, "GPKG", ".gpkg", layer=layer)
    dates = frame.select_dtypes(include="datetime").columns
    frame = frame.assign(**{c: frame[c].dt.strftime("%Y-%m-%d") for c in dates})
    return write_file(frame, "GeoJSON", ".geojson", layer=layer, RFC7946="YES")


GEO_MEDIA = {"geojson": "application/geo+json", "gpkg": "application/geopackage+sqlite3"}


def write_file(frame, driver: str, suffix: str, **options) -> bytes:
    """A file's bytes from GDAL through pyogrio (it writes to a path: a temp file)."""
    handle, path = tempfile.mkstemp(suffix=suffix)
    os.close(handle)
    try:
        os.remove(path)  # the driver wants to create the file itself
        frame.to_file(path, driver=driver, engine="pyogrio", **options)
        with open(path, "rb") as f:
            return f.read()
    finally:
        if os.path.exists(path):
            os.remove(path)


@bp.get("/api/v1/aggregates.csv")
@open_data
def aggregates_csv() -> Response:
    params = query_params(FILTER_PARAMS + EXPLORER_PARAMS + ("level", "parent"))
    frame = aggregates_frame(params)
    text = "\ufeff" + frame.to_csv(index=False, lineterminator="\r\n")
    return _download(text, "text/csv",
                     _filename(filters_from(params), "csv", "indicadores"))


@bp.get("/api/v1/aggregates.geojson", defaults={"extension": "geojson"})
@bp.get("/api/v1/aggregates.gpkg", defaults={"extension": "gpkg"})
@open_data
def aggregates_file(extension: str) -> Response:
    """The metrics with each area's shape: a choropleth ready for QGIS."""
    params = query_params(FILTER_PARAMS + EXPLORER_PARAMS + ("level", "parent"))
    frame = aggregates_frame(params)

    def with_shapes():
        level = int(frame["level"].iloc[0]) if len(frame) else 1
        shapes = area_exports.area_shapes(level)  # the inner merge keeps the frame's areas
        return shapes.merge(frame, on="ubigeo", how="inner")

    return _geo_download(extension, "indicadores", sorted(params.items()), with_shapes,
                         filters_from(params), "indicadores")


@bp.get("/api/v1/oc4ids.json")
@open_data
def oc4ids_package() -> Response:
    params = query_params(FILTER_PARAMS + EXPLORER_PARAMS + PAGE_PARAMS)
    filters = filters_from(params)
    page = api_works.Page.from_query(params, default=OC4IDS_MAX_PER_PAGE,
                                     maximum=OC4IDS_MAX_PER_PAGE)

    def build() -> dict:
        total = exports.works_count(filters)
        rows = exports.works_rows(filters, limit=page.per_page, offset=page.offset)
        next_url = page_url(page.page + 1) if page.offset + page.per_page < total else None
        processes = work_sources.processes_by_work([r["infobras_code"] for r in rows])
        return json_text(oc4ids.package(rows, request.url, data_sources.data_date(), next_url,
                                        processes))

    return json_response(memoize(f"exports:oc4ids:{filters.key()}:{page}:{request.url}", build))
