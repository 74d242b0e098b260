"""How every screen writes numbers, money and percentages (Peruvian Spanish).

Thousands are separated by a space and decimals by a comma: 1 234 567, 45,3 %, S/ 1,2 M.
A missing value (None or NaN) is written as "—", never as 0.
"""

from __future__ import annotations

import math
from decimal import Decimal

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
    scale, unit = (1e12, "billones") if size >= 1e12 else (
        (1e9, "mil M") if size >= 1e9 else (1e6, "M"))
    scaled = amount / scale
    return f"S/ {_spanish(scaled, 1 if abs(scaled) < 100 else 0)} {unit}"


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
