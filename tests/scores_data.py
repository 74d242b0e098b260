"""Hand-made works around four entities for the performance-index tests: each component has a
work that moves it (on time, late, overdue, overrun, paralysed, stale record, missing fields,
citizen reports in every state), one entity below the minimum of works (two), a national one.
Inserted with SQL; geodata.links builds the entities and the alerts recompute (which
refreshes the index) runs at AS_OF.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from geodata import alerts as engine_alerts
from geodata import links

AS_OF = date(2026, 5, 31)
BASE = 9_930_000          # other test modules use other codes (see tests/parties_data.py)
TOKEN = "zzscore"
DISTRICTS = ("050103", "050102", "050105")   # Acos Vinchos, Acocro, Chiara (Ayacucho)
UNO = "Municipalidad Distrital Zzscore Uno"
DOS = "Municipalidad Distrital Zzscore Dos"
TRES = "Municipalidad Distrital Zzscore Tres"
NACIONAL = "Programa Nacional Zzscore"
UNO_ID = "05-municipalidad-distrital-zzscore-uno"
DOS_ID = "05-municipalidad-distrital-zzscore-dos"
TRES_ID = "05-municipalidad-distrital-zzscore-tres"
NACIONAL_ID = "programa-nacional-zzscore"
HASH = "a" * 64

OLD, RECENT = date(2025, 1, 1), date(2026, 5, 1)
# offset, entity, district, status, technical file, updated, start, programmed end,
# reprogrammed end, real end, last update, cui
WORKS = [
    (1, UNO, 0, "finalizada", 1_000_000, 1_000_000, date(2023, 1, 1), date(2023, 12, 1), None,
     date(2023, 11, 20), OLD, "1"),                                   # on time
    (2, UNO, 0, "finalizada", 1_000_000, 1_200_000, date(2023, 1, 1), date(2023, 6, 1),
     date(2023, 9, 1), date(2024, 2, 1), OLD, "1"),                   # late, overrun 20 %
    (3, UNO, 0, "en_ejecucion", 2_000_000, 2_000_000, date(2024, 1, 1), date(2025, 1, 1), None,
     None, OLD, "1"),                                                  # overdue, stale record
    (4, UNO, 0, "en_ejecucion", 500_000, 500_000, date(2025, 6, 1), date(2027, 1, 1), None,
     None, RECENT, "1"),                                               # not due yet
    (5, UNO, 0, "paralizada", 800_000, 900_000, date(2022, 1, 1), None, None, None, OLD, "1"),
    (6, UNO, 1, "sin_ejecucion", 300_000, None, None, None, None, None, None, None),
    (7, UNO, 0, "en_ejecucion", 400_000, 400_000, date(2025, 3, 1), None, None, None, RECENT,
     "1"),                                                             # no due date
    (11, DOS, 0, "finalizada", 3_000_000, 3_000_000, date(2022, 1, 1), date(2023, 1, 1), None,
     date(2022, 12, 1), OLD, "1"),
    (12, DOS, 0, "finalizada", 2_000_000, 2_100_000, date(2022, 1, 1), date(2023, 1, 1), None,
     date(2023, 1, 1), OLD, "1"),
    (13, DOS, 0, "finalizada", 1_000_000, 1_000_000, date(2022, 1, 1), date(2023, 1, 1), None,
     date(2022, 6, 1), OLD, "1"),
    (14, DOS, 0, "en_ejecucion", 1_000_000, 1_000_000, date(2025, 1, 1), date(2027, 1, 1),
     None, None, RECENT, "1"),
    (15, DOS, 0, "en_ejecucion", 1_000_000, 1_000_000, date(2025, 1, 1), date(2027, 1, 1),
     None, None, RECENT, "1"),
    (21, TRES, 2, "finalizada", 1_000_000, 1_000_000, date(2022, 1, 1), date(2023, 1, 1), None,
     date(2022, 12, 1), OLD, "1"),
    (22, TRES, 2, "en_ejecucion", 1_000_000, 1_000_000, date(2025, 1, 1), date(2027, 1, 1),
     None, None, RECENT, "1"),
    *[(30 + i, NACIONAL, i % 3, "en_ejecucion", 5_000_000, 6_000_000, date(2024, 1, 1),
       date(2025, 1, 1), None, None, RECENT, "1") for i in range(5)],
]
# offset of the work, status, moderation
REPORTS = [(3, "derivado", "aprobado"), (3, "recibido", "aprobado"), (4, "cerrado", "aprobado"),
           (4, "cerrado", "pendiente"), (5, "cerrado", "rechazado")]


def insert(engine: sa.Engine) -> None:
    """The rows above (replacing an earlier copy), the links and the alerts."""
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM citizen_report WHERE infobras_code BETWEEN :a AND :b"),
                     {"a": BASE, "b": BASE + 99})
        conn.execute(sa.text("DELETE FROM work WHERE infobras_code BETWEEN :a AND :b"),
                     {"a": BASE, "b": BASE + 99})
        rows = []
        for (offset, entity, district, status, file_amount, updated, start, programmed,
             reprogrammed, real, update, cui) in WORKS:
            rows.append({
                "infobras_code": BASE + offset, "name": f"Obra {TOKEN} {offset}",
                "ubigeo": DISTRICTS[district], "entity": entity,
                "government_level": "Gobierno Nacional" if entity == NACIONAL
                else "Gobierno Local", "modality": "Contrata", "status": status,
                "source": "prueba-indice", "source_date": AS_OF,
                "cui": None if cui is None else str(2_930_000 + offset),
                "geom_source": "surveyed" if offset % 2 else None,
                "amount_technical_file": file_amount, "amount_updated": updated,
                "physical_progress": None if status == "sin_ejecucion" else 50,
                "start_date": start, "programmed_end": programmed,
                "reprogrammed_end": reprogrammed, "real_end": real, "last_update": update,
                "last_progress_date": update, "contractor_ruc": "20999999931",
                "contractor_name": "CONSTRUCTORA ZZSCORE S.A.C.",
                "paralysis_date": date(2023, 1, 1) if status == "paralizada" else None})
        columns = list(rows[0])
        conn.execute(sa.text(f"INSERT INTO work ({', '.join(columns)}) VALUES "
                             f"({', '.join(':' + c for c in columns)})"), rows)
        conn.execute(sa.text(
            "INSERT INTO citizen_report (infobras_code, category, description, status, "
            "moderation, client_hash) VALUES (:code, 'otro', 'Reporte de prueba del índice', "
            ":status, :moderation, :hash)"),
            [{"code": BASE + o, "status": s, "moderation": m, "hash": HASH}
             for o, s, m in REPORTS])
        links.relink(conn)
    engine_alerts.recompute(engine, as_of=AS_OF)
