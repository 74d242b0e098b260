"""What the works loaders share: reading a row into work columns, the checks a work's figures
must pass, quarantining a bad row, settling duplicate codes and codes of another source,
checking a surveyed point and placing a work on it (or, without one, on its district's
capital), and writing `work` / `work_progress` through the upsert with the categories in
their canonical form (geodata.vocabulary)."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

import sqlalchemy as sa

from geodata import links, vocabulary
from geodata.infobras_format import COMPANIONS
from geodata.names import DistrictMatcher, PointDistrict, not_found_reason
from geodata.parsing import (
    clean_text,
    fold,
    parse_code,
    parse_date,
    parse_decimal,
    parse_float,
    parse_infobras_code,
    parse_int,
    parse_month,
    parse_ruc,
    parse_status,
)
from geodata.runs import Run
from geodata.upsert import upsert
from queries import explorer_views

WORK_COLUMNS = (
    "infobras_code", "cui", "snip", "name", "project_name", "entity", "government_level",
    "sector", "work_type_1", "work_type_2", "work_type_3", "modality", "declared_department",
    "declared_province", "declared_district", "ubigeo", "ubigeo_method", "geom", "geom_source",
    "coords_ubigeo", "location_mismatch", "status", "paralysis_cause", "paralysis_date",
    "paralysis_days", "amount_technical_file", "amount_contract", "amount_updated",
    "amount_accrued", "amount_additional", "physical_progress", "physical_programmed",
    "financial_progress", "approval_date", "start_date", "programmed_end", "reprogrammed_end",
    "real_end", "last_progress_date", "last_physical_advance", "contractor_name",
    "contractor_ruc", "supervisor_name", "supervisor_ruc", "last_update", "source",
    "source_date", "extra", "load_run_id")
PROGRESS_COLUMNS = ("infobras_code", "month", "physical_programmed", "physical_real",
                    "financial", "amount_accrued", "status")
LOCATION = ("declared_department", "declared_province", "declared_district")
# Categorical columns -> their vocabulary: every works loader writes through `write_works`,
# so every source stores the same label for the same category.
CATEGORIES: dict[str, Callable[[Any], str | None]] = {
    "government_level": vocabulary.government_level, "modality": vocabulary.modality,
    "sector": vocabulary.sector, "work_type_1": vocabulary.work_type}

DATES = ("paralysis_date", "approval_date", "start_date", "programmed_end", "reprogrammed_end",
         "real_end", "last_progress_date", "last_physical_advance", "last_update")
AMOUNTS = ("amount_technical_file", "amount_contract", "amount_updated", "amount_accrued",
           "amount_additional")
END_DATES = ("programmed_end", "reprogrammed_end", "real_end")
# Percentages by column: physical progress cannot pass 100 %; financial progress can (the
# paralysed-works file reaches 949 %: accrued spending against an outdated cost).
PERCENT_MAX = {"physical_progress": Decimal(100), "physical_programmed": Decimal(100),
               "physical_real": Decimal(100), "financial_progress": Decimal(1000),
               "financial": Decimal(1000)}
# Amounts in soles: above S/ 1 billón (10^12) is a typing error, not a work (the largest
# Peruvian public works cost a few thousand million; numeric(16,2) caps at 10^14).
AMOUNT_MAX = Decimal(10) ** 12
DAYS_MAX = 36_500
# A text a spreadsheet would run as a formula when a CSV export is opened: "=…", "@…", or
# "+NAME(…" / "-NAME|…" (DDE such as =cmd|' /C calc'!A0). No source writes text like this;
# "-", "--" and "- ( - )", which real files hold, do not match.
FORMULA = re.compile(r"^\s*(?:[=@]|[+-][A-Za-z_.]+[(|!]|[+-].*\|.*!)")

# Table column -> cell parser (text columns: clean_text).
PARSERS: dict[str, Callable[[Any], Any]] = {
    "infobras_code": parse_infobras_code, "cui": parse_code, "snip": parse_code,
    "status": parse_status, "paralysis_days": parse_int, "month": parse_month,
    "contractor_ruc": parse_ruc, "supervisor_ruc": parse_ruc,
    "longitude": parse_float, "latitude": parse_float,
    **dict.fromkeys(DATES, parse_date),
    **dict.fromkeys((*AMOUNTS, *PERCENT_MAX), parse_decimal),
}


class Problem(NamedTuple):
    """One thing wrong with a row: a short reason code and a Spanish sentence."""

    code: str
    message: str


@dataclass(frozen=True)
class Layout:
    """Which file column feeds which table column; the others go to work.extra."""

    headers: list[str]
    columns: list[tuple[int, str, str]]     # (cell index, table column, header text)
    extra: list[tuple[int, str]]            # (cell index, header text)
    labels: dict[str, str]                  # table column -> header text in this file

    @classmethod
    def of(cls, headers: Sequence[str], mapping: Mapping[str, str | None]) -> Layout:
        """Match headers tolerating case, accents and spacing; the first of two headers that
        read the same wins (the real export has two "Monto del contrato en soles")."""
        known = {fold(h): column for h, column in mapping.items()}
        columns, extra, labels = [], [], {}
        for i, header in enumerate(headers):
            column = known.get(fold(header))
            if column and column not in labels:
                columns.append((i, column, header))
                labels[column] = header
            elif header:
                taken = {name for _, name in extra}
                extra.append((i, header if header not in taken else f"{header} ({i + 1})"))
        return cls(list(headers), columns, extra, labels)

    def read(self, cells: Sequence[Any]) -> tuple[dict[str, Any], list[Problem]]:
        """Parse one row: values by table column (a column that fails is left out, not set to
        None), and what could not be parsed."""
        record: dict[str, Any] = {}
        problems: list[Problem] = []
        width = len(cells)
        for i, column, header in self.columns:
            try:
                record[column] = PARSERS.get(column, clean_text)(cells[i] if i < width else None)
            except ValueError as exc:
                problems.append(Problem("valor_invalido", f"{header}: {exc}"))
            else:
                if isinstance(record[column], str) and FORMULA.match(record[column]):
                    problems.append(Problem("formula", f"{header}: el texto es una fórmula de "
                                            f"hoja de cálculo ({record[column][:40]!r}); no se "
                                            "carga, para que nunca llegue a una exportación"))
        return record, problems

    def raw(self, cells: Sequence[Any]) -> dict[str, Any]:
        """The row as it is in the file (header -> cell), for the quarantine."""
        pairs = enumerate(zip(self.headers, cells, strict=False))
        return {h or f"columna {i + 1}": c for i, (h, c) in pairs if c not in (None, "")}

    def record_raw(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """A parsed row back under its headers (for a row quarantined after parsing)."""
        values = {self.label(c): v for c, v in record.items() if c != "extra"}
        return {**values, **(record.get("extra") or {})}

    def label(self, column: str) -> str:
        return self.labels.get(column, column)


def missing(record: Mapping[str, Any], columns: Iterable[str], layout: Layout) -> list[Problem]:
    """Required values that are empty (a value that failed to parse is reported already)."""
    return [Problem("falta_dato", f"falta el dato obligatorio «{layout.label(c)}»")
            for c in columns if c in record and record[c] is None]


def check_figures(record: Mapping[str, Any], layout: Layout) -> list[Problem]:
    """Amounts not negative and not absurd, percentages in range, end dates after the start."""
    label = layout.label
    found = []
    for column in AMOUNTS:
        value = record.get(column)
        if value is not None and value < 0:
            found.append(Problem("fuera_de_rango", f"{label(column)}: monto negativo ({value})"))
        elif value is not None and value >= AMOUNT_MAX:
            found.append(Problem("fuera_de_rango",
                                 f"{label(column)}: monto fuera de rango ({value})"))
    for column, top in PERCENT_MAX.items():
        value = record.get(column)
        if value is not None and not 0 <= value <= top:
            found.append(Problem("fuera_de_rango", f"{label(column)}: porcentaje fuera de "
                                                   f"rango 0–{top} ({value})"))
    days = record.get("paralysis_days")
    if days is not None and not 0 <= days <= DAYS_MAX:
        found.append(Problem("fuera_de_rango",
                             f"{label('paralysis_days')}: número de días fuera de rango ({days})"))
    start = record.get("start_date")
    for column in END_DATES:
        end = record.get(column)
        if start and end and end < start:
            found.append(Problem("fechas_incoherentes",
                                 f"{label(column)} ({end:%d/%m/%Y}) anterior a "
                                 f"{label('start_date')} ({start:%d/%m/%Y})"))
    return found


# Companion files of an export: reason-code prefix -> how a reason names the file.


def quarantine_row(run: Run, row_number: int, problems: Sequence[Problem], raw: dict[str, Any],
                   record: Mapping[str, Any], companion: str | None = None,
                   kind: str = "historial") -> None:
    """One quarantine row per bad row: the first problem's code, every problem's sentence.
    Rows of a companion file (`companion` = its name; `kind` a key of COMPANIONS) are told
    apart by a 'historial_' / 'ubicacion_' code and the file's name in the reason."""
    code = record.get("infobras_code")
    reason = "; ".join(p.message for p in problems)
    reason_code = problems[0].code
    if companion:
        reason_code = f"{kind}_{reason_code}"
        reason = f"{COMPANIONS[kind]} {companion}: {reason}"
    reason = reason[:1].upper() + reason[1:]
    run.quarantine(row_number, reason_code, reason, raw, None if code is None else str(code))


