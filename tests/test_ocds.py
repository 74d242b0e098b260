"""The SEACE loader on OCDS 1.1 packages in the shape of OSCE's Contrataciones Abiertas
(hand-written fixtures in tests/data/ocds/): a release package compiled with ocdsmerge, a record
package (compiledRecord, or releases merged), JSON Lines (plain and gzipped), all into the same
procurement tables as CONOSCE, with source 'ocds'; reloading changes nothing."""

from __future__ import annotations

import gzip
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from geodata import seace

DATA = Path(__file__).parent / "data" / "ocds"
OCID = "ocds-dgv273-seacev3-9901"


def _rows(engine: sa.Engine, sql: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql))]


@pytest.fixture(scope="module")
def releases(national_areas: sa.Engine):
    return seace.load(DATA / "release_package.json", engine=national_areas, relink=False)


def test_release_package_compiled_into_the_tables(releases, national_areas):
    assert releases.rows_read == 5
    assert (releases.loaded, releases.quarantined, releases.duplicates) == (4, 0, 1)
    assert dict(releases.repeats) == {"release_repetida": 1}
    processes = _rows(national_areas, f"""
        SELECT id, source, entity_name, entity_ruc, region_ubigeo, nomenclature, procedure_type,
               object, reference_amount, currency, call_date, submission_date, cui
        FROM procurement_process WHERE id IN ('{OCID}01', '{OCID}02') ORDER BY id""")
    assert processes == [
        (f"{OCID}01", "ocds", "MUNICIPALIDAD DISTRITAL DE PRUEBA", "20999000011", "08",
         "AS-SM-7-2019-MDP-1", "Adjudicación Simplificada", "Obra", Decimal("1500000.00"),
         "PEN", date(2019, 3, 14), date(2019, 3, 28), "2456789"),    # not the SNIP 347066
        (f"{OCID}02", "ocds", "GOBIERNO REGIONAL DE PRUEBA SEDE CENTRAL", "20999000022", "17",
         "SIE-SIE-3-2019-GRP-1", "Subasta Inversa Electrónica", "Bien", Decimal("30000.50"),
         "PEN", None, None, None)]
    items = _rows(national_areas, f"""
        SELECT process_id, item_no, winner_ruc, awarded_amount, award_date, ubigeo
        FROM process_item WHERE process_id LIKE '{OCID}0_' ORDER BY 1, 2""")
    assert items == [
        (f"{OCID}01", 1, "20999000101", Decimal("1425000.00"), date(2019, 4, 2), "080301"),
        (f"{OCID}02", 1, None, None, None, None),
        (f"{OCID}02", 2, "20999000303", Decimal("9000.00"), date(2019, 5, 20), None)]
    bids = _rows(national_areas, f"""
        SELECT process_id, item_no, bidder_ruc, amount FROM bid
        WHERE process_id LIKE '{OCID}0_' ORDER BY 1, 2, 3""")
    assert bids == [(f"{OCID}01", 1, "20999000101", Decimal("1425000.00")),
                    (f"{OCID}01", 1, "20999000202", Decimal("1480000.00")),
                    (f"{OCID}02", 1, "20999000303", None)]


def test_contract_and_its_amendments(releases, national_areas):
    contract = _rows(national_areas, f"""
        SELECT process_id, supplier_ruc, number, signed_date, amount, amount_additional,
               amount_reduction, amount_extension, url, source
        FROM contract WHERE id = '{OCID}01/9901011'""")
    assert contract == [(f"{OCID}01", "20999000101", "CONTRATO N° 007-2019-MDP",
                         date(2019, 4, 15), Decimal("1425000.00"), Decimal("71250.25"),
                         Decimal("10000.00"), None,
                         "http://zonasegura.seace.gob.pe/documentos/contrato-990101.pdf",
                         "ocds")]
    suppliers = _rows(national_areas, "SELECT ruc, name FROM supplier WHERE ruc IN"
                      " ('20999000101', '20999000202', '20999000303') ORDER BY 1")
    assert [s[0] for s in suppliers] == ["20999000101", "20999000202", "20999000303"]


def test_reload_changes_nothing(releases, national_areas):
    again = seace.load(DATA / "release_package.json", engine=national_areas, relink=False)
    assert (again.loaded, again.updated, again.unchanged, again.duplicates) == (0, 0, 4, 1)


def test_record_package(national_areas):
    run = seace.load(DATA / "record_package.json", engine=national_areas, relink=False)
    assert (run.rows_read, run.loaded, run.quarantined) == (3, 2, 1)
    assert dict(run.reasons) == {"record_sin_releases": 1}
    got = _rows(national_areas, f"""
        SELECT id, reference_amount, cui, region_ubigeo, object FROM procurement_process
        WHERE id IN ('{OCID}03', '{OCID}04') ORDER BY 1""")
    assert got == [
        (f"{OCID}03", Decimal("250000.00"), "2567890", "08", "Servicio"),   # compiledRecord
        (f"{OCID}04", Decimal("2000000.00"), None, "17", "Obra")]   # the later release wins
    assert _rows(national_areas, f"SELECT amount, supplier_ruc FROM contract"
                 f" WHERE process_id = '{OCID}03'") == [(Decimal("240000.00"), "20999000404")]


@pytest.mark.parametrize("gzipped", [False, True])
def test_json_lines(national_areas, tmp_path, gzipped):
    path = DATA / "releases.jsonl"
    if gzipped:
        path = tmp_path / "releases.jsonl.gz"
        with (DATA / "releases.jsonl").open("rb") as src, gzip.open(path, "wb") as dst:
            shutil.copyfileobj(src, dst)
    run = seace.load(path, engine=national_areas, relink=False)
    assert run.rows_read == 5
    assert (run.loaded + run.unchanged, run.quarantined) == (2, 3)
    assert dict(run.reasons) == {"json_no_valido": 1, "sin_ocid": 1, "ocds_no_valido": 1}
    with national_areas.connect() as conn:
        reason = conn.execute(sa.text("SELECT reason FROM quarantine WHERE load_run_id = :i"
                                      " AND reason_code = 'ocds_no_valido'"), {"i": run.id})
        assert "no es un número: 'cien mil'" in reason.scalar_one()
    assert _rows(national_areas, f"""
        SELECT p.reference_amount, i.winner_ruc, i.awarded_amount FROM procurement_process p
        JOIN process_item i ON i.process_id = p.id WHERE p.id = '{OCID}06'""") == [
        (Decimal("45000.00"), "20999000505", Decimal("44000.00"))]
