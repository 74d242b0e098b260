"""Reading the alerts (computed by geodata/alerts.py): one work's alerts, counts by area, the
alerts table with server-side filters, sorting and paging, and where the money at risk is.

A work's amount at risk, summed by area or entity, is the largest of its selected alerts':
adding a work's alerts would count the same soles several times.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from geodata.alert_rules import LOADER, RULES, SEVERITIES
from queries import db
from queries.filters import MAX_TEXT, FilterError, Filters, _choices, _float, _getter
from queries.tables import area, load_run, work

STATES = ("alerta", "no_calculable", "senal")   # senal: the control signal, no alert
PAGE_SIZES = (10, 25, 50, 100)
DEFAULT_PAGE_SIZE = 25
TOP = 10

_meta = sa.MetaData()
alert = sa.Table(
    "alert", _meta,
    sa.Column("infobras_code", sa.BigInteger, primary_key=True),
    sa.Column("rule_code", sa.Text, primary_key=True),
    sa.Column("state", sa.Text), sa.Column("severity", sa.Text),
    sa.Column("amount_at_risk", sa.Numeric(16, 2)), sa.Column("evidence", JSONB),
    sa.Column("message", sa.Text), sa.Column("computed_at", sa.DateTime(timezone=True)),
    sa.Column("ubigeo", sa.Text), sa.Column("severity_rank", sa.SmallInteger),
    sa.Column("rule_name", sa.Text), sa.Column("district_name", sa.Text),
    sa.Column("region_name", sa.Text),
)
alert_rule = sa.Table(
    "alert_rule", _meta,
    sa.Column("code", sa.Text, primary_key=True), sa.Column("name", sa.Text),
    sa.Column("severity", sa.Text), sa.Column("threshold", JSONB),
    sa.Column("source", sa.Text), sa.Column("description", sa.Text),
    sa.Column("kind", sa.Text), sa.Column("needs", sa.Text),
    sa.Column("needs_loaded", sa.Boolean),
)
alert_work = sa.Table(
    "alert_work", _meta,
    sa.Column("infobras_code", sa.BigInteger, primary_key=True),
    sa.Column("ubigeo", sa.Text), sa.Column("alerts", sa.SmallInteger),
    sa.Column("alta", sa.SmallInteger), sa.Column("media", sa.SmallInteger),
    sa.Column("baja", sa.SmallInteger), sa.Column("amount_at_risk", sa.Numeric(16, 2)),
    sa.Column("rules", ARRAY(sa.Text)),
)

_RULE_ORDER = {rule.code: i for i, rule in enumerate(RULES)}


# -- what the user selected --------------------------------------------------------------------
@dataclass(frozen=True)
class AlertSelection:
    """Which alerts: the works filter (area and the rest) plus rule, severity, state, the
    entity's name and the amount at risk. Parsed from URL query parameters."""

    filters: Filters = field(default_factory=Filters)
    rules: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    state: str = "alerta"
    entity: str | None = None
    risk_min: float | None = None
    risk_max: float | None = None

    @classmethod
    def from_query(cls, params: Mapping[str, Any]) -> AlertSelection:
        """Raise FilterError (Spanish message) on a bad value."""
        get = _getter(params)
        rules = tuple(_choices(params, "rule"))
        unknown = [r for r in rules if r not in _RULE_ORDER]
        if unknown:
            raise FilterError(f"Regla de alerta desconocida: «{unknown[0][:40]}».")
        severities = tuple(_choices(params, "severity"))
        bad = [s for s in severities if s not in SEVERITIES]
        if bad:
            raise FilterError(f"Severidad no válida: «{bad[0][:20]}». "
                              f"Use: {', '.join(SEVERITIES)}.")
        state = get("state") or "alerta"
        if state not in STATES:
            raise FilterError(f"Estado de alerta no válido: «{state[:20]}». "
                              f"Use: {', '.join(STATES)}.")
        entity = (get("entity") or "").strip()
        if len(entity) > MAX_TEXT:
            raise FilterError(f"El nombre de la entidad es demasiado largo "
                              f"(máximo {MAX_TEXT} caracteres).")
        risk_min = _float(get("risk_min"), "monto en riesgo mínimo")
        risk_max = _float(get("risk_max"), "monto en riesgo máximo")
        if risk_min is not None and risk_max is not None and risk_min > risk_max:
            raise FilterError("El monto en riesgo mínimo es mayor que el máximo.")
        return cls(Filters.from_query(params), rules, severities, state, entity or None,
                   risk_min, risk_max)

    def to_query(self) -> dict[str, Any]:
        """Query parameters that parse back to this selection."""
        out = self.filters.to_query()
        for name, value in (("rule", list(self.rules)), ("severity", list(self.severities)),
                            ("entity", self.entity), ("risk_min", self.risk_min),
                            ("risk_max", self.risk_max)):
            if value not in (None, [], ""):
                out[name] = value
        if self.state != "alerta":
            out["state"] = self.state
        return out

    def with_area(self, ubigeo: str | None) -> AlertSelection:
        return replace(self, filters=self.filters.with_area(ubigeo))

    def key(self) -> tuple:
        """Hashable, for caches."""
        return tuple(sorted((k, tuple(v) if isinstance(v, list) else v)
                            for k, v in self.to_query().items()))

    def conditions(self) -> list:
        """WHERE clauses on alert and work (all bound parameters); the area on the alert's
        copy of its work's district, so that it alone needs no join."""
        a = alert.c
        conds = [a.state == self.state, *self.filters.conditions(work, include_area=False)]
        if self.filters.area:
            conds.append(a.ubigeo.startswith(self.filters.area, autoescape=True))
        if self.rules:
            conds.append(a.rule_code.in_(self.rules))
        if self.severities:
            conds.append(a.severity.in_(self.severities))
        if self.entity:
            conds.append(work.c.entity.icontains(self.entity, autoescape=True))
        if self.risk_min is not None:
            conds.append(a.amount_at_risk >= self.risk_min)
        if self.risk_max is not None:
            conds.append(a.amount_at_risk <= self.risk_max)
        return conds

    def reads_works(self) -> bool:
        """Whether a condition is on the work (its filters but the area, or its entity's
        name)."""
        return bool(self.entity) or not self.filters.is_empty(include_area=False)

    def only_area(self) -> bool:
        """True when nothing but the area narrows the alerts (the rollup table answers)."""
        return (self.state == "alerta" and not (self.rules or self.severities or self.entity)
                and self.risk_min is None and self.risk_max is None
                and self.filters.is_empty(include_area=False))


