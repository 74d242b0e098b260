"""An area's briefing as a file: GET /informe/<ubigeo>.pdf and .png, drawn on the server
with the data's date and the filters (the explorer's query string) written on it."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response

from dashboard.cache import memoize
from dashboard.openapi import EXPLORER_PARAMS, FILTER_PARAMS
from dashboard.routes.api import NotFound, filters_from, open_data, query_params
from layers import briefing as briefing_layer
from queries import api_areas
from queries import briefing as briefing_query
from queries.filters import Filters

bp = Blueprint("briefing", __name__)

MEDIA = {"pdf": "application/pdf", "png": "image/png"}


def briefing_file(ubigeo: str, filters: Filters, kind: str) -> bytes | None:
    """The page's bytes; None when the ubigeo is unknown."""
    facts = briefing_query.briefing(ubigeo, filters)
    if facts is None:
        return None
    figure = briefing_layer.briefing_figure(
        facts, briefing_query.shapes(ubigeo), briefing_query.points(filters.with_area(ubigeo)))
    return briefing_layer.render(figure, kind)


def _send(ubigeo: str, kind: str) -> Response:
    ubigeo = api_areas.parse_ubigeo(ubigeo)
    filters = filters_from(query_params(FILTER_PARAMS + EXPLORER_PARAMS)).with_area(None)
    body = memoize(f"briefing:{ubigeo}:{filters.key()}:{kind}",
                  lambda: briefing_file(ubigeo, filters, kind))
    if body is None:
        raise NotFound(f"No existe un área con ubigeo {ubigeo}.")
    response = Response(body, mimetype=MEDIA[kind])
    response.headers["Content-Disposition"] = (
        f'attachment; filename="informe-{ubigeo}-{date.today().isoformat()}.{kind}"')
    return response


@bp.get("/informe/<ubigeo>.pdf")
@open_data
def briefing_pdf(ubigeo: str) -> Response:
    return _send(ubigeo, "pdf")


@bp.get("/informe/<ubigeo>.png")
@open_data
def briefing_png(ubigeo: str) -> Response:
    return _send(ubigeo, "png")
