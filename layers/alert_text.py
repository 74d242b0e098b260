"""An alert's sentence in the reader's language.

The database keeps each alert's sentence in Spanish (geodata/alerts.py writes it in SQL, where
the rules run) and, in its evidence, the variant of the sentence and the raw figures that
tripped the rule. A page in Spanish shows the stored sentence; in another language the
variant's template (a catalog entry, marked in geodata/alert_rules.py) is filled here from the
evidence with the figures written for that language (layers/format). Where the evidence
cannot fill it (a rule whose figures only SQL computes, an alert stored before its evidence
named the variant), the figures are read back from the stored Spanish sentence by its Spanish
template; a sentence no template matches stays as stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from string import Formatter
from typing import Any

from dashboard.i18n import DEFAULT, N_, _, current
from geodata.alert_rules import NOT_COMPUTABLE_PREFIX, RULES_BY_CODE, Rule, number_es
from geodata.procurement_rules import NOT_PROOF, WORK_SEVERAL
from layers import format as fmt

Evidence = Mapping[str, Any]
Figures = Callable[[str, Evidence, str], dict[str, str]]

YEAR_DAYS = Decimal("365.25")    # as the rule's SQL: (start − approval) / 365.25


def _dec(value: Any) -> Decimal:
    return Decimal(str(value))


def _round(value: Decimal, digits: int) -> float:
    """PostgreSQL's round() of a numeric: half away from zero."""
    return float(value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _money(value: Any) -> str:
    """Every sol, as the sentences' alert_money(): "S/ 1 234 567"."""
    return "S/ " + fmt.number(_round(_dec(value), 0))


def _pct(value: Decimal) -> str:
    return fmt.percent(_round(value, 1))


def _one_decimal(value: Decimal) -> str:
    return fmt.decimal(_round(value, 1), 1)


def _count(value: Any) -> str:
    return fmt.number(int(value))


def _paralysed(_variant: str, ev: Evidence, _place: str) -> dict[str, str]:
    return {"desde": fmt.month_year(_day(ev["desde"])), "meses": _count(ev["meses_sin_avance"])}


def _late(_variant: str, ev: Evidence, _place: str) -> dict[str, str]:
    days, months = int(ev["dias_retraso"]), int(ev["meses_retraso"])
    delay = (_("1 día") if days == 1 else _("{n} días", n=_count(days)) if days < 60
             else _("{n} meses", n=_count(months)))
    kind = (N_("fecha reprogramada") if ev.get("fecha_fin_reprogramada")
            else N_("fecha programada"))
    return {"fin": fmt.long_date(_day(ev["fecha_fin"])), "tipo_fecha": _(kind), "retraso": delay}


def _overrun(_variant: str, ev: Evidence, _place: str) -> dict[str, str]:
    cost, file = _dec(ev["costo_actualizado"]), _dec(ev["monto_expediente"])
    return {"costo": _money(cost), "expediente": _money(file), "diferencia": _money(cost - file),
            "pct": _pct((cost / file - 1) * 100)}


def _additional(variant: str, ev: Evidence, _place: str) -> dict[str, str]:
    if variant == "nc_fuente":
        return {"fuente": str(ev["fuente"])}
    extra, contract = _dec(ev["adicionales"]), _dec(ev["monto_contrato"])
    return {"adicionales": _money(extra), "contrato": _money(contract),
            "pct": _pct(extra / contract * 100)}


_LACKING = {frozenset({"physical_progress", "financial_progress"}):
            N_("avance físico ni financiero"),
            frozenset({"physical_progress"}): N_("avance físico"),
            frozenset({"financial_progress"}): N_("avance financiero")}


def _gap(variant: str, ev: Evidence, _place: str) -> dict[str, str]:
    if variant == "nc_sin_avance":
        return {"falta": _(_LACKING[frozenset(ev["faltan"])])}
    paid, built = _dec(ev["avance_financiero"]), _dec(ev["avance_fisico"])
    return {"financiero": _pct(paid), "fisico": _pct(built), "puntos": _one_decimal(paid - built)}


def _stale(_variant: str, ev: Evidence, _place: str) -> dict[str, str]:
    return {"desde": fmt.month_year(_day(ev["ultima_actualizacion"])),
            "meses": _count(ev["meses"])}


def _late_start(_variant: str, ev: Evidence, _place: str) -> dict[str, str]:
    approved = _day(ev["fecha_aprobacion"])
    start = _day(ev["fecha_inicio"]) if ev.get("fecha_inicio") else None
    years = _dec(((start or _day(ev["fecha_corte"])) - approved).days) / YEAR_DAYS
    out = {"aprobacion": fmt.long_date(approved), "anios": _one_decimal(years)}
    if start:
        out["inicio"] = fmt.long_date(start)
    return out


def _location(variant: str, ev: Evidence, place: str) -> dict[str, str]:
    if variant == "nc_sin_limite":
        return {"distrito": place}
    out = {"distrito": f"{ev['distrito_declarado']}, {ev['region_declarada']}",
           "distancia": f"{_one_decimal(_dec(ev['distancia_km']))} km"}
    if variant == "fuera":
        out["distrito_punto"] = f"{ev['distrito_coordenadas']} ({ev['region_coordenadas']})"
    return out


def _parties(variant: str, ev: Evidence, _place: str) -> dict[str, str]:
    if variant == "nc_fuente":
        return {"fuente": str(ev["fuente"])}
    return {"ruc": str(ev.get("ruc_contratista") or "")}


def _contractor(_variant: str, ev: Evidence, _place: str) -> dict[str, str]:
    return {"contratista": ev.get("contratista") or _("sin nombre"), "ruc": str(ev["ruc"]),
            "obras": _count(ev["obras_paralizadas"]), "distritos": _count(ev["distritos"])}


FIGURES: Mapping[str, Figures] = {
    "paralizada": _paralysed, "retrasada": _late, "sobrecosto": _overrun,
    "adicionales": _additional, "brecha_financiera": _gap, "registro_desactualizado": _stale,
    "inicio_tardio": _late_start, "ubicacion_fuera_distrito": _location,
    "sin_contratista_supervisor": _parties, "contratista_paralizadas": _contractor,
}


def _threshold(value: float) -> str:
    return fmt.number(value) if float(value).is_integer() else fmt.decimal(value, 1)


def render(rule: Rule, variant: str, evidence: Evidence, place: str = "") -> str:
    """The variant's sentence (and the rule's basis, for an alert) in the current language,
    its figures from the evidence; `place` is the declared district ("Rondos, Huánuco"),
    which the one sentence that names it without evidence needs. KeyError if the evidence
    lacks a figure."""
    needed = {n for _t, n, _s, _c in Formatter().parse(rule.messages[variant]) if n}
    # (a rule without a FIGURES entry can only be written here where it needs no figures)
    figures = (FIGURES[rule.code](variant, evidence, place) if needed - set(rule.threshold)
               else {})
    return _compose(rule, variant, figures)


def _compose(rule: Rule, variant: str, figures: Mapping[str, str]) -> str:
    """The translated template filled with the thresholds and `figures`, and the rule's
    basis after an alert's sentence."""
    thresholds = {k: _threshold(v) for k, v in rule.threshold.items()}
    text = _(rule.messages[variant]).format(**thresholds, **figures)
    if variant.startswith(NOT_COMPUTABLE_PREFIX) or not rule.basis:
        return text
    return f"{text} {_basis(rule.basis).format(**thresholds)}"


def _basis(basis: str) -> str:
    """A basis in the current language; the procurement rules' are two catalog entries, their
    own sentence and the common «una alerta no prueba…» (geodata/procurement_rules.py)."""
    text = _(basis)
    if text == basis and basis.endswith(NOT_PROOF) and basis != NOT_PROOF:
        return _(basis[:-len(NOT_PROOF)]) + _(NOT_PROOF)
    return text


def sentence(alert: Mapping[str, Any], place: str = "") -> str:
    """An alert row's sentence (rule_code, evidence, message) in the current language; the
    stored Spanish sentence in Spanish, or when the evidence cannot fill the template."""
    if current() == DEFAULT:
        return alert["message"]
    rule = RULES_BY_CODE.get(alert["rule_code"])
    evidence = alert.get("evidence") or {}
    variant = evidence.get("variante")
    if rule is None:
        return alert["message"]
    if variant not in rule.messages or _several(alert["message"]):
        # computed before the evidence named its variant, or one sentence about several
        return _any_variant(rule, alert["message"]) or alert["message"]
    try:
        return render(rule, variant, evidence, place)
    except (KeyError, TypeError, ValueError, ArithmeticError):
        return _reread(rule, variant, alert["message"]) or alert["message"]


# -- a rule without FIGURES: its figures read back from the stored Spanish sentence -------------
_MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "octubre", "noviembre", "diciembre")
_MONTH = "(" + "|".join(_MONTHS) + ")"
_DAY = re.compile(rf"(\d{{1,2}}) de {_MONTH} de (\d{{4}})")
_MONTH_YEAR = re.compile(rf"{_MONTH} de (\d{{4}})")
_NUMBER = r"-?\d{1,3}(?: \d{3})*(?:,\d+)?"


