"""The lists of the MEF's Sistema de Seguimiento de Inversiones (SSI), as scraped in
../shared/data/mef/ssi_*:

- **lista de ejecución** (source 'ssi_ejecucion'): one row per CUI with the approved and the
  updated amount, written "S/. 20,652,795.00", and the date of the last change, written
  "05/08/2019 04:02:50 p.m."; the region by name ('madredios' is Madre de Dios).
- **Formato 8** (source 'ssi_formato8'): one row per location of a CUI, the point as
  "lat / lon" text, long multi-line cells, a trailing column without a header.

Formato 8's entity is the UEP's name (Unidad Ejecutora Presupuestal, "300751 - MUNICIPALIDAD
DISTRITAL DE MARANURA" -> "MUNICIPALIDAD DISTRITAL DE MARANURA", the code kept in `extra`): it
is the budget entity, the one the Banco de Inversiones calls "Entidad" and SEACE and the
Contraloría name, so entities join across sources. The UEI (the unit that runs the
investment, written with its officer's name) is the executor. Where the UEP is blank the
municipality named in the UEI stands in.

Formato 8 mixes two sheets: the IOARR's ("optimización, ampliación marginal, reposición,
rehabilitación") put OPMI, UF, UEI and UEP together in `brechas` and shift the location
columns (gps = 'REHABILITACIÓN', departamento = 'RENOVACION'). Such a row still gives its
investment (CUI, name, function, the UEP out of `brechas`); its cells that are no location
are kept in `extra` and make no place. A point outside Peru or that cannot be read is left
out and said so in `extra`; the place keeps its district from the names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from geodata import vocabulary
from geodata.mef_rows import Areas, Columns, Kind, Place, Row, RowError, cui, day, investment, money
from geodata.names import NEAREST_MAX_M, districts_at
from geodata.parsing import clean_text

_CUI = ("cui", "codigounicodeinversion", "codigounico")
_NAME = ("nombrepip", "nombredelainversion", "nombredelproyecto", "nombre")

LISTA_FIELDS: dict[str, tuple[str, ...]] = {
    "region": ("region", "departamento"),
    "cui": _CUI,
    "name": _NAME,
    "amount_viable": ("montoinversion", "montodeinversion", "montoviable"),
    "amount_updated": ("montoactualizado", "costoactualizado"),
    "last_modified": ("fechaultimamodificacion", "fechadeultimamodificacion"),
}
FORMATO8_FIELDS: dict[str, tuple[str, ...]] = {
    "region": ("region",),
    "cui": _CUI,
    "name": _NAME,
    "function": ("funcion",),
    "division": ("divisionfuncional",),
    "group": ("grupofuncional",),
    "sector": ("sectorresponsable", "sector"),
    "gaps": ("brechas",),
    "opmi": ("opmi",),
    "uf": ("uf",),
    "uei": ("uei",),
    "uep": ("uep",),
    "gps": ("gps", "coordenadas"),
    "department": ("departamento",),
    "province": ("provincia",),
    "district": ("distrito",),
    "locality": ("centropoblado",),
}
_EXTRA = {"division": "division_funcional", "group": "grupo_funcional", "gaps": "brechas",
          "opmi": "opmi", "uf": "uf", "uei": "uei", "uep": "uep"}
_LOCATION = ("gps", "department", "province", "district", "locality")
_NO_POINT = frozenset({"0", "/", "0 / 0", "0/0"})
_GPS = re.compile(r"([+-]?\d+(?:[.,]\d+)?)\s*/\s*([+-]?\d+(?:[.,]\d+)?)")
_UEP = re.compile(r"(?:^|\s)(\d{2,})\s*-\s*(\S.*)$")
_MUNICIPALITY = re.compile(r"MUNICIPALIDAD\s+(?:DISTRITAL|PROVINCIAL|DEL\s+CENTRO\s+POBLADO)\b"
                           r".*?(?=\s+-\s|\s*\(|\s+RESPONSABLE\b|$)", re.IGNORECASE)
_UNIT_PREFIX = re.compile(r"^(?:UEI|UEP|UF)\b\s*(?:DE\s+LA\s+|DEL\s+|DE\s+)?", re.IGNORECASE)
_PERSON = re.compile(r"\s*-?\s*\(.*$")
_OPMI_PREFIX = re.compile(r"^OPMI\s+(?:DE\s+LA\s+|DEL\s+|DE\s+)?", re.IGNORECASE)


def read_lista(number: int, cells: Sequence[Any], columns: Columns, areas: Areas) -> Row:
    """One CUI of the execution list."""
    code = cui(columns.get(cells, "cui"))
    region = areas.region(columns.get(cells, "region"))
    viable = money(columns.get(cells, "amount_viable"), "Monto de inversión")
    updated = money(columns.get(cells, "amount_updated"), "Monto actualizado")
    extra: dict[str, Any] = columns.others(cells)
    if updated == 0:
        extra["costo_actualizado_en_cero"] = True
    record = investment(
        extra, name=columns.text(cells, "name"), region_ubigeo=region, amount_viable=viable,
        amount_updated=updated or None,   # "S/. 0.00": no updated amount registered
        last_modified=day(columns.get(cells, "last_modified"), "Fecha de última modificación"))
    return Row(number, code, record, cells,
               {"monto de inversión": viable, "monto actualizado": updated})


def read_formato8(number: int, cells: Sequence[Any], columns: Columns, areas: Areas) -> Row:
    """One location of a CUI in Formato 8."""
    code = cui(columns.get(cells, "cui"))
    region = areas.region(columns.get(cells, "region"))
    texts = {name: columns.text(cells, name) for name in _EXTRA}
    shifted = (texts["gaps"] or "").upper().startswith("OPMI ")
    extra: dict[str, Any] = columns.others(cells)
    extra.update({_EXTRA[k]: v for k, v in texts.items()
                  if v and _unit(v) and (not shifted or k == "gaps")})
    entity, uep_code, entity_cell = _entity(texts, shifted)
    if uep_code:
        extra["uep_codigo"] = uep_code
    if entity_cell:
        extra["entidad_segun"] = entity_cell
    if shifted:
        extra["ficha_ioarr_columnas_desplazadas"] = {
            columns.headers[columns.index[k]]: v for k in ("opmi", "uf", "uei", "uep", *_LOCATION)
            if k in columns.index and (v := columns.text(cells, k))}
    name = columns.text(cells, "name")
    record = investment(
        extra, name=name, sector=vocabulary.sector(columns.get(cells, "sector")),
        function=columns.text(cells, "function"), entity_name=entity,
        executor=None if shifted else _unit(texts["uei"]), region_ubigeo=region)
    return Row(number, code, record, cells, {"nombre": name, "entidad": entity},
               _place(cells, columns, areas, extra))


def _entity(texts: dict[str, str | None], shifted: bool
            ) -> tuple[str | None, str | None, str | None]:
    """(entity name, UEP code, which cell it came from): the UEP's name, else the
    municipality the UEI names, else the UEI's unit, else the entity whose OPMI it is."""
    uep, uei, opmi = texts["uep"], texts["uei"], texts["opmi"]
    if shifted:   # 'OPMI ... UF ... UEI ... UEP 300691 - MUNICIPALIDAD DISTRITAL DE WANCHAQ'
        gaps = texts["gaps"] or ""
        uep = gaps.rsplit(" UEP ", 1)[1] if " UEP " in gaps else None
        uei, opmi = None, gaps
    if uep and (match := _UEP.search(uep)) and clean_text(match[2]):
        return clean_text(match[2]), match[1], "uep"
    for cell, text in (("uep", uep), ("uei", uei), ("opmi", opmi)):
        if text and (match := _MUNICIPALITY.search(text)):
            return clean_text(match[0]), None, cell
    if unit := _unit(uei):
        return unit, None, "uei"
    if opmi and (owner := clean_text(_OPMI_PREFIX.sub("", _PERSON.sub("", opmi)))):
        return owner, None, "opmi"
    return None, None, None


