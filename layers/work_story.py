"""One work's story for its page: progress over time with the paralysis periods shaded, the
cost from the technical file to the updated cost, a small location map, its money in plain
words, and where the sources disagree.

Pure functions: the dict of queries.work_detail in, Plotly figures and plain values out.
Maps use no tile server ("white-bg"): the district's outline, served by URL, is the context.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import plotly.graph_objects as go

from dashboard.i18n import N_, _, ngettext
from layers import format as fmt
from layers.basemap import Basemap, map_settings
from layers.briefing import STATUS_COLORS
from layers.briefing import map_view as fit_view
from layers.figures import checked, spec, template

SEPARATORS = ", "          # Plotly: decimal comma, thousands space (as layers.format)
PARALYSED = "paralizada"
INK, MUTED, GRID = "#1f2933", "#616e7c", "#e4e7eb"
REAL, PLANNED, MONEY = "#1d6fa5", "#7b8794", "#d97706"
UP, DOWN, TOTAL = "#c0392b", "#2e8b57", "#1f3a5f"
PARALYSIS_FILL = "rgba(192, 57, 43, 0.13)"
DISAGREE_POINTS = 1.0      # progress figures further apart than this (points) disagree
DISAGREE_SOLES = 1.0       # amounts further apart than one sol disagree
MAP_PADDING = 0.12         # share of the view's span left around the district and the point
FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 13,
        "color": INK}
MONTHS = (N_("ene."), N_("feb."), N_("mar."), N_("abr."), N_("may."), N_("jun."), N_("jul."),
          N_("ago."), N_("set."), N_("oct."), N_("nov."), N_("dic."))


def month_text(day: date | None) -> str:
    """date(2024, 3, 1) -> "mar. 2024" (the month's name is a catalog entry)."""
    return fmt.MISSING if day is None else f"{_(MONTHS[day.month - 1])} {day.year}"


def date_text(day: date | None) -> str:
    return fmt.MISSING if day is None else f"{day:%d/%m/%Y}"


def _figure(traces: list[dict[str, Any]], height: int, **layout: Any) -> go.Figure:
    """The page's font, decimal comma and transparent background, no template (a template
    travels with every figure: 8 KB each)."""
    base = {"template": template("none"), "height": height,
            "margin": {"l": 8, "r": 8, "t": 8, "b": 8}, "font": FONT,
            "separators": SEPARATORS, "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "rgba(0,0,0,0)", "hoverlabel": {"font": FONT}}
    return spec(traces, {**base, **layout})


# -- progress over time ------------------------------------------------------------------------
def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def paralysis_periods(history: Sequence[Mapping[str, Any]]) -> list[tuple[date, date]]:
    """Runs of consecutive months reported as paralysed: (first month, first month after)."""
    periods: list[tuple[date, date]] = []
    for point in history:
        if point.get("status") != PARALYSED:
            continue
        month = point["month"]
        if periods and periods[-1][1] == month:
            periods[-1] = (periods[-1][0], _next_month(month))
        else:
            periods.append((month, _next_month(month)))
    return periods


def _months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


@checked
def progress_figure(history: Sequence[Mapping[str, Any]]) -> go.Figure:
    """Physical progress real vs programmed and financial progress, month by month; the
    months reported as paralysed are shaded."""
    months = [p["month"] for p in history]
    series = (("physical_real", _("Avance físico real"), REAL, "solid"),
              ("physical_programmed", _("Avance físico programado"), PLANNED, "dash"),
              ("financial", _("Avance financiero (gasto)"), MONEY, "dot"))
    traces = []
    for key, name, color, dash in series:
        values = [p.get(key) for p in history]
        if all(v is None for v in values):
            continue
        traces.append({
            "type": "scatter", "x": months, "y": values, "name": name,
            "mode": "lines+markers" if len(months) < 3 else "lines",
            "line": {"color": color, "width": 3 if key == "physical_real" else 2, "dash": dash},
            "hovertemplate": f"{name}: %{{y:.1f}} %<extra>%{{x|%m/%Y}}</extra>"})
    periods = paralysis_periods(history)
    shapes = [{"type": "rect", "xref": "x", "yref": "paper", "x0": start, "x1": end, "y0": 0,
               "y1": 1, "fillcolor": PARALYSIS_FILL, "line": {"width": 0}, "layer": "below"}
              for start, end in periods]
    notes = [{"text": _("Paralizada"), "xref": "x", "yref": "paper", "x": start, "y": 1,
              "xanchor": "left", "yanchor": "top", "showarrow": False,
              "font": {"size": 11, "color": UP}} for start, _end in periods]
    top = max([100.0] + [float(p["financial"]) for p in history if p.get("financial")])
    return _figure(
        traces, 330, shapes=shapes, annotations=notes, hovermode="x unified",
        legend={"orientation": "h", "y": -0.18, "x": 0, "font": {"size": 12}},
        yaxis={"range": [0, top * 1.06], "ticksuffix": " %", "gridcolor": GRID,
               "zeroline": False, "fixedrange": True, "automargin": True},
        xaxis={"tickformat": "%m/%Y", "gridcolor": GRID, "fixedrange": True,
               "ticklabelstandoff": 6, "automargin": True})


def progress_summary(history: Sequence[Mapping[str, Any]]) -> list[str]:
    """The chart in words (for every reader, and for screen readers)."""
    if not history:
        return []
    first, last = history[0], history[-1]
    lines = [_("Entre {first} y {last} el avance físico pasó de {start} a {end}; el gasto "
               "(avance financiero) llegó a {spent}.", first=month_text(first["month"]),
               last=month_text(last["month"]), start=fmt.percent(first.get("physical_real")),
               end=fmt.percent(last.get("physical_real")),
               spent=fmt.percent(last.get("financial")))]
    if last.get("physical_programmed") is not None and last.get("physical_real") is not None:
        gap = float(last["physical_programmed"]) - float(last["physical_real"])
        if gap >= DISAGREE_POINTS:
            lines.append(_("En {month} iba {points} puntos por debajo de lo programado.",
                           month=month_text(last["month"]), points=fmt.decimal(gap)))
    for start, end in paralysis_periods(history):
        months = _months_between(start, end)
        lines.append(ngettext("Paralizada desde {month} durante {count} mes.",
                              "Paralizada desde {month} durante {count} meses.", months,
                              month=month_text(start), count=fmt.number(months))
                     if end <= last["month"] else
                     _("Paralizada desde {month} (sigue así en el último reporte).",
                       month=month_text(start)))
    return lines


# -- cost: technical file -> updated cost --------------------------------------------------------
@dataclass(frozen=True)
class CostStep:
    label: str
    measure: str          # absolute | relative | total (go.Waterfall)
    value: float


def cost_steps(work: Mapping[str, Any]) -> list[CostStep]:
    """How the cost moved: technical file, contract, additional works, other changes, updated
    cost. Only figures the sources give; [] when there are not two amounts to compare."""
    technical, contract = work.get("amount_technical_file"), work.get("amount_contract")
    additional, updated = work.get("amount_additional"), work.get("amount_updated")
    known = [v for v in (technical, contract, updated) if v is not None]
    if (technical is None and contract is None) or (len(known) < 2 and not additional):
        return []
    steps: list[CostStep] = []
    if technical is not None:
        steps.append(CostStep("Expediente técnico", "absolute", float(technical)))
    if contract is not None:
        steps.append(CostStep("Contrato", "relative", float(contract) - float(technical))
                     if steps else CostStep("Contrato", "absolute", float(contract)))
    if additional:
        steps.append(CostStep("Adicionales de obra", "relative", float(additional)))
    if updated is not None:
        reached = sum(s.value for s in steps)
        other = float(updated) - reached
        if abs(other) >= DISAGREE_SOLES:
            steps.append(CostStep("Otras variaciones", "relative", other))
        steps.append(CostStep("Costo actualizado", "total", float(updated)))
    return steps


def step_text(step: CostStep) -> str:
    """"S/ 1,2 M" for an amount, "+ S/ 118 911" / "− S/ 121 165" for a change."""
    if step.measure != "relative":
        return fmt.money(step.value, exact=True)
    return f"{'+' if step.value >= 0 else '−'} {fmt.money(abs(step.value), exact=True)}"


@checked
def cost_waterfall(steps: Sequence[CostStep]) -> go.Figure:
    """The steps as a horizontal waterfall (labels stay readable on a phone), top to bottom:
    increases in red, reductions in green, amounts in dark blue."""
    waterfall = {
        "type": "waterfall", "orientation": "h",
        "y": [f"{s.label}<br><b>{step_text(s)}</b>" for s in steps],
        "x": [s.value if s.measure != "total" else 0 for s in steps],
        "measure": [s.measure for s in steps], "text": [step_text(s) for s in steps],
        "textposition": "none",
        "connector": {"line": {"color": MUTED, "width": 1, "dash": "dot"}},
        "increasing": {"marker": {"color": UP}}, "decreasing": {"marker": {"color": DOWN}},
        "totals": {"marker": {"color": TOTAL}}, "hovertemplate": "%{text}<extra></extra>"}
    return _figure(
        [waterfall], 70 + 46 * len(steps), showlegend=False,
        xaxis={"tickprefix": "S/ ", "gridcolor": GRID, "fixedrange": True,
               "rangemode": "tozero", "nticks": 4, "automargin": True},
        yaxis={"autorange": "reversed", "fixedrange": True, "ticklabelstandoff": 8,
               "automargin": True})


# -- money in words ------------------------------------------------------------------------------
def balance(work: Mapping[str, Any]) -> float | None:
    """Saldo por ejecutar: the investment (updated cost, else contract, else technical
    file) minus the accrued spending. Negative when more was accrued than the cost."""
    investment, accrued = work.get("amount_investment"), work.get("amount_accrued")
    if investment is None or accrued is None:
        return None
    return float(investment) - float(accrued)


NOT_PUBLISHED = N_("no lo publica la fuente")


def money_rows(work: Mapping[str, Any], gaps: frozenset[str] = frozenset()
               ) -> list[tuple[str, str, str]]:
    """(label, amount, what it means) for the money section; a field in `gaps` (the source
    has no such column) says so instead of a dash. Label and meaning are catalog entries,
    translated where shown."""
    rest = balance(work)
    rest_note = (N_("Inversión − devengado acumulado.") if rest is None or rest >= 0 else
                 N_("Se devengó más que el costo registrado: revise la obra."))

    def amount(field: str) -> str:
        if work.get(field) is None and field in gaps:
            return _(NOT_PUBLISHED)
        return fmt.money(work.get(field), exact=True)

    return [
        (N_("Expediente técnico"), amount("amount_technical_file"),
         N_("Costo estimado al aprobar el expediente técnico.")),
        (N_("Contrato"), amount("amount_contract"),
         N_("Monto del contrato firmado con el contratista.")),
        (N_("Adicionales de obra"), amount("amount_additional"),
         N_("Trabajos añadidos al contrato (sobre el 15 % requieren autorización previa de la "
            "Contraloría).")),
        (N_("Costo actualizado"), amount("amount_updated"),
         N_("Costo total vigente de la obra.")),
        (N_("Devengado acumulado"), amount("amount_accrued"),
         N_("Lo que el Estado ya reconoció como gasto.")),
        (N_("Saldo por ejecutar"), fmt.money(rest, exact=True), rest_note),
    ]


# -- where sources disagree ------------------------------------------------------------------
@dataclass(frozen=True)
class Comparison:
    """One figure as each source gives it."""

    label: str
    values: tuple[tuple[str, str, str], ...]    # (source, value, date)
    agree: bool


def _number(value: Any) -> float | None:
    try:
        return None if value in (None, "") else float(value)
    except (TypeError, ValueError):
        return None


def _progress_by_source(work: Mapping[str, Any], extra: Mapping[str, Any]) -> Comparison | None:
    entries = [e for e in extra.get("avance_fisico_por_fuente") or []
               if isinstance(e, Mapping) and _number(e.get("avance")) is not None]
    if len(entries) < 2:
        return None
    values = [_number(e["avance"]) or 0.0 for e in entries]
    return Comparison(
        N_("Avance físico"),
        tuple((str(e.get("fuente") or "—"), fmt.percent(v),
               date_text(_iso(e.get("fecha")))) for e, v in zip(entries, values, strict=True)),
        max(values) - min(values) <= DISAGREE_POINTS)


def _iso(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _balance_by_source(work: Mapping[str, Any], extra: Mapping[str, Any]) -> Comparison | None:
    stated, computed = _number(extra.get("saldo_inversion")), balance(work)
    if stated is None or computed is None:
        return None
    source = _source_name(work)
    return Comparison(N_("Saldo de inversión"), (
        (f"{source} (columna saldo_inversion)", fmt.money(stated, exact=True),
         date_text(work.get("source_date"))),
        (N_("Calculado: inversión − devengado"), fmt.money(computed, exact=True),
         date_text(work.get("source_date")))),
        abs(stated - computed) <= DISAGREE_SOLES)


def _district_by_source(work: Mapping[str, Any]) -> Comparison | None:
    coords = work.get("coords_ubigeo")
    if not coords or coords == work.get("ubigeo"):
        return None
    return Comparison(N_("Distrito"), (
        (N_("Declarado en el registro"), str(work.get("district") or work.get("ubigeo")), ""),
        (N_("Según las coordenadas"), str(work.get("coords_district") or coords), "")), False)


SOURCE_NAMES = {"infobras": N_("INFObras (Contraloría)"),
                "paralizadas": N_("Base de obras paralizadas (GFP Subnacional, mayo 2026)"),
                "demo": N_("Datos de demostración (generados)")}


def _source_name(work: Mapping[str, Any]) -> str:
    source = str(work.get("source") or "")
    return _(SOURCE_NAMES[source]) if source in SOURCE_NAMES else (
        source or _("fuente desconocida"))


def source_comparisons(work: Mapping[str, Any]) -> list[Comparison]:
    """Figures the sources give differently (or the same), each with source and date."""
    extra = work.get("extra") or {}
    found = (_progress_by_source(work, extra), _balance_by_source(work, extra),
             _district_by_source(work))
    return [c for c in found if c is not None]


def source_line(work: Mapping[str, Any]) -> str:
    """Which source and date every figure on the page comes from."""
    line = _("Fuente: {source}, datos al {date}", source=_source_name(work),
             date=date_text(work.get("source_date")))
    if work.get("loaded_at"):
        line += "; " + _("cargados el {date}", date=date_text(work["loaded_at"].date()))
    return line + "."


# Fields of work.extra already shown elsewhere on the page, or our own derivations.
_SHOWN = {"Nro", "latitud", "longitud", "avance_fisico_por_fuente", "saldo_inversion",
          "avance_fisico_invierte", "fecha_ult_avance_fisico_invierte"}
EXTRA_LABELS = {
    "ult_estado_situacional_F12B": "Último estado situacional (Formato 12B, MEF)",
    "fecha_est_sit_F12B": "Fecha del estado situacional (Formato 12B)",
    "fuente_estado_final": "Fuente del estado de la obra",
    "sustento_estado": "Sustento del estado",
    "fecha_inicio_max_interrupcion": "Inicio de la interrupción más larga",
    "Pobl_afectada": "Población afectada",
    "fuente_coordenadas": "Fuente de las coordenadas",
    "revision_coordenadas": "Revisión de las coordenadas",
    "fecha_ult_devengado": "Fecha del último devengado",
    "meses_ult_deveng": "Meses desde el último devengado",
    "avance_fisico_analisis": "Avance físico usado en el análisis",
    "brecha_financiera": "Brecha físico − financiera (puntos)",
    "en_pmi_2026": "En la programación multianual 2026",
    "anio_inicio": "Año de inicio",
    "rango_fisico": "Rango de avance físico",
    "rango_inversion_2": "Rango de inversión",
    "sin_avance_fisico": "Meses sin avance físico",
    "sin_avance_financiero": "Meses sin avance financiero",
    "paralizada_ult_6_meses": "Paralizada en los últimos 6 meses (1 = sí)",
    "en_contraloria": "Registrada por la Contraloría (1 = sí)",
    "en_mef": "Registrada en el MEF (1 = sí)",
    "obra_unica": "Obra única del proyecto (1 = sí)",
    "coordenadas_descartadas": "Coordenadas descartadas",
    "punto_fuera_de_poligonos_m": "Punto fuera de los límites (m)",
}
_SPACED_DECIMAL = re.compile(r"^-?\d+ \d{1,2}$")      # INFObras writes 1234 56 for 1234,56
_MONEY_WORDS = ("monto", "costo", "valoriz", "saldo")


def _extra_value(name: str, value: Any) -> str:
    text = str(value)
    if _SPACED_DECIMAL.match(text) and any(w in name.lower() for w in _MONEY_WORDS):
        return fmt.money(float(text.replace(" ", ".")), exact=True)
    if isinstance(value, float):
        return fmt.decimal(value, 2)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return date_text(date.fromisoformat(text))
    return text


def extra_fields(work: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The source's other fields (label, value) as published, in a stable order."""
    extra = work.get("extra") or {}
    rows = []
    for name in sorted(extra, key=lambda n: (n not in EXTRA_LABELS, n.lower())):
        value = extra[name]
        if name in _SHOWN or name.startswith("x_") or value in (None, "", [], {}):
            continue
        rows.append((EXTRA_LABELS.get(name, name), _extra_value(name, value)))
    return rows


# -- where it is ------------------------------------------------------------------------------
def location_note(work: Mapping[str, Any]) -> str:
    """How precise the point is, in plain words."""
    district = work.get("district") or work.get("ubigeo")
    if work.get("longitude") is None:
        return _("Sin coordenadas: solo se conoce el distrito ({district}).", district=district)
    if work.get("geom_source") == "district_capital":
        return _("Ubicación aproximada: el registro no trae coordenadas, el punto es la capital "
                 "del distrito de {district}.", district=district)
    note = _("Ubicación registrada por la entidad (coordenadas de la fuente).")
    if work.get("location_mismatch"):
        note += " " + _("Atención: el punto cae en el distrito de {other}, no en {district}, "
                        "que es el declarado.", district=district,
                        other=work.get("coords_district") or work.get("coords_ubigeo"))
    return note


def map_view(lon: float | None, lat: float | None,
             bounds: tuple[float, float, float, float] | None) -> dict:
    """The declared district and the point both in view (a point outside its district
    shows how far off it is)."""
    if bounds is None:
        return ({"center": {"lon": lon, "lat": lat}, "zoom": 11} if lon is not None
                else fit_view(None))
    west, south, east, north = bounds
    if lon is not None and lat is not None:
        west, east, south, north = min(west, lon), max(east, lon), min(south, lat), max(north, lat)
    pad_x, pad_y = MAP_PADDING * (east - west), MAP_PADDING * (north - south)
    return fit_view((west - pad_x, south - pad_y, east + pad_x, north + pad_y), (340, 220))


@checked
def location_map(work: Mapping[str, Any], districts_geojson_url: str | None,
                 bounds: tuple[float, float, float, float] | None,
                 basemap: Basemap | None = None) -> go.Figure:
    """The districts around (outlines served by URL), the declared one filled, and the
    work's point: solid where surveyed, a faded ring at the capital where approximate; over
    the streets when a `basemap` is given (the declared district then lighter)."""
    traces: list[dict[str, Any]] = []
    layers = []
    if districts_geojson_url:
        layers.append({"sourcetype": "geojson", "source": districts_geojson_url,
                       "type": "line", "color": "#9aa5b1", "line": {"width": 1},
                       "below": "traces"})
        traces.append({
            "type": "choroplethmap", "geojson": districts_geojson_url, "featureidkey": "id",
            "locations": [work["ubigeo"]], "z": [1],
            "colorscale": [[0, "#dbe7f3"], [1, "#dbe7f3"]], "showscale": False,
            "marker": {"line": {"width": 2, "color": "#1f3a5f"},
                       "opacity": 0.7 if basemap is None else 0.35},
            "hovertemplate": f"Distrito declarado: {work.get('district') or ''}<extra></extra>"})
    lon, lat = work.get("longitude"), work.get("latitude")
    if lon is not None:
        surveyed = work.get("geom_source") == "surveyed"
        label = "Ubicación de la obra" if surveyed else "Capital del distrito (aproximada)"
        traces.append({
            "type": "scattermap", "lon": [lon], "lat": [lat], "mode": "markers",
            "marker": {"size": 16 if surveyed else 26,
                       "color": STATUS_COLORS.get(work.get("status"), MUTED),
                       "opacity": 1 if surveyed else 0.45},
            "hovertemplate": f"{label}<extra></extra>"})
    return _figure(traces, 240, showlegend=False,
                   map={**map_settings(basemap, layers), **map_view(lon, lat, bounds)})
