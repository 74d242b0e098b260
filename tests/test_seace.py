"""The SEACE loader on CONOSCE's CSV: the real file of Cusco and Madre de Dios (2019) against
an independent pandas computation from the raw gzip, to the cent, after the documented
de-duplication; the second load changes nothing; a small hand-made file with the defects
(broken lines, stray separators, shifted values, repeated rows); CUIs; the command line."""

from __future__ import annotations

import csv
import gzip
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from geodata import seace
from geodata.procurement import cuis_in
from geodata.runs import run_cli
from geodata.shared_data import shared_data_dir

REAL = shared_data_dir() / "seace" / "conosce_contrataciones_2019_cusco_madre_de_dios.csv.gz"
DEFECTS = Path(__file__).parent / "data" / "conosce_defectos.csv"
# INEI's department codes, written here so as not to use the product's lookup.
REGIONS = {"CUSCO": "08", "MADRE DE DIOS": "17", "PIURA": "20"}
CENT = Decimal("0.01")


def _cents(text: str) -> Decimal:
    return Decimal(text.replace(",", ".")).quantize(CENT, ROUND_HALF_UP) if text else Decimal(0)


def _raw_frame() -> pd.DataFrame:
    """The file's records as pandas reads them once a record broken over several lines (a line
    break inside a field: each piece is a short row) is put back together."""
    with gzip.open(REAL, "rt", encoding="utf-8", newline="") as f:
        lines = list(csv.reader(f))
    header, width = lines[0], len(lines[0])
    records, piece = [], None
    for cells in lines[1:]:
        if piece is None and len(cells) == width:
            records.append(cells)
            continue
        piece = cells if piece is None else piece[:-1] + [piece[-1] + "\n" + cells[0]] + cells[1:]
        if len(piece) == width:
            records.append(piece)
            piece = None
    assert piece is None
    return pd.DataFrame(records, columns=header)


@pytest.fixture(scope="module")
def expected() -> dict:
    """Per region: processes, works, reference amount, contracts, contract and additional
    amounts, distinct bidders, penalties, all computed here with pandas."""
    df = _raw_frame()
    df["item"] = df["n_item"].astype(int)
    first_item = df.sort_values("item").drop_duplicates("codigoconvocatoria")
    region = first_item.set_index("codigoconvocatoria")["departamento_item"].map(REGIONS)
    processes = df.drop_duplicates("codigoconvocatoria").assign(
        region=lambda d: d["codigoconvocatoria"].map(region))
    contracts = df[df["n_cod_contrato"] != ""].drop_duplicates("n_cod_contrato").assign(
        region=lambda d: d["codigoconvocatoria"].map(region))
    bidders = df[df["ruc_codigo_postor"] != ""].assign(
        region=lambda d: d["codigoconvocatoria"].map(region))
    contract_region = contracts.set_index("n_cod_contrato")["region"]
    penalties = df[df["idcontrato"].isin(contract_region.index)].assign(
        amount=lambda d: d["monto"].map(_cents))
    penalties = penalties.drop_duplicates(
        ["idcontrato", "tipopenalidad", "fechapenalidad", "descripcionmotivo", "amount"]).assign(
        region=lambda d: d["idcontrato"].map(contract_region))
    out = {}
    for code in sorted(set(region)):
        p = processes[processes.region == code]
        c = contracts[contracts.region == code]
        pen = penalties[penalties.region == code]
        out[code] = (len(p), int((p.objetocontractual == "Obra").sum()),
                     sum(map(_cents, p.montoreferencial), Decimal(0)), len(c),
                     sum(map(_cents, c.monto_contratado_total), Decimal(0)),
                     sum(map(_cents, c.monto_adicional), Decimal(0)),
                     bidders[bidders.region == code].ruc_codigo_postor.nunique(),
                     len(pen), sum(pen.amount, Decimal(0)))
    return {"regions": out, "records": len(df)}


@pytest.fixture(scope="module")
def loaded(national_areas: sa.Engine):
    if not REAL.exists():
        pytest.skip(f"falta el archivo real {REAL}")
    return seace.load(REAL, engine=national_areas, relink=False)


def _query(engine: sa.Engine, sql: str, **params) -> list:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).all()


