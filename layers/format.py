"""How every screen writes numbers, money, percentages and dates, in the page's language.

In Spanish thousands are separated by a space and decimals by a comma: 1 234 567, 45,3 %,
S/ 1,2 M, 12 de marzo de 2025. In Runasimi the figures follow the Babel (CLDR) locale qu_PE:
1,234,567, 45.3 %, 12 Marzo 2025. A missing value (None or NaN) is written as "—", never as 0.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_decimal

from dashboard.i18n import DEFAULT, N_, _, current, locale
from geodata.vocabulary import is_canonical

MISSING = "—"
Number = float | int | Decimal | None


def _missing(value: Number) -> bool:
    if value is None:
        return True
    try:
        return not math.isfinite(float(value))
    except (TypeError, ValueError):
        return True


def decimal(value: Number, digits: int = 1) -> str:
    """1234.56 -> "1 234,6"."""
    if _missing(value):
        return MISSING
    return _spanish(float(value), digits)


def _spanish(value: float, digits: int) -> str:
    if current() != DEFAULT:
        return format_decimal(value, format="#,##0." + "0" * digits if digits else "#,##0",
                              locale=locale())
    text = f"{value:,.{digits}f}"
    return text.replace(",", " ").replace(".", ",") if digits else text.replace(",", " ")


def number(value: Number) -> str:
    """Whole numbers: 1234567 -> "1 234 567"."""
    return decimal(value, 0)


def percent(value: Number, digits: int = 1) -> str:
    """45.26 -> "45,3 %" (the value is already a percentage)."""
    return MISSING if _missing(value) else f"{decimal(value, digits)} %"


def money(value: Number, exact: bool = False) -> str:
    """Soles. Below a million, exact: "S/ 130 100"; above, abbreviated to three figures at
    most: "S/ 1,2 M", "S/ 196 mil M" (mil millones), "S/ 2,4 billones" (10^12).
    `exact=True` always writes every sol. Amounts under S/ 10 keep their céntimos."""
    if _missing(value):
        return MISSING
    amount = float(value)
    size = abs(amount)
    if exact or size < 1e6:
        return "S/ " + _spanish(amount, 2 if 0 < size < 10 else 0)
    scale, unit = (1e12, N_("billones")) if size >= 1e12 else (
        (1e9, N_("mil M")) if size >= 1e9 else (1e6, N_("M")))
    scaled = amount / scale
    return f"S/ {_spanish(scaled, 1 if abs(scaled) < 100 else 0)} {_(unit)}"


def count_label(n: int, singular: str, plural: str) -> str:
    """3, "obra", "obras" -> "3 obras"."""
    return f"{number(n)} {singular if n == 1 else plural}"


def label(text: str | None) -> str:
    """A category as a label. The loaders store the vocabulary's canonical labels
    ("Presidencia del Consejo de Ministros", "FONAFE"), shown as they are; only a value the
    vocabulary did not know and that comes in capitals is softened: "OBRAS NUEVAS" ->
    "Obras nuevas"."""
    if not text:
        return MISSING
    if is_canonical(text) or not text.isupper():
        return text
    out = text.lower()
    return out[:1].upper() + out[1:]


def long_date(day: date | None) -> str:
    """12 de marzo de 2025 (Spanish), 12 Marzo 2025 (Runasimi)."""
    if day is None:
        return MISSING
    if current() == DEFAULT:
        return format_date(day, "d 'de' MMMM 'de' y", locale="es")
    return format_date(day, "long", locale=locale())


def month_year(day: date | None) -> str:
    """marzo de 2025 (Spanish), Marzo 2025 (Runasimi)."""
    if day is None:
        return MISSING
    if current() == DEFAULT:
        return format_date(day, "MMMM 'de' y", locale="es")
    return format_date(day, "MMMM y", locale=locale())
