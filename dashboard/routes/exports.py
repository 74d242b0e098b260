"""Open-data downloads of the exact filtered selection: CSV, GeoJSON, GeoPackage, OC4IDS.

CSV is UTF-8 with a BOM (Excel opens the accents right), comma-separated with a decimal
point, and streamed from a server-side cursor so a national selection never sits in memory.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date
from urllib.parse import urlencode

from flask import Blueprint, Response, request

from dashboard.cache import memoize
from dashboard.openapi import EXPLORER_PARAMS, FILTER_PARAMS
from dashboard.routes.api import (
    PAGE_PARAMS,
    aggregates_frame,
    filters_from,
    json_response,
    json_text,
    open_data,
    page_url,
    query_params,
)
from layers import oc4ids
from queries import api_works, data_sources, exports
from queries.filters import Filters

bp = Blueprint("exports", __name__)

OC4IDS_MAX_PER_PAGE = 1000
CSV_CHUNK = 2000
GPKG_LAYER = "obras"


def download_urls(filters: Filters) -> dict[str, str]:
    """Links to the exact selection in every format, for any page that shows works:
    {"CSV": ..., "GeoJSON": ..., "GeoPackage": ..., "OC4IDS": ...}."""
    query = urlencode(filters.to_query(), doseq=True)
    suffix = f"?{query}" if query else ""
    return {"CSV": f"/api/v1/works.csv{suffix}", "GeoJSON": f"/api/v1/works.geojson{suffix}",
            "GeoPackage": f"/api/v1/works.gpkg{suffix}",
            "OC4IDS": f"/api/v1/oc4ids.json{suffix}"}


def aggregate_urls(filters: Filters, level: int, parent: str | None = None
                   ) -> dict[str, str]:
    """Links to the metrics of every area of `level` (under `parent`): {"CSV", "JSON"}."""
    params = {**filters.with_area(None).to_query(), "level": level,
              **({"parent": parent} if parent else {})}
    query = urlencode(params, doseq=True)
    return {"CSV": f"/api/v1/aggregates.csv?{query}", "JSON": f"/api/v1/aggregates?{query}"}


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
    return _download(lines, "text/csv; charset=utf-8", _filename(filters, "csv"))


@bp.get("/api/v1/works.geojson", defaults={"extension": "geojson"})
@bp.get("/api/v1/works.gpkg", defaults={"extension": "gpkg"})
@open_data
def works_file(extension: str) -> Response:
    """GeoJSON or GeoPackage of the selection (cached: both need the whole frame)."""
    filters = _export_filters()
    write, media = GEO_FILES[extension]
    body = memoize(f"exports:{extension}:{filters.key()}",
                   lambda: write(exports.works_frame(filters)))
    return _download(body, media, _filename(filters, extension))


def geojson(frame) -> bytes:
    """An RFC 7946 FeatureCollection; dates as ISO text (JSON has no date type)."""
    dates = frame.select_dtypes(include="datetime").columns
    frame = frame.assign(**{c: frame[c].dt.strftime("%Y-%m-%d") for c in dates})
    return write_file(frame, "GeoJSON", ".geojson", RFC7946="YES")


def geopackage(frame) -> bytes:
    return write_file(frame, "GPKG", ".gpkg", layer=GPKG_LAYER)


GEO_FILES = {"geojson": (geojson, "application/geo+json"),
             "gpkg": (geopackage, "application/geopackage+sqlite3")}


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
    return _download(text, "text/csv; charset=utf-8",
                     _filename(filters_from(params), "csv", "indicadores"))


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
        return json_text(oc4ids.package(rows, request.url, data_sources.data_date(), next_url))

    return json_response(memoize(f"exports:oc4ids:{filters.key()}:{page}:{request.url}", build))