def test_real_file_per_region_to_the_cent(loaded, expected, national_areas):
    rows = _query(national_areas, """
        WITH p AS (SELECT * FROM procurement_process WHERE source = 'conosce'
                   AND id LIKE 'seace-%' AND id NOT LIKE 'seace-99000%'),
             c AS (SELECT c.*, p.region_ubigeo FROM contract c JOIN p ON p.id = c.process_id),
             pen AS (SELECT k.*, c.region_ubigeo FROM contract_penalty k
                     JOIN c ON c.id = k.contract_id)
        SELECT r.region,
               (SELECT count(*) FROM p WHERE p.region_ubigeo = r.region),
               (SELECT count(*) FROM p WHERE p.region_ubigeo = r.region AND object = 'Obra'),
               (SELECT COALESCE(sum(reference_amount), 0) FROM p
                WHERE p.region_ubigeo = r.region),
               (SELECT count(*) FROM c WHERE c.region_ubigeo = r.region),
               (SELECT COALESCE(sum(amount), 0) FROM c WHERE c.region_ubigeo = r.region),
               (SELECT COALESCE(sum(amount_additional), 0) FROM c
                WHERE c.region_ubigeo = r.region),
               (SELECT count(DISTINCT b.bidder_ruc) FROM bid b JOIN p ON p.id = b.process_id
                WHERE p.region_ubigeo = r.region),
               (SELECT count(*) FROM pen WHERE pen.region_ubigeo = r.region),
               (SELECT COALESCE(sum(amount), 0) FROM pen WHERE pen.region_ubigeo = r.region)
        FROM (SELECT DISTINCT region_ubigeo AS region FROM p) r ORDER BY 1""")
    got = {r[0]: tuple(r[1:]) for r in rows}
    assert got == expected["regions"]
    assert set(got) == {"08", "17", "20"}            # Piura: the records that were broken
    assert sum(v[0] for v in got.values()) == 4816


def test_every_row_is_accounted_for(loaded, expected):
    assert loaded.rows_read == expected["records"] == 27523
    assert (loaded.loaded + loaded.updated + loaded.unchanged + loaded.quarantined
            + loaded.duplicates) == loaded.rows_read
    assert loaded.quarantined == 0                    # every broken record was repaired
    assert set(loaded.repeats) == {"fila_identica", "combinacion_repetida"}
    assert any(n.startswith("filas reparadas, unida de 2 líneas") for n in loaded.notes)


def test_penalties_of_other_contracts_kept_with_the_supplier(loaded, national_areas):
    """A penalty whose contract is not in the file (CONOSCE joins it by the supplier's RUC) is
    stored on the supplier's record, apart: count, suppliers and amount equal pandas."""
    df = _raw_frame()
    own = set(df.loc[df["n_cod_contrato"] != "", "n_cod_contrato"])
    pen = df[(df["idcontrato"] != "") & ~df["idcontrato"].isin(own)].assign(
        amount=lambda d: d["monto"].map(_cents))
    pen = pen.drop_duplicates(
        ["idcontrato", "tipopenalidad", "fechapenalidad", "descripcionmotivo", "amount"])
    pen = pen.assign(ruc=pen["ruc_proveedor"].where(pen["ruc_proveedor"] != "",
                                                    pen["ruc_contratista"]))
    pen = pen[pen["ruc"] != ""]
    refs = sorted(set(pen["idcontrato"]))
    rows = _query(national_areas, """
        SELECT count(*), count(DISTINCT ruc), COALESCE(sum(amount), 0) FROM supplier_penalty
        WHERE contract_ref = ANY(:refs)""", refs=refs)
    assert rows[0] == (len(pen), pen["ruc"].nunique(), sum(pen["amount"], Decimal(0)))
    assert len(pen) > 50                              # 78 in the real file
    assert not _query(national_areas, "SELECT 1 FROM supplier_penalty s JOIN contract c"
                      " ON c.id = s.contract_ref")  # never a contract of the file
    assert any("guardadas con el proveedor" in n for n in loaded.notes)


def test_cuis_in_works_processes(loaded, national_areas):
    import pandas as pd

    # The real file's processes only (other test modules load processes of their own).
    codes = pd.read_csv(REAL, dtype=str, usecols=["codigoconvocatoria"])["codigoconvocatoria"]
    got = dict(_query(national_areas, """
        SELECT object, array_agg(DISTINCT cui ORDER BY cui) FROM procurement_process
        WHERE source = 'conosce' AND cui IS NOT NULL AND id = ANY(:ids)
          AND object IN ('Obra', 'Consultoría de Obra') GROUP BY object""",
        ids=["seace-" + c for c in codes.dropna().unique()]))
    # Read from the descriptions by hand: the SNIP codes (347066, 344380, 334380, 243225,
    # 342595, 304788, 2347056, 2435955, ...) and Cusco's road codes (CU 116) are not CUIs.
    assert got["Obra"] == ["2251714", "2307932", "2311190"]
    assert got["Consultoría de Obra"] == ["2172424", "2239653", "2311190", "2320501",
                                          "2337573", "2343128", "2347990", "2380103",
                                          "2428507", "2466161"]


