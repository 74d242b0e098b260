"""One work for its own page (/obra/<código>): every field with where it comes from, the
district that contains its surveyed point, its monthly history, and the load that wrote it."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from queries import db
from queries.api_works import history_stmt
from queries.exports import works_export_stmt
from queries.filters import FilterError, Filters
from queries.tables import area, load_run, work

MAX_CODE = 2**63 - 1       # work.infobras_code is a bigint
_coords_district = area.alias("coords_district")


def parse_code(text: object) -> int:
    """The INFObras code in the URL; FilterError (Spanish) when it is not a positive number."""
    value = str(text if text is not None else "").strip()
    if not value:
        raise FilterError("Falta el código INFObras de la obra, por ejemplo /obra/12345.")
    if not (value.isascii() and value.isdigit()):
        raise FilterError(f"«{value[:30]}» no es un código INFObras: el código es un número, "
                          "por ejemplo /obra/12345.")
    code = int(value)
    if not 0 < code <= MAX_CODE:
        raise FilterError(f"El código {value[:30]} está fuera de rango.")
    return code


def work_stmt(code: int) -> sa.Select:
    """The export's fields (names of region, province, district; amounts as floats) plus the
    description, the source's other fields, the surveyed point's district and the load run."""
    w, d, r = work.c, _coords_district.c, load_run.c
    return (works_export_stmt(Filters())
            .add_columns(w.project_name, w.declared_department, w.declared_province,
                         w.declared_district, w.ubigeo_method, w.coords_ubigeo,
                         d.name.label("coords_district"), w.extra,
                         r.loader.label("load_loader"), r.source.label("load_source"),
                         r.finished_at.label("loaded_at"))
            .outerjoin(_coords_district, d.ubigeo == w.coords_ubigeo)
            .outerjoin(load_run, r.id == w.load_run_id)
            .where(w.infobras_code == code))


def work_exists(code: int) -> bool:
    with db.read_engine().connect() as conn:
        return conn.execute(sa.select(work.c.infobras_code)
                            .where(work.c.infobras_code == code)).first() is not None


def work_detail(code: int) -> dict[str, Any] | None:
    """{...work fields..., "history": monthly points oldest first}; None for an unknown code."""
    with db.read_engine().connect() as conn:
        row = conn.execute(work_stmt(code)).mappings().first()
        if row is None:
            return None
        history = [dict(r) for r in conn.execute(history_stmt(code)).mappings()]
    return {**row, "history": history}
