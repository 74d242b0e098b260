"""The works filter shared by the explorer, the API and the exports.

A `Filters` comes from URL query parameters (so a view is shareable), is validated with
Spanish messages, goes back to query parameters unchanged, and becomes WHERE clauses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import sqlalchemy as sa

from queries.tables import work

STATUSES = ("en_ejecucion", "paralizada", "finalizada", "sin_ejecucion")
MAX_TEXT = 120
MAX_ENTITY_ID = 200
MAX_CHOICES = 50
_UBIGEO = re.compile(r"^\d{2}(\d{2}(\d{2})?)?$")
_YEAR_RANGE = (1990, 2100)


class FilterError(ValueError):
    """A request parameter that cannot be understood; the message is shown to the user."""


@dataclass(frozen=True)
class Filters:
    """What the user selected. Empty tuples and None mean "no restriction"."""

    area: str | None = None                      # ubigeo of region/province/district
    status: tuple[str, ...] = ()
    government_level: tuple[str, ...] = ()
    sector: tuple[str, ...] = ()                 # work_type_1 (clasificador nivel 1)
    modality: tuple[str, ...] = ()
    year_min: int | None = None                  # start year
    year_max: int | None = None
    amount_min: float | None = None              # S/ of amount_investment
    amount_max: float | None = None
    q: str | None = None                         # name words, INFObras code or CUI
    entity_id: str | None = None                 # the executing entity (entity_key in SQL)
    contractor_ruc: str | None = None            # the contractor's RUC
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    # -- URL round trip ---------------------------------------------------------------
    @classmethod
    def from_query(cls, params: Mapping[str, Any]) -> Filters:
        """Parse query parameters (values may be strings or lists); raise FilterError."""
        get = _getter(params)
        area = get("area")
        if area and not _UBIGEO.match(area):
            raise FilterError(f"Área no válida: «{area[:20]}». Use un ubigeo de 2, 4 o 6 dígitos.")
        statuses = _choices(params, "status")
        bad = [s for s in statuses if s not in STATUSES]
        if bad:
            raise FilterError(f"Estado no válido: «{bad[0][:30]}». Use: {', '.join(STATUSES)}.")
        year_min = _int(get("year_min"), "año inicial")
        year_max = _int(get("year_max"), "año final")
        for y in (year_min, year_max):
            if y is not None and not _YEAR_RANGE[0] <= y <= _YEAR_RANGE[1]:
                raise FilterError(f"Año fuera de rango: {y}.")
        amount_min = _float(get("amount_min"), "monto mínimo")
        amount_max = _float(get("amount_max"), "monto máximo")
        if year_min and year_max and year_min > year_max:
            raise FilterError("El año inicial es posterior al año final.")
        if amount_min is not None and amount_max is not None and amount_min > amount_max:
            raise FilterError("El monto mínimo es mayor que el monto máximo.")
        if any(a is not None and a < 0 for a in (amount_min, amount_max)):
            raise FilterError("Los montos no pueden ser negativos.")
        q = (get("q") or "").strip()
        if len(q) > MAX_TEXT:
            raise FilterError(f"La búsqueda es demasiado larga (máximo {MAX_TEXT} caracteres).")
        entity_id = get("entity_id")
        if entity_id is not None and (len(entity_id) > MAX_ENTITY_ID
                                      or not ENTITY_ID.fullmatch(entity_id)):
            raise FilterError(f"Entidad no válida: «{entity_id[:40]}». Use su identificador, "
                              "como 08-municipalidad-provincial-del-cusco.")
        ruc = get("contractor_ruc")
        if ruc is not None and not RUC.fullmatch(ruc):
            raise FilterError(f"RUC no válido: «{ruc[:20]}». Son 11 dígitos.")
        return cls(area=area or None, status=tuple(statuses),
                   government_level=tuple(_choices(params, "government_level")),
                   sector=tuple(_choices(params, "sector")),
                   modality=tuple(_choices(params, "modality")),
                   year_min=year_min, year_max=year_max,
                   amount_min=amount_min, amount_max=amount_max, q=q or None,
                   entity_id=entity_id, contractor_ruc=ruc)

    def to_query(self) -> dict[str, Any]:
        """Query parameters that parse back to this Filters (lists for multi-choices)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "extra" or value in (None, (), ""):
                continue
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    def with_area(self, area: str | None) -> Filters:
        return Filters(**{**asdict(self), "area": area})

    def key(self) -> tuple:
        """A hashable key for caches."""
        return tuple((k, v) for k, v in sorted(self.to_query().items(), key=lambda kv: kv[0])
                     for v in [tuple(v) if isinstance(v, list) else v])

    # -- SQL --------------------------------------------------------------------------
    def conditions(self, table: sa.Table = work, include_area: bool = True) -> list:
        """WHERE clauses on the work table (all bound parameters)."""
        t = table.c
        conds: list = []
        if include_area and self.area:
            conds.append(t.ubigeo.startswith(self.area, autoescape=True))
        for column, values in ((t.status, self.status),
                               (t.government_level, self.government_level),
                               (t.work_type_1, self.sector), (t.modality, self.modality)):
            if values:
                conds.append(column.in_(values))
        if self.year_min is not None:
            conds.append(t.start_year >= self.year_min)
        if self.year_max is not None:
            conds.append(t.start_year <= self.year_max)
        if self.amount_min is not None:
            conds.append(t.amount_investment >= self.amount_min)
        if self.amount_max is not None:
            conds.append(t.amount_investment <= self.amount_max)
        if self.q:
            conds.append(_text_condition(t, self.q))
        for column, value in (("entity_id", self.entity_id),
                              ("contractor_ruc", self.contractor_ruc)):
            if value:
                conds.append(t.infobras_code.in_(
                    sa.select(party_work.c.infobras_code).where(party_work.c[column] == value)))
        return conds

    def searched(self) -> Filters:
        """Only what PostgreSQL looks up by index (the text, the entity, the contractor):
        the explorer's copy in memory (queries.explorer_facts) gets the matching codes."""
        return Filters(q=self.q, entity_id=self.entity_id, contractor_ruc=self.contractor_ruc)

    def searches(self) -> bool:
        return bool(self.q or self.entity_id or self.contractor_ruc)

    def where(self, stmt: sa.Select, table: sa.Table = work, include_area: bool = True
              ) -> sa.Select:
        conds = self.conditions(table, include_area)
        return stmt.where(*conds) if conds else stmt

    def is_empty(self, include_area: bool = True) -> bool:
        query = self.to_query()
        if not include_area:
            query.pop("area", None)
        return not query


