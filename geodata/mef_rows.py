"""What the three MEF file kinds share: the header lookup, the cell parsers that turn a bad cell
into a quarantine reason, the areas a row's region and places resolve against, and the parsed
row itself.

Why one module: the Banco de Inversiones export and the two SSI lists spell the same things
(a CUI, an amount, a date, a region) in different dresses, and every one of them must be
judged the same way whichever file it comes from.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property, lru_cache
from typing import Any

import sqlalchemy as sa

from geodata.names import DistrictMatcher, loose_key, name_key
from geodata.parsing import clean_text, parse_code, parse_date, parse_decimal, parse_int

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("1e14")      # numeric(16, 2)
MAX_CUI_DIGITS = 10
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_CONNECTORS = frozenset({"de", "del", "la", "las", "los", "y"})
_REGION_PREFIXES = ("gobierno regional de ", "gobierno regional ", "region ",
                    "departamento de ", "departamento ")


class RowError(ValueError):
    """A row that cannot be loaded as it is: its quarantine code and Spanish reason."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason


def header_key(text: Any) -> str:
    """'Código único de inversión ' -> 'codigounicodeinversion': what spellings share."""
    return _NOT_ALNUM.sub("", name_key(clean_text(text) or ""))


class Columns:
    """Where each field is in a file's rows, by header (case, accents, spaces and punctuation
    do not matter; a repeated header counts once, the first; unknown headers go to `extra`)."""

    def __init__(self, headers: Sequence[str], fields: dict[str, tuple[str, ...]]):
        wanted = {key: name for name, keys in fields.items() for key in keys}
        self.headers = list(headers)
        self.index: dict[str, int] = {}
        self.extra: list[tuple[int, str]] = []
        seen: set[str] = set()
        for i, header in enumerate(headers):
            key = header_key(header)
            if not key or key in seen:
                continue
            seen.add(key)
            if (name := wanted.get(key)) is not None:
                self.index.setdefault(name, i)
            else:
                self.extra.append((i, header))

    def get(self, cells: Sequence[Any], name: str) -> Any:
        i = self.index.get(name)
        return cells[i] if i is not None and i < len(cells) else None

    def text(self, cells: Sequence[Any], name: str) -> str | None:
        return clean_text(self.get(cells, name))

    def others(self, cells: Sequence[Any]) -> dict[str, str]:
        """The unknown columns' non-empty cells, under their headers."""
        return {header: text for i, header in self.extra
                if i < len(cells) and (text := clean_text(cells[i])) is not None}

    def raw(self, cells: Sequence[Any]) -> dict[str, Any]:
        """The row as read, for the quarantine (cells past the header under their position)."""
        raw = {(self.headers[i] if i < len(self.headers) and self.headers[i] else f"col{i + 1}"):
               cell for i, cell in enumerate(cells)}
        return {k: v for k, v in raw.items() if v not in (None, "")}


def cui(value: Any) -> str:
    """2233850.0, '2233850', '02233850' -> '2233850'."""
    try:
        text = parse_code(value)
    except ValueError:
        raise RowError("cui_invalido", f"CUI no válido: {clean_text(value)!r}") from None
    if text is None:
        raise RowError("cui_faltante", "Falta el CUI (código único de inversión)")
    text = text.lstrip("0")
    if len(text) > MAX_CUI_DIGITS:
        raise RowError("cui_invalido", f"CUI no válido (más de {MAX_CUI_DIGITS} dígitos): "
                                       f"{clean_text(value)!r}")
    return text


def money(value: Any, label: str) -> Decimal | None:
    """Soles to the cent, half up as the source's own sheets round (the Banco export has a
    few half cents: 538128.305 -> 538128.31): 16624580757.0, 'S/. 20,652,795.00', '1.234,50'."""
    try:
        amount = parse_decimal(value)
    except ValueError:
        raise RowError("monto_invalido", f"{label}: no es un monto: {clean_text(value)!r}"
                       ) from None
    if amount is None:
        return None
    if amount < 0:
        raise RowError("monto_negativo", f"{label} negativo: {clean_text(value)!r}")
    if amount >= MAX_AMOUNT:
        raise RowError("monto_invalido", f"{label} fuera de rango: {clean_text(value)!r}")
    return amount.quantize(CENT, ROUND_HALF_UP)


def day(value: Any, label: str) -> date | None:
    """dd/mm/yyyy, with or without a time after it ('05/08/2019 04:02:50 p.m.')."""
    try:
        try:
            return _date(value)
        except TypeError:             # a cell that cannot be a cache key
            return parse_date(value)
    except ValueError as exc:
        raise RowError("fecha_invalida", f"{label}: {exc}") from None