def _unit(text: str | None) -> str | None:
    """'UEI DE LA MUNICIPALIDAD X - (UEIMX1 - A PERSON)' -> 'MUNICIPALIDAD X'; '- ( - )' -> None."""
    if not text:
        return None
    return clean_text(_UNIT_PREFIX.sub("", _PERSON.sub("", text)).strip(" -"))


def _place(cells: Sequence[Any], columns: Columns, areas: Areas, extra: dict[str, Any]
           ) -> Place | None:
    """The location as written: names (when the department is one), the point (when it
    reads as 'lat / lon'); what is no location goes to `extra`."""
    cell = {k: columns.text(cells, k) for k in _LOCATION}
    cell = {k: (None if v == "0" else v) for k, v in cell.items()}
    gps = cell["gps"]
    names_ok = _is_region(cell["department"], areas)
    point, swapped = _point(gps)
    discarded = None
    if gps and gps not in _NO_POINT and point is None:
        if not names_ok:   # the whole location block holds something else (IOARR sheet)
            extra["ubicacion_ilegible"] = {k: v for k, v in cell.items() if v}
            return None
        discarded = {"gps": gps, "motivo": "no se lee como «latitud / longitud»"}
    if not names_ok and any(cell[k] for k in _LOCATION[1:]):
        extra["ubicacion_ilegible"] = {k: v for k, v in cell.items() if v and k != "gps"}
    names = ([cell[k] for k in ("department", "province", "district")] if names_ok
             else [None, None, None])
    locality = cell["locality"] if names_ok else None
    if not any(names) and point is None and discarded is None:
        return None
    key = (*names, locality, gps if point or discarded else None)
    return Place(key, None, *names, locality, point, discarded=discarded,
                 swapped=gps if swapped else None)