def _joined() -> sa.FromClause:
    return alert.join(work, work.c.infobras_code == alert.c.infobras_code)


# -- one work ----------------------------------------------------------------------------------
def work_alerts_stmt(code: int) -> sa.Select:
    a, r = alert.c, alert_rule.c
    return (sa.select(a.rule_code, r.name.label("rule_name"), a.state, a.severity,
                      sa.cast(a.amount_at_risk, sa.Float).label("amount_at_risk"),
                      a.evidence, a.message, r.source, a.computed_at)
            .select_from(alert.outerjoin(alert_rule, r.code == a.rule_code))
            .where(a.infobras_code == code)
            .order_by(a.state, a.severity_rank.desc(), a.amount_at_risk.desc().nulls_last(),
                      a.rule_code))


def work_alerts(code: int) -> list[dict]:
    """All rule results of one work: its alerts first (most severe first), then the rules
    that could not be computed for it, each with its sentence and the rule's source."""
    with db.read_engine().connect() as conn:
        return [dict(r) for r in conn.execute(work_alerts_stmt(code)).mappings()]


# -- counts by area ----------------------------------------------------------------------------
def alert_counts_stmt(filters: Filters, level: int, rules: Sequence[str] = (),
                      severities: Sequence[str] = ()) -> sa.Select:
    """Per area of `level` (1 region, 2 province, 3 district): alerts, works with alerts and
    amount at risk (each work once, its largest amount) of the filtered works."""
    selection = AlertSelection(filters, tuple(rules), tuple(severities))
    if selection.only_area():
        aw = alert_work.c
        prefix = sa.func.left(aw.ubigeo, level * 2)
        stmt = sa.select(prefix.label("ubigeo"),
                         sa.cast(sa.func.sum(aw.alerts), sa.Integer).label("alerts"),
                         sa.func.count().label("works_with_alerts"),
                         sa.cast(sa.func.sum(aw.amount_at_risk), sa.Float).label("amount_at_risk"))
        if filters.area:
            stmt = stmt.where(aw.ubigeo.startswith(filters.area, autoescape=True))
        return stmt.group_by(prefix).order_by(prefix)
    per_work = _per_work(selection).subquery("per_work")
    prefix = sa.func.left(per_work.c.ubigeo, level * 2)
    return (sa.select(prefix.label("ubigeo"),
                      sa.cast(sa.func.sum(per_work.c.alerts), sa.Integer).label("alerts"),
                      sa.func.count().label("works_with_alerts"),
                      sa.cast(sa.func.sum(per_work.c.amount_at_risk), sa.Float)
                      .label("amount_at_risk"))
            .group_by(prefix).order_by(prefix))