def _number(text: str) -> float:
    return float(text.replace(" ", "").replace(",", "."))


def _digits(text: str) -> int:
    return len(text.split(",")[1]) if "," in text else 0


def _figure(text: str) -> str:
    """A figure as SQL wrote it in Spanish (S/ 1 234, 45,3 %, 12 de marzo de 2025, al ...),
    written again for the current locale; anything else (names, codes) as it is."""
    text = text.strip()
    if text.startswith("al ") and _DAY.fullmatch(text[3:]):
        return _("al {date}", date=_figure(text[3:]))
    if text == "sin fecha":
        return _("sin fecha")
    if m := _DAY.fullmatch(text):
        day = date(int(m[3]), _MONTHS.index(m[2]) + 1, int(m[1]))
        return fmt.long_date(day)
    if m := _MONTH_YEAR.fullmatch(text):
        return fmt.month_year(date(int(m[2]), _MONTHS.index(m[1]) + 1, 1))
    if m := re.fullmatch(rf"S/ ({_NUMBER})", text):
        return "S/ " + fmt.decimal(_number(m[1]), _digits(m[1]))
    if m := re.fullmatch(rf"({_NUMBER}) %", text):
        return fmt.percent(_number(m[1]), _digits(m[1]))
    if re.fullmatch(_NUMBER, text):
        return fmt.decimal(_number(text), _digits(text))
    return text