def _is_region(name: str | None, areas: Areas) -> bool:
    try:
        return areas.region(name) is not None
    except RowError:
        return False


def _point(text: str | None) -> tuple[tuple[float, float] | None, bool]:
    """'-11.7456 / -72.3889' -> ((lon, lat), swapped?); a text that is no point -> None."""
    if not text or text in _NO_POINT or not (match := _GPS.fullmatch(text.strip())):
        return None, False
    lat, lon = (float(g.replace(",", ".")) for g in match.groups())
    if lat == 0 and lon == 0:
        return None, False
    swapped = abs(lat) > 60 and abs(lon) <= 20   # written "lon / lat" (no such latitude in Peru)
    if swapped:
        lat, lon = lon, lat
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, False
    return (lon, lat), swapped


def locate_formato8(conn: sa.Connection, rows: list[Row], areas: Areas) -> list[str]:
    """Each place's district: by its names (the point's district helping where the names
    fall short), by its point where it has no names. A point far from every district (outside
    Peru) is dropped, said so in the place. Returns summary lines."""
    places = [row.place for row in rows if row.place is not None]
    with_point = [p for p in places if p.point]
    at_point: dict[int, str] = {}
    for place, found in zip(with_point, districts_at(conn, [p.point for p in with_point]),
                            strict=True):
        if found.ubigeo is None:
            far = "" if found.distance_m is None else f" (a {found.distance_m / 1000:,.0f} km)"
            place.discarded = {"gps": place.key[-1], "motivo": f"fuera del Perú: a más de "
                               f"{NEAREST_MAX_M / 1000:,.0f} km de todo distrito{far}"}
            place.point = None
        else:
            at_point[id(place)] = found.ubigeo
    tally = {"por nombre": set(), "por el punto": set(), "solo la región": set(),
             "punto en otro distrito que el nombrado": set(), "punto descartado": set()}
    for row in rows:
        place = row.place
        if place is None:
            continue
        seen = (row.cui, place.key)
        point_district = at_point.get(id(place))
        if place.department:
            found = areas.matcher.match(place.department, place.province, place.district,
                                        point_district)
            if found is not None:
                place.ubigeo = found.ubigeo
                tally["por nombre"].add(seen)
                if point_district and found.method != "coordenadas" \
                        and point_district != found.ubigeo:
                    tally["punto en otro distrito que el nombrado"].add(seen)
            else:
                place.ubigeo = areas.region(place.department)
                tally["solo la región"].add(seen)
        elif point_district:
            place.ubigeo = point_district
            tally["por el punto"].add(seen)
        if place.discarded:
            tally["punto descartado"].add(seen)
    return [f"lugares de Formato 8 — {what}: {len(keys):,}" for what, keys in tally.items()
            if keys]


LISTA = Kind("ssi_ejecucion", "SSI, lista de ejecución (MEF)",
             ("region", "cui", "nombre_pip", "monto_inversion", "monto_actualizado"),
             LISTA_FIELDS, read_lista)
FORMATO8 = Kind("ssi_formato8", "SSI, Formato 8 (MEF)",
                ("cui", "nombre_pip", "gps", "departamento", "provincia", "distrito"),
                FORMATO8_FIELDS, read_formato8, place_duplicate="cui_por_ubicacion",
                locate=locate_formato8)
