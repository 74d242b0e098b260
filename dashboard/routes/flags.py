"""The procurement red flags as open data: /api/v1/procurement-flags (JSON, paged) and
/api/v1/procurement-flags.csv (every flag of the selection, streamed), with ?rule= and
?region= as on the alerts page's «Contrataciones» view."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response

from dashboard.routes.api import first, json_response, open_data, query_params
from dashboard.routes.exports import csv_lines, query_suffix
from queries import procurement_flags as flags
from queries.filters import FilterError

bp = Blueprint("procurement_flags", __name__)
PARAMS = ("rule", "region")


def flag_urls(selection: flags.FlagSelection) -> dict[str, str]:
    """Links to every flag of the selection: {"CSV", "JSON"}."""
    suffix = query_suffix(selection.to_query())
    return {"CSV": f"/api/v1/procurement-flags.csv{suffix}",
            "JSON": f"/api/v1/procurement-flags{suffix}"}


def _int(text: str | None, name: str, default: int) -> int:
    if text is None:
        return default
    if not text.isdigit():
        raise FilterError(f"«{name}» debe ser un entero ≥ 0.")
    return int(text)


@bp.get("/api/v1/procurement-flags")
@open_data
def flag_list() -> Response:
    params = query_params((*PARAMS, "page", "per_page"))
    selection = flags.FlagSelection.from_query(params)
    page = _int(first(params, "page"), "page", 1)
    size = _int(first(params, "per_page"), "per_page", flags.PAGE_SIZE)
    if page < 1 or not 1 <= size <= flags.MAX_PAGE_SIZE:
        raise FilterError(f"page ≥ 1 y per_page entre 1 y {flags.MAX_PAGE_SIZE}.")
    result = flags.flags_page(selection, page - 1, size)
    return json_response({"total": result["total"], "page": page, "per_page": size,
                          "rules": flags.rule_counts(selection),
                          "coverage": flags.coverage(), "flags": result["rows"]})


@bp.get("/api/v1/procurement-flags.csv")
@open_data
def flag_csv() -> Response:
    selection = flags.FlagSelection.from_query(query_params(PARAMS))
    response = Response(csv_lines(list(flags.COLUMNS), flags.iter_flag_rows(selection)),
                        mimetype="text/csv")
    name = f"contrataciones-alertas-{selection.region or 'peru'}-{date.today().isoformat()}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
