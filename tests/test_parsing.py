"""Cell parsers: the INFObras export's space decimals and dd/mm/yyyy dates, Excel cells, codes,
RUCs, and a Spanish ValueError on garbage."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from geodata import parsing


@pytest.mark.parametrize(("cell", "expected"), [
    ("1205287 56", "1205287.56"),       # the real export: a space for the decimal point
    ("27 78", "27.78"),
    ("1805209 4", "1805209.4"),
    ("-3 5", "-3.5"),
    ("S/. 1,234.50", "1234.50"),        # CSV variants
    ("S/ 1 234 567,50", "1234567.50"),
    ("1.234.567,89", "1234567.89"),
    ("1,234,567", "1234567"),
    ("12,5", "12.5"),
    ("45.5 %", "45.5"),
    ("1234.5", "1234.5"),
    (1234, "1234"),                     # Excel number cells
    (1205287.56, "1205287.56"),
])
def test_decimals(cell, expected):
    assert parsing.parse_decimal(cell) == Decimal(expected)


@pytest.mark.parametrize("cell", [None, "", "  ", "-", "N/A", float("nan")])
def test_empty_cells_are_none(cell):
    assert parsing.parse_decimal(cell) is None
    assert parsing.parse_date(cell) is None
    assert parsing.parse_code(cell) is None


@pytest.mark.parametrize("cell", ["abc", "1 2 3", "12,3,4", "S/. diez", True])
def test_garbage_numbers_raise_in_spanish(cell):
    with pytest.raises(ValueError, match="no es un número"):
        parsing.parse_decimal(cell)


def test_whole_numbers():
    assert parsing.parse_int("12") == 12
    assert parsing.parse_int(7.0) == 7
    with pytest.raises(ValueError, match="no es un número entero"):
        parsing.parse_int("12 5")


@pytest.mark.parametrize(("cell", "expected"), [
    ("05/03/2024", date(2024, 3, 5)),   # dd/mm/yyyy, as the export writes them
    ("5/3/2024", date(2024, 3, 5)),
    ("05-03-2024", date(2024, 3, 5)),
    ("2024-03-05", date(2024, 3, 5)),   # ISO
    ("2024-03-05 00:00:00", date(2024, 3, 5)),
    (datetime(2024, 3, 5, 10, 30), date(2024, 3, 5)),   # Excel date cells
    (date(2024, 3, 5), date(2024, 3, 5)),
    (45356, date(2024, 3, 5)),          # an Excel serial number
])
def test_dates(cell, expected):
    assert parsing.parse_date(cell) == expected


@pytest.mark.parametrize(("cell", "message"), [
    ("31/02/2024", "fecha inexistente"),
    ("ayer", "no es una fecha"),
    ("01/01/1800", "fecha fuera de rango"),
    (3.5, "no es una fecha"),
])
def test_bad_dates_raise_in_spanish(cell, message):
    with pytest.raises(ValueError, match=message):
        parsing.parse_date(cell)


def test_months_are_first_days():
    assert parsing.parse_month("2025-03") == date(2025, 3, 1)
    assert parsing.parse_month("03/2025") == date(2025, 3, 1)
    assert parsing.parse_month("17/03/2025") == date(2025, 3, 1)
    with pytest.raises(ValueError, match="mes no válido"):
        parsing.parse_month("2025-13")


@pytest.mark.parametrize(("cell", "expected"), [
    (2143986.0, "2143986"), ("2143986.0", "2143986"), (" 2143986 ", "2143986"),
    ("0", None), ("00", None), ("-", None), ("", None),
])
def test_codes_are_text_without_decimals(cell, expected):
    assert parsing.parse_code(cell) == expected


def test_bad_codes_raise():
    with pytest.raises(ValueError, match="código no válido"):
        parsing.parse_code("ABC-12")
    with pytest.raises(ValueError, match="código no válido"):
        parsing.parse_code(12.5)
    with pytest.raises(ValueError, match="falta el código INFOBRAS"):
        parsing.parse_infobras_code("0")
    assert parsing.parse_infobras_code(2833.0) == 2833


def test_ruc_has_eleven_digits():
    assert parsing.parse_ruc("20123456786") == "20123456786"
    assert parsing.parse_ruc(20123456786.0) == "20123456786"
    assert parsing.parse_ruc("20-12345678-6") == "20123456786"
    assert parsing.parse_ruc("-") is None
    with pytest.raises(ValueError, match="11 dígitos"):
        parsing.parse_ruc("2012345678")


def test_status_labels():
    assert parsing.parse_status("En Ejecución") == "en_ejecucion"
    assert parsing.parse_status("PARALIZADA") == "paralizada"
    assert parsing.parse_status("Paralizado") == "paralizada"
    assert parsing.parse_status("Finalizado") == "finalizada"
    assert parsing.parse_status("sin  ejecucion") == "sin_ejecucion"
    with pytest.raises(ValueError, match="estado desconocido: 'En evaluación'"):
        parsing.parse_status("En evaluación")


@pytest.mark.parametrize(("label", "status"), [
    ("REACTIVADO", "en_ejecucion"), ("Reactivada", "en_ejecucion"),
    ("En ejecución - Reactivada", "en_ejecucion"), ("EN PROCESO DE REACTIVACIÓN", "paralizada"),
    ("Suspendida", "paralizada"), ("CONTRATO RESUELTO", "paralizada"),
    ("CONCLUIDO", "finalizada"), ("Liquidada", "finalizada"), ("Por iniciar", "sin_ejecucion")])
def test_states_of_real_files_beyond_infobras(label: str, status: str):
    """The housing ministry's list of paralysed and reactivated works used these: 141 rows of
    it were quarantined as an unknown state."""
    assert parsing.parse_status(label) == status


def test_text_cells_are_collapsed():
    assert parsing.clean_text("  AV.   LOS  INCAS ") == "AV. LOS INCAS"
    assert parsing.clean_text(12.0) == "12"
    assert parsing.clean_text("-") is None