# Dates repeat across a file's rows (a few thousand days in 270,000 cells): each is parsed
# once (typed: 1, 1.0 and True are different cells).
_date = lru_cache(maxsize=1 << 16, typed=True)(parse_date)


def count(value: Any, label: str) -> int | None:
    """A whole number >= 0 (beneficiaries)."""
    try:
        number = parse_int(value)
        if number is None or number >= 0:
            return number
    except ValueError:
        pass
    raise RowError("numero_invalido", f"{label}: no es un número entero >= 0: "
                                      f"{clean_text(value)!r}")


def money_text(amount: Decimal | None) -> str:
    return "sin monto" if amount is None else f"S/ {amount:,.2f}"


def region_key(text: str | None) -> str:
    """'Madre de Dios', 'MADREDIOS', 'Región Cusco' -> one key (connectors and prefixes out)."""
    key = name_key(text)
    for prefix in _REGION_PREFIXES:
        key = key.removeprefix(prefix)
    return "".join(w for w in key.split() if w not in _CONNECTORS)


class Areas:
    """The `area` table as a load needs it: the codes that exist, the regions by name, and
    the district matcher (built on first use: the Banco export has codes, not only names)."""

    def __init__(self, conn: sa.Connection):
        self._conn = conn
        self.codes = frozenset(conn.execute(sa.text("SELECT ubigeo FROM area")).scalars())
        self.regions: dict[str, str] = {}
        for code, name in conn.execute(sa.text("SELECT ubigeo, name FROM area WHERE level = 1")):
            for key in (region_key(name), loose_key(name)):
                self.regions[key] = code

    @cached_property
    def matcher(self) -> DistrictMatcher:
        return DistrictMatcher.from_db(self._conn)

    def region(self, name: str | None) -> str | None:
        """The two-digit code of a region name; None for an empty cell."""
        text = clean_text(name)
        if text is None:
            return None
        code = self.regions.get(region_key(text)) or self.regions.get(loose_key(text))
        if code is None:
            raise RowError("region_desconocida", f"Región desconocida: {text!r}")
        return code


@dataclass(slots=True)
class Place:
    """Where a row says the investment happens: the area (district, or province or region
    for a row that covers all of one), the names as written, and the point when there is one."""

    key: tuple                       # what makes two rows of one CUI the same place
    ubigeo: str | None
    department: str | None = None
    province: str | None = None
    district: str | None = None
    locality: str | None = None
    point: tuple[float, float] | None = None     # (lon, lat)
    seq: int | None = None           # fixed by the kind (Banco: the ubigeo), else row order
    discarded: dict[str, str] | None = None      # a point not kept, and why
    swapped: str | None = None       # the point as written "lon / lat", read the right way


# The investment_source columns a row fills (the loader adds cui, source, dates and the run).
RECORD_FIELDS = ("name", "status", "sector", "function", "entity_name", "executor",
                 "region_ubigeo", "amount_viable", "amount_updated", "registration_date",
                 "viability_date", "last_modified", "beneficiaries")


def investment(extra: dict[str, Any], **values: Any) -> dict[str, Any]:
    """An investment_source record: the given columns, the others empty."""
    unknown = set(values) - set(RECORD_FIELDS)
    if unknown:
        raise TypeError(f"not investment_source columns: {sorted(unknown)}")
    return {**dict.fromkeys(RECORD_FIELDS), **values, "extra": extra}


@dataclass(slots=True)
class Row:
    """A parsed row: its number in the file, the CUI, the investment_source columns, its
    cells (for the quarantine), the fields two rows of one CUI must agree on (label -> value),
    and its place."""

    number: int
    cui: str
    record: dict[str, Any]
    cells: Sequence[Any]
    identity: dict[str, Any]
    place: Place | None = None


@dataclass(frozen=True)
class Kind:
    """A kind of MEF file: its source code, its name for people, the headers that tell it
    apart, where its fields are, how a row is read, and how its places are finished."""

    source: str
    label: str
    required: tuple[str, ...]
    fields: dict[str, tuple[str, ...]]
    read: Callable[[int, Sequence[Any], Columns, Areas], Row]
    place_duplicate: str | None = None       # the repeat code of a CUI's further place
    region_from_places: bool = False         # the region is where the places are
    # Places whose area is found only once all rows are read (points need one query).
    locate: Callable[[sa.Connection, list[Row], Areas], list[str]] | None = None
