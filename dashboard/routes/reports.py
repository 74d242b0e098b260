"""HTTP rules of the citizen pages, registered with the app like every blueprint here:

- the session's secret and cookie flags (the moderator's login, see dashboard/reports_auth.py)
  (an unknown work's page answers 404: dashboard/routes/parties.py).

The report form and the moderation screen are Dash callbacks: JSON POSTs that a cross-site
form cannot forge (see the module docstring of dashboard/pages/moderacion.py).
"""

from __future__ import annotations

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

from dashboard.reports_auth import configure_session

bp = Blueprint("citizen_reports", __name__)


@bp.record_once
def _setup(state: BlueprintSetupState) -> None:
    configure_session(state.app)
