"""HTTP rules of the citizen pages, registered with the app like every blueprint here:

- the session's secret and cookie flags (the moderator's login, see dashboard/reports_auth.py);
- /obra/<código> of an unknown or malformed code answers 404 (the page itself says "Obra no
  encontrada"), so a link checker or a search engine sees what a person sees.

The report form and the moderation screen are Dash callbacks: JSON POSTs that a cross-site
form cannot forge (see the module docstring of dashboard/pages/moderacion.py).
"""

from __future__ import annotations

import re

import dash
import sqlalchemy as sa
from flask import Blueprint, Response, request
from flask.blueprints import BlueprintSetupState

from dashboard.reports_auth import configure_session
from queries.db import DatabaseUnavailable
from queries.filters import FilterError
from queries.work_detail import parse_code, work_exists

bp = Blueprint("citizen_reports", __name__)
_WORK_PATH = re.compile(r"^/obra/([^/]*)/?$")


@bp.record_once
def _setup(state: BlueprintSetupState) -> None:
    configure_session(state.app)


@bp.before_app_request
def _unknown_work() -> Response | None:
    """The app's page with status 404 for a work that does not exist."""
    match = _WORK_PATH.match(request.path)
    if request.method != "GET" or match is None:
        return None
    try:
        if work_exists(parse_code(match[1])):
            return None
    except FilterError:
        pass
    except (DatabaseUnavailable, sa.exc.OperationalError, sa.exc.InterfaceError):
        return None  # the page itself says the database is down
    return Response(dash.get_app().index(), status=404, mimetype="text/html")
