"""Rows of the joined sources around one real work of the paralysed-works file, written with SQL
(the MEF, SEACE and CGR loaders' tables): an investment whose updated cost disagrees with the
work's, two processes (works and consultancy) with bidders, a contract with an additional, a
reduction, a penalty and a sanctioned supplier, and two control reports (one through the
entity, one a name-similarity candidate)."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from geodata import links

CUI_ONLY = "9990001"          # an investment with no INFObras work
MEF_COST = Decimal("4321987.65")
CONTRACT = Decimal("3500000.00")
CONSULTANCY = Decimal("120000.00")
BIDDERS = [("20100000001", "Constructora Andina S.A.C."), ("20100000002", "Obras del Sur E.I.R.L."),
           ("20100000003", "Consorcio <b>Vial</b>")]
WINNER = BIDDERS[0][0]
PROCESS, CONSULTING = "seace-test-1", "seace-test-2"
REPORT_ENTITY, REPORT_CANDIDATE = "TEST-CGR-1", "TEST-CGR-2"


def insert(conn: sa.Connection, work: dict) -> None:
    """The rows around `work` (infobras_code, cui, entity, ubigeo); links rebuilt."""
    cui, region, code = work["cui"], work["ubigeo"][:2], work["infobras_code"]
    other = "150101" if work["ubigeo"] != "150101" else "150102"
    run = conn.execute(sa.text(
        "INSERT INTO load_run (loader, source, status, rows_read, loaded, finished_at) "
        "VALUES ('test', 'work_sources_data', 'ok', 0, 0, now()) RETURNING id")).scalar()
    conn.execute(sa.text("""
        INSERT INTO investment_source (cui, source, source_date, name, status, entity_name,
            region_ubigeo, amount_viable, amount_updated, viability_date, load_run_id)
        VALUES (:cui, 'mef_banco', '2024-12-31', 'Mejoramiento (prueba)', 'CERRADO', :entity,
                :region, 4000000.00, :cost, '2019-05-02', :run),
               (:cui, 'ssi_ejecucion', '2019-08-05', 'Mejoramiento (SSI)', NULL, NULL,
                :region, NULL, 4100000.00, NULL, :run),
               (:only, 'mef_banco', '2024-12-31', 'Inversión sin obra', 'ACTIVO', :entity,
                :region, 800000.00, 900000.00, '2020-01-15', :run)"""),
        {"cui": cui, "only": CUI_ONLY, "entity": work["entity"], "region": region,
         "cost": MEF_COST, "run": run})
    conn.execute(sa.text("""
        INSERT INTO investment_place (cui, source, seq, ubigeo, department, province, district)
        VALUES (:cui, 'mef_banco', 1, :other, 'LIMA', 'LIMA', 'OTRO'),
               (:only, 'mef_banco', 1, :ubigeo, NULL, NULL, NULL)"""),
        {"cui": cui, "only": CUI_ONLY, "other": other, "ubigeo": work["ubigeo"]})
    conn.execute(sa.text("""
        INSERT INTO supplier (ruc, name, source) VALUES
        (:r1, :n1, 'conosce'), (:r2, :n2, 'conosce'), (:r3, :n3, 'conosce')"""),
        {f"r{i}": r for i, (r, _) in enumerate(BIDDERS, 1)}
        | {f"n{i}": n for i, (_, n) in enumerate(BIDDERS, 1)})
    conn.execute(sa.text("""
        INSERT INTO supplier_sanction (ruc, key, kind, start_date, end_date, reason, authority,
                                       source)
        VALUES (:ruc, 'res-1', 'inhabilitacion', '2020-01-01', '2021-01-01',
                'Presentar información inexacta', 'Tribunal de Contrataciones', 'conosce')"""),
        {"ruc": WINNER})
    conn.execute(sa.text("""
        INSERT INTO procurement_process (id, source, source_date, entity_name, region_ubigeo,
            nomenclature, description, procedure_type, object, reference_amount, currency,
            call_date, cui)
        VALUES (:p, 'conosce', '2022-01-08', :entity, :region, 'LP-SM-1-2019-TEST/CS-1',
                'Ejecución de la obra, CUI ' || :cui, 'Licitación Pública', 'Obra',
                3600000.00, 'Soles', '2019-03-01', :cui),
               (:c, 'conosce', '2022-01-08', :entity, :region, 'AS-SM-2-2019-TEST/CS-1',
                'Supervisión de la obra, CUI ' || :cui, 'Adjudicación Simplificada',
                'Consultoría de Obra', 130000.00, 'Soles', '2019-04-01', :cui)"""),
        {"p": PROCESS, "c": CONSULTING, "entity": work["entity"], "region": region, "cui": cui})
    conn.execute(sa.text("""
        INSERT INTO process_item (process_id, item_no, description, status, reference_amount,
                                  awarded_amount, winner_ruc, award_date)
        VALUES (:p, 1, 'Obra', 'Adjudicado', 3600000.00, :amount, :w, '2019-04-10'),
               (:c, 1, 'Supervisión', 'Adjudicado', 130000.00, :cons, :r2, '2019-05-10')"""),
        {"p": PROCESS, "c": CONSULTING, "amount": CONTRACT, "cons": CONSULTANCY, "w": WINNER,
         "r2": BIDDERS[1][0]})
    conn.execute(sa.text("INSERT INTO bid (process_id, item_no, bidder_ruc, bidder_name) "
                         "VALUES (:p, 1, :r, :n)"),
                 [{"p": PROCESS, "r": r, "n": n} for r, n in BIDDERS]
                 + [{"p": CONSULTING, "r": BIDDERS[1][0], "n": BIDDERS[1][1]}])
    conn.execute(sa.text("""
        INSERT INTO contract (id, process_id, item_no, supplier_ruc, number, signed_date,
            amount, amount_additional, amount_reduction, amount_extension, currency, url,
            source, source_date)
        VALUES ('k-1', :p, 1, :w, 'CONTRATO 001-2019', '2019-04-20', :amount, 250000.00,
                10000.00, 0, 'Soles', 'https://prodapp2.seace.gob.pe/contrato/k-1.pdf',
                'conosce', '2022-01-08'),
               ('k-2', :c, 1, :r2, 'CONTRATO 002-2019', '2019-05-20', :cons, NULL, NULL,
                NULL, 'Soles', NULL, 'conosce', '2022-01-08')"""),
        {"p": PROCESS, "c": CONSULTING, "w": WINNER, "r2": BIDDERS[1][0],
         "amount": CONTRACT, "cons": CONSULTANCY})
    conn.execute(sa.text("""
        INSERT INTO contract_penalty (contract_id, key, kind, penalty_date, reason, amount)
        VALUES ('k-1', 'p-1', 'Por mora', '2020-02-01', 'Retraso en la entrega', 35000.00)"""))
    conn.execute(sa.text("""
        INSERT INTO control_report (id, number, region_ubigeo, entity_name, title,
            persons_responsible, issued_date, pdf_url, source, source_date)
        VALUES (:a, '001-2021-2-0001', :region, :entity, 'Ejecución de la obra <script>x</script>',
                3, '2021-06-30', 'https://s3.amazonaws.com/spic-informes/a.pdf', 'cgr',
                '2022-12-31'),
               (:b, '002-2021-2-0002', '15', 'Otra entidad', 'Adquisición de bienes',
                0, '2021-07-31', 'https://s3.amazonaws.com/spic-informes/b.pdf', 'cgr',
                '2022-12-31')"""),
        {"a": REPORT_ENTITY, "b": REPORT_CANDIDATE, "region": region, "entity": work["entity"]})
    links.relink(conn)
    conn.execute(sa.text("""
        INSERT INTO source_link VALUES ('control_report', :b, 'work', :code, 'nombre_similar',
               0.55, 'El título se parece al nombre de la obra')"""),
        {"b": REPORT_CANDIDATE, "code": str(code)})


def remove(conn: sa.Connection, cui: str) -> None:
    conn.execute(sa.text("DELETE FROM control_report WHERE id IN (:a, :b)"),
                 {"a": REPORT_ENTITY, "b": REPORT_CANDIDATE})
    conn.execute(sa.text("DELETE FROM procurement_process WHERE id IN (:p, :c)"),
                 {"p": PROCESS, "c": CONSULTING})
    conn.execute(sa.text("DELETE FROM supplier_sanction WHERE key = 'res-1'"))
    conn.execute(sa.text("DELETE FROM supplier WHERE ruc = ANY(:r)"),
                 {"r": [r for r, _ in BIDDERS]})
    conn.execute(sa.text("DELETE FROM investment_source WHERE cui IN (:cui, :only)"),
                 {"cui": cui, "only": CUI_ONLY})
    links.relink(conn)

