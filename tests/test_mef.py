"""The MEF loader (geodata.mef) against the real files in ../shared/data/mef/, compared with an
independent pandas reading of each raw file, plus hand-written variants of files not seen
before (semicolons, Latin-1, BOM, leading-zero CUIs, bad rows), on a real PostGIS."""

from __future__ import annotations

import re
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from geodata import links, mef
from geodata.runs import run_cli
from geodata.shared_data import shared_data_dir

MEF_DIR = shared_data_dir() / "mef"
BANCO = {"07": "banco_inversiones_callao.xlsx", "24": "banco_inversiones_tumbes.xlsx",
         "18": "banco_inversiones_moquegua.xlsx"}
LISTA = "ssi_lista_ejecucion_2019_cusco_madre_de_dios.csv"
FORMATO8 = "ssi_formato8_2019_cusco_madre_de_dios.csv"
SSI_REGIONS = {"cusco": "08", "madredios": "17", "madre de dios": "17"}
CUI = "Código único de inversión"
CENT = Decimal("0.01")

pytestmark = pytest.mark.skipif(not (MEF_DIR / LISTA).exists(),
                                reason="sin ../shared/data/mef (datos reales)")


def _cents(values: pd.Series) -> Decimal:
    """Sum to the cent, each value rounded half up first (as money is stored; the export has
    a few half cents, 538128.305)."""
    return sum((Decimal(repr(float(v))).quantize(CENT, ROUND_HALF_UP) for v in values.dropna()),
               Decimal(0))


def _soles(values: pd.Series) -> Decimal:
    """'S/. 20,652,795.00' -> summed Decimal."""
    return sum((Decimal(v.replace("S/.", "").replace(",", "").strip()) for v in values
                if v.strip()), Decimal(0))


def _balanced(run) -> None:
    assert run.rows_read == (run.loaded + run.updated + run.unchanged + run.quarantined
                             + run.duplicates)


def _all(engine: sa.Engine, sql: str, **params) -> list[sa.Row]:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).all()


def _one(engine: sa.Engine, sql: str, **params) -> sa.Row:
    (row,) = _all(engine, sql, **params)
    return row


def _totals(engine: sa.Engine, source: str, cuis: list[str], region: str | None = None
            ) -> tuple[int, Decimal, Decimal]:
    """Investments of these CUIs (in that region, if given) and their amounts."""
    count, viable, updated = _one(
        engine, "SELECT count(*), sum(amount_viable), sum(amount_updated) FROM investment_source"
        " WHERE source = :s AND cui = ANY(:c) AND (CAST(:r AS text) IS NULL"
        " OR region_ubigeo = :r)", s=source, c=cuis, r=region)
    return count, viable or Decimal(0), updated or Decimal(0)


@pytest.fixture(scope="module")
def runs(national_areas: sa.Engine) -> dict[str, object]:
    """Every real file loaded once, in the order `make load` would; links rebuilt last."""
    names = [*BANCO.values(), LISTA, FORMATO8]
    return {name: mef.load(MEF_DIR / name, engine=national_areas,
                           relink=name == names[-1]) for name in names}


@pytest.mark.parametrize("region", sorted(BANCO))
def test_banco_real_file_matches_pandas(runs, national_areas, region):
    name = BANCO[region]
    df = pd.read_excel(MEF_DIR / name, engine="calamine")
    valid = df[df[CUI].notna()].assign(cui=lambda d: d[CUI].astype("int64").astype(str))
    first = valid.drop_duplicates("cui")
    run = runs[name]
    _balanced(run)
    assert run.reasons == Counter({"cui_faltante": int(df[CUI].isna().sum())})
    assert run.loaded + run.updated + run.unchanged == len(first)
    assert run.duplicates == len(valid) - len(first)
    cuis = first["cui"].tolist()
    count, viable, updated = _totals(national_areas, "mef_banco", cuis)
    (places,) = _one(national_areas, "SELECT count(*) FROM investment_place WHERE source ="
                     " 'mef_banco' AND cui = ANY(:c) AND left(ubigeo, 2) = :r", c=cuis, r=region)
    assert count == len(first)
    assert viable == _cents(first["Monto viable"])
    assert updated == _cents(first["Costo actualizado"])
    assert places == len(valid.drop_duplicates(["cui", "Ubigeo"]))


