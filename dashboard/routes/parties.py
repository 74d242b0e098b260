"""/obra/<código>, /entidad/<id>, /contratista/<ruc> and /inversion/<cui> of an unknown or
malformed key answer 404 (the page itself says "Obra no encontrada" / "Entidad no encontrada"
/ "Contratista no encontrado" / "Inversión no encontrada"), so a link checker or a search
engine sees what a person sees."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from typing import Any

import dash
import sqlalchemy as sa
from flask import Blueprint, Response, request

from queries.db import DatabaseUnavailable
from queries.filters import FilterError
from queries.investments import parse_cui
from queries.parties import parse_entity_id, parse_ruc
from queries.work_detail import parse_code, work_exists

bp = Blueprint("party_pages", __name__)


def _page_finds(module: str, parse: Callable[[str], Any]) -> Callable[[str], bool]:
    """Whether the page module's own data for the key exists (what the page will show)."""
    return lambda key: importlib.import_module(module).page_data(parse(key)) is not None


# path -> whether its key names something a source holds
_PAGES: tuple[tuple[re.Pattern, Callable[[str], bool]], ...] = (
    (re.compile(r"^/obra/([^/]*)/?$"), lambda key: work_exists(parse_code(key))),
    (re.compile(r"^/entidad/([^/]*)/?$"), _page_finds("dashboard.pages.entidad", parse_entity_id)),
    (re.compile(r"^/contratista/([^/]*)/?$"),
     _page_finds("dashboard.pages.contratista", parse_ruc)),
    (re.compile(r"^/inversion/([^/]*)/?$"), _page_finds("dashboard.pages.inversion", parse_cui)),
    (re.compile(r"^/reporte/([^/]*)/?$"),
     lambda key: importlib.import_module("dashboard.pages.reporte").find(key) is not None))


@bp.before_app_request
def _unknown_page() -> Response | None:
    """The app's page with status 404 for a work, entity, contractor or investment that no
    source holds."""
    if request.method != "GET":
        return None
    for path, found in _PAGES:
        match = path.match(request.path)
        if match is None:
            continue
        try:
            if found(match[1]):
                return None
        except FilterError:
            pass
        except (DatabaseUnavailable, sa.exc.OperationalError, sa.exc.InterfaceError):
            return None  # the page itself says the database is down
        return Response(dash.get_app().index(), status=404, mimetype="text/html")
    return None
