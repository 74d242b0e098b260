"""The JSON API's alerts: the alerts module's selection and table, paged the API's way
(1-based `page`, any `per_page` up to the API's maximum)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from queries import db
from queries.alerts import (
    AlertSelection,
    TablePage,
    alert_rule,
    alerts_count_stmt,
    alerts_table_stmt,
)
from queries.api_works import Page

# Query parameters of an alert selection besides the works filter (AlertSelection reads them).
PARAMS = ("rule", "severity", "state", "entity", "risk_min", "risk_max")


def alerts_computed() -> bool:
    """Whether the rules were ever applied to this database (their table is filled then)."""
    with db.read_engine().connect() as conn:
        return conn.execute(sa.select(sa.exists().select_from(alert_rule))).scalar()


def alerts_page(selection: AlertSelection, page: Page) -> dict[str, Any]:
    """{"total", "page", "per_page", "pages", "items"}: biggest amount at risk first."""
    stmt = (alerts_table_stmt(selection, TablePage())
            .limit(page.per_page).offset(page.offset))
    with db.read_engine().connect() as conn:
        total = conn.execute(alerts_count_stmt(selection)).scalar_one()
        items = [dict(r) for r in conn.execute(stmt).mappings()]
    return {"total": total, "page": page.page, "per_page": page.per_page,
            "pages": -(-total // page.per_page), "items": items}