def test_banco_places_keep_the_ubigeo_and_its_level(runs, national_areas):
    """70102 is 070102; 180200 ('- TODOS -') is the province 1802; one CUI, many districts."""
    line2 = [r.ubigeo for r in _all(
        national_areas, "SELECT ubigeo FROM investment_place WHERE cui = '2233850'"
        " AND source = 'mef_banco' ORDER BY seq")]
    (province,) = _one(national_areas, "SELECT count(*) FROM investment_place WHERE source ="
                       " 'mef_banco' AND ubigeo = '1802' AND district IS NULL")
    row = _one(national_areas, "SELECT region_ubigeo, entity_name, executor, sector,"
               " amount_viable, viability_date FROM investment_source WHERE cui = '2233850'"
               " AND source = 'mef_banco'")
    assert line2[:2] == ["070101", "070102"] and len(line2) == len(set(line2)) > 2
    assert province > 0
    assert row.region_ubigeo == "07"
    assert row.entity_name == "MINISTERIO DE TRANSPORTES Y COMUNICACIONES - MTC"
    assert row.executor.startswith("MTC- AUTORIDAD AUTONOMA")
    assert row.sector == "Transportes y Comunicaciones"
    assert row.amount_viable == Decimal("16624580757.00")
    assert row.viability_date.isoformat() == "2013-08-09"


def test_ssi_lista_matches_pandas_per_region(runs, national_areas):
    df = pd.read_csv(MEF_DIR / LISTA, dtype=str, keep_default_na=False)
    run = runs[LISTA]
    _balanced(run)
    assert run.quarantined == 0 and run.duplicates == 0 and run.rows_read == len(df)
    for name, rows in df.groupby("region"):
        count, viable, updated = _totals(national_areas, "ssi_ejecucion", rows["cui"].tolist(),
                                         SSI_REGIONS[name])
        assert count == rows["cui"].nunique() == len(rows)
        assert viable == _soles(rows["monto_inversion"])
        assert updated == _soles(rows["monto_actualizado"])
    (modified,) = _one(national_areas, "SELECT last_modified FROM investment_source"
                       " WHERE cui = '2018058' AND source = 'ssi_ejecucion'")
    assert modified.isoformat() == "2019-08-05"   # "05/08/2019 04:02:50 p.m."


def test_ssi_formato8_one_investment_per_cui_and_its_places(runs, national_areas):
    df = pd.read_csv(MEF_DIR / FORMATO8, dtype=str, keep_default_na=False)
    run = runs[FORMATO8]
    _balanced(run)
    assert run.quarantined == 0
    assert run.loaded + run.updated + run.unchanged == df["cui"].nunique()
    # A location is a row whose department is one; points are "lat / lon" numbers.
    located = df[df["departamento"].isin(["CUSCO", "MADRE DE DIOS"])].drop_duplicates(
        ["cui", "departamento", "provincia", "distrito", "centro_poblado", "gps"])
    points = located["gps"].str.fullmatch(r"-?\d+\.\d+ / -?\d+\.\d+")
    for name, rows in df.drop_duplicates("cui").groupby("region"):
        count, _, _ = _totals(national_areas, "ssi_formato8", rows["cui"].tolist(),
                              SSI_REGIONS[name])
        assert count == len(rows)
    places, with_point, in_district = _one(
        national_areas, "SELECT count(*), count(geom), count(*) FILTER (WHERE length(ubigeo) = 6)"
        " FROM investment_place WHERE source = 'ssi_formato8' AND cui = ANY(:c)",
        c=df["cui"].unique().tolist())
    manu = _one(national_areas, "SELECT s.entity_name, s.extra->>'uep_codigo', p.ubigeo,"
                " round(ST_Y(p.geom)::numeric, 4) FROM investment_source s"
                " JOIN investment_place p USING (cui, source)"
                " WHERE s.cui = '2235404' AND s.source = 'ssi_formato8'")
    (missing_entity,) = _one(national_areas, "SELECT count(*) FROM investment_source"
                             " WHERE source = 'ssi_formato8' AND entity_name IS NULL")
    assert places == len(located) and with_point == int(points.sum())
    assert in_district > 0.9 * places
    assert manu == ("GOB.REG. MADRE DEDIOS - SUB REGION MANU", "1392", "170202",
                    Decimal("-11.7457"))
    assert missing_entity == 0


