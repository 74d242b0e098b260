"""The figures of the entity page (/entidad/<id>) computed ahead for every entity at once
(tables in sql/sources.sql), and knowing whether they are fresh.

A national programme's page merged its 4,000 CUIs through the view `investment`, summed its
alerts and joined its 3,000 contracts on every visit (300-600 ms). geodata.links.relink
calls `refresh(conn, "sources")` and geodata.alerts.recompute `refresh(conn, "alerts")`, each
of which refreshes part 'scores' too (queries.scores: the performance index and ranking);
queries.entities reads these tables only for the parts `fresh_parts` names, and the live
tables otherwise (a load with --sin-enlaces, hand edits): a page never shows stale numbers.
Each statement below sums every entity the way its live statement in queries.parties and
queries.entities sums one (tests/test_entities.py compares them).
"""

from __future__ import annotations

import sys
import time

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from queries import db
from queries import parties as p
from queries.source_tables import investment

PARTS = ("sources", "alerts", "scores")
# The columns of `investment` the page reads (a column the view gains is not copied).
_INVESTMENT = ("cui, name, status, sector, entity_id, entity_name, amount_viable, "
               "amount_updated, viability_date, region_ubigeo")

_meta = sa.MetaData()
entity_figures = sa.Table(
    "entity_figures", _meta, sa.Column("entity_id", sa.Text),
    *(sa.Column(name, sa.BigInteger) for name in ("processes", "contracts", "suppliers",
                                                   "reports", "persons_responsible")),
    *(sa.Column(name, sa.Numeric) for name in ("reference_amount", "contract_amount",
                                                "contract_additional", "contract_reduction")),
    sa.Column("process_ids", ARRAY(sa.Text)), sa.Column("contract_ids", ARRAY(sa.Text)))
entity_work_groups = sa.Table(
    "entity_work_groups", _meta, sa.Column("entity_id", sa.Text), sa.Column("status", sa.Text),
    sa.Column("start_year", sa.SmallInteger),
    *(sa.Column(name, sa.BigInteger) for name in ("works", "progress_n")),
    *(sa.Column(name, sa.Numeric) for name in ("investment", "accrued", "progress_sum")))
entity_investment = sa.Table("entity_investment", _meta,
                             *(sa.Column(name, investment.c[name].type)
                               for name in (*_INVESTMENT.split(", "), "sources")))
entity_investment_years = sa.Table(
    "entity_investment_years", _meta, sa.Column("entity_id", sa.Text),
    sa.Column("year", sa.Integer), sa.Column("investments", sa.BigInteger),
    *(sa.Column(name, sa.Numeric) for name in ("amount_viable", "amount_updated")))
entity_alerts = sa.Table(
    "entity_alerts", _meta, sa.Column("entity_id", sa.Text), sa.Column("kind", sa.Text),
    sa.Column("ord", sa.Integer), sa.Column("infobras_code", sa.BigInteger),
    *(sa.Column(name, sa.Text) for name in ("work_name", "rule_code", "rule_name", "severity",
                                             "message")),
    sa.Column("alerts", sa.BigInteger), sa.Column("amount_at_risk", sa.Numeric))

_SOURCES = (
    "TRUNCATE entity_figures, entity_work_groups, entity_investment, entity_investment_years",
    f"""
INSERT INTO entity_figures
SELECT e.id, coalesce(pp.processes, 0), pp.reference_amount, coalesce(c.contracts, 0),
       c.amount, c.additional, c.reduction, coalesce(c.suppliers, 0),
       coalesce(r.reports, 0), r.persons_responsible,
       coalesce(pp.ids, '{{}}'), coalesce(c.ids, '{{}}')
FROM entity e
LEFT JOIN (SELECT entity_id, count(*) AS processes, sum(reference_amount) AS reference_amount,
                  array_agg(id ORDER BY n) FILTER (WHERE n <= {p.LIST_LIMIT}) AS ids
           FROM (SELECT entity_id, id, reference_amount, row_number() OVER (
                     PARTITION BY entity_id ORDER BY call_date DESC NULLS LAST, id) AS n
                 FROM procurement_process WHERE entity_id IS NOT NULL) s
           GROUP BY entity_id) pp ON pp.entity_id = e.id
LEFT JOIN (SELECT entity_id, count(*) AS contracts, sum(amount) AS amount,
                  sum(amount_additional) AS additional, sum(amount_reduction) AS reduction,
                  count(DISTINCT supplier_ruc) AS suppliers,
                  array_agg(id ORDER BY n) FILTER (WHERE n <= {p.LIST_LIMIT}) AS ids
           FROM (SELECT p.entity_id, c.id, c.amount, c.amount_additional, c.amount_reduction,
                        c.supplier_ruc, row_number() OVER (PARTITION BY p.entity_id
                            ORDER BY c.signed_date DESC NULLS LAST, c.id) AS n
                 FROM contract c JOIN procurement_process p ON p.id = c.process_id
                 WHERE p.entity_id IS NOT NULL) s
           GROUP BY entity_id) c ON c.entity_id = e.id
LEFT JOIN (SELECT entity_id, count(*) AS reports,
                  sum(persons_responsible) AS persons_responsible
           FROM control_report WHERE entity_id IS NOT NULL GROUP BY entity_id
          ) r ON r.entity_id = e.id""",
    """
INSERT INTO entity_work_groups
SELECT entity_id, status, start_year, count(*), sum(amount_investment), sum(amount_accrued),
       sum(physical_progress), count(physical_progress)
FROM work WHERE entity_id IS NOT NULL
GROUP BY entity_id, status, start_year""",
    # A CUI only one source gives is that source's row as the view shows it; the view's
    # per-field precedence (5 s for 250k CUIs) merges only the CUIs several sources give.
    f"""
INSERT INTO entity_investment ({_INVESTMENT}, sources)
SELECT * FROM (
    SELECT {_INVESTMENT}, ARRAY[source]
    FROM investment_source s
    WHERE entity_id IS NOT NULL AND NOT EXISTS (
        SELECT FROM investment_source o WHERE o.cui = s.cui AND o.source <> s.source)
    UNION ALL
    SELECT {_INVESTMENT}, sources FROM investment
    WHERE cui = ANY (ARRAY(SELECT cui FROM investment_source GROUP BY cui HAVING count(*) > 1))
      AND entity_id IS NOT NULL) i
ORDER BY entity_id, coalesce(amount_updated, amount_viable) DESC NULLS LAST, cui""",
    # (in the order of its index: an entity's rows are neighbours on disk)
    """
INSERT INTO entity_investment_years
SELECT entity_id, CAST(EXTRACT(year FROM viability_date) AS integer), count(*),
       sum(amount_viable), sum(amount_updated)
FROM entity_investment GROUP BY 1, 2""",
    "ANALYZE entity_figures; ANALYZE entity_work_groups; ANALYZE entity_investment;"
    " ANALYZE entity_investment_years",
)

