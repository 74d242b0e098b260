"""The JSON API's lists of contracts (SEACE) and control reports (CGR): filtered, paged, in
a stable order, with Spanish errors for a bad parameter. One row per contract and per
report: amounts are never repeated by the sources' joins."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import sqlalchemy as sa

from queries import db
from queries.api_works import Page
from queries.filters import FilterError, _getter
from queries.investments import parse_cui
from queries.parties import contracts_stmt, parse_entity_id, parse_ruc
from queries.source_tables import contract, control_report, procurement_process

_REGION = re.compile(r"^[0-9]{2}$")
_YEARS = (1990, 2100)


def _region(value: str | None) -> str | None:
    if value is None:
        return None
    if not _REGION.fullmatch(value):
        raise FilterError(f"Región no válida: «{value[:20]}». Use el ubigeo de 2 dígitos de la "
                          "región (por ejemplo 08 para Cusco).")
    return value


@dataclass(frozen=True)
class ContractQuery:
    """Which contracts: of an entity, a supplier, an investment (the CUI its process names),
    a region (the process's)."""

    PARAMS: ClassVar[tuple[str, ...]] = ("entity_id", "supplier_ruc", "cui", "region")
    entity_id: str | None = None
    supplier_ruc: str | None = None
    cui: str | None = None
    region: str | None = None

    @classmethod
    def from_query(cls, params: Mapping[str, Any]) -> ContractQuery:
        get = _getter(params)
        entity_id, ruc, cui = get("entity_id"), get("supplier_ruc"), get("cui")
        return cls(parse_entity_id(entity_id) if entity_id else None,
                   parse_ruc(ruc) if ruc else None, parse_cui(cui) if cui else None,
                   _region(get("region")))

    def conditions(self) -> list:
        c, p = contract.c, procurement_process.c
        return [cond for value, cond in (
            (self.entity_id, p.entity_id == self.entity_id),
            (self.supplier_ruc, c.supplier_ruc == self.supplier_ruc),
            (self.cui, p.cui == self.cui), (self.region, p.region_ubigeo == self.region))
            if value]


@dataclass(frozen=True)
class ReportQuery:
    """Which control reports: of an entity, a region, a year of issue."""

    PARAMS: ClassVar[tuple[str, ...]] = ("entity_id", "region", "year")
    entity_id: str | None = None
    region: str | None = None
    year: int | None = None

    @classmethod
    def from_query(cls, params: Mapping[str, Any]) -> ReportQuery:
        get = _getter(params)
        entity_id, year = get("entity_id"), get("year")
        if year is not None and not (year.isascii() and year.isdigit()
                                     and _YEARS[0] <= int(year) <= _YEARS[1]):
            raise FilterError(f"Año no válido: «{year[:10]}». Use un año entre {_YEARS[0]} y "
                              f"{_YEARS[1]}.")
        return cls(parse_entity_id(entity_id) if entity_id else None, _region(get("region")),
                   int(year) if year is not None else None)

    def conditions(self) -> list:
        r = control_report.c
        return [cond for value, cond in (
            (self.entity_id, r.entity_id == self.entity_id),
            (self.region, r.region_ubigeo == self.region),
            (self.year, sa.extract("year", r.issued_date) == self.year)) if value]


def contracts_page(query: ContractQuery, page: Page) -> dict[str, Any]:
    """{"total", "page", "per_page", "pages", "items"}: newest signed first, then by id.
    Every contract has its process (a foreign key): counted without the join unless a
    condition is on the process (80k contracts: 130 -> 10 ms)."""
    conditions = query.conditions()
    counted = (contract.join(procurement_process,
                             procurement_process.c.id == contract.c.process_id)
               if query.entity_id or query.cui or query.region else contract)
    count = sa.select(sa.func.count()).select_from(counted).where(*conditions)
    items = contracts_stmt(*conditions, limit=page.per_page, offset=page.offset)
    return _page(count, items, page)


def reports_stmt(query: ReportQuery, page: Page) -> sa.Select:
    r = control_report.c
    return (sa.select(r.id, r.number, r.entity_id, r.entity_name, r.region_ubigeo,
                      r.region_name, r.service_type, r.title, r.event, r.operation,
                      r.persons_responsible, r.responsibility_type, r.issued_date,
                      r.concluded_date, r.published_date, r.pdf_url, r.summary_url, r.source,
                      r.source_date)
            .where(*query.conditions())
            .order_by(r.issued_date.desc().nulls_last(), r.id)
            .limit(page.per_page).offset(page.offset))


def reports_page(query: ReportQuery, page: Page) -> dict[str, Any]:
    count = sa.select(sa.func.count()).select_from(control_report).where(*query.conditions())
    return _page(count, reports_stmt(query, page), page)


def _page(count: sa.Select, items: sa.Select, page: Page) -> dict[str, Any]:
    with db.read_engine().connect() as conn:
        total = conn.execute(count).scalar() or 0
        rows = [dict(r) for r in conn.execute(items).mappings()]
    return {"total": total, "page": page.page, "per_page": page.per_page,
            "pages": -(-total // page.per_page), "items": rows}