def test_same_file_again_changes_nothing_whatever_the_order(runs, national_areas):
    """Callao again, after Tumbes and Moquegua (46 CUIs are in two regions' files): all
    unchanged, places too."""
    again = mef.load(MEF_DIR / BANCO["07"], engine=national_areas, relink=False)
    first = runs[BANCO["07"]]
    assert (again.loaded, again.updated) == (0, 0)
    assert again.unchanged == first.loaded + first.updated + first.unchanged
    assert again.reasons == first.reasons and again.repeats == first.repeats
    assert any(n.startswith("lugares: 0 nuevos, 0 actualizados") for n in again.notes)


def test_links_rebuilt_after_the_load(runs, national_areas):
    sources = {r[0] for r in _all(national_areas, "SELECT DISTINCT unnest(sources) FROM entity")}
    assert {"mef_banco", "ssi_formato8"} <= sources


BANCO_HEADER = ("CÓDIGO ÚNICO DE INVERSIÓN;NOMBRE DE LA INVERSIÓN;MONTO VIABLE;ESTADO DE LA "
                "INVERSIÓN;SECTOR;ENTIDAD;EJECUTORA;FECHA DE REGISTRO;FECHA DE VIABILIDAD;"
                "COSTO ACTUALIZADO;BENEFICIARIOS;DEPARTAMENTO;PROVINCIA;DISTRITO;UBIGEO;"
                "OBSERVACIÓN")
PERLA = ("MUNICIPALIDAD DISTRITAL DE LA PERLA;MUNICIPALIDAD DISTRITAL DE LA PERLA;"
         "14/11/2012;09/08/2013")
CALLAO = "CALLAO;PROVINCIA CONSTITUCIONAL DEL CALLAO"
BANCO_ROWS = [
    f"0009900001;PISTAS DE AÑO NUEVO;S/. 1.234.567,89;ACTIVO;GOBIERNOS LOCALES;{PERLA};"
    f"S/. 1.300.000,00;1500;{CALLAO};LA PERLA;70104;ñandú",
    f"0009900001;PISTAS DE AÑO NUEVO;S/. 1.234.567,89;ACTIVO;GOBIERNOS LOCALES;{PERLA};"
    f"S/. 1.300.000,00;1500;{CALLAO};BELLAVISTA;70102;",
    ";;;;;;;;;;;;;;;",
    f"9900001;PISTAS DE AÑO NUEVO;S/. 1.234.567,89;ACTIVO;GOBIERNOS LOCALES;{PERLA};"
    f"S/. 1.300.000,00;1500;{CALLAO};LA PERLA;70104;",
    f"9900001;PISTAS DE AÑO NUEVO;999,00;ACTIVO;GOBIERNOS LOCALES;{PERLA};"
    f"S/. 1.300.000,00;1500;{CALLAO};LA PUNTA;70105;",
    f"9900002;VEREDAS;-5;ACTIVO;GOBIERNOS LOCALES;{PERLA};10;1;{CALLAO};LA PERLA;70104;",
    "9900003;VEREDAS;10;ACTIVO;GOBIERNOS LOCALES;X;X;31/02/2020;01/03/2020;10;1;"
    f"{CALLAO};LA PERLA;70104;",
    f"9900004;VEREDAS;10;ACTIVO;GOBIERNOS LOCALES;{PERLA};10;1;{CALLAO};NO EXISTE;999999;",
    f"ABC;VEREDAS;10;ACTIVO;GOBIERNOS LOCALES;{PERLA};10;1;{CALLAO};LA PERLA;70104;",
    f"9900005;PARQUE;20;CERRADO;GOBIERNOS LOCALES;{PERLA};0;;{CALLAO};BELLAVISTA;;",
]


