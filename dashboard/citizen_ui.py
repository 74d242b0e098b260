"""Small pieces shared by the citizen pages (/cerca, /obra, /moderacion): status chip,
progress bar, labelled facts, alerts in one line. Text only through Dash components or
their wire form (dashboard.wire, for what a page builds per request), which escape it;
styling lives in assets/citizen.css."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dash import html

from dashboard.i18n import _, ngettext
from dashboard.wire import element
from geodata.infobras_format import STATUS_LABELS
from layers import format as fmt


def status_chip(status: str | None) -> dict[str, Any]:
    label = STATUS_LABELS.get(status or "")
    return element("Span", _(label) if label else (status or _("Sin estado")),
                   className=f"citizen-chip citizen-status-{status or 'none'}")


def progress_bar(value: float | None, label: str | None = None) -> dict[str, Any]:
    """A labelled bar (0-100 %); "sin dato" when unknown. `label` comes translated."""
    label = label or _("Avance físico")
    known = value is not None
    width = max(0.0, min(100.0, float(value))) if known else 0.0
    return element("Div", className="citizen-progress", children=[
        element("Div", className="citizen-progress-head", children=[
            element("Span", label),
            element("Strong", fmt.percent(value) if known else _("sin dato"))]),
        element("Div", className="citizen-progress-track", role="progressbar",
                **{"aria-valuenow": str(round(width)), "aria-valuemin": "0",
                   "aria-valuemax": "100", "aria-label": label},
                children=element("Div", className="citizen-progress-fill",
                                 style={"width": f"{width:.1f}%"})),
    ])


def facts(rows: Sequence[tuple[str, Any]], class_name: str = "citizen-facts") -> html.Dl:
    """A definition list of (label, value) pairs; a value may be a component."""
    items: list = []
    for label, value in rows:
        items += [html.Dt(label), html.Dd(fmt.MISSING if value in (None, "") else value)]
    return html.Dl(items, className=class_name)


def alerts_line(names: Sequence[str], computed: bool) -> dict[str, Any]:
    """"⚠ 2 alertas: Obra retrasada · Sobrecosto", or that there are none."""
    if not computed:
        return element("P", _("Alertas: aún no calculadas."),
                       className="citizen-alerts-line muted")
    if not names:
        return element("P", _("Sin alertas."), className="citizen-alerts-line ok")
    return element("P", className="citizen-alerts-line warn", children=[
        element("Span", "⚠ ", **{"aria-hidden": "true"}),
        element("Strong", ngettext("{count} alerta", "{count} alertas", len(names),
                                   count=fmt.number(len(names))) + ": "),
        " · ".join(_(name) for name in names)])


def section(title: str, *children, id: str | None = None) -> html.Section:  # noqa: A002
    kwargs = {"id": id} if id else {}
    return html.Section(className="citizen-card", children=[html.H2(title), *children],
                        **kwargs)
