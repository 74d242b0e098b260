"""The joins between sources: each link's method and confidence, the entity key (a
municipality's name repeats across regions), and a rebuild that follows what is loaded."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from geodata import links

CODE = 9_870_001
OTHER = 9_870_002


@pytest.fixture
def sources(national_areas: sa.Engine):
    """Two works of two homonymous municipalities, an investment, a process naming the
    investment's CUI, its supplier, and a control report of one of the municipalities."""
    with national_areas.begin() as conn:
        conn.execute(sa.text("""
            INSERT INTO work (infobras_code, cui, name, entity, ubigeo, status, source,
                              contractor_ruc)
            VALUES (:a, '02345678', 'Pistas del centro', 'Municipalidad Distrital de Santa Rosa',
                    '150101', 'en_ejecucion', 'demo', '20123456789'),
                   (:b, NULL, 'Losa deportiva', 'MUNICIPALIDAD DISTRITAL DE SANTA ROSA',
                    '080101', 'paralizada', 'demo', NULL)"""), {"a": CODE, "b": OTHER})
        conn.execute(sa.text("""
            INSERT INTO investment_source (cui, source, name, entity_name, region_ubigeo,
                                           amount_viable)
            VALUES ('2345678', 'mef_banco', 'PISTAS DEL CENTRO',
                    'MUNICIPALIDAD DISTRITAL DE SANTA ROSA', '15', 1000.50),
                   ('2345678', 'ssi_ejecucion', 'PISTAS DEL CENTRO',
                    'Municipalidad Distrital de Santa Rosa', '15', 1000.50)"""))
        conn.execute(sa.text("""
            INSERT INTO procurement_process (id, source, entity_name, region_ubigeo, cui,
                                             description)
            VALUES ('seace-1', 'conosce', 'MUNICIPALIDAD DISTRITAL DE SANTA ROSA', '15',
                    '2345678', 'EJECUCION DE OBRA PISTAS CUI 2345678')"""))
        conn.execute(sa.text(
            "INSERT INTO supplier (ruc, name, source) VALUES ('20123456789', 'CONSTRUCTORA SA',"
            " 'conosce')"))
        conn.execute(sa.text("""
            INSERT INTO control_report (id, entity_name, region_ubigeo, title, source)
            VALUES ('TEST-1', 'Municipalidad Distrital de Santa Rosa', '08', 'Losa', 'cgr')"""))
        links.relink(conn)
    yield national_areas
    with national_areas.begin() as conn:
        conn.execute(sa.text("DELETE FROM work WHERE infobras_code IN (:a, :b)"),
                     {"a": CODE, "b": OTHER})
        conn.execute(sa.text("DELETE FROM investment_source WHERE cui = '2345678'"))
        conn.execute(sa.text("DELETE FROM procurement_process WHERE id = 'seace-1'"))
        conn.execute(sa.text("DELETE FROM supplier WHERE ruc = '20123456789'"))
        conn.execute(sa.text("DELETE FROM control_report WHERE id = 'TEST-1'"))
        links.relink(conn)


def _links(conn: sa.Connection) -> set[tuple]:
    return {tuple(r) for r in conn.execute(sa.text(
        "SELECT subject_kind, subject_key, object_kind, object_key, method, confidence::float"
        " FROM source_link WHERE subject_key IN (:a, :b, 'seace-1', 'TEST-1', '2345678')"),
        {"a": str(CODE), "b": str(OTHER)})}


def test_links_say_how_they_were_made(sources: sa.Engine):
    with sources.connect() as conn:
        found = _links(conn)
    assert ("work", str(CODE), "investment", "2345678", "cui", 1.0) in found
    assert ("process", "seace-1", "investment", "2345678", "cui", 0.9) in found
    assert ("process", "seace-1", "work", str(CODE), "cui", 0.9) in found
    assert ("work", str(CODE), "supplier", "20123456789", "ruc", 1.0) in found
    # The Lima municipality is named by INFObras, the MEF and the SEACE; the Cusco one by
    # INFObras and the Contraloría: each link goes to its own region's entity.
    assert ("work", str(CODE), "entity", "15-municipalidad-distrital-de-santa-rosa",
            "entidad_region", 0.9) in found
    assert ("control_report", "TEST-1", "entity", "08-municipalidad-distrital-de-santa-rosa",
            "entidad_region", 0.9) in found
    assert not any(f[0] == "control_report" and f[3].startswith("15-") for f in found)


def test_entities_gather_every_source_that_names_them(sources: sa.Engine):
    with sources.connect() as conn:
        lima = conn.execute(sa.text(
            "SELECT name, region_ubigeo, government_level, sources, names FROM entity"
            " WHERE id = '15-municipalidad-distrital-de-santa-rosa'")).one()
    assert lima.region_ubigeo == "15" and lima.government_level == "Gobierno Local"
    assert sorted(lima.sources) == ["conosce", "infobras", "mef_banco", "ssi_ejecucion"]
    assert set(lima.names) == {"Municipalidad Distrital de Santa Rosa",
                               "MUNICIPALIDAD DISTRITAL DE SANTA ROSA"}


def test_a_rebuild_follows_what_is_loaded(sources: sa.Engine):
    with sources.begin() as conn:
        before = _links(conn)
        links.relink(conn)
        assert _links(conn) == before            # idempotent
        conn.execute(sa.text("UPDATE procurement_process SET cui = NULL WHERE id = 'seace-1'"))
        links.relink(conn)
        after = _links(conn)
    assert ("process", "seace-1", "investment", "2345678", "cui", 0.9) not in after
    assert ("work", str(CODE), "investment", "2345678", "cui", 1.0) in after


def test_keys_in_sql():
    """CUIs as the sources write them, and entity keys, computed where the data lives."""
    from queries import db

    with db.engine().connect() as conn:
        cuis = conn.execute(sa.text(
            "SELECT cui_key('2233850.0'), cui_key(' 02233850 '), cui_key('SNIP 123'),"
            " cui_key('0')")).one()
        keys = conn.execute(sa.text(
            "SELECT entity_key('Gobierno Regional de Cusco', '08'),"
            " entity_key('MUNICIPALIDAD PROVINCIAL DE TAHUAMANU - IÑAPARI', '17'),"
            " entity_key('  ', '01')")).one()
    assert tuple(cuis) == ("2233850", "2233850", None, None)
    assert tuple(keys) == ("gobierno-regional-de-cusco",
                           "17-municipalidad-provincial-de-tahuamanu-inapari", None)