@pytest.fixture
def banco_latin1(tmp_path: Path) -> Path:
    path = tmp_path / "banco_variante.csv"
    path.write_bytes(("\n".join([BANCO_HEADER, *BANCO_ROWS]) + "\n").encode("latin-1"))
    return path


def test_unseen_banco_csv_semicolons_latin1_leading_zeros(national_areas, banco_latin1):
    run = mef.load(banco_latin1, engine=national_areas, relink=False)
    _balanced(run)
    assert run.rows_read == len(BANCO_ROWS) - 1   # the blank row is no row
    assert run.reasons == Counter({"cui_en_conflicto": 1, "monto_negativo": 1,
                                   "fecha_invalida": 1, "ubigeo_desconocido": 1,
                                   "cui_invalido": 1})
    assert run.repeats == Counter({"cui_por_distrito": 1, "fila_repetida": 1})
    assert run.loaded == 2
    first = _one(national_areas, "SELECT amount_viable, amount_updated, name,"
                 " extra->>'OBSERVACIÓN' FROM investment_source WHERE cui = '9900001'")
    park = _one(national_areas, "SELECT amount_updated, extra->>'costo_actualizado_en_cero',"
                " region_ubigeo FROM investment_source WHERE cui = '9900005'")
    places = _all(national_areas, "SELECT cui, ubigeo FROM investment_place"
                  " WHERE cui IN ('9900001', '9900005') ORDER BY cui, seq")
    (conflict,) = _one(national_areas, "SELECT reason FROM quarantine WHERE load_run_id = :r"
                       " AND reason_code = 'cui_en_conflicto'", r=run.id)
    assert first == (Decimal("1234567.89"), Decimal("1300000.00"), "PISTAS DE AÑO NUEVO", "ñandú")
    assert park == (None, "true", "07")
    assert places == [("9900001", "070102"), ("9900001", "070104"), ("9900005", "070102")]
    assert "S/ 1,234,567.89" in conflict and "S/ 999.00" in conflict


def test_unseen_ssi_files_bom_commas_and_bad_points(national_areas, tmp_path):
    lista = tmp_path / "lista.csv"
    lista.write_text(
        "REGIÓN,CUI,NOMBRE_PIP,MONTO_INVERSION,MONTO_ACTUALIZADO,FECHA_ULTIMAMODIFICACION\n"
        'Madre de Dios,09900010,"OBRA, CON COMA","S/. 1,000.50",2000,01/02/2020 10:00:00 a.m.\n'
        "\n"
        "Atlántida,9900011,OBRA,1,1,\n", encoding="utf-8-sig")
    run = mef.load(lista, engine=national_areas, relink=False)
    _balanced(run)
    assert run.loaded == 1 and run.reasons == Counter({"region_desconocida": 1})
    formato8 = tmp_path / "f8.csv"
    head = ("region,cui,nombre_pip,funcion,sector_responsable,uei,uep,gps,departamento,provincia,"
            "distrito,centro_poblado,\n")
    base = 'cusco,9900020,"PUENTE\n  DE DOS LINEAS",TRANSPORTE,TRANSPORTES Y COMUNICACIONES,-,'
    formato8.write_text(head + "".join([
        base + '"300751 - MUNICIPALIDAD DISTRITAL DE MARANURA",-12.9 / -72.6,CUSCO,LA CONVENCION,'
        'MARANURA,MARANURA,cusco\n',
        base + '"300751 - MUNICIPALIDAD DISTRITAL DE MARANURA",-12.9 / -72.6,CUSCO,LA CONVENCION,'
        "MARANURA,MARANURA,\n",
        base + '"300751 - MUNICIPALIDAD DISTRITAL DE MARANURA",40.4 / -3.7,CUSCO,LA CONVENCION,'
        "MARANURA,OTRO,\n",
        base + '"300751 - MUNICIPALIDAD DISTRITAL DE MARANURA",cerca del río,CUSCO,LA CONVENCION,'
        "MARANURA,RIO,\n",
        base + '"300751 - MUNICIPALIDAD DISTRITAL DE MARANURA",-72.6 / -12.9,CUSCO,LA CONVENCION,'
        "MARANURA,AL REVES,\n",
    ]), encoding="latin-1")
    run = mef.load(formato8, engine=national_areas, relink=False)
    _balanced(run)
    assert (run.loaded, run.quarantined) == (1, 0)
    assert run.repeats == Counter({"cui_por_ubicacion": 3, "fila_repetida": 1})
    row = _one(national_areas, "SELECT name, entity_name, region_ubigeo, extra"
               " FROM investment_source WHERE cui = '9900020'")
    places = _all(national_areas, "SELECT locality, ubigeo, geom IS NOT NULL"
                  " FROM investment_place WHERE cui = '9900020' ORDER BY seq")
    madre = _one(national_areas, "SELECT region_ubigeo, amount_viable FROM investment_source"
                 " WHERE cui = '9900010'")
    assert madre == ("17", Decimal("1000.50"))
    assert row.name == "PUENTE DE DOS LINEAS"
    assert (row.entity_name, row.region_ubigeo) == ("MUNICIPALIDAD DISTRITAL DE MARANURA", "08")
    assert [d["gps"] for d in row.extra["puntos_descartados"]] == ["40.4 / -3.7", "cerca del río"]
    assert row.extra["coordenadas_invertidas"] == ["-72.6 / -12.9"]
    assert places == [("MARANURA", "080904", True), ("OTRO", "080904", False),
                      ("RIO", "080904", False), ("AL REVES", "080904", True)]


