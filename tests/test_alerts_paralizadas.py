"""The paralysed rule on the real file of 1,151 paralysed or at-risk works (May 2026) against
the file's own `paralizada_ult_6_meses` flag.

The file carries, per work, `sin_avance_fisico`: the months, up to the file's date, since
physical progress last rose in the authors' monthly series (INFObras and Invierte.pe). Its flag
is 1 exactly where that count is 6 or more. The loader turns the count into the month progress
last rose (`last_physical_advance`), the evidence the rule prefers after a monthly history of
its own, and the rule judges each work at its source's date (31/05/2026). So the rule and the
file must agree on every work; a disagreement would be a bug, listed by the assertion.

Before the loader read that column the rule fell back on the paralysis date and the date of the
last registered report, and agreed on only 731 of 1,151 works (63.5 %): a last *report* is not
the last *progress*, and the longest interruption is not always the current one.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from geodata import alerts, paralizadas
from tests.conftest import PARALIZADAS_CSV

pytestmark = pytest.mark.db

MONTHS = 6


@pytest.fixture(scope="module")
def compared(national_areas):
    """One row per work of the file: the file's flag and months, our result and evidence."""
    if not PARALIZADAS_CSV.exists():
        pytest.skip(f"falta el archivo real {PARALIZADAS_CSV}")
    paralizadas.load(PARALIZADAS_CSV, engine=national_areas)
    alerts.recompute(national_areas)
    with national_areas.connect() as conn:
        rows = conn.execute(sa.text("""
            SELECT w.infobras_code, w.status, w.physical_progress,
                   (w.extra->>'paralizada_ult_6_meses')::int = 1 AS file_flag,
                   (w.extra->>'sin_avance_fisico')::int AS file_months,
                   a.state, a.evidence->>'base' AS base,
                   (a.evidence->>'meses_sin_avance')::int AS our_months,
                   a.evidence->>'fecha_corte' AS cut
            FROM work w
            LEFT JOIN alert a ON a.infobras_code = w.infobras_code
                              AND a.rule_code = 'paralizada'
            WHERE w.source = 'paralizadas' AND w.extra ? 'paralizada_ult_6_meses'
            """)).mappings().all()
    return [dict(r) | {"ours": r["state"] == "alerta"} for r in rows]


def test_the_rule_agrees_with_the_files_flag_on_every_work(compared):
    assert len(compared) == 1151
    flagged = [r for r in compared if r["file_flag"]]
    assert len(flagged) == 727
    disagree = [r for r in compared if r["ours"] != r["file_flag"]]
    assert disagree == []


def test_the_evidence_is_the_sources_months_at_its_own_date(compared):
    """Even when a later load moves the run's cut-off, these works are judged at May 2026."""
    ours = [r for r in compared if r["ours"]]
    assert {r["base"] for r in ours} == {"avance_fuente"}
    assert {r["cut"] for r in ours} == {"2026-05-31"}
    assert all(r["our_months"] == r["file_months"] >= MONTHS for r in ours)
    quiet = [r for r in compared if not r["ours"]]
    assert all(r["file_months"] < MONTHS for r in quiet)
