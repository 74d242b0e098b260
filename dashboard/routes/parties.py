"""/entidad/<id>, /contratista/<ruc> and /inversion/<cui> of an unknown or malformed key answer
404 (the page itself says "Entidad no encontrada" / "Contratista no encontrado" / "Inversión
no encontrada"), so a link checker or a search engine sees what a person sees."""

from __future__ import annotations

import importlib
import re

import dash
import sqlalchemy as sa
from flask import Blueprint, Response, request

from queries.db import DatabaseUnavailable
from queries.filters import FilterError
from queries.investments import parse_cui
from queries.parties import parse_entity_id, parse_ruc

bp = Blueprint("party_pages", __name__)
# path -> (parser of its key, the page module whose page_data reads it)
_PAGES = ((re.compile(r"^/entidad/([^/]*)/?$"), parse_entity_id, "dashboard.pages.entidad"),
          (re.compile(r"^/contratista/([^/]*)/?$"), parse_ruc, "dashboard.pages.contratista"),
          (re.compile(r"^/inversion/([^/]*)/?$"), parse_cui, "dashboard.pages.inversion"))


@bp.before_app_request
def _unknown_party() -> Response | None:
    """The app's page with status 404 for an entity or a contractor no source names."""
    if request.method != "GET":
        return None
    for path, parse, module in _PAGES:
        match = path.match(request.path)
        if match is None:
            continue
        try:
            if importlib.import_module(module).page_data(parse(match[1])) is not None:
                return None
        except FilterError:
            pass
        except (DatabaseUnavailable, sa.exc.OperationalError, sa.exc.InterfaceError):
            return None  # the page itself says the database is down
        return Response(dash.get_app().index(), status=404, mimetype="text/html")
    return None