@dataclass
class Kept:
    """A row that passed every check, waiting for duplicate codes to be settled."""

    row_number: int
    record: dict[str, Any]


def keep_latest(run: Run, kept: dict[int, Kept], row: Kept, layout: Layout) -> None:
    """Of two rows with one INFObras code keep the latest progress registration (the later
    row on a tie) and quarantine the other, saying which row was kept."""
    code = row.record["infobras_code"]
    if (other := kept.get(code)) is None:
        kept[code] = row
        return
    newest = max(other, row, key=lambda k: (k.record.get("last_progress_date") or date.min,
                                            k.row_number))
    loser = row if newest is other else other
    kept[code] = newest
    when = newest.record.get("last_progress_date")
    why = f"avance registrado el {when:%d/%m/%Y}" if when else "la última del archivo"
    run.quarantine(loser.row_number, "codigo_duplicado",
                   f"Código INFOBRAS {code} repetido (filas {loser.row_number} y "
                   f"{newest.row_number}): se conserva la fila {newest.row_number} ({why})",
                   layout.record_raw(loser.record), str(code))


def keep_own(run: Run, kept: dict[int, Kept], layout: Layout) -> None:
    """Leave out, to quarantine, the works another source already stored under the same code:
    a load never overwrites another source's work. Why: two sources that share codes (the
    demo export and the real paralysed-works file, or a real export and that file) would
    otherwise overwrite each other on every run, so no re-run would ever be "unchanged", and
    the overwritten source's figures would be lost without a word."""
    if not kept:
        return
    owners = run.conn.execute(sa.text(
        "SELECT infobras_code, source, source_date FROM work"
        " WHERE infobras_code = ANY(:codes) AND source <> :source ORDER BY infobras_code"),
        {"codes": list(kept), "source": run.loader}).all()
    for code, source, when in owners:
        row = kept.pop(code)
        dated = f" (datos al {when:%d/%m/%Y})" if when else ""
        run.quarantine(row.row_number, "codigo_de_otra_fuente",
                       f"Código INFOBRAS {code} ya cargado desde la fuente «{source}»{dated}: "
                       f"no se sobrescribe la obra de otra fuente", layout.record_raw(row.record),
                       str(code))


