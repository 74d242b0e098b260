"""CGR control reports: the real register file (2,994 reports) against an independent pandas
reading of it; a small file in another dress (Latin-1, semicolons, spaced headers, an extra
column) with a row for every quarantine reason; the command line's errors; and the links from
reports to the works of the real paralysed-works file."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from unidecode import unidecode

from geodata import cgr, links, paralizadas
from geodata.runs import run_cli
from tests.conftest import PARALIZADAS_CSV, SHARED

CGR_CSV = SHARED / "cgr" / "informes_control_2019_2022.csv"
if not CGR_CSV.exists():
    pytest.skip(f"falta el archivo real {CGR_CSV}", allow_module_level=True)

# The register's region names -> INEI region code, written out by hand (not the loader's lookup).
REGIONS = {"AMAZONAS": "01", "ANCASH": "02", "APURIMAC": "03", "AREQUIPA": "04",
           "AYACUCHO": "05", "CAJAMARCA": "06", "P. C. DEL CALLAO": "07", "CUSCO": "08",
           "HUANCAVELICA": "09", "HUANUCO": "10", "ICA": "11", "JUNIN": "12",
           "LA LIBERTAD": "13", "LAMBAYEQUE": "14", "LIMA": "15", "LORETO": "16",
           "MADRE DE DIOS": "17", "MOQUEGUA": "18", "PASCO": "19", "PIURA": "20", "PUNO": "21",
           "SAN MARTIN": "22", "TACNA": "23", "TUMBES": "24", "UCAYALI": "25"}

# Reports whose title names a work of the same entity, each read and confirmed by hand (the
# shared words in the comment); every other same-entity pair was read too and names another
# work or none (the nearest: FONDEPES's Marcona landing stage vs its Atico one).
NAMED = {
    ("2019CPO296100089", "84252"),    # infraestructura deportiva Golpapuquio (Oyón)
    ("2019CPOL43000134", "105461"),   # saneamiento de los caseríos Positos, Tranca Sasape...
    ("2021CPO162000001", "94263"),    # disposición sanitaria La Punta (Callao)
    ("2022CPO037300002", "90797"),    # agua potable y saneamiento de San Juan de Licupis
    ("2022CPO062400001", "79524"),    # LT 66kV Los Héroes - Zofratacna
}


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", unidecode(text).lower())


def _entity(name: str, region: str) -> str:
    """The entity key as documented: folded name; a municipality also by its region."""
    key = "-".join(_words(name))
    return f"{region}-{key}" if key.startswith("municipalidad") else key


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    frame = pd.read_csv(CGR_CSV, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    frame["id"] = frame["informe"].str.split().str[-1]
    frame["region"] = frame["región"].map(REGIONS)
    frame["entity"] = [_entity(n, r) for n, r in zip(frame["entidad"], frame["region"],
                                                      strict=True)]
    return frame


@pytest.fixture(scope="module")
def loaded(national_areas: sa.Engine, raw: pd.DataFrame):
    run = cgr.load(CGR_CSV, engine=national_areas, relink=False)
    yield run
    with national_areas.begin() as conn:
        conn.execute(sa.text("DELETE FROM control_report WHERE id = ANY(:ids)"),
                     {"ids": list(raw["id"])})


def _rows(engine: sa.Engine, sql: str, ids: list[str]) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "WITH r AS (SELECT * FROM control_report WHERE id = ANY(:ids)) " + sql),
            {"ids": ids})]


def test_every_row_is_accounted_for(loaded, raw):
    assert loaded.rows_read == len(raw) == 2994
    assert loaded.loaded + loaded.updated + loaded.unchanged == 2994
    assert (loaded.quarantined, loaded.duplicates) == (0, 0)
    assert raw["region"].notna().all() and raw["id"].is_unique


def test_reports_and_persons_per_region(loaded, raw, national_areas):
    expected = raw.assign(persons=raw["npersonasconpresuntarespons"].astype(int)).groupby(
        "region").agg(reports=("id", "size"), persons=("persons", "sum"))
    got = _rows(national_areas, "SELECT region_ubigeo, count(*), sum(persons_responsible) "
                                "FROM r GROUP BY 1 ORDER BY 1", list(raw["id"]))
    assert got == [(region, row.reports, row.persons) for region, row in expected.iterrows()]
    assert len(got) == 25 and dict((g[0], g[1]) for g in got)["15"] == 929


def test_entities_dates_and_links(loaded, raw, national_areas):
    (entities, keys, links_ok, summaries_ok, issued_2021, latest), = _rows(national_areas, """
        SELECT count(DISTINCT entity_name), count(DISTINCT entity_id),
               count(*) FILTER (WHERE pdf_url LIKE 'https://%'),
               count(*) FILTER (WHERE summary_url LIKE 'https://%'),
               count(*) FILTER (WHERE extract(year FROM issued_date) = 2021),
               max(source_date) FROM r""", list(raw["id"]))
    assert entities == raw["entidad"].nunique() == 1039
    assert keys == raw["entity"].nunique() == 1039
    assert links_ok == summaries_ok == 2994
    issued = pd.to_datetime(raw["fechaemisión"], format="%d/%m/%Y")
    published = pd.to_datetime(raw["fechapublicación"], format="%d/%m/%Y")
    assert issued_2021 == (issued.dt.year == 2021).sum()
    assert latest == published.max().date()
    pdf, = _rows(national_areas, "SELECT pdf_url FROM r WHERE id = '2019CPO032800032'",
                 list(raw["id"]))
    assert pdf[0] == raw.loc[raw["id"] == "2019CPO032800032", "informe"].item().split()[0]


def test_reload_changes_nothing(loaded, raw, national_areas):
    again = cgr.load(CGR_CSV, engine=national_areas, relink=False)
    assert (again.loaded, again.updated, again.unchanged) == (0, 0, 2994)
    assert _rows(national_areas, "SELECT count(*) FROM r", list(raw["id"])) == [(2994,)]


HEADER = ["Región", "Tipo de servicio", "N° de informe", "Entidad", "Título del informe",
          "Nº personas con presunta responsabilidad", "Fecha emisión", "Fecha de publicación",
          "Informe", "Ficha resumen", "Observación"]
URL = "https://s3.amazonaws.com/spic-informes-publicados/informes/2020/01/{}_ADJUNTO.pdf {}"
SUMMARY = "https://s3.amazonaws.com/spic-informes-publicados/resumen/2020/01/{}.pdf"


def _row(region="LIMA METROPOLITANA", number="001-2020-2-0001", entity="MUNICIPALIDAD DE PRUEBA",
         persons="3", issued="10/01/2020", report_id="2020TST000001", link=None, summary=None,
         note="") -> list[str]:
    return [region, "SERVICIO DE CONTROL ESPECÍFICO", number, entity, "Obra de prueba", persons,
            issued, "20/01/2020", link if link is not None else URL.format(report_id, report_id),
            summary if summary is not None else SUMMARY.format(report_id), note]


ROWS = [
    _row(note="revisado"),                                        # 2 loaded
    _row(note="revisado"),                                        # 3 identical: duplicate
    _row(persons="4"),                                            # 4 same id, other figure
    _row(region="ATLÁNTIDA", report_id="2020TST000002"),          # 5 unknown region
    _row(persons="tres", report_id="2020TST000003"),              # 6 not a number
    _row(issued="31/02/2020", report_id="2020TST000004"),         # 7 no such date
    _row(entity="", report_id="2020TST000005"),                   # 8 no entity
    _row(region="P. C. DEL CALLAO", number="002-2020-2-0002",     # 9 no id: region + number
         link="https://s3.amazonaws.com/x/sin-id.pdf"),
    _row(region="Áncash", report_id="2020TST000006",              # 10 links that are not URLs
         link="ftp://servidor/informe.pdf 2020TST000006", summary="no disponible"),
    _row(report_id="2020TST000007") + ["sobra", "y sobra"],       # 11 shifted: extra cells
    _row(region="San Martín", report_id="2020TST000008"),         # 12 accents in the region
]


@pytest.fixture
def dressed(tmp_path: Path) -> Path:
    """The register in another dress: Latin-1, ';', spaced and accented headers, one extra
    column."""
    path = tmp_path / "informes-latin1.csv"
    lines = [";".join(HEADER)] + [";".join(r) for r in ROWS]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("latin-1"))
    return path


def test_other_dress_every_reason(dressed, national_areas):
    run = cgr.load(dressed, engine=national_areas, relink=False)
    assert run.rows_read == len(ROWS) == 11
    assert run.loaded + run.quarantined + run.duplicates == 11
    assert (run.loaded, run.duplicates) == (4, 1)
    assert run.reasons == Counter({"informe_repetido_distinto": 1, "region_desconocida": 1,
                                   "personas_invalido": 1, "fecha_invalida": 1, "falta_dato": 1,
                                   "columnas_de_mas": 1})
    with national_areas.connect() as conn:
        quarantined = dict(conn.execute(sa.text(
            "SELECT row_number, reason_code || ': ' || reason FROM quarantine"
            " WHERE load_run_id = :id"), {"id": run.id}).all())
        stored = {r.id: r for r in conn.execute(sa.text(
            "SELECT * FROM control_report WHERE load_run_id = :id"), {"id": run.id})}
    assert sorted(quarantined) == [4, 5, 6, 7, 8, 11]
    assert "personas con presunta responsabilidad: 3 ≠ 4" in quarantined[4]
    assert "se conserva la fila 2" in quarantined[4]
    assert "'ATLÁNTIDA'" in quarantined[5]
    assert "fecha inexistente" in quarantined[7]
    assert set(stored) == {"2020TST000001", "07:002-2020-2-0002", "2020TST000006",
                           "2020TST000008"}
    first, callao = stored["2020TST000001"], stored["07:002-2020-2-0002"]
    assert (first.region_ubigeo, first.persons_responsible, str(first.issued_date)) == (
        "15", 3, "2020-01-10")
    assert (callao.region_ubigeo, callao.pdf_url) == ("07", "https://s3.amazonaws.com/x/sin-id.pdf")
    ancash = stored["2020TST000006"]
    assert (ancash.region_ubigeo, ancash.pdf_url, ancash.summary_url) == ("02", None, None)
    assert stored["2020TST000008"].region_ubigeo == "22"
    notes = "\n".join(run.notes)
    assert "sin id del registro" in notes and "07:002-2020-2-0002" in notes
    assert "no guardados como enlace: 2" in notes and "'ftp://servidor/informe.pdf'" in notes
    assert "columnas no usadas: Observación" in notes
    again = cgr.load(dressed, engine=national_areas, relink=False)
    assert (again.loaded, again.updated, again.unchanged, again.quarantined) == (0, 0, 4, 6)
    with national_areas.begin() as conn:
        conn.execute(sa.text("DELETE FROM control_report WHERE id = ANY(:ids)"),
                     {"ids": list(stored)})


def test_command_line_errors_in_spanish(tmp_path, capsys, national_areas, dressed):
    assert run_cli(cgr.main, [str(tmp_path / "no-esta.csv")]) == 1
    assert "error: No existe el archivo" in capsys.readouterr().err
    other = tmp_path / "otro.csv"
    other.write_text("entidad,monto\nMUNICIPALIDAD,1\n", encoding="utf-8")
    assert run_cli(cgr.main, [str(other)]) == 1
    assert "faltan columnas obligatorias: región, nº de informe" in capsys.readouterr().err
    assert run_cli(cgr.main, [str(dressed), str(other)]) == 1   # nothing loaded: all checked
    assert "otro.csv: faltan columnas" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        run_cli(cgr.main, [])
    assert exit_.value.code == 2
    assert "faltan argumentos obligatorios: ARCHIVO" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run_cli(cgr.main, ["--de-mas", str(dressed)])
    assert "argumentos no reconocidos: --de-mas" in capsys.readouterr().err
    with national_areas.connect() as conn:
        assert conn.execute(sa.text(
            "SELECT count(*) FROM control_report WHERE id LIKE '2020TST%'")).scalar() == 0
    assert run_cli(cgr.main, [str(dressed), "--sin-enlaces"]) == 0
    out = capsys.readouterr().out
    assert "filas leídas: 11" in out and "cuarentena region_desconocida: 1" in out
    with national_areas.begin() as conn:
        conn.execute(sa.text("DELETE FROM control_report WHERE id LIKE '2020TST%' OR id LIKE"
                             " '07:002-2020%'"))


@pytest.fixture(scope="module")
def works() -> pd.DataFrame:
    frame = pd.read_csv(PARALIZADAS_CSV, dtype=str, keep_default_na=False)
    frame["region"] = frame["x_ubigeo"].str.zfill(6).str[:2]
    frame["entity"] = [_entity(n, r) for n, r in zip(frame["entidad"], frame["region"],
                                                      strict=True)]
    return frame


@pytest.fixture(scope="module")
def linked(loaded, works, national_areas):
    """The works file and the register loaded, the links rebuilt; the works removed after."""
    paralizadas.load(engine=national_areas, refresh_views=False)
    with national_areas.begin() as conn:
        links.relink(conn)
    yield
    with national_areas.begin() as conn:
        conn.execute(sa.text("DELETE FROM work WHERE infobras_code = ANY(:c)"),
                     {"c": [int(c) for c in works["cod_infobras"]]})
        links.relink(conn)


def test_reports_linked_to_works_entities(linked, raw, works, national_areas):
    """573 reports audit an entity that runs works of the file (by the entity key); 512 of
    them in the same region by the folded name alone (PROVENANCE counts 511)."""
    by_key = raw["entity"].isin(set(works["entity"]))
    folded = {("-".join(_words(n)), r) for n, r in zip(works["entidad"], works["region"],
                                                      strict=True)}
    same_region = sum(("-".join(_words(n)), r) in folded
                      for n, r in zip(raw["entidad"], raw["region"], strict=True))
    assert (by_key.sum(), same_region) == (573, 512)
    with national_areas.connect() as conn:
        linked_ids = set(conn.execute(sa.text(
            "SELECT l.subject_key FROM source_link l JOIN entity e ON e.id = l.object_key"
            " WHERE l.subject_kind = 'control_report' AND l.object_kind = 'entity'"
            " AND 'infobras' = ANY(e.sources) AND l.subject_key = ANY(:ids)"
            " AND EXISTS (SELECT 1 FROM work w WHERE w.entity_id = e.id"
            "             AND w.infobras_code = ANY(:codes))"),
            {"ids": list(raw["id"]), "codes": [int(c) for c in works["cod_infobras"]]}).scalars())
    assert linked_ids == set(raw.loc[by_key, "id"])


def test_reports_that_name_a_work(linked, raw, works, national_areas):
    with national_areas.connect() as conn:
        found = conn.execute(sa.text(
            "SELECT subject_key, object_key, confidence, evidence FROM source_link"
            " WHERE method = 'nombre_similar' AND subject_kind = 'control_report'"
            " AND subject_key = ANY(:ids)"), {"ids": list(raw["id"])}).all()
    assert {(r[0], r[1]) for r in found} == NAMED
    assert all(links.NAME_SIMILAR_THRESHOLD <= float(r[2]) <= links.NAME_SIMILAR_MAX
               and "palabras en común" in r[3] for r in found)
    # Each named pair, from the raw files: same entity, and the title carries a run of at
    # least four consecutive words of the work's name.
    titles = raw.set_index("id")
    names = works.set_index("cod_infobras")
    for report, code in NAMED:
        assert titles.at[report, "entity"] == names.at[code, "entity"]
        title = " " + " ".join(_words(titles.at[report, "títulodelinforme"])) + " "
        name = _words(names.at[code, "nombre_obra"])
        assert any(f" {' '.join(name[i:i + 4])} " in title for i in range(len(name) - 3))


def test_cui_named_in_a_title(linked, raw, works, national_areas, tmp_path):
    """15 real titles write a CUI (none of the paralysed works'); a report naming a work's CUI
    links to it by 'cui', above any name candidate."""
    cui_in_title = raw["títulodelinforme"].map(unidecode).str.lower().str.extract(
        r"(?:codigo unico(?: de (?:inversion(?:es)?|obra))?|\bcui\b)[^0-9]{0,12}([0-9]{7})")[0]
    with national_areas.connect() as conn:
        found = dict(conn.exec_driver_sql(   # the regex's "(?:" is no bind parameter
            f"SELECT id, {links._TITLE_CUI} FROM control_report WHERE id = ANY(%(ids)s)",
            {"ids": list(raw["id"])}).all())
    assert cui_in_title.notna().sum() == 15
    assert {k: v for k, v in found.items() if v} == dict(zip(raw["id"][cui_in_title.notna()],
                                                             cui_in_title.dropna(), strict=True))
    work = works[works["cui"].str.fullmatch(r"2\d{6}")].iloc[0]
    path = tmp_path / "cui.csv"
    path.write_text(";".join(HEADER) + "\n" + ";".join(_row(
        entity=work["entidad"], report_id="2020TST000099", region="LIMA")[:4]
        + [f"PAGOS DE LA OBRA CON CÓDIGO ÚNICO DE INVERSIÓN N° {work['cui']}"]
        + _row(report_id="2020TST000099")[5:]) + "\n", encoding="utf-8")
    cgr.load(path, engine=national_areas)
    with national_areas.begin() as conn:
        got = conn.execute(sa.text(
            "SELECT object_key, method, confidence FROM source_link WHERE subject_key ="
            " '2020TST000099' AND object_kind = 'work'")).all()
        conn.execute(sa.text("DELETE FROM control_report WHERE id = '2020TST000099'"))
        links.relink(conn)
    assert (work["cod_infobras"], "cui", 0.9) in [(k, m, float(c)) for k, m, c in got]
