"""One investment (MEF, by CUI) for its page (/inversion/<cui>) and the API: the figure of
each source, its places, the INFObras works that carry its CUI (none is fine: an investment
without an INFObras record is still a work people can find), its procurement and control."""

from __future__ import annotations

from functools import cache
from typing import Any

import sqlalchemy as sa

from queries import db
from queries.filters import FilterError
from queries.tables import area, work
from queries.work_sources import (
    compare,
    control_reports,
    disagreements,
    figure_values,
    investment_bundle,
    processes,
)

MAX_CUI_DIGITS = 12


def parse_cui(text: object) -> str:
    """The CUI in a URL as the sources key it (no leading zeros); FilterError in Spanish."""
    value = str(text if text is not None else "").strip()
    if not value:
        raise FilterError("Falta el CUI de la inversión, por ejemplo /inversion/2233850.")
    if not (value.isascii() and value.isdigit()) or len(value) > MAX_CUI_DIGITS:
        raise FilterError(f"«{value[:30]}» no es un CUI: el código único de inversión es un "
                          "número de hasta 12 dígitos, por ejemplo 2233850.")
    cui = value.lstrip("0")
    if not cui:
        raise FilterError("El CUI 0 no existe.")
    return cui


@cache
def works_stmt() -> sa.Select:
    """INFObras works that carry the CUI, as :spellings (one investment may hold several
    works)."""
    w, a = work.c, area.c
    return (sa.select(w.infobras_code, w.name, w.status, w.ubigeo, a.name.label("district"),
                      sa.cast(w.amount_investment, sa.Float).label("amount_investment"),
                      sa.cast(w.physical_progress, sa.Float).label("physical_progress"),
                      w.source, w.source_date)
            .select_from(work.outerjoin(area, a.ubigeo == w.ubigeo))
            .where(w.cui.in_(sa.bindparam("spellings", type_=sa.Text, expanding=True)))
            .order_by(w.infobras_code))


def cui_spellings(cui: str) -> list[str]:
    """The CUI as a source may have kept it (leading zeros up to 12 digits): matched by the
    index on work.cui, where cui_key(work.cui) would read every work."""
    return [cui.rjust(width, "0") for width in range(len(cui), MAX_CUI_DIGITS + 1)]


def investment_detail(cui: str) -> dict[str, Any] | None:
    """{"investment", "works", "procurement", "control", "figures", "disagreements"};
    None when no source knows the CUI."""
    with db.read_engine().connect() as conn:
        inv = investment_bundle(conn, cui)
        if inv is None:
            return None
        works = [dict(r) for r in conn.execute(works_stmt(), {"spellings": cui_spellings(cui)})
                 .mappings()]
        procurement = processes(conn, None, cui)
        control = control_reports(conn, None, cui, inv.get("entity_id"))
    figures = compare(figure_values(None, inv, procurement))
    return {"investment": inv, "works": works, "procurement": procurement, "control": control,
            "figures": figures, "disagreements": disagreements(figures)}
