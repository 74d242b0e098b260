"""The sentences of the change log (queries/changes.py) for a feed entry or a digest line:
written when read, in the reader's language, from the figures each event keeps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dashboard.i18n import _
from geodata.infobras_format import STATUS_LABELS
from layers import format as fmt
from queries.reports import STATUSES


@dataclass(frozen=True)
class ChangeText:
    title: str
    text: str
    path: str          # the page the change is about, from the site's root


def _status(value: str | None) -> str:
    return _(STATUS_LABELS.get(value or "", value or "sin estado"))


def report_status(value: str | None) -> str:
    """A citizen report's public status, as the timeline names it."""
    return _(STATUSES[value]) if value in STATUSES else value or ""


def describe(event: dict[str, Any]) -> ChangeText:
    """Title, one paragraph and the page of an event."""
    data = event.get("data") or {}
    kind = event["kind"]
    work = data.get("obra") or ""
    path = f"/obra/{event['infobras_code']}" if event.get("infobras_code") else ""
    if kind == "estado":
        return ChangeText(_("{obra}: cambió de estado", obra=work),
                          _("Estado: antes «{antes}», ahora «{despues}».",
                            antes=_status(data.get("antes")),
                            despues=_status(data.get("despues"))), path)
    if kind == "avance":
        return ChangeText(_("{obra}: nuevo avance físico", obra=work),
                          _("Avance físico: antes {antes}, ahora {despues}.",
                            antes=fmt.percent(data.get("antes")),
                            despues=fmt.percent(data.get("despues"))), path)
    if kind == "alerta_nueva":
        return ChangeText(_("{obra}: nueva alerta «{regla}»", obra=work,
                            regla=data.get("nombre") or data.get("regla")),
                          data.get("mensaje") or "", path + "#obra-alerts")
    if kind == "alerta_resuelta":
        return ChangeText(_("{obra}: ya no tiene la alerta «{regla}»", obra=work,
                            regla=data.get("nombre") or data.get("regla")),
                          _("Con los datos de la última carga, la obra ya no activa esta "
                            "alerta."), path + "#obra-alerts")
    if kind == "informe_control":
        return ChangeText(_("Nuevo informe de control de la Contraloría: {numero}",
                            numero=data.get("numero") or data.get("informe")),
                          " · ".join(str(v) for v in (data.get("titulo"), data.get("entidad"))
                                     if v), f"/entidad/{event.get('entity_id')}#entidad-reports")
    if kind == "respuesta_reporte":
        answer = data.get("respuesta")
        text = _("Estado del reporte: {estado}.", estado=report_status(data.get("estado")))
        if answer:
            text += " " + _("Respuesta del moderador: {respuesta}", respuesta=answer)
        return ChangeText(_("{obra}: respuesta a un reporte ciudadano", obra=work), text,
                          f"/reporte/{data.get('codigo')}")
    return ChangeText(kind, "", path)