def _several(message: str) -> re.Match | None:
    """«N procesos o contratos … El primero: <the first one's sentence>»."""
    head, _sep, _tail = WORK_SEVERAL.partition("{primero}")
    pattern = re.escape(head).replace(re.escape("{n}"), r"(?P<n>\d+)") + r"(?P<primero>.+)"
    return re.fullmatch(pattern, message, re.S)


def _any_variant(rule: Rule, message: str) -> str | None:
    """The sentence of whichever variant the stored one is, in the current language."""
    several = _several(message)
    if several:
        first = _any_variant(rule, several["primero"])
        return _(WORK_SEVERAL).format(n=fmt.number(int(several["n"])), primero=first) \
            if first else None
    return next((text for v in rule.messages if (text := _reread(rule, v, message))), None)


def _reread(rule: Rule, variant: str, message: str) -> str | None:
    """The variant's sentence in the current language, its figures read back from the
    Spanish one by the Spanish template (thresholds as SQL wrote them); None when the stored
    sentence is not that template's (a recompute with other thresholds, a composed one)."""
    pattern, seen = [], set()
    for literal, name, _spec, _conv in Formatter().parse(rule.sentence(variant)):
        pattern.append(re.escape(literal))
        if name is None:
            continue
        if name in rule.threshold:
            pattern.append(re.escape(number_es(rule.threshold[name])))
        elif name in seen:
            pattern.append(f"(?P={name})")
        else:
            pattern.append(f"(?P<{name}>.+?)")
            seen.add(name)
    found = re.fullmatch("".join(pattern), message, re.S)
    if found is None or _(rule.messages[variant]) == rule.messages[variant]:
        return None   # (an untranslated template stays the stored sentence, not a mix)
    return _compose(rule, variant, {k: _figure(v) for k, v in found.groupdict().items()})


def rule_name(code: str, stored: str | None = None) -> str:
    """A rule's name in the current language."""
    rule = RULES_BY_CODE.get(code)
    return _(rule.name) if rule else (stored or code)