def locate(record: dict[str, Any], matcher: DistrictMatcher) -> list[Problem]:
    """Set the declared district from the names (the district of the work's point, if it has
    one, only where the names fail); a problem when it cannot be found."""
    names = [record.get(c) for c in LOCATION]
    found = matcher.match(*names, at_point=record.get("coords_ubigeo"))
    if found is None:
        return [Problem("ubigeo_no_encontrado", not_found_reason(*names))]
    record["ubigeo"], record["ubigeo_method"] = found
    return []


class Place(NamedTuple):
    capital: str | None     # capital point as hex EWKB (round-trips exactly through COPY)
    has_polygon: bool


# Peru's bounding box (lon, lat), a first check of a surveyed point before the polygons.
PERU_LON = (-81.4, -68.6)
PERU_LAT = (-18.4, 0.1)


def _in_peru_box(lon: float, lat: float) -> bool:
    return PERU_LON[0] <= lon <= PERU_LON[1] and PERU_LAT[0] <= lat <= PERU_LAT[1]


def surveyed_point(lon: Any, lat: Any) -> tuple[tuple[float, float] | None, Problem | None]:
    """The (lon, lat) of a surveyed point, or why it cannot be used: empty, zero (the usual
    "not registered" value), latitude and longitude swapped, or outside Peru's box. Whether it
    falls in a district is asked of the polygons afterwards (`geodata.names.districts_at`)."""
    if not isinstance(lon, float) or not isinstance(lat, float) or lon != lon or lat != lat:
        return None, Problem("coordenadas_vacias",
                             f"coordenadas vacías o no numéricas: {lon!r}, {lat!r}")
    if lon == 0 or lat == 0:
        return None, Problem("coordenadas_en_cero",
                             f"coordenadas en cero (longitud {lon}, latitud {lat}): punto no "
                             "registrado")
    if not _in_peru_box(lon, lat):
        if _in_peru_box(lat, lon):
            return None, Problem("coordenadas_invertidas",
                                 f"latitud y longitud invertidas (latitud {lat}, longitud "
                                 f"{lon}): no se corrige a ciegas")
        return None, Problem("fuera_del_peru", f"coordenadas fuera del Perú: {lon}, {lat}")
    return (lon, lat), None


def far_from_districts(at: PointDistrict) -> Problem:
    """The problem of a point that no district contains nor lies near (sea, another country)."""
    return Problem("fuera_de_todo_distrito",
                   f"punto fuera de todo distrito ({at.distance_m:,.0f} m del más cercano)")


