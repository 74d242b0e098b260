"""Hand-made works for the alerts tests: defaults that trip no rule, a RUC with its check
digit, and one INSERT for works and their monthly history (real PostGIS, no loader)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import sqlalchemy as sa

AS_OF = date(2026, 5, 31)

# A work in execution in Lima, run by the entity itself, reporting this month, with nothing
# that trips a rule (rules that lack data still say "no calculable").
DEFAULTS = {
    "ubigeo": "150101", "status": "en_ejecucion", "modality": "Administración directa",
    "entity": "Municipalidad de prueba", "source": "prueba-alertas", "source_date": AS_OF,
    "amount_updated": 1_000_000, "amount_accrued": 400_000, "amount_technical_file": None,
    "amount_contract": None, "amount_additional": None, "physical_progress": 40,
    "financial_progress": 40, "approval_date": None, "start_date": date(2025, 1, 1),
    "programmed_end": None, "reprogrammed_end": None, "real_end": None,
    "last_progress_date": date(2026, 5, 10), "last_update": date(2026, 5, 10),
    "paralysis_date": None, "contractor_ruc": None, "contractor_name": None,
    "supervisor_name": None, "supervisor_ruc": None, "geom": None, "geom_source": None,
    "coords_ubigeo": None, "location_mismatch": False,
}


def ruc(body: str) -> str:
    """A valid RUC: the 10 given digits plus SUNAT's check digit."""
    total = sum(int(d) * w for d, w in zip(body, (5, 4, 3, 2, 7, 6, 5, 4, 3, 2), strict=True))
    return body + str((11 - total % 11) % 10)


def insert_works(conn: sa.Connection, codes: Mapping[str, int], cases: Mapping[str, dict],
                 token: str, history: Mapping[str, Mapping[date, float]] | None = None) -> None:
    """Replace the works `codes` (name -> INFObras code) with DEFAULTS + their case; each
    name carries `token` so Filters(q=token) selects exactly them."""
    conn.execute(sa.text("DELETE FROM work WHERE infobras_code = ANY(:c)"),
                 {"c": list(codes.values())})
    rows = []
    for name, case in cases.items():
        row = {**DEFAULTS, **case, "infobras_code": codes[name], "name": f"Obra {token} {name}"}
        point = row["geom"]
        row["geom"] = f"SRID=4326;POINT({point[0]} {point[1]})" if point else None
        rows.append(row)
    columns = list(rows[0])
    values = ", ".join(f"CAST(:{c} AS geometry)" if c == "geom" else f":{c}" for c in columns)
    conn.execute(sa.text(f"INSERT INTO work ({', '.join(columns)}) VALUES ({values})"), rows)
    points = [{"c": codes[n], "m": m, "p": p} for n, months in (history or {}).items()
              for m, p in months.items()]
    if points:
        conn.execute(sa.text("INSERT INTO work_progress (infobras_code, month, physical_real)"
                             " VALUES (:c, :m, :p)"), points)
