"""Generated works -> the cell texts of the INFObras export, with its quirks and its flaws.

Cells are texts as in the real file: decimals with a space ("1205287 56", "27 5"), dates
dd/mm/yyyy, codes as text, empty cells empty. Then a few rows get harmless name variants the
loader must still match (lowercase, accents, a lost "Ñ", stray spaces) and ~0.3 % get a real
defect the loader must quarantine (unknown district, impossible date, negative amount,
repeated INFObras code).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geodata.demo import profiles as P
from geodata.demo.names import choose
from geodata.demo.works import DAY, status_is

TEXT = np.dtypes.StringDType()


def decimal_text(values) -> np.ndarray:
    """1205287.56 -> '1205287 56', 27.5 -> '27 5', 100.0 -> '100', NaN -> '' (numpy strings).
    Percentages repeat a lot: each distinct value is formatted once."""
    values = np.asarray(values, dtype=float)
    ok = np.isfinite(values)
    cents = np.round(np.where(ok, values, 0.0) * 100).astype(np.int64)
    distinct, inverse = np.unique(cents, return_inverse=True)
    if len(distinct) < len(cents) // 2:
        return np.where(ok, _cents_text(distinct)[inverse], "")
    return np.where(ok, _cents_text(cents), "")


def _cents_text(cents: np.ndarray) -> np.ndarray:
    whole = (np.abs(cents) // 100).astype(TEXT)
    frac = np.abs(cents) % 100
    tenths = frac % 10 == 0
    fraction = np.strings.zfill(np.where(tenths, frac // 10, frac).astype(TEXT),
                                np.where(tenths, 1, 2))
    text = np.where(frac == 0, whole, whole + " " + fraction)
    return np.where(cents < 0, "-" + text, text)


def integer_text(values) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    ok = np.isfinite(values)
    return np.where(ok, np.where(ok, values, 0).astype(np.int64).astype(TEXT), "")


def date_text(values, fmt: str = "%d/%m/%Y") -> np.ndarray:
    """datetime64 -> 'dd/mm/yyyy' or another strftime `fmt` (NaT -> ''); formats each
    distinct day once."""
    values = np.asarray(values, dtype="datetime64[D]")
    ok = ~np.isnat(values)
    distinct, inverse = np.unique(values[ok], return_inverse=True)
    out = np.full(len(values), "", dtype=object)
    out[ok] = pd.DatetimeIndex(distinct).strftime(fmt).to_numpy(object)[inverse]
    return out


def number_text(values) -> np.ndarray:
    """A numeral as data files write it: 12490195638.88 -> '12490195638.88', 27.5 -> '27.5',
    100.0 -> '100', NaN -> ''."""
    return np.strings.replace(decimal_text(values).astype(TEXT), " ", ".")


def yes_no(flags: np.ndarray, yes: str = "Si", no: str = "No") -> np.ndarray:
    return np.where(flags, yes, no).astype(object)


def labels(options, index: np.ndarray) -> np.ndarray:
    return np.asarray(options, dtype=object)[index]


def add_extras(works: pd.DataFrame, places: pd.DataFrame, rng: np.random.Generator,
               as_of: np.datetime64) -> None:
    """The columns the app does not use but the export has: marks, counts, address, dates."""
    n = len(works)
    place = places.iloc[works["place"].to_numpy()]
    for column in ("department", "province", "district", "department_inei", "province_inei",
                   "district_inei"):
        works[column] = place[column].to_numpy(object)
    status = works["status"].to_numpy()
    paralysed = status_is(works, "Paralizada")
    finished = status_is(works, "Finalizado")
    approval_year = works["approval_date"].to_numpy().astype("datetime64[Y]").astype(int) + 1970
    start_year = works["start_date"].to_numpy().astype("datetime64[Y]").astype(float) + 1970
    works["reconstruction"] = (
        np.isin(place["department_name"].to_numpy(), P.RECONSTRUCCION_DEPARTMENTS)
        & (approval_year >= 2017) & (approval_year <= 2021)
        & (rng.random(n) < P.RECONSTRUCCION_SHARE))
    works["reactivation"] = ((start_year >= 2020) & (start_year <= 2021)
                             & (rng.random(n) < P.REACTIVACION_SHARE))
    last = works["last_progress_date"].to_numpy()
    reference = np.where(np.isnat(last), works["approval_date"].to_numpy(), last)
    works["last_update"] = np.minimum(reference + np.round(rng.uniform(0, 90, n)).astype(int)
                                      * DAY, as_of)
    works["modifications"] = rng.poisson(
        0.4 + 1.2 * ~np.isnat(works["reprogrammed_end"].to_numpy())
        + 0.8 * ~np.isnan(works["amount_additional"].to_numpy()))
    works["complaints"] = rng.poisson(np.where(paralysed, 0.4, 0.03))
    short = (finished & (works["physical_progress"].to_numpy() < 100)) | (
        paralysed & (rng.random(n) < 0.5))
    works["short_reason"] = np.where(short, choose(rng, P.UNFINISHED_REASONS, n), "")
    states = [P.PROJECT_STATES[name] for name in P.STATUSES]
    pick_state = rng.integers(0, 4, n)
    works["project_state"] = np.array([states[s][i % len(states[s])] for s, i in
                                       zip(status, pick_state, strict=True)], dtype=object)
    street = choose(rng, P.ADDRESS_KINDS, n) + choose(rng, P.STREET_NAMES, n) + " S/N"
    centre = "CENTRO POBLADO " + works["locality"].to_numpy(object)
    works["address"] = np.where(rng.random(n) < 0.3, "",
                                np.where(rng.random(n) < 0.5, street, centre))
    works["exact_location"] = rng.random(n) < 0.4


# Export header -> (cell format, source): a typed column of the works, or one of the labels
# `cell_columns` derives. Same keys, same order as infobras_format.COLUMNS.
EXPORT_CELLS: dict[str, tuple[str, str]] = {
    "Código INFOBRAS": ("integer", "infobras_code"),
    "Código SNIP": ("text", "snip"),
    "Código único de inversión": ("text", "cui"),
    "Nombre de obra": ("text", "name"),
    "Nombre proyecto": ("text", "project_name"),
    "Entidad Pública": ("text", "entity"),
    "Nivel de gobierno": ("text", "level_label"),
    "Sector de la Entidad": ("text", "sector"),
    "Departamento": ("text", "department"),
    "Provincia": ("text", "province"),
    "Distrito": ("text", "district"),
    "Dirección o información de referencia": ("text", "address"),
    "Tipo de ubicación (exacta/referencial)": ("text", "location_type"),
    "Modalidad de ejecución de la obra": ("text", "modality_label"),
    "¿Corresponde a un saldo de Obra?": ("text", "saldo_mark"),
    "Naturaleza de la obra": ("text", "nature"),
    "Marca Reconstrucción con Cambios (Si/No)": ("text", "reconstruction_mark"),
    "Marca Reactivación Economicas (Si/No)": ("text", "reactivation_mark"),
    "Tipo de obra - Clasificador Nivel 1": ("text", "level1"),
    "Tipo de obra - Clasificador Nivel 2": ("text", "level2"),
    "Tipo de obra - Clasificador Nivel 3": ("text", "level3"),
    "Estado de ejecución": ("text", "status_label"),
    "Estado del proyecto": ("text", "project_state"),
    "Existe Paralización": ("text", "paralysis_mark"),
    "Causal de paralización": ("text", "paralysis_cause"),
    "Fecha de paralización": ("date", "paralysis_date"),
    "Número de dias paralizado": ("integer", "paralysis_days"),
    "Fecha de aprobación del expediente técnico": ("date", "approval_date"),
    "Monto aprobado en soles": ("decimal", "amount_technical_file"),
    "Monto Viable/Aprobado": ("decimal", "amount_viable"),
    "Costo de obra según Expediente técnico": ("decimal", "amount_technical_file"),
    "Costo de la obra en soles": ("decimal", "amount_updated"),
    "Monto del contrato  en soles": ("decimal", "amount_contract"),
    "Monto de adicionales de obra": ("decimal", "amount_additional"),
    "Nombre o razón social de la empresa o consorcio": ("text", "contractor_name"),
    "RUC": ("text", "contractor_ruc"),
    "Nombre o razón social del supervisor": ("text", "supervisor_name"),
    "RUC del supervisor": ("text", "supervisor_ruc"),
    "Fecha de inicio de obra": ("date", "start_date"),
    "Plazo de ejecución (en dias)": ("integer", "plazo"),
    "Fecha finalización programada de obra": ("date", "programmed_end"),
    "Fecha finalización reprogramada de obra": ("date", "reprogrammed_end"),
    "Fecha de finalización real": ("date", "real_end"),
    "Fecha de registro de avance": ("date", "last_progress_date"),
    "Avance Físico Programado Acumulado (%)": ("decimal", "physical_programmed"),
    "Avance Físico Real Acumulado (%)": ("decimal", "physical_progress"),
    "Porcentaje de ejecución financiera": ("decimal", "financial_progress"),
    "Monto de valorización Ejecutado Acumulado": ("decimal", "amount_valued"),
    "Monto de ejecución financiera de la obra": ("decimal", "amount_accrued"),
    "Motivo en caso no se llegue al 100%": ("text", "short_reason"),
    "N° de modificaciones": ("integer", "modifications"),
    "N° Denuncias vinculadas": ("integer", "complaints"),
    "Comentarios": ("text", "comment"),
    "Fecha de última actualización": ("date", "last_update"),
}
FORMATS = {"text": lambda values: np.asarray(values, dtype=object), "date": date_text,
           "decimal": decimal_text, "integer": integer_text}
STALE_COMMENT = "Pendiente de actualizar avance"


def cell_columns(works: pd.DataFrame) -> dict[str, np.ndarray]:
    """The export's cells (COLUMNS order) for these works: pure formatting, no randomness."""
    kinds = [P.WORK_TYPES[i] for i in works["work_type"].to_numpy()]
    derived = {
        "level_label": labels(P.LEVELS, works["level"].to_numpy()),
        "modality_label": labels(P.MODALITIES, works["modality"].to_numpy()),
        "status_label": labels(P.STATUSES, works["status"].to_numpy()),
        "location_type": yes_no(works["exact_location"].to_numpy(), "exacta", "referencial"),
        "saldo_mark": yes_no(works["saldo"].to_numpy(bool)),
        "reconstruction_mark": yes_no(works["reconstruction"].to_numpy()),
        "reactivation_mark": yes_no(works["reactivation"].to_numpy()),
        "paralysis_mark": yes_no(status_is(works, "Paralizada"), "SI", "NO"),
        "level1": [k.level1 for k in kinds],
        "level2": [k.level2 for k in kinds],
        "level3": [k.level3 for k in kinds],
        "comment": np.where(works["stale"].to_numpy(), STALE_COMMENT, ""),
    }
    return {header: FORMATS[kind](derived[name] if name in derived else works[name].to_numpy())
            for header, (kind, name) in EXPORT_CELLS.items()}