def _text_condition(t, q: str):
    """Digits: an INFObras code or a CUI. Words: all of them in the work's name, each as
    the start of a word ("puente" finds "PUENTES"), through the full-text index on the
    name (work_name_fts, explorer_works_name_fts): a substring search must re-read every
    candidate's name and took three times as long for a common word. Text without a
    single letter or digit is searched as it is."""
    if q.isdigit() and len(q) <= 18:
        return sa.or_(t.infobras_code == int(q), t.cui == q, t.snip == q)
    words = _WORD.findall(q)[:8]
    if not words:
        return t.name.icontains(q, autoescape=True)
    prefixes = " & ".join(f"{w}:*" for w in words)
    return name_vector(t.name).op("@@")(sa.func.to_tsquery(_TEXT_CONFIG, prefixes))


_WORD = re.compile(r"\w+")
ENTITY_ID = re.compile(r"^([0-9]{2}-)?[a-z0-9]+(-[a-z0-9]+)*$")
RUC = re.compile(r"^[0-9]{8,11}$")
# The works of an entity or a contractor, by their indexes on `work` (sql/sources.sql), as
# a subquery any statement on a table with INFObras codes can use.
party_work = work.alias("party_work")
# A literal, not a parameter: the planner matches it against the index expression.
_TEXT_CONFIG = sa.literal_column("'simple'::regconfig")


def name_vector(name: sa.ColumnElement) -> sa.ColumnElement:
    """The indexed words of a name: `to_tsvector('simple', name)`, lowercased, unstemmed."""
    return sa.func.to_tsvector(_TEXT_CONFIG, name)


def _getter(params: Mapping[str, Any]):
    def get(name: str) -> str | None:
        value = params.get(name)
        if isinstance(value, list | tuple):
            value = value[0] if value else None
        return None if value in (None, "") else str(value)
    return get


def _choices(params: Mapping[str, Any], name: str) -> list[str]:
    """Multi-valued parameter: repeated keys, a list, or a comma-separated string."""
    value = params.get(name)
    if value in (None, ""):
        return []
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    items = [str(i).strip() for i in items if str(i).strip()]
    if len(items) > MAX_CHOICES or any(len(i) > MAX_TEXT for i in items):
        raise FilterError(f"Demasiados valores o valores demasiado largos en «{name}».")
    return list(dict.fromkeys(items))


def _int(value: str | None, label: str) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise FilterError(f"El {label} debe ser un número entero, no «{value[:20]}».") from None


def _float(value: str | None, label: str) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        raise FilterError(f"El {label} debe ser un número, no «{value[:20]}».") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise FilterError(f"El {label} debe ser un número finito.")
    return number
