"""Hand-made rows of every source around two entities and two contractors, for the entity and
contractor tests: works (INFObras), investments (MEF, one CUI in two sources and two
districts), processes with items, bids, contracts and penalties (SEACE), suppliers with a
sanction, control reports (CGR). Inserted with SQL, then geodata.links builds the entities.

Amounts are chosen so that a double count shows: the CUI in two sources and two places
counts once; a contract with two penalties counts once.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from geodata import alerts as engine_alerts
from geodata import links
from queries.explorer_views import refresh_views

AS_OF = date(2026, 5, 31)
BASE = 9_745_000   # other tests use 9_700_000, 9_710_000, 9_720_000, 9_760_001 and up
CUSCO = "080101"
MUNI = "Municipalidad Provincial Zzentidad del Cusco"
MUNI_ID = "08-municipalidad-provincial-zzentidad-del-cusco"
REGION = "Gobierno Regional Zzentidad de Madre de Dios"
REGION_ID = "gobierno-regional-zzentidad-de-madre-de-dios"
HOMONYM_ID = "15-municipalidad-provincial-zzentidad-del-cusco"   # never loaded: an unknown entity
BUILDER = "20999999901"          # a contractor in INFObras and SEACE, sanctioned
BIDDER = "20999999902"           # bids, loses once and wins once
INFOBRAS_ONLY = "20999999903"    # a contractor only INFObras names
TOKEN = "zzentidad"

WORKS = [  # code offset, status, amount_updated, accrued, progress, start year, entity, ruc
    (1, "en_ejecucion", 1_000_000.10, 400_000.05, 40.0, 2023, MUNI, BUILDER),
    (2, "paralizada", 2_500_000.20, 2_600_000.00, 20.0, 2022, MUNI, BUILDER),
    (3, "finalizada", 300_000.30, 300_000.30, 100.0, 2022, MUNI, INFOBRAS_ONLY),
    (4, "sin_ejecucion", None, None, None, None, MUNI, None),
    (5, "en_ejecucion", 7_000_000.00, 1_000_000.00, 10.0, 2024, REGION, BUILDER),
]


def work_rows(capital: tuple[float, float]) -> list[dict]:
    lon, lat = capital
    rows = []
    for offset, status, updated, accrued, progress, year, entity, ruc in WORKS:
        region = "170101" if entity == REGION else CUSCO
        rows.append({
            "infobras_code": BASE + offset, "name": f"Obra {TOKEN} {offset} puente",
            "ubigeo": region, "entity": entity,
            "government_level": "Gobierno Regional" if entity == REGION else "Gobierno Local",
            "modality": "Contrata", "status": status, "source": "prueba-entidades",
            "source_date": AS_OF, "cui": str(2_400_000 + offset),
            "geom": f"SRID=4326;POINT({lon + offset / 100} {lat})" if offset != 4 else None,
            "geom_source": "surveyed" if offset != 4 else None,
            "amount_updated": updated, "amount_accrued": accrued,
            "physical_progress": progress, "financial_progress": progress,
            "start_date": date(year, 3, 1) if year else None,
            "last_progress_date": date(2026, 5, 1), "last_update": date(2026, 5, 1),
            "contractor_ruc": ruc,
            "contractor_name": {BUILDER: "CONSTRUCTORA ANDINA S.A.C.",
                                INFOBRAS_ONLY: "INGENIEROS DEL SUR E.I.R.L."}.get(ruc or ""),
            "extra": "{}"})
    return rows


INVESTMENTS = [  # cui, source, entity, region, viable, updated, viability date
    ("2400001", "mef_banco", MUNI, "08", 900_000.00, 1_000_000.10, date(2021, 5, 3)),
    ("2400001", "ssi_ejecucion", MUNI, "08", 880_000.00, 990_000.00, None),
    ("2400002", "mef_banco", MUNI, "08", 2_000_000.00, 2_500_000.20, date(2020, 1, 9)),
    ("2400009", "ssi_formato8", MUNI, "08", 150_000.55, None, None),
    ("2400005", "mef_banco", REGION, "17", 6_500_000.00, 7_000_000.00, date(2023, 7, 1)),
]
PLACES = [("2400001", "mef_banco", 1, CUSCO), ("2400001", "mef_banco", 2, "080102")]

PROCESSES = [  # id, entity, region, nomenclature, object, reference, call date, cui
    ("zzent-1", MUNI, "08", "LP-SM-1-2023-MPC/CS-1", "Obra", 1_100_000.00, date(2023, 2, 1),
     "2400001"),
    ("zzent-2", MUNI, "08", "AS-SM-2-2023-MPC/CS-1", "Obra", 400_000.00, date(2023, 6, 1), None),
    ("zzent-3", REGION, "17", "LP-SM-3-2024-GOREMAD/CS-1", "Obra", 7_200_000.00,
     date(2024, 1, 15), "2400005"),
]
ITEMS = [("zzent-1", 1, BUILDER), ("zzent-2", 1, BIDDER), ("zzent-3", 1, BUILDER)]
BIDS = [("zzent-1", 1, BUILDER, "CONSTRUCTORA ANDINA S.A.C."),
        ("zzent-1", 1, BIDDER, "OBRAS Y CAMINOS S.R.L."),
        ("zzent-2", 1, BIDDER, "OBRAS Y CAMINOS S.R.L."),
        ("zzent-3", 1, BUILDER, "CONSTRUCTORA ANDINA S.A.C.")]
CONTRACTS = [  # id, process, supplier, amount, additional, reduction, signed
    ("zzent-c-1", "zzent-1", BUILDER, 1_050_000.45, 100_000.00, 0.00, date(2023, 3, 1)),
    ("zzent-c-2", "zzent-2", BIDDER, 395_000.10, None, None, date(2023, 7, 1)),
    ("zzent-c-3", "zzent-3", BUILDER, 7_100_000.00, 0.00, 50_000.00, date(2024, 2, 1)),
]
PENALTIES = [("zzent-c-1", "p1", "Mora", date(2023, 9, 1), "Retraso", 5_000.25),
             ("zzent-c-1", "p2", "Otra", date(2023, 10, 1), "Incumplimiento", 1_000.00)]
SUPPLIERS = [(BUILDER, "CONSTRUCTORA ANDINA S.A.C.", "Persona Jurídica"),
             (BIDDER, "OBRAS Y CAMINOS S.R.L.", "Persona Jurídica")]
SANCTIONS = [(BUILDER, "s1", "inhabilitacion", date(2024, 5, 1), date(2025, 5, 1),
              "RES-123-2024-TCE", "Presentar información inexacta", "Tribunal de Contrataciones")]
REPORTS = [  # id, number, entity, region, title, persons, issued, pdf
    ("2099CPO000100001", "001-2023-2-0001", MUNI, "08", "EJECUCIÓN DE LA OBRA PUENTE", 3,
     date(2023, 11, 2), "https://example.org/informes/2023CPO000100001.pdf"),
    ("2099CPO000100002", "002-2024-2-0001", MUNI, "08", "ADQUISICIÓN DE MATERIALES", 0,
     date(2024, 4, 20), "https://example.org/informes/2024CPO000100002.pdf"),
    ("2099CPO000100003", "003-2024-2-0002", REGION, "17", "SUPERVISIÓN DE OBRA", 5,
     date(2024, 8, 30), "https://example.org/informes/2024CPO000100003.pdf"),
]


def _insert(conn: sa.Connection, table: str, names: str, rows: list[tuple]) -> None:
    columns = [n.strip() for n in names.split(",")]
    marks = ", ".join(f":{c}" for c in columns)
    conn.execute(sa.text(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"),
                 [dict(zip(columns, row, strict=True)) for row in rows])


def insert(engine: sa.Engine) -> None:
    """Every row above (replacing an earlier copy), the links, the explorer's derived
    tables and the alerts."""
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM work WHERE infobras_code BETWEEN :a AND :b"),
                     {"a": BASE, "b": BASE + 99})
        mine = {"rucs": [BUILDER, BIDDER, INFOBRAS_ONLY]}
        for statement in ("DELETE FROM investment_source WHERE cui LIKE '24000__'",
                          "DELETE FROM procurement_process WHERE id LIKE 'zzent-%'",
                          "DELETE FROM control_report WHERE id LIKE '2099%'",
                          "DELETE FROM supplier_sanction WHERE ruc = ANY(:rucs)",
                          "DELETE FROM supplier WHERE ruc = ANY(:rucs)"):
            conn.execute(sa.text(statement), mine)
        capital = tuple(conn.execute(sa.text(
            "SELECT ST_X(capital_point), ST_Y(capital_point) FROM area WHERE ubigeo = :u"),
            {"u": CUSCO}).one())
        rows = work_rows(capital)
        columns = list(rows[0])
        values = ", ".join("CAST(:geom AS geometry)" if c == "geom" else
                           "CAST(:extra AS jsonb)" if c == "extra" else f":{c}"
                           for c in columns)
        conn.execute(sa.text(f"INSERT INTO work ({', '.join(columns)}) VALUES ({values})"), rows)
        _insert(conn, "investment_source", "cui, source, entity_name, region_ubigeo, "
                "amount_viable, amount_updated, viability_date", INVESTMENTS)
        conn.execute(sa.text("UPDATE investment_source SET name = 'Inversión ' || cui "
                             "WHERE cui LIKE '24000__'"))
        _insert(conn, "investment_place", "cui, source, seq, ubigeo", PLACES)
        _insert(conn, "procurement_process", "id, entity_name, region_ubigeo, nomenclature, "
                "object, reference_amount, call_date, cui, source, description",
                [(*row, "conosce", f"Proceso {row[3]}") for row in PROCESSES])
        _insert(conn, "process_item", "process_id, item_no, winner_ruc", ITEMS)
        _insert(conn, "bid", "process_id, item_no, bidder_ruc, bidder_name", BIDS)
        _insert(conn, "supplier", "ruc, name, kind, source",
                [(*row, "conosce") for row in SUPPLIERS])
        _insert(conn, "supplier_sanction", "ruc, key, kind, start_date, end_date, resolution, "
                "reason, authority, source", [(*row, "conosce") for row in SANCTIONS])
        _insert(conn, "contract", "id, process_id, supplier_ruc, amount, amount_additional, "
                "amount_reduction, signed_date, number, url, source",
                [(*row, f"N.° {row[0]}", f"https://example.org/contratos/{row[0]}.pdf",
                  "conosce") for row in CONTRACTS])
        _insert(conn, "contract_penalty", "contract_id, key, kind, penalty_date, reason, amount",
                PENALTIES)
        _insert(conn, "control_report", "id, number, entity_name, region_ubigeo, title, "
                "persons_responsible, issued_date, pdf_url, source",
                [(*row, "cgr") for row in REPORTS])
        links.relink(conn)
    with engine.begin() as conn:
        refresh_views(conn)
    engine_alerts.recompute(engine, as_of=AS_OF)

