"""The read-only JSON API (/api/v1/...), its OpenAPI description and the shared HTTP rules
of the open-data routes: Spanish JSON errors, no tracebacks, cache headers.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from functools import wraps
from typing import Any
from urllib.parse import urlencode

import pandas as pd
import sqlalchemy as sa
from flask import Blueprint, Response, request

from dashboard.cache import data_version, memoize
from dashboard.openapi import FILTER_PARAMS, docs_html, openapi_document
from queries import (
    alerts,
    api_alerts,
    api_areas,
    api_procurement,
    api_works,
    compare,
    contractors,
    db,
    entities,
    investments,
    work_sources,
)
from queries.filters import FilterError, Filters
from queries.parties import parse_entity_id, parse_ruc

bp = Blueprint("api", __name__)
log = logging.getLogger(__name__)

MAX_AGE = 300  # seconds browsers and proxies may reuse an answer; a new load changes the ETag


class NotFound(Exception):
    """An unknown code or ubigeo: 404 with a Spanish message."""


# -- shared HTTP rules -------------------------------------------------------------------
def jsonable(value: Any) -> Any:
    """Dates as ISO text, decimals as numbers, NaN as null (strict JSON)."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NaT:
        return None
    if hasattr(value, "item"):  # numpy scalars
        return jsonable(value.item())
    return value


def json_text(payload: Any) -> str:
    return json.dumps(jsonable(payload), ensure_ascii=False, allow_nan=False)


def json_response(payload: Any, status: int = 200) -> Response:
    """A JSON answer; `payload` may already be JSON text (big cached bodies)."""
    body = payload if isinstance(payload, str) else json_text(payload)
    return Response(body, status=status, mimetype="application/json")