def test_second_load_changes_nothing(loaded, national_areas):
    again = seace.load(REAL, engine=national_areas, relink=False)
    assert (again.loaded, again.updated, again.quarantined) == (0, 0, 0)
    assert again.unchanged == loaded.loaded + loaded.updated + loaded.unchanged
    assert again.duplicates == loaded.duplicates


@pytest.mark.parametrize("text, cuis", [
    ("OBRA CON CUI 2234567", ["2234567"]),
    ("CÓDIGO ÚNICO DE INVERSIÓN N° 2234567", ["2234567"]),
    ("CAMINO VECINAL CU 2234567 TRAMO", ["2234567"]),
    ("C.U.I. N°2438359 Y OTRO", ["2438359"]),
    ("CODIGO SNIP 347066", []),
    ("CÓDIGO SNIP 2347056 CÓDIGO ÚNICO INVERSIONES 2343128.", ["2343128"]),
    ("EMP. CU 116 Y CU-130, CIRCUITO DE 25.888 KM", []),
])
def test_cui_rule(text, cuis):
    assert cuis_in(text) == cuis


def test_defects_repaired_or_quarantined(national_areas):
    run = seace.load(DEFECTS, engine=national_areas)       # with the links rebuilt
    assert run.rows_read == 10
    # The row whose only new record is a penalty of a contract not in the file loads it on
    # the supplier's record (supplier_penalty): a row loaded, not a repeat.
    assert (run.loaded, run.quarantined, run.duplicates) == (5, 4, 1)
    assert dict(run.repeats) == {"fila_identica": 1}
    assert dict(run.reasons) == {"valor_fuera_de_columna": 1, "fila_desplazada": 1,
                                 "fila_incompleta": 1, "falta_clave": 1}
    reasons = dict(_query(national_areas, """
        SELECT reason_code, reason FROM quarantine WHERE load_run_id = :id""", id=run.id))
    assert "departamento_item='313438'" in reasons["valor_fuera_de_columna"]
    assert "descripcion_proceso o proceso" in reasons["fila_desplazada"]
    assert "las líneas siguientes no la completan" in reasons["fila_incompleta"]
    assert reasons["falta_clave"] == "Falta la clave de la fila: n_item"
    processes = {r[0]: tuple(r[1:]) for r in _query(national_areas, """
        SELECT id, cui, region_ubigeo, reference_amount, description FROM procurement_process
        WHERE id LIKE 'seace-99000%'""")}
    assert set(processes) == {"seace-990001", "seace-990002", "seace-990003"}
    assert processes["seace-990001"][:3] == ("2234567", "08", Decimal("1000000.00"))
    assert processes["seace-990002"] == ("2345678", "17", Decimal("20000.00"),
                                         "ADQUISICIÓN DE CEMENTO PARA LA OBRA CON CÓDIGO ÚNICO "
                                         "DE INVERSIÓN N° 2345678")
    contract = _query(national_areas, """
        SELECT amount, amount_additional, end_date_updated, signed_date FROM contract
        WHERE id = '9900001'""")[0]
    assert contract == (Decimal("950000.00"), Decimal("47500.50"),
                        pd.Timestamp("2019-11-30").date(), pd.Timestamp("2019-04-15").date())
    assert _query(national_areas, "SELECT contract_id, amount, penalty_date FROM"
                  " contract_penalty WHERE contract_id IN ('9900001', '8800001')") == [
        ("9900001", Decimal("1101.28"), pd.Timestamp("2019-10-25").date())]
    items = _query(national_areas, """
        SELECT process_id, description, awarded_amount, ubigeo FROM process_item
        WHERE process_id LIKE 'seace-99000%' ORDER BY 1""")
    assert items[0][2:] == (Decimal("950000.00"), "080301")
    assert items[2][1] == "LIMPIEZA, DESINFECCIÓN"       # the stray separator, put back
    bidders = _query(national_areas, "SELECT bidder_ruc FROM bid WHERE process_id ="
                     " 'seace-990001' ORDER BY 1")
    assert bidders == [("20999000101",), ("20999000202",)]


def test_command_line_errors_in_spanish(tmp_path, capsys, national_areas):
    assert run_cli(seace.main, [str(tmp_path / "no-esta.csv")]) == 1
    assert "error: No existe el archivo" in capsys.readouterr().err
    other = tmp_path / "otra.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    assert run_cli(seace.main, [str(other)]) == 1
    assert "faltan columnas obligatorias de CONOSCE: codigoconvocatoria" in (
        capsys.readouterr().err)
    broken = tmp_path / "roto.json"
    broken.write_text('{"releases": [', encoding="utf-8")
    assert run_cli(seace.main, [str(broken)]) == 1
    assert "no es un JSON válido" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        run_cli(seace.main, [])
    assert exit_.value.code == 2
    assert "faltan argumentos obligatorios: ARCHIVO" in capsys.readouterr().err
