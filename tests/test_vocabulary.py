"""The one vocabulary of government level, modality, sector and work type: the spellings of the
real sources and of the demo generator map to one canonical label each, unknown values are
kept, and the canonical labels stay distinct once the dashboard formats them."""

from __future__ import annotations

import pandas as pd
import pytest

from geodata import vocabulary as V
from geodata.demo import profiles as P
from layers import format as fmt
from tests.conftest import PARALIZADAS_CSV

FIELDS = {"government_level": V.GOVERNMENT_LEVELS, "modality": V.MODALITIES,
          "sector": V.SECTORS, "work_type": V.WORK_TYPES}
# (field, as a source writes it, canonical)
VARIANTS = [
    ("government_level", "GOBIERNO LOCAL", "Gobierno Local"),          # INFObras export
    ("government_level", "Gobierno Local", "Gobierno Local"),          # paralysed-works file
    ("government_level", " gobierno   regional ", "Gobierno Regional"),
    ("government_level", "GOBIERNO NACIONAL", "Gobierno Nacional"),
    ("modality", "Asociacion Pública Privada - APP", "Asociación público privada (APP)"),
    ("modality", "ADMINISTRACION DIRECTA", "Administración directa"),
    ("modality", "AdministraciÃ³n directa", "Administración directa"),   # UTF-8 read as Latin-1
    ("modality", "Por Nucleo Ejecutor", "Por núcleo ejecutor"),
    ("modality", "CONTRATA", "Contrata"),
    ("sector", "PROTECCIONREADAPTACION SOCIAL", "Protección/Readaptación Social"),
    ("sector", "ProteccionReadaptacion Social", "Protección/Readaptación Social"),
    ("sector", "AGRICULTURA", "Agricultura y Riego"),
    ("sector", "AGRICULTURA Y RIEGO", "Agricultura y Riego"),
    ("sector", "VIVIENDA, CONSTRUCCION Y SANEAMIENTO", "Vivienda, Construcción y Saneamiento"),
    ("sector", "PRESIDENCIA CONSEJO MINISTROS", "Presidencia del Consejo de Ministros"),
    ("sector", "EDUCACION", "Educación"),
    ("sector", "ORDEN PUBLICO, DEFENSA Y SEGURIDAD", "Orden Público, Defensa y Seguridad"),
    ("work_type", "Vivienda Construcción Y Saneamiento", "Vivienda, Construcción y Saneamiento"),
    ("work_type", "Vivienda, Construcción Y Saneamiento", "Vivienda, Construcción y Saneamiento"),
    ("work_type", "Orden Público/Defensa Y Seguridad", "Orden Público/Defensa y Seguridad"),
    ("work_type", "Energía Y Minas", "Energía y Minas"),
]
PARALIZADAS_COLUMNS = {"government_level": "nivel_gobierno", "modality": "modalidad_ejecucion",
                       "sector": "sector", "work_type": "tipo_obra_n1"}


@pytest.mark.parametrize(("field", "text", "label"), VARIANTS)
def test_variants_map_to_one_label(field, text, label):
    assert getattr(V, field)(text) == label


def test_unknown_values_are_kept_trimmed_and_empty_is_none():
    assert V.sector("  SECTOR  NUEVO ") == "SECTOR NUEVO"
    assert V.modality("Otra modalidad") == "Otra modalidad"
    assert V.government_level("") is None and V.government_level(None) is None
    assert V.work_type("-") is None


@pytest.mark.skipif(not PARALIZADAS_CSV.exists(), reason="needs ../shared/data")
@pytest.mark.parametrize("field", list(PARALIZADAS_COLUMNS))
def test_every_value_of_the_real_file_is_known(field):
    values = pd.read_csv(PARALIZADAS_CSV)[PARALIZADAS_COLUMNS[field]].dropna().unique()
    unknown = [v for v in values if V.canonical(field, v) not in FIELDS[field]]
    assert unknown == []


def test_every_value_the_generator_writes_is_known():
    written = {
        "government_level": P.LEVELS, "modality": P.MODALITIES,
        "sector": {t.sector for t in P.WORK_TYPES} | {"GOBIERNOS LOCALES",
                                                      "GOBIERNOS REGIONALES"},
        "work_type": {t.level1 for t in P.WORK_TYPES}}
    for field, values in written.items():
        assert {V.canonical(field, v) for v in values} <= set(FIELDS[field]), field


@pytest.mark.parametrize("field", list(FIELDS))
def test_canonical_labels_are_their_own_label_and_display_apart(field):
    labels = list(FIELDS[field])
    assert [V.canonical(field, label) for label in labels] == labels
    shown = [fmt.label(label) for label in labels]
    assert len(set(shown)) == len(shown)


def test_an_alias_cannot_mean_two_labels():
    with pytest.raises(ValueError, match="would mean both"):
        V._index({"Contrata": ("X",), "Otra": ("x",)})