def error(message: str, status: int) -> Response:
    response = json_response({"error": message}, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def query_params(allowed: Iterable[str]) -> dict[str, list[str]]:
    """The query string as lists of values; unknown parameters are an error (a typo must
    not silently return everything)."""
    params = request.args.to_dict(flat=False)
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise FilterError(f"Parámetro desconocido: «{unknown[0][:30]}». "
                          f"Parámetros admitidos: {', '.join(sorted(allowed))}.")
    return params


def first(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name) or [None]
    return values[0]


def as_page_query(params: dict[str, list[str]], names: Iterable[str]) -> dict[str, Any]:
    """Parameters as the pages read them (Dash does the same): one value as text (it may hold
    commas), a repeated key as a list."""
    return {k: v[0] if len(v) == 1 else v for k, v in params.items() if k in names}


def filters_from(params: dict[str, list[str]]) -> Filters:
    return Filters.from_query(as_page_query(params, FILTER_PARAMS))


def open_data(view: Callable[..., Response]) -> Callable[..., Response]:
    """Errors as JSON (400 bad parameter, 404 unknown, 503 database down, 500 otherwise) and
    cache headers: public for MAX_AGE, ETag from the data version and the URL."""
    @wraps(view)
    def wrapper(*args, **kwargs) -> Response:
        try:
            response = view(*args, **kwargs)
        except FilterError as exc:
            return error(str(exc), 400)
        except NotFound as exc:
            return error(str(exc), 404)
        except (db.DatabaseUnavailable, sa.exc.OperationalError):
            log.exception("database unavailable")
            return error("La base de datos no está disponible. Intente en unos minutos.", 503)
        except Exception:
            log.exception("open-data route failed: %s", request.full_path)
            return error("Error interno. El equipo fue notificado.", 500)
        if response.status_code == 200:
            tag = hashlib.sha1(f"{data_version()}|{request.full_path}".encode(),
                               usedforsecurity=False).hexdigest()
            response.set_etag(tag)
            response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
            response.make_conditional(request)
        return response
    return wrapper


def page_url(number: int) -> str:
    """This request's URL on another page, every other parameter kept."""
    args = request.args.to_dict(flat=False) | {"page": [str(number)]}
    return f"{request.base_url}?{urlencode(args, doseq=True)}"


def page_links(page: api_works.Page, pages: int) -> dict[str, str]:
    """URLs of the previous and next pages."""
    return {name: page_url(number)
            for name, number in (("prev", page.page - 1), ("next", page.page + 1))
            if 1 <= number <= pages}


# -- routes ------------------------------------------------------------------------------
PAGE_PARAMS = ("page", "per_page")


@bp.get("/api/v1/works")
@open_data
def works() -> Response:
    params = query_params(FILTER_PARAMS + PAGE_PARAMS)
    filters, page = filters_from(params), api_works.Page.from_query(params)
    body = memoize(f"api:works:{filters.key()}:{page}",
                  lambda: jsonable(api_works.works_page(filters, page)))
    return json_response({**body, "links": page_links(page, body["pages"])})


@bp.get("/api/v1/works/<int:code>")
@open_data
def work(code: int) -> Response:
    query_params(())
    body = memoize(f"api:work:{code}", lambda: jsonable(work_with_sources(code)))
    if body is None:
        raise NotFound(f"No existe una obra con código INFObras {code}.")
    body["alerts"] = jsonable(alerts.work_alerts(code))
    return json_response(body)


def work_with_sources(code: int) -> dict[str, Any] | None:
    """The work, plus every source around it (`sources`), where they disagree
    (`disagreements`) and where Mirador placed it against what the source declared
    (`placement`)."""
    body = api_works.work_detail(code)
    joined = work_sources.work_sources(code) if body is not None else None
    if body is None or joined is None:
        return None
    return {**body, "sources": {k: joined[k] for k in work_sources.API_PARTS},
            "disagreements": joined["disagreements"], "placement": joined["placement"]}


@bp.get("/api/v1/investments/<cui>")
@open_data
def investment(cui: str) -> Response:
    query_params(())
    cui = investments.parse_cui(cui)
    body = memoize(f"api:investment:{cui}",
                   lambda: jsonable(investments.investment_detail(cui)))
    if body is None:
        raise NotFound(f"No existe una inversión con CUI {cui}.")
    return json_response(body)


def detail(name: str, raw: str, parse: Callable[[object], str],
           read: Callable[[str], dict | None], missing: str) -> Response:
    """One record by the key in the path: 400 when malformed, 404 (`missing`, with {key})
    when no source names it."""
    query_params(())
    key = parse(raw)
    body = memoize(f"api:{name}:{key}", lambda: jsonable(read(key)))
    if body is None:
        raise NotFound(missing.format(key=key))
    return json_response(body)


@bp.get("/api/v1/entities/<entity_id>")
@open_data
def entity(entity_id: str) -> Response:
    return detail("entity", entity_id, parse_entity_id, entities.entity_api,
                  "Ninguna fuente nombra una entidad con identificador {key}.")


@bp.get("/api/v1/contractors/<ruc>")
@open_data
def contractor(ruc: str) -> Response:
    return detail("contractor", ruc, parse_ruc, contractors.contractor_api,
                  "Ninguna fuente nombra al RUC {key} como contratista, postor ni proveedor.")


def paged_list(name: str, kind: type, read: Callable[[Any, api_works.Page], dict]
               ) -> Response:
    """One page of a list whose selection `kind.from_query` parses from the query string."""
    params = query_params(kind.PARAMS + PAGE_PARAMS)
    query, page = kind.from_query(params), api_works.Page.from_query(params)
    body = memoize(f"api:{name}:{query}:{page}", lambda: jsonable(read(query, page)))
    return json_response({**body, "links": page_links(page, body["pages"])})


@bp.get("/api/v1/contracts")
@open_data
def contract_list() -> Response:
    return paged_list("contracts", api_procurement.ContractQuery,
                      api_procurement.contracts_page)


@bp.get("/api/v1/control-reports")
@open_data
def control_report_list() -> Response:
    return paged_list("control-reports", api_procurement.ReportQuery,
                      api_procurement.reports_page)


@bp.get("/api/v1/areas")
@open_data
def areas() -> Response:
    params = query_params(("level", "parent"))
    parent = api_areas.parse_ubigeo(first(params, "parent"))
    level = api_areas.parse_level(first(params, "level"), parent)
    items = memoize(f"api:areas:{level}:{parent}", lambda: jsonable(api_areas.areas(level, parent)))
    return json_response({"total": len(items), "items": items})


@bp.get("/api/v1/areas/<ubigeo>")
@open_data
def area(ubigeo: str) -> Response:
    query_params(())
    ubigeo = api_areas.parse_ubigeo(ubigeo)
    body = memoize(f"api:area:{ubigeo}", lambda: jsonable(api_areas.area_detail(ubigeo)))
    if body is None:
        raise NotFound(f"No existe un área con ubigeo {ubigeo}.")
    return json_response(body)


def aggregates_frame(params: dict[str, list[str]]) -> pd.DataFrame:
    """Metrics per area of `level` under `parent` (default: the filter's area)."""
    filters = filters_from(params)
    parent = api_areas.parse_ubigeo(first(params, "parent")) or filters.area
    level = api_areas.parse_level(first(params, "level"), parent, allow_same=True) or 1
    return memoize(f"api:aggregates:{level}:{parent}:{filters.key()}",
                  lambda: api_areas.name_paralysis(
                      compare.area_metrics(level, filters.with_area(None), parent),
                      filters.with_area(parent), level))


@bp.get("/api/v1/aggregates")
@open_data
def aggregates() -> Response:
    frame = aggregates_frame(query_params(FILTER_PARAMS + ("level", "parent")))
    items = frame.to_dict(orient="records")
    return json_response({"total": len(items), "items": items})


@bp.get("/api/v1/alerts")
@open_data
def alert_list() -> Response:
    params = query_params(FILTER_PARAMS + PAGE_PARAMS + api_alerts.PARAMS)
    page = api_works.Page.from_query(params)
    selection = alerts.AlertSelection.from_query(
        as_page_query(params, FILTER_PARAMS + api_alerts.PARAMS))
    body = memoize(f"api:alerts:{selection.key()}:{page}",
                  lambda: jsonable(api_alerts.alerts_page(selection, page)))
    return json_response({**body, "links": page_links(page, body["pages"])})


@bp.get("/api/openapi.json")
@open_data
def openapi() -> Response:
    return json_response(openapi_document(request.host_url.rstrip("/")))


@bp.get("/api/")
@bp.get("/api/docs")
def docs() -> Response:
    return Response(docs_html(), mimetype="text/html")


@bp.route("/api/<path:rest>")
def unknown(rest: str) -> Response:
    return error(f"Ruta desconocida: /api/{rest[:60]}. Vea /api/docs.", 404)
