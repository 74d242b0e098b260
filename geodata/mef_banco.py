"""The MEF Banco de Inversiones export (Invierte.pe open data), as in
../shared/data/mef/banco_inversiones_*.xlsx: one row per CUI **and district**.

An investment that spans districts repeats on each with the same amounts: its money is read
once (the first row), every district becomes a place, and the further rows are counted as
explained repeats. The Ubigeo is an integer that lost its leading zero (70102 = 070102); one
ending in 00 or 0000 stands for a whole province or region ("- TODOS -"), and is kept at that
level. An unknown Ubigeo is looked up by the names before the row is quarantined.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from geodata import vocabulary
from geodata.mef_rows import (
    Areas,
    Columns,
    Kind,
    Place,
    Row,
    RowError,
    count,
    cui,
    day,
    investment,
    money,
)
from geodata.parsing import clean_text, fold, parse_code

SOURCE = "mef_banco"
LABEL = "Banco de Inversiones (MEF)"
# As the export writes them (enough to tell the kind apart; case and accents do not matter).
REQUIRED = ("Código único de inversión", "Monto viable", "Costo actualizado", "Ubigeo")
FIELDS: dict[str, tuple[str, ...]] = {
    "cui": ("codigounicodeinversion", "codigounico", "cui"),
    "name": ("nombredelainversion", "nombre"),
    "amount_viable": ("montoviable",),
    "status": ("estadodelainversion", "estado"),
    "sector": ("sector",),
    "entity": ("entidad",),
    "executor": ("ejecutora", "unidadejecutora"),
    "registration_date": ("fechaderegistro",),
    "viability_date": ("fechadeviabilidad",),
    "amount_updated": ("costoactualizado",),
    "alternative": ("descripciondelaalternativa",),
    "beneficiaries": ("beneficiarios",),
    "department": ("departamento",),
    "province": ("provincia",),
    "district": ("distrito",),
    "ubigeo": ("ubigeo",),
}


def read(number: int, cells: Sequence[Any], columns: Columns, areas: Areas) -> Row:
    """One row of the export -> the investment it describes and one of its districts."""
    code = cui(columns.get(cells, "cui"))
    viable = money(columns.get(cells, "amount_viable"), "Monto viable")
    updated = money(columns.get(cells, "amount_updated"), "Costo actualizado")
    extra: dict[str, Any] = columns.others(cells)
    if alternative := columns.text(cells, "alternative"):
        extra["descripcion_alternativa"] = alternative
    if updated == 0:
        extra["costo_actualizado_en_cero"] = True
    record = investment(
        extra,
        name=columns.text(cells, "name"),
        status=columns.text(cells, "status"),
        sector=vocabulary.sector(columns.get(cells, "sector")),
        entity_name=columns.text(cells, "entity"),
        executor=columns.text(cells, "executor"),
        amount_viable=viable,
        amount_updated=updated or None,   # 0: no updated cost registered
        registration_date=day(columns.get(cells, "registration_date"), "Fecha de registro"),
        viability_date=day(columns.get(cells, "viability_date"), "Fecha de viabilidad"),
        beneficiaries=count(columns.get(cells, "beneficiaries"), "Beneficiarios"))
    return Row(number, code, record, cells,
               {"monto viable": viable, "costo actualizado": updated},
               _place(cells, columns, areas))


def _place(cells: Sequence[Any], columns: Columns, areas: Areas) -> Place:
    names = [_name(columns.get(cells, n)) for n in ("department", "province", "district")]
    raw = columns.get(cells, "ubigeo")
    area = _area(raw, areas)
    if area is None and names[2]:
        found = areas.matcher.match(*names)
        area = found and found.ubigeo
    if area is None:
        shown = ", ".join(n for n in reversed(names) if n) or "sin nombres"
        raise RowError("ubigeo_desconocido", f"Ubigeo desconocido: {clean_text(raw)!r}, y el "
                                             f"lugar no se encuentra por sus nombres ({shown})")
    return Place((area,), area, *names, seq=int(area.ljust(6, "0")))


def _area(value: Any, areas: Areas) -> str | None:
    """70102 -> '070102'; 180200 -> '1802' (the province); 180000 -> '18' (the region)."""
    try:
        text = parse_code(value)
    except ValueError:
        return None
    if text is None or len(text) > 6:
        return None
    code = text.zfill(6)
    area = code[:2] if code.endswith("0000") else code[:4] if code.endswith("00") else code
    return area if area in areas.codes else None


def _name(value: Any) -> str | None:
    """A place name as written; '- TODOS -' (the whole province or region) is no name."""
    text = clean_text(value)
    if text is None or ("todos" in text.lower() and fold(text).strip("- ") == "todos"):
        return None
    return text


KIND = Kind(SOURCE, LABEL, REQUIRED, FIELDS, read, place_duplicate="cui_por_distrito",
            region_from_places=True)
