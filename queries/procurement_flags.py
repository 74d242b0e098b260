"""Reading the procurement red flags (computed by geodata/procurement_flags.py): the flags of a
selection (rule, region) paged in the default order (most severe, then largest amount), their
counts per rule, what each rule could not evaluate, the fences the award rule used, and every
row for the CSV download and /api/v1/procurement-flags.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from geodata.procurement_rules import CODES, PROCUREMENT_SPECS
from queries import db
from queries.filters import FilterError

PAGE_SIZE = 25
MAX_PAGE_SIZE = 500
_REGION = re.compile(r"[0-9]{2}")
_RULE_ORDER = {spec["code"]: i for i, spec in enumerate(PROCUREMENT_SPECS)}

_meta = sa.MetaData()
procurement_flag = sa.Table(
    "procurement_flag", _meta,
    sa.Column("rule_code", sa.Text, primary_key=True),
    sa.Column("subject_kind", sa.Text, primary_key=True),
    sa.Column("subject_key", sa.Text, primary_key=True),
    sa.Column("process_id", sa.Text), sa.Column("severity", sa.Text),
    sa.Column("severity_rank", sa.SmallInteger), sa.Column("amount", sa.Numeric(16, 2)),
    sa.Column("evidence", JSONB), sa.Column("message", sa.Text), sa.Column("rule_name", sa.Text),
    sa.Column("nomenclature", sa.Text), sa.Column("procedure_type", sa.Text),
    sa.Column("object", sa.Text), sa.Column("source", sa.Text), sa.Column("entity_id", sa.Text),
    sa.Column("entity_name", sa.Text), sa.Column("region_ubigeo", sa.Text),
    sa.Column("ubigeo", sa.Text), sa.Column("works", ARRAY(sa.Text)),
    sa.Column("computed_at", sa.DateTime(timezone=True)),
)
coverage_table = sa.Table(
    "procurement_rule_coverage", _meta,
    sa.Column("rule_code", sa.Text, primary_key=True), sa.Column("source", sa.Text,
                                                                 primary_key=True),
    sa.Column("unit", sa.Text), sa.Column("evaluated", sa.Integer),
    sa.Column("not_evaluable", sa.Integer), sa.Column("reason", sa.Text),
)
fence_table = sa.Table(
    "procurement_fence", _meta,
    sa.Column("rule_code", sa.Text), sa.Column("procedure_type", sa.Text),
    sa.Column("object", sa.Text), sa.Column("items", sa.Integer),
    sa.Column("q1", sa.Float), sa.Column("median", sa.Float), sa.Column("q3", sa.Float),
    sa.Column("lower_fence", sa.Float), sa.Column("upper_fence", sa.Float),
    sa.Column("evaluated", sa.Boolean),
)
f = procurement_flag.c
COLUMNS = ("rule_code", "rule_name", "severity", "subject_kind", "subject_key", "process_id",
           "nomenclature", "procedure_type", "object", "source", "entity_name", "entity_id",
           "region_ubigeo", "ubigeo", "amount", "message", "works", "evidence", "computed_at")


@dataclass(frozen=True)
class FlagSelection:
    """Which flags: one rule (or all) and one region (or all of Peru)."""

    rule: str | None = None
    region: str | None = None

    @classmethod
    def from_query(cls, params: Mapping[str, Any]) -> FlagSelection:
        """Raise FilterError (Spanish message) on a bad value."""
        def get(name: str) -> str | None:
            value = params.get(name)
            value = value[0] if isinstance(value, list | tuple) and value else value
            return (str(value).strip() or None) if value else None

        rule, region = get("rule"), get("region")
        if rule is not None and rule not in CODES:
            raise FilterError(f"Regla de contratación desconocida: «{rule[:40]}».")
        if region is not None and not _REGION.fullmatch(region):
            raise FilterError(f"Región no válida: «{region[:10]}» (dos dígitos de ubigeo).")
        return cls(rule, region)

    def to_query(self) -> dict[str, str]:
        return {k: v for k, v in (("rule", self.rule), ("region", self.region)) if v}

    def conditions(self) -> list:
        out = []
        if self.rule:
            out.append(f.rule_code == self.rule)
        if self.region:
            out.append(f.region_ubigeo == self.region)
        return out


def flags_stmt(selection: FlagSelection) -> sa.Select:
    """The selection's flags in the default order, every column."""
    return (sa.select(*(f[name] for name in COLUMNS)).where(*selection.conditions())
            .order_by(f.severity_rank.desc(), f.amount.desc().nulls_last(), f.rule_code,
                      f.subject_key))


def flags_page(selection: FlagSelection, page: int = 0, size: int = PAGE_SIZE) -> dict:
    """One page of flags and the selection's total."""
    size = max(1, min(size, MAX_PAGE_SIZE))
    with db.read_engine().connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(procurement_flag)
                             .where(*selection.conditions())).scalar_one()
        rows = conn.execute(flags_stmt(selection).limit(size).offset(max(page, 0) * size))
        return {"total": total, "pages": max(1, -(-total // size)),
                "rows": [dict(r._mapping) for r in rows]}


def rule_counts(selection: FlagSelection) -> list[dict]:
    """Per rule: flags, distinct processes, works linked, amount at risk (the region applies;
    every rule is listed, with zero when it flagged nothing)."""
    where = [f.region_ubigeo == selection.region] if selection.region else []
    stmt = (sa.select(f.rule_code, sa.func.count().label("flags"),
                      sa.func.count(f.process_id.distinct()).label("processes"),
                      sa.func.count().filter(sa.func.cardinality(f.works) > 0)
                      .label("with_works"),
                      sa.func.sum(f.amount).label("amount"))
            .where(*where).group_by(f.rule_code))
    with db.read_engine().connect() as conn:
        found = {r.rule_code: dict(r._mapping) for r in conn.execute(stmt)}
    return [found.get(spec["code"], {"rule_code": spec["code"], "flags": 0, "processes": 0,
                                     "with_works": 0, "amount": None}) | {"name": spec["name"]}
            for spec in PROCUREMENT_SPECS]


def coverage() -> list[dict]:
    """What each rule evaluated and could not evaluate, per source, in the rules' order."""
    with db.read_engine().connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(sa.select(coverage_table))]
    return sorted(rows, key=lambda r: (_RULE_ORDER.get(r["rule_code"], 99), r["source"]))


def fences() -> list[dict]:
    """The fences the award rule used, largest groups first (those below the sample too)."""
    with db.read_engine().connect() as conn:
        return [dict(r._mapping) for r in conn.execute(
            sa.select(fence_table).order_by(fence_table.c["items"].desc(),
                                            fence_table.c.procedure_type,
                                            fence_table.c.object))]


def iter_flag_rows(selection: FlagSelection, chunk: int = 2000) -> Iterator[tuple]:
    """Every flag of the selection through a server-side cursor, evidence as JSON text."""
    stmt = flags_stmt(selection)
    by_name = {c.name: c for c in stmt.selected_columns}
    stmt = stmt.with_only_columns(*(
        sa.cast(by_name[n], sa.Text).label(n) if n in ("evidence", "works") else by_name[n]
        for n in COLUMNS), maintain_column_froms=True)
    with db.read_engine().connect() as conn:
        yield from conn.execution_options(stream_results=True, yield_per=chunk).execute(stmt)
