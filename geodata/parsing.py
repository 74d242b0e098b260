"""Cell parsers for the works files: one cell in, a clean value (or None for an empty cell) out.

The real INFObras export writes decimals with a space ("1205287 56" = 1205287.56), dates as
dd/mm/yyyy and codes as numbers; some CSV variants write "S/. 1,234.50"; Excel cells may already
hold numbers and datetimes. On garbage a parser raises ValueError with a Spanish sentence, which
the loaders turn into a quarantine reason.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from unidecode import unidecode

from geodata.infobras_format import STATUS, STATUS_LABELS

# Cell texts that mean "nothing registered" (compared lowercased).
EMPTY = frozenset({"", "-", "--", "---", ".", "n/a", "na", "nan", "nat", "none", "null", "s/d"})

_PLAIN = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_SPACE_DECIMAL = re.compile(r"[+-]?\d+ \d+")                # INFObras: "1205287 56"
_SPACE_GROUPS = re.compile(r"[+-]?\d{1,3}( \d{3}){2,}([.,]\d+)?")  # "1 234 567,89"
_COMMA_GROUPS = re.compile(r"[+-]?\d{1,3}(,\d{3})+")        # "1,234,567"
_DOT_GROUPS = re.compile(r"[+-]?\d{1,3}(\.\d{3})+")         # "1.234.567"
_CURRENCY = re.compile(r"^(s/\.?|pen|\$)\s*|\s*%$", re.IGNORECASE)
_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_TRAILING_ZERO_DECIMALS = re.compile(r"\.0+$")
_EXCEL_EPOCH = date(1899, 12, 30)
_EXCEL_SERIALS = range(10_000, 80_000)   # 1927..2119: a bare number in a date column
_YEARS = range(1900, 2101)


_EMPTY_LEN = max(map(len, EMPTY))


def _empty_text(text: str) -> bool:
    """`text` (already stripped) means 'nothing'."""
    return len(text) <= _EMPTY_LEN and text.lower() in EMPTY


def is_empty(value: Any) -> bool:
    """True for a blank cell, NaN, or a text that means 'nothing' ("-", "N/A", ...)."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return isinstance(value, str) and _empty_text(value.strip())


def fold(text: Any) -> str:
    """Lowercase, without accents, single spaces: for comparing headers and labels."""
    return " ".join(unidecode(str(text)).lower().split())


def clean_text(value: Any) -> str | None:
    """A text cell with its whitespace collapsed; None when empty."""
    if type(value) is str:   # the common case first: loaders call this millions of times
        text = " ".join(value.split())
        return None if _empty_text(text) else text
    if is_empty(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, datetime):
        value = value.date()
    text = " ".join(str(value).split())
    return text or None


def parse_decimal(value: Any) -> Decimal | None:
    """A number in any of the forms the sources use: 1205287.56, "1205287 56", "S/. 1,234.50"."""
    if type(value) is str:
        text = value.strip()
        if _PLAIN.fullmatch(text):
            return Decimal(text)
        if _SPACE_DECIMAL.fullmatch(text):
            return Decimal(text.replace(" ", "."))
        return None if _empty_text(text) else _decimal_from_text(text)
    if isinstance(value, bool):
        raise ValueError(f"no es un número: {value!r}")
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            raise ValueError("no es un número: infinito")
        return Decimal(repr(value))
    if is_empty(value):
        return None
    return _decimal_from_text(str(value).strip())


def _decimal_from_text(text: str) -> Decimal:
    cleaned = " ".join(_CURRENCY.sub("", text.replace("\xa0", " ").strip()).split())
    if _SPACE_DECIMAL.fullmatch(cleaned):
        number = cleaned.replace(" ", ".")
    elif _SPACE_GROUPS.fullmatch(cleaned):
        number = cleaned.replace(" ", "").replace(",", ".")
    elif "," in cleaned and "." in cleaned:
        decimal_mark = "," if cleaned.rfind(",") > cleaned.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        number = cleaned.replace(thousands, "").replace(decimal_mark, ".")
    elif _COMMA_GROUPS.fullmatch(cleaned) or _DOT_GROUPS.fullmatch(cleaned):
        number = cleaned.replace(",", "").replace(".", "")
    else:
        number = cleaned.replace(",", ".", 1) if cleaned.count(",") == 1 else cleaned
    if not _PLAIN.fullmatch(number):
        raise ValueError(f"no es un número: {text!r}")
    try:
        return Decimal(number)
    except InvalidOperation:
        raise ValueError(f"no es un número: {text!r}") from None