_ALERTS = (
    "TRUNCATE entity_alerts",
    f"""
INSERT INTO entity_alerts
WITH mine AS (
    SELECT w.entity_id, a.infobras_code, a.rule_code, a.severity, a.severity_rank,
           a.amount_at_risk, a.message, w.name AS work_name
    FROM alert a JOIN work w USING (infobras_code)
    WHERE a.state = 'alerta' AND w.entity_id IS NOT NULL),
top AS (
    SELECT *, row_number() OVER (PARTITION BY entity_id ORDER BY severity_rank DESC,
               amount_at_risk DESC NULLS LAST, infobras_code, rule_code) AS n
    FROM mine)
SELECT m.entity_id, 'rule', 0, NULL::bigint, NULL, m.rule_code, max(r.name), max(m.severity), NULL,
       count(*), sum(m.amount_at_risk)
FROM mine m LEFT JOIN alert_rule r ON r.code = m.rule_code
GROUP BY m.entity_id, m.rule_code
UNION ALL
SELECT entity_id, 'works', 0, NULL, NULL, NULL, NULL, NULL, NULL, count(*), sum(risk)
FROM (SELECT entity_id, max(amount_at_risk) AS risk FROM mine
      GROUP BY entity_id, infobras_code) w
GROUP BY entity_id
UNION ALL
SELECT t.entity_id, 'top', t.n, t.infobras_code, t.work_name, t.rule_code, r.name,
       t.severity, t.message, NULL, t.amount_at_risk
FROM top t LEFT JOIN alert_rule r ON r.code = t.rule_code
WHERE t.n <= {p.ALERTS_LIMIT}""",
    "ANALYZE entity_alerts",
)

_INSTALLED = sa.text("SELECT to_regclass('entity_figures_fresh') IS NOT NULL "
                     "AND to_regclass('entity_alerts') IS NOT NULL")
_FRESH = sa.text("SELECT c.part FROM entity_changes c JOIN entity_figures_fresh f "
                 "USING (part) WHERE f.n = c.n")


def installed(conn: sa.Connection) -> bool:
    return bool(conn.execute(_INSTALLED).scalar())


def refresh(conn: sa.Connection, part: str) -> None:
    """Recompute one part's tables for every entity, in the caller's transaction, and record
    the change count they reflect. A database migrated before the tables: nothing to do."""
    if part not in PARTS:
        raise ValueError(part)
    if not installed(conn):
        return
    driver = conn.connection.driver_connection
    if part == "scores":
        if not conn.execute(sa.text("SELECT to_regclass('entity_score') IS NOT NULL")).scalar():
            return
        from queries import scores  # it reads this module's freshness

        scores.refresh(conn)
    for statement in {"sources": _SOURCES, "alerts": _ALERTS}.get(part, ()):
        driver.execute(statement)
    driver.execute(
        "INSERT INTO entity_figures_fresh (part, n, refreshed_at) "
        "SELECT part, n, now() FROM entity_changes WHERE part = %s "
        "ON CONFLICT (part) DO UPDATE SET n = EXCLUDED.n, refreshed_at = EXCLUDED.refreshed_at",
        (part,))
    if part != "scores":   # the performance index reads the works and the alerts too
        refresh(conn, "scores")


_installed_in: set[str] = set()   # databases known to have the tables


def fresh_parts(conn: sa.Connection) -> frozenset[str]:
    """The parts whose tables reflect the last change to what they sum."""
    url = conn.engine.url.render_as_string(hide_password=True)
    if url not in _installed_in:
        if not installed(conn):
            return frozenset()
        _installed_in.add(url)
    return frozenset(conn.execute(_FRESH).scalars())


def main() -> int:
    """`python -m queries.entity_figures`: refresh the stale parts (after a load with
    --sin-enlaces, or edits by hand)."""
    try:
        with db.engine().begin() as conn:
            stale = [part for part in PARTS if part not in fresh_parts(conn)]
            started = time.perf_counter()
            for part in stale:
                if part not in fresh_parts(conn):   # 'scores' comes with the others
                    refresh(conn, part)
    except db.DatabaseUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if not stale:
        print("Cifras de las entidades al día: nada que recalcular.")
    else:
        print(f"Cifras de las entidades recalculadas ({', '.join(stale)}) en "
              f"{time.perf_counter() - started:.1f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