def test_failing_load_leaves_the_database_as_it_was(national_areas, banco_latin1, monkeypatch):
    def broken(conn: sa.Connection) -> None:
        raise RuntimeError("enlaces rotos")

    before = _snapshot(national_areas)
    banco_latin1.write_bytes(banco_latin1.read_bytes().replace(b"9900005", b"9900099"))
    monkeypatch.setattr(links, "relink", broken)
    with pytest.raises(RuntimeError, match="enlaces rotos"):
        mef.load(banco_latin1, engine=national_areas)
    assert _snapshot(national_areas) == before
    assert _one(national_areas, "SELECT status, message FROM load_run ORDER BY id DESC"
                " LIMIT 1") == ("failed", "enlaces rotos")


def _snapshot(engine: sa.Engine) -> tuple:
    return _one(engine, "SELECT (SELECT array_agg((cui, source, amount_viable, extra)::text"
                " ORDER BY cui, source) FROM investment_source),"
                " (SELECT array_agg((cui, source, seq, ubigeo)::text ORDER BY cui, source, seq)"
                " FROM investment_place), (SELECT count(*) FROM quarantine)")


def test_cli_errors_are_one_spanish_line(national_areas, tmp_path, capsys):
    assert run_cli(mef.main, [str(tmp_path / "no_esta.xlsx")]) == 1
    err = capsys.readouterr().err
    assert err.strip() == f"error: No existe el archivo: {tmp_path / 'no_esta.xlsx'}"
    other = tmp_path / "otro.csv"
    other.write_text("codigo,monto,lugar\n1,2,3\n", encoding="utf-8")
    assert run_cli(mef.main, [str(other)]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "no es un archivo del MEF conocido" in err
    for needs in ("Banco de Inversiones", "Código único de inversión", "lista de ejecución",
                  "monto_inversion", "Formato 8", "gps"):
        assert needs in err


def test_cli_loads_several_files_and_prints_summaries(national_areas, banco_latin1, tmp_path,
                                                      capsys):
    lista = tmp_path / "lista.csv"
    lista.write_text("region;cui;nombre_pip;monto_inversion;monto_actualizado\n"
                     "cusco;9900030;OBRA;S/. 5.00;S/. 6.00\n", encoding="utf-8")
    assert run_cli(mef.main, ["--sin-enlaces", str(banco_latin1), str(lista)]) == 0
    out = capsys.readouterr().out
    assert out.count("[mef]") == 2 and "cuarentena cui_en_conflicto: 1" in out
    assert re.search(r"filas leídas: 1\s+cargadas: 1", out)


def test_places_the_file_no_longer_has_are_removed(national_areas, tmp_path):
    """A district dropped from a newer export goes; a district of another region's file
    stays (Banco), and the investment keeps the region most of its districts are in."""
    path = tmp_path / "banco.csv"
    row = (f"9900040;MURO;10;ACTIVO;GOBIERNOS LOCALES;{PERLA};10;1;"
           "{department};{province};{district};{ubigeo};")
    callao = [row.format(department="CALLAO", province="CALLAO", district=d, ubigeo=u)
              for d, u in (("LA PERLA", 70104), ("BELLAVISTA", 70102), ("LA PUNTA", 70105))]
    tumbes = row.format(department="TUMBES", province="TUMBES", district="TUMBES", ubigeo=240101)
    for lines in ([tumbes], callao, callao[:1]):
        path.write_text("\n".join([BANCO_HEADER, *lines]) + "\n", encoding="utf-8")
        run = mef.load(path, engine=national_areas, relink=False)
        _balanced(run)
        places = [r.ubigeo for r in _all(national_areas, "SELECT ubigeo FROM investment_place"
                                         " WHERE cui = '9900040' ORDER BY seq")]
        (region,) = _one(national_areas, "SELECT region_ubigeo FROM investment_source"
                         " WHERE cui = '9900040'")
    assert places == ["070104", "240101"]
    assert region == "07"   # a tie (one district each): the lower code
    assert any("2 retirados" in n for n in run.notes)


def test_unseen_xlsx_with_a_title_row_and_text_codes(national_areas, tmp_path):
    """An xlsx whose header is two rows down, CUI and Ubigeo written as text with their zeros,
    a half cent and an amount written "S/. 200.00"."""
    path = tmp_path / "banco.xlsx"
    header = BANCO_HEADER.split(";")
    cells = ["0009900050", "LOSA", 100.005, "ACTIVO", "SALUD", "MINISTERIO DE SALUD", "MINSA",
             "01/02/2020", "01/03/2020", "S/. 200.00", 7, "TUMBES", "TUMBES", "TUMBES",
             "240101", "x"]
    pd.DataFrame([cells], columns=header).to_excel(path, startrow=2, index=False)
    run = mef.load(path, engine=national_areas, relink=False)
    _balanced(run)
    assert (run.loaded, run.quarantined) == (1, 0)
    assert _one(national_areas, "SELECT amount_viable, amount_updated, region_ubigeo, sector"
                " FROM investment_source WHERE cui = '9900050'") == (
        Decimal("100.01"), Decimal("200.00"), "24", "Salud")


def test_investment_page_figures_equal_the_raw_banco_rows(runs, national_areas):
    """/inversion/<cui> (queries.investments.investment_detail) for the CUIs that span several
    districts (in one regional export or several) and a sample of the others: name, viable
    and updated amounts to the cent and the districts equal the raw exports read with pandas
    (one row per CUI and district)."""
    from queries.investments import investment_detail

    raw = pd.concat([pd.read_excel(MEF_DIR / name, dtype={"Ubigeo": str})
                     for name in BANCO.values()])   # a national CUI is in several files
    raw = raw[raw[CUI].notna()]
    raw["cui"] = raw[CUI].map(lambda v: str(int(v)))
    rows = raw.groupby("cui")
    several = [cui for cui, g in rows if g["Ubigeo"].nunique() > 1]
    sample = several[:25] + sorted(set(raw["cui"]) - set(several))[:25]
    assert len(several) >= 5
    for cui in sample:
        g = rows.get_group(cui)
        first = g.iloc[0]                # a repeated district repeats the same amounts
        assert g["Monto viable"].nunique(dropna=False) == 1
        page = investment_detail(cui)
        assert page is not None, cui
        inv = page["investment"]
        assert inv["name"] == " ".join(str(first["Nombre de la inversión"]).split()), cui
        assert inv["amount_viable"] == _cents(pd.Series([first["Monto viable"]])), cui
        assert inv["amount_updated"] == _cents(pd.Series([first["Costo actualizado"]])), cui
        # INEI's zeros name a whole department (070000) or province (070100).
        districts = {re.sub(r"(00)+$", "", u.zfill(6)) for u in g["Ubigeo"].dropna()}
        banco = {p["ubigeo"] for p in inv["places"] if p["source"] == "mef_banco"}
        assert banco == districts, cui
