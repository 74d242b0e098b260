"""The INFObras open-data export ("DataSet-Obras-Publicas dd-mm-aaaa.xlsx"), as we know it, and
the two companion files the demo generator writes beside it (monthly history, geolocation).

Sheet 1, three title rows, header on row 4; decimals written with a space ("1205287 56");
dates dd/mm/yyyy; location by names only (no ubigeo, no coordinates); Callao as
"P C DEL CALLAO". Source: ../shared/data/obras/infobras_dataset_obras_publicas_columnas.csv.
The generator writes these headers and the loader reads them, so both agree by construction.
"""

from __future__ import annotations

from geodata.messages import N_

HEADER_ROW = 4  # 1-based row of the header; rows 1-3 are titles

# Export header -> work column (None: kept in work.extra under the header text).
COLUMNS: dict[str, str | None] = {
    "Código INFOBRAS": "infobras_code",
    "Código SNIP": "snip",
    "Código único de inversión": "cui",
    "Nombre de obra": "name",
    "Nombre proyecto": "project_name",
    "Entidad Pública": "entity",
    "Nivel de gobierno": "government_level",
    "Sector de la Entidad": "sector",
    "Departamento": "declared_department",
    "Provincia": "declared_province",
    "Distrito": "declared_district",
    "Dirección o información de referencia": None,
    "Tipo de ubicación (exacta/referencial)": None,
    "Modalidad de ejecución de la obra": "modality",
    "¿Corresponde a un saldo de Obra?": None,
    "Naturaleza de la obra": None,
    "Marca Reconstrucción con Cambios (Si/No)": None,
    "Marca Reactivación Economicas (Si/No)": None,
    "Tipo de obra - Clasificador Nivel 1": "work_type_1",
    "Tipo de obra - Clasificador Nivel 2": "work_type_2",
    "Tipo de obra - Clasificador Nivel 3": "work_type_3",
    "Estado de ejecución": "status",
    "Estado del proyecto": None,
    "Existe Paralización": None,
    "Causal de paralización": "paralysis_cause",
    "Fecha de paralización": "paralysis_date",
    "Número de dias paralizado": "paralysis_days",
    "Fecha de aprobación del expediente técnico": "approval_date",
    "Monto aprobado en soles": "amount_technical_file",
    "Monto Viable/Aprobado": None,
    "Costo de obra según Expediente técnico": None,
    "Costo de la obra en soles": "amount_updated",
    "Monto del contrato  en soles": "amount_contract",   # two spaces, as in the real file
    "Monto de adicionales de obra": "amount_additional",
    "Nombre o razón social de la empresa o consorcio": "contractor_name",
    "RUC": "contractor_ruc",
    "Nombre o razón social del supervisor": "supervisor_name",
    "RUC del supervisor": "supervisor_ruc",
    "Fecha de inicio de obra": "start_date",
    "Plazo de ejecución (en dias)": None,
    "Fecha finalización programada de obra": "programmed_end",
    "Fecha finalización reprogramada de obra": "reprogrammed_end",
    "Fecha de finalización real": "real_end",
    "Fecha de registro de avance": "last_progress_date",
    "Avance Físico Programado Acumulado (%)": "physical_programmed",
    "Avance Físico Real Acumulado (%)": "physical_progress",
    "Porcentaje de ejecución financiera": "financial_progress",
    "Monto de valorización Ejecutado Acumulado": None,
    "Monto de ejecución financiera de la obra": "amount_accrued",
    "Motivo en caso no se llegue al 100%": None,
    "N° de modificaciones": None,
    "N° Denuncias vinculadas": None,
    "Comentarios": None,
    "Fecha de última actualización": "last_update",
}

# The columns a file must have to be read as an INFObras export at all.
REQUIRED = ("Código INFOBRAS", "Nombre de obra", "Departamento", "Provincia", "Distrito",
            "Estado de ejecución")

# "Estado de ejecución" values -> work.status
STATUS = {
    "en ejecucion": "en_ejecucion",
    "paralizada": "paralizada",
    "paralizado": "paralizada",
    "finalizado": "finalizada",
    "finalizada": "finalizada",
    "sin ejecucion": "sin_ejecucion",
    # The states real files use beyond INFObras's four (the housing ministry's list of
    # paralysed and reactivated works, Formato 12B): a reactivated work is in execution again,
    # a suspended one or one whose contract was terminated is stopped, a settled one is done.
    "en ejecucion reactivada": "en_ejecucion",
    "reactivado": "en_ejecucion",
    "reactivada": "en_ejecucion",
    "reanudado": "en_ejecucion",
    "reanudada": "en_ejecucion",
    "en ejecucion reanudada": "en_ejecucion",
    "en proceso de reactivacion": "paralizada",
    "por reactivar": "paralizada",
    "suspendido": "paralizada",
    "suspendida": "paralizada",
    "paralizada por arbitraje": "paralizada",
    "en arbitraje": "paralizada",
    "contrato resuelto": "paralizada",
    "resuelto": "paralizada",
    "concluido": "finalizada",
    "concluida": "finalizada",
    "culminado": "finalizada",
    "culminada": "finalizada",
    "terminado": "finalizada",
    "terminada": "finalizada",
    "liquidado": "finalizada",
    "liquidada": "finalizada",
    "en liquidacion": "finalizada",
    "en proceso de liquidacion": "finalizada",
    "recepcionada": "finalizada",
    "recepcionado": "finalizada",
    "sin iniciar": "sin_ejecucion",
    "no iniciada": "sin_ejecucion",
    "no iniciado": "sin_ejecucion",
    "por iniciar": "sin_ejecucion",
    "sin ejecucion fisica": "sin_ejecucion",
}

STATUS_LABELS = {
    "en_ejecucion": N_("En ejecución"),
    "paralizada": N_("Paralizada"),
    "finalizada": N_("Finalizada"),
    "sin_ejecucion": N_("Sin ejecución"),
}

# The export's companion files, as their quarantined rows are coded ('historial_…',
# 'ubicacion_…') and named in the reason.
COMPANIONS = {"historial": "Historial", "ubicacion": "Ubicaciones"}

# The companion monthly history the generator writes (INFObras's export is a snapshot).
HISTORY_COLUMNS = ("Código INFOBRAS", "Mes", "Avance Físico Programado Acumulado (%)",
                   "Avance Físico Real Acumulado (%)", "Porcentaje de ejecución financiera",
                   "Monto de ejecución financiera de la obra", "Estado de ejecución")

# The companion geolocation file: one surveyed point per work. The export itself has no
# coordinates; INFObras publishes each work's geolocation on its own page, taken from INFObras
# or, where INFObras has none, from Invierte.pe (MEF). The shape follows the paralysed-works
# file built from those pages (../shared/data/obras, columns longitud, latitud and
# fuente_coordenadas = INFOBRAS | INVIERTE.PE): decimal degrees, WGS84.
COORDS_COLUMNS = ("Código INFOBRAS", "Latitud", "Longitud", "Fuente")
COORDS_SOURCES = ("INFOBRAS", "INVIERTE.PE")