def _per_work(selection: AlertSelection, with_entity: bool = True) -> sa.Select:
    """One row per work with selected alerts: its area, entity (when asked), count and
    largest amount (from the per-work rollup when only the area narrows the selection)."""
    a, w = alert.c, work.c
    if selection.only_area():
        aw = alert_work.c
        if with_entity:
            stmt = (sa.select(aw.infobras_code, aw.ubigeo, w.entity, aw.alerts,
                              aw.amount_at_risk)
                    .select_from(alert_work.join(work, w.infobras_code == aw.infobras_code)))
        else:
            stmt = sa.select(aw.infobras_code, aw.ubigeo, aw.alerts, aw.amount_at_risk)
        area_code = selection.filters.area
        return stmt.where(aw.ubigeo.startswith(area_code, autoescape=True)) if area_code else stmt
    measures = (sa.func.count().label("alerts"),
                sa.func.max(a.amount_at_risk).label("amount_at_risk"))
    if not with_entity and not selection.reads_works():  # the alerts table alone answers
        return (sa.select(a.infobras_code, *measures).select_from(alert)
                .where(*selection.conditions()).group_by(a.infobras_code))
    return (sa.select(a.infobras_code, w.ubigeo, w.entity, *measures)
            .select_from(_joined()).where(*selection.conditions())
            .group_by(a.infobras_code, w.ubigeo, w.entity))


def alert_counts(filters: Filters, level: int, rules: Sequence[str] = (),
                 severities: Sequence[str] = ()) -> list[dict]:
    """Rows (ubigeo, alerts, works_with_alerts, amount_at_risk); areas without alerts are
    absent; empty when alerts were never computed."""
    with db.read_engine().connect() as conn:
        return [dict(r) for r in conn.execute(
            alert_counts_stmt(filters, level, rules, severities)).mappings()]


# -- the table ---------------------------------------------------------------------------------
SORTABLE = {
    "amount_at_risk": alert.c.amount_at_risk,
    "severity": alert.c.severity_rank,
    "rule_name": alert.c.rule_name,
    "work_name": work.c.name,
    "entity": work.c.entity,
    "district": alert.c.district_name,
    "region": alert.c.region_name,
    "infobras_code": alert.c.infobras_code,
}
# Never NULL: sorted without NULLS LAST, so that one ascending index answers both directions.
NOT_NULL = {"severity", "rule_name", "work_name", "district", "region", "infobras_code"}
DEFAULT_SORT = (("amount_at_risk", "desc"),)


@dataclass(frozen=True)
class TablePage:
    """Sorting ((column, "asc"|"desc"), ...) and the 0-based page of `size` rows."""

    sort: tuple[tuple[str, str], ...] = DEFAULT_SORT
    page: int = 0
    size: int = DEFAULT_PAGE_SIZE

    def __post_init__(self) -> None:
        for column, direction in self.sort:
            if column not in SORTABLE or direction not in ("asc", "desc"):
                raise FilterError(f"No se puede ordenar por «{column[:30]}».")
        if self.size not in PAGE_SIZES or self.page < 0:
            raise FilterError("Página no válida.")

    def order_by(self) -> list:
        keys = []
        for column, direction in self.sort:
            key = SORTABLE[column].desc() if direction == "desc" else SORTABLE[column].asc()
            keys.append(key if column in NOT_NULL else key.nulls_last())
        return [*keys, alert.c.infobras_code, alert.c.rule_code]  # stable pages


def alerts_table_stmt(selection: AlertSelection, page: TablePage) -> sa.Select:
    a, w = alert.c, work.c
    return (sa.select(a.infobras_code, a.rule_code, a.rule_name, a.severity,
                      a.state, sa.cast(a.amount_at_risk, sa.Float).label("amount_at_risk"),
                      a.message, a.evidence,   # (the sentence in another language)
                      w.name.label("work_name"), w.entity, w.status, a.ubigeo,
                      a.district_name.label("district"), a.region_name.label("region"))
            .select_from(_joined())
            .where(*selection.conditions())
            .order_by(*page.order_by()).limit(page.size).offset(page.page * page.size))


def alerts_count_stmt(selection: AlertSelection) -> sa.Select:
    """How many alerts match: from the per-work rollup (indexed by area) when only the area
    narrows the selection; else counted, joining the works only when a condition reads them
    (every alert has its work: the national count reads one table, ten times faster)."""
    if selection.only_area():
        return sa.select(summary_stmt(selection).subquery().c.alerts)
    source = _joined() if selection.reads_works() else alert
    return sa.select(sa.func.count()).select_from(source).where(*selection.conditions())


