"""One vocabulary for the categorical fields every works loader writes: government level,
execution modality, the entity's sector and the work type (classifier level 1).

Why: each source spells the same category its own way. The INFObras export writes
"GOBIERNO LOCAL" where the paralysed-works file writes "Gobierno Local"; the export's modality
is "Asociacion Pública Privada - APP"; the entity sector comes as "PROTECCIONREADAPTACION
SOCIAL" and "ProteccionReadaptacion Social", "AGRICULTURA" and "AGRICULTURA Y RIEGO"; the
classifier as "Vivienda Construcción Y Saneamiento" and "Vivienda, Construcción Y
Saneamiento". Stored as they come, the dashboard's filters list one category two or three
times. Every loader maps a cell through `government_level`, `modality`, `sector` and
`work_type` before writing it.

A value is matched by its key: lowercase ASCII letters and digits only, so case, accents,
spaces, punctuation and UTF-8 read as Latin-1 ("AdministraciÃ³n") do not matter; the known
mangled or older spellings are listed as aliases. A value the vocabulary does not know is kept
as it is (whitespace trimmed), never dropped: a new category in a future export shows up in
the filters, spelled as the source spells it.

Canonical labels are the official Spanish names with their accents: the modalities as the
Ley de Contrataciones and INFObras's own forms name them, the sectors as the MEF's
institutional classifier names them (ministries without "Ministerio de"), plus the groupings
INFObras adds of its own ("Gobiernos Locales", "Otros Sectores", "Orden Público, Defensa y
Seguridad"). Sources: ../shared/data/obras/infobras_dataset_obras_publicas_columnas.csv and
the values of ../shared/data/obras/obras_paralizadas_alertas_2026-05.csv.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache

from unidecode import unidecode

from geodata.names import unmangle
from geodata.parsing import clean_text

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")

# canonical label -> other spellings seen in the sources or in older exports
GOVERNMENT_LEVELS: dict[str, Sequence[str]] = {
    "Gobierno Nacional": ("GN", "Nacional"),
    "Gobierno Regional": ("GR", "Regional"),
    "Gobierno Local": ("GL", "Local", "Municipal"),
}

MODALITIES: dict[str, Sequence[str]] = {
    "Contrata": ("Por contrata", "Ejecución por contrata", "Contrato"),
    "Administración directa": ("Por administración directa", "Ejecución presupuestaria directa",
                               "Adm. directa"),
    "Por núcleo ejecutor": ("Núcleo ejecutor", "Núcleos ejecutores"),
    "Obras por impuestos": ("Obra por impuestos", "OxI"),
    "Asociación público privada (APP)": ("Asociacion Pública Privada - APP",
                                         "Asociación Público Privada", "APP"),
    "Gobierno a Gobierno": ("Acuerdo de Gobierno a Gobierno", "G2G"),
    "Por convenio entre entidades": ("Convenio entre entidades", "Por convenio"),
}

SECTORS: dict[str, Sequence[str]] = {
    "Presidencia del Consejo de Ministros": ("PRESIDENCIA CONSEJO MINISTROS", "PCM"),
    "Cultura": (),
    "Poder Judicial": (),
    "Ambiente": ("AMBIENTAL",),
    "Justicia y Derechos Humanos": ("JUSTICIA",),
    "Interior": (),
    "Relaciones Exteriores": (),
    "Economía y Finanzas": (),
    "Educación": (),
    "Salud": (),
    "Trabajo y Promoción del Empleo": ("TRABAJO",),
    "Agricultura y Riego": ("AGRICULTURA", "AGRARIO", "AGRARIO Y DE RIEGO",
                            "DESARROLLO AGRARIO Y RIEGO"),
    "Energía y Minas": (),
    "Contraloría General": ("CONTRALORIA GENERAL DE LA REPUBLICA",),
    "Defensoría del Pueblo": (),
    "Ministerio Público": (),
    "Defensa": (),
    "Comercio Exterior y Turismo": (),
    "Transportes y Comunicaciones": (),
    "Vivienda, Construcción y Saneamiento": (),
    "Saneamiento": (),
    "Producción": (),
    "Mujer y Poblaciones Vulnerables": ("MUJER Y DESARROLLO SOCIAL",),
    "Desarrollo e Inclusión Social": (),
    "Gobiernos Regionales": (),
    "Gobiernos Locales": (),
    "Otros Sectores": (),
    "Orden Público, Defensa y Seguridad": (),
    "Protección/Readaptación Social": (),
    "FONAFE": ("Fondo Nacional de Financiamiento de la Actividad Empresarial del Estado",),
}

# INFObras's classifier, level 1 (the dashboard's "Sector" filter reads this column).
WORK_TYPES: dict[str, Sequence[str]] = {
    "Transportes y Comunicaciones": (),
    "Vivienda, Construcción y Saneamiento": (),
    "Agricultura": (),
    "Educación": (),
    "Salud": (),
    "Energía y Minas": (),
    "Cultura": (),
    "Otras Infraestructuras": ("Otra Infraestructura",),
    "Orden Público/Defensa y Seguridad": ("Orden Público, Defensa y Seguridad",),
    "Protección/Readaptación Social": (),
}


def key(text: str) -> str:
    """'Asociación  Público-Privada' -> 'asociacionpublicoprivada': what variants share."""
    return _NOT_ALNUM.sub("", unidecode(unmangle(text)).lower())


def _index(vocabulary: Mapping[str, Sequence[str]]) -> dict[str, str]:
    index: dict[str, str] = {}
    for label, aliases in vocabulary.items():
        for spelling in (label, *aliases):
            found = index.setdefault(key(spelling), label)
            if found != label:
                raise ValueError(f"{spelling!r} would mean both {found!r} and {label!r}")
    return index


_INDEXES = {name: _index(vocabulary) for name, vocabulary in (
    ("government_level", GOVERNMENT_LEVELS), ("modality", MODALITIES), ("sector", SECTORS),
    ("work_type", WORK_TYPES))}


_LABELS = frozenset(label for vocabulary in (GOVERNMENT_LEVELS, MODALITIES, SECTORS, WORK_TYPES)
                   for label in vocabulary)


def is_canonical(text: str) -> bool:
    """Whether `text` is one of the vocabulary's labels exactly as it spells them."""
    return text in _LABELS


@lru_cache(maxsize=4096)
def canonical(field: str, text: str) -> str:
    """The canonical label of `text` in the vocabulary of `field`, or `text` itself."""
    return _INDEXES[field].get(key(text), text)


def _cell(field: str, value: object) -> str | None:
    text = clean_text(value)
    return None if text is None else canonical(field, text)


def government_level(value: object) -> str | None:
    """'GOBIERNO LOCAL', 'Gobierno Local ' -> 'Gobierno Local'; empty -> None."""
    return _cell("government_level", value)


def modality(value: object) -> str | None:
    """'Asociacion Pública Privada - APP' -> 'Asociación público privada (APP)'."""
    return _cell("modality", value)


def sector(value: object) -> str | None:
    """'PROTECCIONREADAPTACION SOCIAL' -> 'Protección/Readaptación Social'."""
    return _cell("sector", value)


def work_type(value: object) -> str | None:
    """'Vivienda Construcción Y Saneamiento' -> 'Vivienda, Construcción y Saneamiento'."""
    return _cell("work_type", value)