def parse_float(value: Any) -> float | None:
    """A number as float (coordinates in decimal degrees), in any form parse_decimal reads."""
    number = parse_decimal(value)
    return None if number is None else float(number)


def parse_int(value: Any) -> int | None:
    """A whole number (a count of days, of modifications...)."""
    number = parse_decimal(value)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise ValueError(f"no es un número entero: {value!r}")
    return int(number)


def parse_date(value: Any) -> date | None:
    """A date: an Excel date cell, dd/mm/yyyy (also with - or .), ISO yyyy-mm-dd, or an Excel
    serial number; a time part after the date is ignored."""
    if type(value) is str:
        text = value.strip()
        return None if _empty_text(text) else _date_from_text(text)
    if isinstance(value, datetime):
        return _in_range(value.date(), value)
    if isinstance(value, date):
        return _in_range(value, value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and math.isnan(value):
            return None
        if value == int(value) and int(value) in _EXCEL_SERIALS:
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise ValueError(f"no es una fecha: {value!r}")
    if is_empty(value):
        return None
    return _date_from_text(str(value).strip())


def _date_from_text(text: str) -> date:
    head = text.replace("T", " ").split(" ", 1)[0]
    if match := _DMY.fullmatch(head):
        day, month, year = (int(g) for g in match.groups())
    elif match := _YMD.fullmatch(head):
        year, month, day = (int(g) for g in match.groups())
    else:
        raise ValueError(f"no es una fecha (se espera dd/mm/aaaa): {text!r}")
    try:
        parsed = date(year, month, day)
    except ValueError:
        raise ValueError(f"fecha inexistente: {text!r}") from None
    return _in_range(parsed, text)


def _in_range(day: date, shown: Any) -> date:
    if day.year not in _YEARS:
        raise ValueError(f"fecha fuera de rango: {shown!s}")
    return day


def parse_code(value: Any) -> str | None:
    """A numeric code kept as text (CUI, SNIP): no ".0"; empty, "-" or "0" mean none."""
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if not value.is_integer():
            raise ValueError(f"código no válido: {value!r}")
        value = int(value)
    text = value.strip() if type(value) is str else "" if value is None else str(value)
    if not (text.isdigit() and text.isascii()):
        if _empty_text(text):
            return None
        text = _TRAILING_ZERO_DECIMALS.sub("", text)
        if not (text.isdigit() and text.isascii()):
            raise ValueError(f"código no válido: {text!r}")
    return None if text.strip("0") == "" else text


def parse_infobras_code(value: Any) -> int:
    """The work's key: a positive whole number, required."""
    text = parse_code(value)
    if text is None:
        raise ValueError("falta el código INFOBRAS")
    code = int(text)
    if code >= 2**63:
        raise ValueError(f"código INFOBRAS demasiado grande: {text}")
    return code


def parse_ruc(value: Any) -> str | None:
    """A RUC (SUNAT taxpayer number): 11 digits, kept as text; empty, "-" or "0" mean none."""
    if isinstance(value, str):
        value = value.replace(" ", "").replace("-", "") or None
    text = parse_code(value)
    if text is not None and len(text) != 11:
        raise ValueError(f"RUC no válido (debe tener 11 dígitos): {text!r}")
    return text


_YEAR_MONTH = re.compile(r"(\d{4})[-/](\d{1,2})")
_MONTH_YEAR = re.compile(r"(\d{1,2})[-/](\d{4})")


def parse_month(value: Any) -> date | None:
    """A month as its first day: from a date, or from "2025-03" / "03/2025"."""
    text = value.strip() if isinstance(value, str) else value
    if isinstance(text, str) and (match := _YEAR_MONTH.fullmatch(text) or
                                  _MONTH_YEAR.fullmatch(text)):
        first, second = (int(g) for g in match.groups())
        year, month = (first, second) if first > 12 else (second, first)
        if not 1 <= month <= 12:
            raise ValueError(f"mes no válido: {value!r}")
        return _in_range(date(year, month, 1), value)
    day = parse_date(value)
    return None if day is None else day.replace(day=1)


def parse_status(value: Any) -> str | None:
    """'En Ejecución', 'PARALIZADA', 'Paralizado', 'Finalizado'... -> the work.status code."""
    text = clean_text(value)
    return None if text is None else _status(text)


@lru_cache(maxsize=1024)
def _status(text: str) -> str:
    key = fold(text)
    if (status := STATUS.get(key, STATUS.get(" ".join(re.sub(r"[^a-z0-9]+", " ", key).split())))
            ) is None:
        expected = ", ".join(STATUS_LABELS.values())
        raise ValueError(f"estado desconocido: {text!r} (se espera {expected})")
    return status