def alerts_table(selection: AlertSelection, page: TablePage | None = None,
                 total: int | None = None) -> dict[str, Any]:
    """{"rows": one page of alerts, "total": how many match, "pages": page count}; a caller
    that knows the total (summary()["alerts"]) saves counting them again."""
    page = page or TablePage()
    with db.read_engine().connect() as conn:
        if total is None:
            total = conn.execute(alerts_count_stmt(selection)).scalar_one()
        rows = [dict(r) for r in conn.execute(alerts_table_stmt(selection, page)).mappings()]
    return {"rows": rows, "total": total, "pages": max(1, math.ceil(total / page.size))}


# -- where the money at risk is ----------------------------------------------------------------
def top_areas_stmt(selection: AlertSelection, level: int, n: int = TOP) -> sa.Select:
    """The `n` areas of `level` with most amount at risk among the selected alerts."""
    per_work = _per_work(selection).subquery("per_work")
    prefix = sa.func.left(per_work.c.ubigeo, level * 2)
    grouped = (sa.select(prefix.label("ubigeo"),
                         sa.func.sum(per_work.c.amount_at_risk).label("amount_at_risk"),
                         sa.func.count().label("works"),
                         sa.func.sum(per_work.c.alerts).label("alerts"))
               .group_by(prefix).subquery("grouped"))
    g = grouped.c
    return (sa.select(g.ubigeo, area.c.name, area.c.region_name,
                      sa.cast(g.amount_at_risk, sa.Float).label("amount_at_risk"),
                      g.works, sa.cast(g.alerts, sa.Integer).label("alerts"))
            .select_from(grouped.join(area, area.c.ubigeo == g.ubigeo))
            .where(g.amount_at_risk > 0)
            .order_by(g.amount_at_risk.desc(), g.ubigeo).limit(n))


def top_entities_stmt(selection: AlertSelection, n: int = TOP) -> sa.Select:
    """The `n` public entities with most amount at risk among the selected alerts."""
    per_work = _per_work(selection).subquery("per_work")
    p = per_work.c
    amount = sa.func.sum(p.amount_at_risk)
    return (sa.select(p.entity, sa.cast(amount, sa.Float).label("amount_at_risk"),
                      sa.func.count().label("works"),
                      sa.cast(sa.func.sum(p.alerts), sa.Integer).label("alerts"))
            .where(p.entity.is_not(None))
            .group_by(p.entity).having(amount > 0)
            .order_by(amount.desc(), p.entity).limit(n))


def top_areas(selection: AlertSelection, level: int, n: int = TOP) -> list[dict]:
    with db.read_engine().connect() as conn:
        return [dict(r) for r in conn.execute(top_areas_stmt(selection, level, n)).mappings()]


def top_entities(selection: AlertSelection, n: int = TOP) -> list[dict]:
    with db.read_engine().connect() as conn:
        return [dict(r) for r in conn.execute(top_entities_stmt(selection, n)).mappings()]


# -- the rules ---------------------------------------------------------------------------------
def rules_stmt() -> sa.Select:
    r = alert_rule.c
    return sa.select(r.code, r.name, r.severity, r.threshold, r.source, r.description)


def rules() -> list[dict]:
    """The rules as last applied (thresholds, sources), in the order of geodata.alert_rules."""
    with db.read_engine().connect() as conn:
        rows = [dict(r) for r in conn.execute(rules_stmt()).mappings()]
    return sorted(rows, key=lambda r: (_RULE_ORDER.get(r["code"], len(_RULE_ORDER)), r["code"]))


def last_run() -> dict | None:
    """The newest successful recompute: its cut-off date and when it finished."""
    stmt = (sa.select(load_run.c.source_date.label("as_of"), load_run.c.finished_at)
            .where(load_run.c.loader == LOADER, load_run.c.status == "ok")
            .order_by(load_run.c.id.desc()).limit(1))
    with db.read_engine().connect() as conn:
        row = conn.execute(stmt).mappings().first()
    return dict(row) if row else None


def summary_stmt(selection: AlertSelection) -> sa.Select:
    per_work = _per_work(selection, with_entity=False).subquery("per_work")
    p = per_work.c
    return sa.select(sa.cast(sa.func.coalesce(sa.func.sum(p.alerts), 0), sa.Integer)
                     .label("alerts"),
                     sa.func.count().label("works"),
                     sa.cast(sa.func.coalesce(sa.func.sum(p.amount_at_risk), 0), sa.Float)
                     .label("amount_at_risk"))


def summary(selection: AlertSelection) -> dict:
    """How many alerts, in how many works, and the amount at risk (each work once)."""
    with db.read_engine().connect() as conn:
        return dict(conn.execute(summary_stmt(selection)).mappings().one())
