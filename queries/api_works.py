"""The JSON API's works: filtered pages in a stable order, and one work with its history."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from queries import db, exports
from queries.filters import FilterError, Filters
from queries.tables import work, work_progress

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 500
MAX_PAGE = 100_000


@dataclass(frozen=True)
class Page:
    """Which slice of a list: 1-based page of `per_page` items."""

    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @classmethod
    def from_query(cls, params: Mapping[str, Any], default: int = DEFAULT_PER_PAGE,
                   maximum: int = MAX_PER_PAGE) -> Page:
        """Parse `page` and `per_page`; raise FilterError with a Spanish message."""
        page = _positive(params.get("page"), "page", 1, MAX_PAGE)
        per_page = _positive(params.get("per_page"), "per_page", default, maximum)
        return cls(page, per_page)


def _positive(value: Any, name: str, default: int, maximum: int) -> int:
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    if value in (None, ""):
        return default
    try:
        number = int(str(value))
    except ValueError:
        raise FilterError(f"«{name}» debe ser un número entero, no «{str(value)[:20]}».") from None
    if not 1 <= number <= maximum:
        raise FilterError(f"«{name}» debe estar entre 1 y {maximum}.")
    return number


def works_page(filters: Filters, page: Page) -> dict[str, Any]:
    """{"total", "page", "per_page", "pages", "items"}: one page of the selection."""
    total = exports.works_count(filters)
    items = exports.works_rows(filters, limit=page.per_page, offset=page.offset)
    return {"total": total, "page": page.page, "per_page": page.per_page,
            "pages": -(-total // page.per_page), "items": items}


def history_stmt(code: int) -> sa.Select:
    p = work_progress.c
    numbers = ("physical_programmed", "physical_real", "financial", "amount_accrued")
    return (sa.select(p.month, *(sa.cast(p[n], sa.Float).label(n) for n in numbers), p.status)
            .where(p.infobras_code == code).order_by(p.month))


def work_detail(code: int) -> dict[str, Any] | None:
    """A work's export fields plus its monthly history; None when the code is unknown."""
    stmt = exports.works_export_stmt(Filters()).where(work.c.infobras_code == code)
    with db.read_engine().connect() as conn:
        row = conn.execute(stmt).mappings().first()
        if row is None:
            return None
        history = [dict(r) for r in conn.execute(history_stmt(code)).mappings()]
    return {**row, "history": history}
