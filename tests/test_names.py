"""Name -> ubigeo matching: accents and case, Callao's spellings, the lost "Ñ", wrong provinces
and departments, and point-in-polygon; against the real national areas in PostGIS."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from geodata.names import DistrictMatcher, districts_at, loose_key, name_key, not_found_reason


@pytest.fixture(scope="module")
def matcher(national_areas: sa.Engine) -> DistrictMatcher:
    with national_areas.connect() as conn:
        return DistrictMatcher.from_db(conn)


def test_keys_ignore_accents_case_punctuation_and_the_lost_enye():
    assert name_key(" Huánuco ") == name_key("HUANUCO") == "huanuco"
    assert name_key("P.C. del Callao") == name_key("PROV. CONST. DEL CALLAO") == "callao"
    assert loose_key("Ca Ete") == loose_key("CAÑETE") == loose_key("Cañete") == "caete"
    assert loose_key("CaÃ±ete") == "caete"   # UTF-8 read as Latin-1


@pytest.mark.parametrize(("names", "ubigeo", "method"), [
    (("LIMA", "CAÑETE", "LUNAHUANA"), "150508", "nombre"),
    (("Lima", "Cañete", "Lunahuaná"), "150508", "nombre"),
    (("  lima ", "canete", "lunahuana"), "150508", "nombre"),
    (("P C DEL CALLAO", "P C DEL CALLAO", "VENTANILLA"), "070106", "nombre"),
    (("PROV. CONST. DEL CALLAO", "Provincia Constitucional del Callao", "Ventanilla"),
     "070106", "nombre"),
    (("Lima", "Ca Ete", "Coayllo"), "150506", "nombre_aprox"),        # broken Ñ
    (("Huánuco", "Mara On", "Huacrachuco"), "100701", "nombre_aprox"),
    (("Huánuco", "Lauricocha", "Ba Os"), "101002", "nombre_aprox"),
    (("Cajamarca", "Cajamarca", "Los Ba Os del Inca"), "060108", "nombre_aprox"),
    (("Huánuco", "Datem del Marañon", "Cholon"), "100702", "nombre_sin_provincia"),
    (("AYACUCHO", "HUANTA", "QUINUA"), "050108", "nombre_sin_provincia"),
    (("HUANCAVELICA", "ICA", "SAN JUAN BAUTISTA"), "110110", "nombre_sin_departamento"),
    (("HUANCAVELICA", "HUANCAVELICA", "YAUCA DEL ROSARIO"), "110114", "nombre_unico_nacional"),
])
def test_real_names_match(matcher, names, ubigeo, method):
    assert matcher.match(*names) == (ubigeo, method)


def test_not_found_and_ambiguous_names_are_none(matcher):
    assert matcher.match("LIMA", "LIMA", "NARNIA") is None
    assert matcher.match("LIMA", "LIMA", None) is None
    # "San Juan Bautista" exists in Ayacucho, Ica and Loreto: no guess without the department
    assert matcher.match("XX", "YY", "SAN JUAN BAUTISTA") is None
    assert not_found_reason("LIMA", "LIMA", "NARNIA") == (
        "Distrito no encontrado: 'NARNIA' en provincia 'LIMA', departamento 'LIMA'")


def test_coordinates_decide_when_the_names_do_not(matcher):
    # Aucallama is a Lima district; the work is declared in Chota and its point is there
    assert matcher.match("Cajamarca", "Chota", "Aucallama", at_point="060411") == (
        "060411", "coordenadas")
    # names that match win over the point (the mismatch is flagged, not hidden)
    assert matcher.match("Lima", "Cañete", "Lunahuana", at_point="150516") == (
        "150508", "nombre")
    # no district at all: only the point can tell, and without one nothing is guessed
    assert matcher.match("LIMA", "LIMA", "", at_point="150101") == ("150101", "coordenadas")
    assert matcher.match("LIMA", "LIMA", "") is None


def test_points_fall_in_districts(national_areas):
    points = [(-77.0300, -12.0464),    # Plaza Mayor de Lima -> Lima (Cercado)
              (-77.175, -12.07),       # the sea off La Punta, a few km out -> nearest district
              (-60.0, -15.0)]          # Bolivia -> nothing
    with national_areas.connect() as conn:
        inside, near, far = districts_at(conn, points)
    assert (inside.ubigeo, inside.how) == ("150101", "dentro")
    assert near.how == "cercano" and near.ubigeo.startswith("07") and near.distance_m > 0
    assert far.ubigeo is None and far.distance_m > 100_000