def set_point(record: dict[str, Any], point: tuple[float, float], at: PointDistrict) -> None:
    """Make (lon, lat) the work's geometry, with the district it falls in (`at`); a point just
    outside every polygon (coast, border) keeps its distance to the nearest in extra."""
    record["geom"] = point_ewkt(*point)
    record["coords_ubigeo"] = at.ubigeo
    if at.how != "dentro":
        record["extra"]["punto_fuera_de_poligonos_m"] = at.distance_m


def geometry(record: Mapping[str, Any], place: Place) -> dict[str, Any]:
    """geom, geom_source and location_mismatch of a work: its surveyed point (record["geom"],
    with the district that contains it in coords_ubigeo) where it has one, else its declared
    district's capital. The mismatch is only flagged where the declared district has a
    polygon to test against; the point is never moved."""
    if record.get("geom") is not None:
        coords = record.get("coords_ubigeo")
        return {"geom": record["geom"], "geom_source": "surveyed",
                "location_mismatch": bool(coords and coords != record["ubigeo"]
                                          and place.has_polygon)}
    return {"geom": place.capital, "geom_source": "district_capital" if place.capital else None,
            "location_mismatch": False}


def district_places(conn: sa.Connection) -> dict[str, Place]:
    """Every district's capital point and whether it has a polygon (one query)."""
    rows = conn.execute(sa.text(
        "SELECT ubigeo, capital_point::text, geom IS NOT NULL FROM area WHERE level = 3"))
    return {ubigeo: Place(capital, has_polygon) for ubigeo, capital, has_polygon in rows}


def point_ewkt(lon: float, lat: float) -> str:
    return f"SRID=4326;POINT({lon!r} {lat!r})"


def extra_json(values: Mapping[str, Any]) -> str:
    """work.extra as JSON text, without the empty entries (numbers as numbers)."""
    return json.dumps({k: v for k, v in values.items() if v is not None},
                      ensure_ascii=False, default=_json_value)


def _json_value(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else str(value)


def write_works(run: Run, records: Iterable[Mapping[str, Any]]) -> None:
    """Upsert works (dicts keyed by WORK_COLUMNS, missing keys = NULL) and count them; the
    categorical columns are written in their canonical form (geodata.vocabulary). When works
    changed, the table's statistics are renewed and the explorer's derived tables are
    refreshed at the end of the load, unless the run defers it (queries/explorer_views.py:
    stale ones are not read)."""
    def row(rec: Mapping[str, Any]) -> tuple:
        return tuple(CATEGORIES[c](rec.get(c)) if c in CATEGORIES else rec.get(c)
                     for c in WORK_COLUMNS[:-1]) + (run.id,)
    rows = (row(rec) for rec in records)
    fresh = explorer_views.views_are_fresh(run.conn)
    inserted, updated, unchanged = upsert(run.conn, "work", ("infobras_code",), WORK_COLUMNS,
                                          rows)
    run.count(inserted, updated, unchanged)
    if inserted or updated:
        run.conn.execute(sa.text("ANALYZE work"))
    _views_after_write(run, fresh, bool(inserted or updated))


def _views_after_write(run: Run, fresh: bool, changed: bool) -> None:
    """Refresh the derived tables at the end of the load when rows changed (or they were
    stale), unless the run defers it; else they are still fresh: the upsert statement
    counts as a change even when it changed no row."""
    if (changed or not fresh) and run.refresh_views:
        run.at_end(links.relink)   # the works' links to the other sources follow them
        run.at_end(explorer_views.refresh_views)
    elif fresh and not changed:
        explorer_views.mark_fresh(run.conn)


def write_progress(run: Run, rows: Iterable[Sequence[Any]]) -> tuple[int, int, int]:
    """Upsert monthly progress points (tuples in PROGRESS_COLUMNS order); returns the counts."""
    fresh = explorer_views.views_are_fresh(run.conn)
    counts = upsert(run.conn, "work_progress", ("infobras_code", "month"), PROGRESS_COLUMNS, rows)
    inserted, updated, unchanged = counts
    if inserted or updated:
        run.conn.execute(sa.text("ANALYZE work_progress"))
    _views_after_write(run, fresh, bool(inserted or updated))  # area_monthly sums the history
    run.note(f"historial mensual: {inserted:,} puntos nuevos, {updated:,} actualizados, "
             f"{unchanged:,} sin cambios")
    return counts


def tally_note(title: str, counts: Counter) -> str:
    """'ubicación: nombre 1,113, nombre_aprox 25' style summary line."""
    return f"{title}: " + ", ".join(f"{k} {n:,}" for k, n in counts.most_common())
