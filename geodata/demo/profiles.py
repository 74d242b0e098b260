"""The distributions the demo generator draws from, each with where its figure comes from.

Sources, cited below by their short name:
- PARALIZADAS: ../shared/data/obras/obras_paralizadas_alertas_2026-05.csv, the 1,151 real
  paralysed or at-risk INFObras works of May 2026 (counts computed on that file).
- DICCIONARIO: ../shared/data/obras/infobras_dataset_obras_publicas_columnas.csv, the column
  dictionary of the real export (value sets, "~2.5 % SI" paralysis mark, "~23 % vacío" causes).
- BRIEF: the shares the project asked for where no public count exists for the whole universe
  (status and modality of all ~191k works, government-level mix).
"""

from __future__ import annotations

from typing import NamedTuple

AS_OF = "2026-10-31"  # cut-off date of the demo export (the real files are May-Oct 2026)
FIRST_START_YEAR = 2008  # INFObras registers works from the late 2000s on

# Districts: works ~ population**ALPHA, plus a floor so every district gets a few (BRIEF).
POPULATION_ELASTICITY = 0.5
MIN_WORKS_SHARE = 0.3      # share of the average works per district every district gets at least
MIN_WORKS_CAP = 10         # ... but never more than this floor

# Government level (BRIEF ~70/15/15; PARALIZADAS: local 818, national 188, regional 145).
LEVELS = ("GOBIERNO LOCAL", "GOBIERNO REGIONAL", "GOBIERNO NACIONAL")
LEVEL_SHARES = (0.70, 0.15, 0.15)
PROVINCIAL_SHARE = 0.18    # local works run by the provincial (not district) municipality

# Status of the whole universe (BRIEF: Finalizado ~55, En ejecución ~30, Paralizada 3-5,
# Sin ejecución ~8; DICCIONARIO: "Existe Paralización" ~2.5 % SI in La Libertad).
STATUSES = ("Finalizado", "En Ejecución", "Paralizada", "Sin Ejecución")
STATUS_SHARES = (0.570, 0.305, 0.035, 0.090)

# Modality by level. PARALIZADAS: local AD 496 / C 320, regional C 107 / AD 37, national C 163 /
# NE 20 / AD 4; the universe has more contracts than the paralysed subset, so the local split
# is moved towards Contrata to give BRIEF's overall ~55 % Contrata / ~42 % AD.
MODALITIES = ("Contrata", "Administración directa", "Por núcleo ejecutor", "Obras por impuestos",
              "Asociacion Pública Privada - APP", "Gobierno a Gobierno",
              "Por convenio entre entidades")
MODALITY_BY_LEVEL = {
    "GOBIERNO LOCAL": (0.445, 0.530, 0.010, 0.012, 0.0, 0.0, 0.003),
    "GOBIERNO REGIONAL": (0.700, 0.280, 0.0, 0.015, 0.0, 0.0, 0.005),
    "GOBIERNO NACIONAL": (0.800, 0.050, 0.100, 0.020, 0.020, 0.010, 0.0),
}

# Paralysis causes (PARALIZADAS counts, 15 CGR categories); DICCIONARIO: ~23 % left empty.
PARALYSIS_CAUSES = {
    "Falta de recursos financieros y liquidez": 286,
    "Otros": 206,
    "Incumplimiento de contrato": 198,
    "Incumplimiento del pago de valorizaciones u otros": 156,
    "Deficiencia en el expediente técnico": 72,
    "Discrepancias, controversias y arbitraje": 59,
    "Eventos climáticos": 57,
    "Conflictos sociales": 42,
    "Desabastecimiento sostenido de materiales": 31,
    "Disponibilidad de terreno": 11,
    "Abandono de obra": 11,
    "Falta de personal clave": 8,
    "Falta de permisos, licencias y autorizaciones": 7,
    "FALTA DE SUPERVISOR O INSPECTOR": 5,
    "Interferencias": 2,
}
PARALYSIS_CAUSE_EMPTY = 0.23
# Start years of paralysed works (PARALIZADAS anio_inicio counts).
PARALYSED_START_YEARS = {2017: 106, 2018: 116, 2019: 118, 2020: 132, 2021: 173, 2022: 280,
                         2023: 144, 2024: 65, 2025: 17}
# Days from start to paralysis (PARALIZADAS: median 244, quartiles 90 / 528 -> log-normal).
PARALYSIS_AFTER_START_MEDIAN_DAYS = 244
PARALYSIS_AFTER_START_SIGMA = 1.1
MIN_PARALYSIS_DAYS = 30

# Amounts: log10 of the technical-file amount (S/) by level. PARALIZADAS medians: local 6.05,
# regional 6.68, national 6.75 (sd 0.68 / 0.59 / 0.86). Paralysed works are bigger than the
# universe (the many small works of local governments, national programmes' small rural
# works), so the universe's medians are PARALYSED_LOG10_SHIFT lower; with the work types'
# offsets this gives a mean of ~S/ 3-4 M per work.
LOG10_AMOUNT = {"GOBIERNO LOCAL": (5.70, 0.62), "GOBIERNO REGIONAL": (6.15, 0.55),
                "GOBIERNO NACIONAL": (6.10, 0.70)}
PARALYSED_LOG10_SHIFT = {"GOBIERNO LOCAL": 0.35, "GOBIERNO REGIONAL": 0.40,
                         "GOBIERNO NACIONAL": 0.30}
NUCLEO_EJECUTOR_LOG10_SHIFT = -0.4
MIN_AMOUNT = 8_000.0

# Updated cost / technical file (PARALIZADAS: 63 % above 1, 44 % above 1.1, 21 % above 1.5).
# (share equal, share below, median overrun when above, sigma, share of extreme x2-x6)
COST_RATIO = {"paralysed": (0.33, 0.04, 0.22, 1.0, 0.04),
              "other": (0.50, 0.10, 0.09, 0.9, 0.012)}
CONTRACT_DISCOUNT = (0.88, 1.0)   # contract / reference value (bids usually a bit below)
# Additional works on contracts: share with any, median share of contract, sigma (the
# 15 % line needs CGR's prior authorisation, DESIGN.md).
ADDITIONAL = {"paralysed": (0.45, 0.09, 0.8), "other": (0.28, 0.07, 0.8)}

# Dates. Approval -> start lag (sometimes years), plazo by work type (below), delays.
APPROVAL_LAG_MEDIAN_DAYS = 240
APPROVAL_LAG_SIGMA = 0.9
EXTENSION_SHARE = 0.38            # works with an approved extension (reprogrammed end)
EXTENSION_MEDIAN_SHARE = 0.30     # extension as a share of plazo
APPROVAL_LAG_MAX_DAYS = 8 * 365
# Finished works: years between real end and cut-off, uniform since FIRST_START_YEAR for most,
# recent (exponential) for the rest, so starts grow mildly towards recent years.
FINISHED_AGE_MEAN_YEARS = 3.0
FINISHED_RECENT_SHARE = 0.45
# Works "en ejecución": most started within their term, many long past it (late works that
# are never closed in INFObras), some with no progress recorded for months (stale).
LONG_RUNNING_SHARE = 0.30
LONG_RUNNING_YEARS = (1.0, 6.0)
STALE_SHARE = 0.18                # works "en ejecución" whose last progress is > 6 months old
STALE_MONTHS = (6, 36)
PAST_PARALYSIS_SHARE = 0.12       # works with an earlier, resolved paralysis in their history

# Physical / financial progress.
# PARALIZADAS: physical progress at paralysis roughly uniform (0-10 %: 100 ... 90-100 %: 112);
# financial - physical: median +3 points, 20 % more than 20 points ahead.
PARALYSED_PHYSICAL_BETA = (1.25, 1.15)
FINANCIAL_AHEAD_SHARE = {"paralysed": 0.20, "other": 0.07}
FINANCIAL_GAP_SD = 9.0
FINANCIAL_OVER_100_SHARE = 0.005  # PARALIZADAS: 0.5 % above 100 % (max 949)
FINISHED_INCOMPLETE_SHARE = 0.04  # finished and liquidated below 100 % physical

# People and codes.
# Demo INFObras codes live above every real one (real codes are below 600,000 in 2026), so the
# demo and the real files load side by side and a demo work is never taken for a real one.
DEMO_CODE_BASE = 10_000_000
CONTRACTOR_MISSING_SHARE = 0.025  # Contrata without contractor name/RUC (data quality)
SUPERVISOR_MISSING_SHARE = 0.12
WORKS_PER_CONTRACTOR = 6
TROUBLED_CONTRACTOR_SHARE = 0.4   # paralysed contracts drawn from a small pool of repeat offenders
WORKS_PER_TROUBLED_CONTRACTOR = 3
SHARED_CUI_SHARE = 0.03           # works sharing the CUI of another (saldos de obra);
#                                   PARALIZADAS: 1,086 distinct CUI in 1,151 works
SALDO_SHARE = 0.06
# Demo CUIs, process and contract codes lie where no real one does (real CUIs were below
# 2,800,000 in 2026; CONOSCE's process codes have 6 digits, its contract codes 7), so that a
# demo investment or contract never links to a real work loaded beside it.
CUI_RANGE = (9_000_000, 9_700_000)
DEMO_PROCESS_BASE = 90_000_000
DEMO_CONTRACT_BASE = 90_000_000
SNIP_UNTIL_YEAR = 2017            # Invierte.pe replaced SNIP in 2017
RECONSTRUCCION_DEPARTMENTS = ("PIURA", "LAMBAYEQUE", "LA LIBERTAD", "TUMBES", "ANCASH", "LIMA",
                              "ICA", "CAJAMARCA", "AREQUIPA", "HUANCAVELICA", "AYACUCHO")
RECONSTRUCCION_SHARE = 0.12       # of works approved 2017-2021 in those departments
REACTIVACION_SHARE = 0.10         # of works started 2020-2021

# Deliberately bad rows (~0.3 %) and harmless name variants (~2 %), for the loader.
BAD_ROW_SHARE = 0.003
BAD_ROW_KINDS = ("distrito_desconocido", "fecha_invalida", "monto_negativo", "codigo_duplicado")
NAME_VARIANT_SHARE = 0.02
ENYE_VARIANT_SHARE = 0.25         # of rows whose place names have an Ñ (PARALIZADAS: 25 such)


class WorkType(NamedTuple):
    """One leaf of INFObras's 3-level classifier and how works of that kind look."""

    level1: str
    level2: str
    level3: str
    sector: str                      # "Sector de la Entidad" for sector-run works
    weights: tuple[float, float, float]  # relative frequency for local, regional, national
    log10_offset: float              # amount relative to the level's median
    plazo_days: int                  # median contractual term
    objects: tuple[str, ...]         # name fragments after the intervention word
    national: tuple[str, ...]        # national entities that run this kind of work


TC, VCS, AG = "Transportes Y Comunicaciones", "Vivienda, Construcción Y Saneamiento", "Agricultura"
ED, SA, EM = "Educación", "Salud", "Energía Y Minas"
OI, OP = "Otras Infraestructuras", "Orden Público/Defensa Y Seguridad"
S_TC, S_VCS = "TRANSPORTES Y COMUNICACIONES", "VIVIENDA, CONSTRUCCION Y SANEAMIENTO"
MTC = "MINISTERIO DE TRANSPORTES Y COMUNICACIONES-ADMINISTRACION GENERAL"
PVD, PVN = "MTC- PROVIAS DESCENTRALIZADO", "MTC- PRO VIAS NACIONAL"
PNSU, PNSR = "PROGRAMA NACIONAL DE SANEAMIENTO URBANO", "PROGRAMA NACIONAL DE SANEAMIENTO RURAL"
PRONIED = "M.E.-PROGRAMA NACIONAL DE INFRAESTRUCTURA EDUCATIVA"
PRONIS = "MINSA-PROGRAMA NACIONAL DE INVERSIONES EN SALUD - PRONIS"
PSI = "PROGRAMA SUBSECTORIAL DE IRRIGACION - PSI"
AGRORURAL = "PROGRAMA DE DESARROLLO PRODUCTIVO AGRARIO RURAL - AGRORURAL"
DGER = "MEM - DIRECCION GENERAL DE ELECTRIFICACION RURAL"
MVCS = "MINISTERIO DE VIVIENDA, CONSTRUCCION Y SANEAMIENTO- ADM. GENERAL"
FONCODES = "FONDO DE COOPERACION PARA EL DESARROLLO SOCIAL - FONCODES"
PNVR = "PROGRAMA NACIONAL DE VIVIENDA RURAL"

# Leaves and weights: PARALIZADAS counts per (n1, n2, n3) and level, with small urban works
# (pistas y veredas, losas, plazas) weighted up for the universe.
WORK_TYPES: tuple[WorkType, ...] = (
    WorkType(TC, "Transporte Urbano", "Pista Y Vereda", S_TC, (14, 2, 0.3), -0.05, 120, (
        "DEL SERVICIO DE TRANSITABILIDAD VEHICULAR Y PEATONAL EN {street}",
        "DE PISTAS Y VEREDAS EN {street}",
        "DE LA INFRAESTRUCTURA VIAL URBANA EN {street}"), (MVCS,)),
    WorkType(TC, "Transporte Terrestre", "Caminos Vecinales", S_TC, (10, 8, 10), 0.10, 180, (
        "DEL CAMINO VECINAL {a} - {b}",
        "DEL SERVICIO DE TRANSITABILIDAD VIAL INTERURBANA EN EL CAMINO VECINAL {a} - {b}"),
        (PVD,)),
    WorkType(TC, "Transporte Terrestre", "Trocha Carrozable", S_TC, (4, 1, 0), -0.10, 120, (
        "DE LA TROCHA CARROZABLE {a} - {b}",), ()),
    WorkType(TC, "Transporte Terrestre", "Carreteras", S_TC, (1, 8, 14), 0.70, 540, (
        "DE LA CARRETERA {route} TRAMO {a} - {b}",
        "DEL SERVICIO DE TRANSITABILIDAD DE LA CARRETERA DEPARTAMENTAL {route} TRAMO {a} - {b}"),
        (PVN, MTC)),
    WorkType(TC, "Transporte Terrestre", "Puentes", S_TC, (3, 5, 8), 0.30, 240, (
        "DEL PUENTE VEHICULAR {a} Y ACCESOS", "DEL PUENTE PEATONAL {a}"), (PVD, MTC)),
    WorkType(TC, "Transporte Urbano", "Vías", S_TC, (4, 1, 0), 0.10, 150, (
        "DE LA AVENIDA {avenue}", "DEL SERVICIO DE MOVILIDAD URBANA EN LA AVENIDA {avenue}"), ()),
    WorkType(TC, "Transporte Urbano", "Calles", S_TC, (3, 0, 0), -0.10, 120, (
        "DE LAS CALLES DEL BARRIO {loc}",), ()),
    WorkType(VCS, "Saneamiento Urbano Y Rural", "Abastecimiento De Agua Potable", S_VCS,
             (12, 6, 14), 0.15, 180, (
        "DEL SERVICIO DE AGUA POTABLE Y SANEAMIENTO BASICO",
        "DEL SISTEMA DE AGUA POTABLE E INSTALACION DE UNIDADES BASICAS DE SANEAMIENTO",
        "DEL SERVICIO DE AGUA POTABLE RURAL"), (PNSR, PNSU)),
    WorkType(VCS, "Saneamiento Urbano Y Rural", "Alcantarillado", S_VCS, (4, 3, 6), 0.30, 240, (
        "DEL SISTEMA DE ALCANTARILLADO SANITARIO",
        "DE LOS SERVICIOS DE AGUA POTABLE Y ALCANTARILLADO"), (PNSU,)),
    WorkType(VCS, "Saneamiento Urbano Y Rural", "Planta De Tratamiento De Aguas Residuales", S_VCS,
             (1, 2, 3), 0.60, 300, ("DE LA PLANTA DE TRATAMIENTO DE AGUAS RESIDUALES",), (PNSU,)),
    WorkType(VCS, "Desarrollo Urbano Y Rural", "Otra Infraestructura", S_VCS, (3, 1, 1), -0.20,
             120, ("DEL LOCAL COMUNAL DE USOS MULTIPLES",
                   "DEL SERVICIO DE PROTECCION EN EL BARRIO {loc}"), (MVCS,)),
    WorkType(VCS, "Vivienda", "Otra Infraestructura", S_VCS, (0.5, 0, 2), -0.50, 90, (
        "DE VIVIENDAS RURALES SUMAQ WASI", "DEL SERVICIO DE VIVIENDA RURAL"), (PNVR,)),
    WorkType(ED, "Educación Básica", "Centro Educativo/Colegio", "EDUCACION", (6, 12, 12), 0.30,
             240, ("DE LOS SERVICIOS DE EDUCACION PRIMARIA EN LA I.E. N {num}",
                   "DEL SERVICIO EDUCATIVO DE NIVEL INICIAL EN LA I.E.I. N {num}",
                   "DEL SERVICIO EDUCATIVO DE NIVEL SECUNDARIO EN LA I.E. {person}"), (PRONIED,)),
    WorkType(ED, "Educación Básica", "Otra Infraestructura", "EDUCACION", (2, 2, 2), -0.30, 90, (
        "DEL CERCO PERIMETRICO DE LA I.E. N {num}", "DE AULAS EN LA I.E. N {num}"), (PRONIED,)),
    WorkType(ED, "Educación Universitaria", "Otra Infraestructura", "EDUCACION", (0, 1, 3), 0.40,
             300, ("DE LOS SERVICIOS ACADEMICOS DE LA FACULTAD DE INGENIERIA",),
             ("UNIVERSIDAD NACIONAL DE INGENIERIA", "UNIVERSIDAD NACIONAL MAYOR DE SAN MARCOS",
              "UNIVERSIDAD NACIONAL DEL ALTIPLANO", "UNIVERSIDAD NACIONAL DE SAN AGUSTIN")),
    WorkType(ED, "Deporte", "Losa Deportiva", "EDUCACION", (5, 0.5, 0), -0.50, 90, (
        "DE LA LOSA DEPORTIVA MULTIUSO DEL BARRIO {loc}",
        "DEL SERVICIO DEPORTIVO EN LA LOSA DEL SECTOR {loc}"), ()),
    WorkType(ED, "Deporte", "Complejo Deportivo", "EDUCACION", (2, 1, 0), 0.20, 180, (
        "DEL SERVICIO DEPORTIVO Y RECREATIVO DEL COMPLEJO DEPORTIVO {loc}",), ()),
    WorkType(ED, "Deporte", "Estadio", "EDUCACION", (1.5, 1, 0), 0.30, 240, (
        "DEL ESTADIO MUNICIPAL", "DE CAMPO DEPORTIVO CON GRASS SINTETICO"), ()),
    WorkType(SA, "Atención Médica", "Centro De Salud", "SALUD", (1, 3, 3), 0.50, 300, (
        "DE LOS SERVICIOS DE SALUD DEL CENTRO DE SALUD {loc}",), (PRONIS,)),
    WorkType(SA, "Atención Médica", "Puesto De Salud", "SALUD", (1.5, 2, 1), -0.10, 180, (
        "DEL SERVICIO DE SALUD DEL PUESTO DE SALUD {loc}",), (PRONIS,)),
    WorkType(SA, "Atención Médica", "Hospital", "SALUD", (0, 2, 3), 1.20, 720, (
        "DE LOS SERVICIOS DE SALUD DEL HOSPITAL {person}",),
        (PRONIS, "SEGURO SOCIAL DE SALUD - ESSALUD")),
    WorkType(AG, "Riego", "Canales", "AGRICULTURA", (6, 8, 5), 0.0, 150, (
        "DEL SERVICIO DE AGUA PARA RIEGO DEL CANAL {a}", "DEL CANAL DE RIEGO {a} - {b}"),
        (PSI, AGRORURAL)),
    WorkType(AG, "Riego", "Represa/Reservorio", "AGRICULTURA", (1.5, 2, 2), 0.20, 180, (
        "DEL SERVICIO DE AGUA PARA RIEGO CON RESERVORIO EN {loc}",), (PSI, AGRORURAL)),
    WorkType(AG, "Riego", "Bocatomas", "AGRICULTURA", (1, 1, 1), 0.0, 120, (
        "DE LA BOCATOMA {a}",), (PSI,)),
    WorkType(AG, "Riego", "Otra Infraestructura", "AGRICULTURA", (2, 2, 3), 0.0, 150, (
        "DEL SERVICIO DE AGUA PARA RIEGO TECNIFICADO EN EL SECTOR {loc}",), (PSI, AGRORURAL)),
    WorkType(AG, "Agrario", "Otra Infraestructura", "AGRICULTURA", (1.5, 1, 1), -0.20, 120, (
        "DE LOS SERVICIOS DE APOYO A LA CADENA PRODUCTIVA EN {loc}",), (AGRORURAL,)),
    WorkType(AG, "Pecuario", "Otra Infraestructura", "AGRICULTURA", (0.7, 0.3, 0), -0.30, 90, (
        "DE LOS SERVICIOS DE APOYO A LA PRODUCCION PECUARIA EN {loc}",), ()),
    WorkType(EM, "Energía Eléctrica", "Electrificación Rural", "ENERGIA Y MINAS", (2, 3, 4), 0.10,
             180, ("DEL SERVICIO DE ENERGIA ELECTRICA MEDIANTE SISTEMA CONVENCIONAL EN {loc}",
                   "DE LA ELECTRIFICACION RURAL DEL CASERIO {loc}"), (DGER,)),
    WorkType(EM, "Energía Eléctrica", "Sistema De Distribución Eléctrica", "ENERGIA Y MINAS",
             (0.5, 1, 3), 0.30, 240, ("DEL SISTEMA DE DISTRIBUCION ELECTRICA EN {loc}",),
             ("EMPRESA REGIONAL DE SERVICIO PUBLICO DE ELECTRICIDAD DEL CENTRO S.A.",
              "SOCIEDAD ELECTRICA DEL SUR OESTE S.A. (SEAL)", DGER)),
    WorkType(OI, "Otra Infraestructura", "Otra Infraestructura", "OTROS SECTORES", (6, 3, 2),
             -0.20, 120, ("DE LA CAPACIDAD OPERATIVA DEL SERVICIO DE LIMPIEZA PUBLICA",
                          "DEL SERVICIO DE INTERPRETACION CULTURAL EN {loc}",
                          "DEL CEMENTERIO MUNICIPAL"), (FONCODES,)),
    WorkType(OI, "Comercio Interno/Externo", "Mercado", "OTROS SECTORES", (1.5, 0.2, 0), 0.20, 240,
             ("DEL SERVICIO DE COMERCIALIZACION DEL MERCADO DE ABASTOS {loc}",), ()),
    WorkType(OI, "Areas Verdes Y Ornato Publico", "Plaza/Plazuela", "OTROS SECTORES", (2, 0, 0),
             -0.30, 90, ("DE LA PLAZA PRINCIPAL", "DE LOS ESPACIOS PUBLICOS DE LA PLAZUELA {loc}"),
             ()),
    WorkType(OI, "Areas Verdes Y Ornato Publico", "Complejo Recreacional", "OTROS SECTORES",
             (1.5, 0.2, 0), -0.20, 120, ("DE LOS SERVICIOS RECREATIVOS DEL PARQUE {loc}",), ()),
    WorkType("Cultura", "Desarrollo Cultural", "Casa Y Centro De Cultura", "CULTURA", (1, 0.3, 0.5),
             0.0, 180, ("DE LOS SERVICIOS CULTURALES DE LA CASA DE LA CULTURA",),
             ("MINISTERIO DE CULTURA",)),
    WorkType(OP, "Orden Público Y Seguridad", "Defensa Ribereña",
             "ORDEN PUBLICO, DEFENSA Y SEGURIDAD", (1.5, 1.5, 1), 0.0, 120,
             ("DEL SERVICIO DE PROTECCION CONTRA INUNDACIONES EN EL RIO {a}",),
             ("AUTORIDAD PARA LA RECONSTRUCCION CON CAMBIOS", PSI)),
    WorkType(OP, "Orden Público Y Seguridad", "Otra Infraestructura",
             "ORDEN PUBLICO, DEFENSA Y SEGURIDAD", (0.5, 0.3, 1), 0.10, 180, (
        "DEL SERVICIO DE SEGURIDAD CIUDADANA", "DE LOS SERVICIOS POLICIALES DE LA COMISARIA {loc}"),
        ("MINISTERIO DEL INTERIOR-OFICINA GENERAL DE ADMINISTRACION",)),
)

# Name building. Interventions (older SNIP-era names favour INSTALACION/CONSTRUCCION).
INTERVENTIONS = {"MEJORAMIENTO": 40, "MEJORAMIENTO Y AMPLIACION": 14, "CREACION": 18,
                 "AMPLIACION": 5, "REHABILITACION": 7, "RECUPERACION": 4, "INSTALACION": 6,
                 "CONSTRUCCION": 6}
NATURALEZA = {"MEJORAMIENTO": "Mejoramiento", "MEJORAMIENTO Y AMPLIACION": "Mejoramiento",
              "CREACION": "Construcción/Creación", "AMPLIACION": "Ampliación",
              "REHABILITACION": "Rehabilitación", "RECUPERACION": "Rehabilitación",
              "INSTALACION": "Construcción/Creación", "CONSTRUCCION": "Construcción/Creación"}
# Place suffixes seen in real names (PARALIZADAS nombre_obra).
PLACE_SUFFIXES = (
    " EN LA LOCALIDAD DE {loc} DISTRITO DE {district} - PROVINCIA DE {province} - DEPARTAMENTO "
    "{department}",
    " EN EL CENTRO POBLADO {loc} DEL DISTRITO DE {district} PROVINCIA DE {province} "
    "DEPARTAMENTO DE {department}",
    " DISTRITO DE {district} - {province} - {department}",
    " EN EL DISTRITO DE {district} PROVINCIA DE {province} DEPARTAMENTO DE {department}",
)
LOCALITY_PREFIXES = ("", "", "CASERIO ", "ANEXO ", "COMUNIDAD CAMPESINA DE ", "SECTOR ")
STREET_KINDS = ("EL JR. ", "LA AV. ", "LA CALLE ", "EL PSJE. ")
ADDRESS_KINDS = ("JR. ", "AV. ", "CALLE ", "PSJE. ")
STREET_NAMES = ("LOS ANDES", "GRAU", "BOLOGNESI", "SAN MARTIN", "LIMA", "AREQUIPA", "LOS INCAS",
                "28 DE JULIO", "JOSE OLAYA", "LAS FLORES", "TUPAC AMARU", "AYACUCHO", "JUNIN",
                "LOS PINOS", "LAS PALMERAS", "SANTA ROSA", "DOS DE MAYO", "LA UNION", "CUSCO",
                "MARIATEGUI", "CESAR VALLEJO", "MANCO CAPAC", "LOS LIBERTADORES", "PROGRESO")
PERSONS = ("JOSE CARLOS MARIATEGUI", "CESAR VALLEJO", "MIGUEL GRAU", "SANTA ROSA DE LIMA",
           "JOSE MARIA ARGUEDAS", "TUPAC AMARU II", "MICAELA BASTIDAS", "RICARDO PALMA",
           "SAN MARTIN DE PORRES", "DANIEL ALCIDES CARRION", "INCA GARCILASO DE LA VEGA",
           "MARIA PARADO DE BELLIDO", "JORGE BASADRE", "ANDRES AVELINO CACERES")
ROUTE_PREFIXES = ("PE-", "AP-", "CU-", "PU-", "AY-", "HV-", "AN-", "CA-", "LI-", "PI-", "JU-")
REGIONAL_UNITS = ("SEDE CENTRAL", "SEDE CENTRAL", "SEDE CENTRAL", "SEDE CENTRAL", "AGRICULTURA",
                  "TRANSPORTES", "EDUCACION", "SALUD")

# Contractor and supervisor names.
COMPANY_WORDS = ("ANDINO", "VIAL", "HIDRAULICA", "MAQUINARIAS", "SERVICIOS", "GRUPO", "ALPAMAYO",
                 "HUASCARAN", "AUSANGATE", "SALKANTAY", "MISTI", "CHACHANI", "YAURI", "TAYTA",
                 "KUSI", "SUMAQ", "PUKARA", "QORI", "ILLAPA", "WAYRA", "RUMI", "SACHA", "MAYU",
                 "LLACTA", "AYNI", "MINKA", "JATUN", "HATUN", "CCORI", "PERU", "SELVA", "COSTA",
                 "SIERRA", "LIBERTAD", "PACIFICO", "ATLANTIS", "CENTAURO", "ORION", "FENIX",
                 "AGUILA", "PUMA", "JAGUAR", "VICUÑA", "ALPACA", "LLAMA", "MOLLE", "QUEÑUA",
                 "INCA", "SAN JOSE", "LOS ANDES", "DEL SUR", "NORTE", "CONDOR", "PACHA",
                 "SOLIS", "QUISPE", "MAMANI", "HUAMAN", "VILCA", "RAMOS", "FLORES", "CHAVEZ",
                 "TORRES", "ROJAS", "MENDOZA", "AMAZONICO", "ALTIPLANO", "VIRGEN DE COCHARCAS",
                 "SEÑOR DE LOS MILAGROS", "SANTA ROSA", "EL PORVENIR", "PROGRESO", "UNION",
                 "CORDILLERA", "TITICACA", "ILLARY", "INTI", "KALLPA", "WARI", "CHAVIN", "MOCHE",
                 "PARACAS", "SIPAN", "VILCANOTA", "APURIMAC", "RIMAC", "MANTARO", "HUALLAGA")
COMPANY_FORMS = ("CONSORCIO {a} {b}", "CONSORCIO {a}", "{a} CONTRATISTAS GENERALES S.A.C.",
                 "CONSTRUCTORA {a} E.I.R.L.", "{a} {b} INGENIEROS S.R.L.",
                 "CORPORACION {a} S.A.C.", "INVERSIONES Y CONSTRUCCIONES {a} S.A.C.")
OXI_COMPANIES = ("SOUTHERN PERU COPPER CORPORATION SUCURSAL DEL PERU", "BANCO DE CREDITO DEL PERU",
                 "COMPAÑIA MINERA ANTAMINA S.A.", "TELEFONICA DEL PERU S.A.A.",
                 "UNION DE CERVECERIAS PERUANAS BACKUS Y JOHNSTON S.A.A.")
SUPERVISOR_FIRST = ("JUAN", "CARLOS", "LUIS", "JORGE", "ROSA", "MARIA", "PEDRO", "EDGAR",
                    "WILBER", "YONY", "RUTH", "ELMER", "NILDA", "FREDY", "HUGO", "CESAR")
SUPERVISOR_LAST = ("QUISPE", "MAMANI", "HUAMAN", "CONDORI", "FLORES", "RAMOS", "CHAVEZ", "TORRES",
                   "ROJAS", "MENDOZA", "VARGAS", "CCAHUANA", "PUMA", "APAZA", "TICONA", "SALAS")
WORKS_PER_SUPERVISOR = 8
PERSON_SUPERVISOR_SHARE = 0.45    # supervisors that are individuals (RUC 10...) vs firms (20...)

PROJECT_STATES = {"Finalizado": ("CERRADO", "ACTIVO"), "En Ejecución": ("ACTIVO",),
                  "Paralizada": ("ACTIVO",), "Sin Ejecución": ("ACTIVO", "DESACTIVADO")}
UNFINISHED_REASONS = ("Resolución de contrato", "Falta de presupuesto", "Liquidación de oficio",
                      "Controversia con el contratista")

# Geolocation (the companion file ubicaciones-demo.csv; the export itself has no coordinates).
# Share of works with a surveyed point: PARALIZADAS has one for all of its 1,151 works (starts
# 2017-2025), 1,135 from INFOBRAS and 16 (1.4 %) from INVIERTE.PE. Older works, above all
# finished ones registered before Invierte.pe (2017), were often never georeferenced (BRIEF:
# "most, not all; older finished works less often"), nor are many works not yet started.
COORDS_SHARE_RECENT = 0.95        # started (or approved, if not started) in 2017 or later
COORDS_SHARE_OLD = 0.70           # started before 2017, not finished
COORDS_SHARE_OLD_FINISHED = 0.40  # started before 2017 and finished
COORDS_SHARE_NOT_STARTED = 0.80   # sin ejecución
COORDS_INVIERTE_SHARE = 16 / 1151
# Where: around the district capital (ubigeo table), at a distance scaled by the district's
# size R = sqrt(area / pi). Urban works (streets, squares, markets, schools in town) sit in the
# capital town: half-normal with sigma = URBAN_SIGMA_R * R, at most URBAN_SIGMA_MAX_KM. Rural
# ones (roads, canals, rural electrification) sit in the district's villages: R * Beta(a, b) *
# RURAL_REACH. A point that falls outside its district is pulled back towards the capital
# (halving its distance, SCATTER_TRIES times), but CROSS_BORDER_SHARE of the works are put
# just past the border, at CROSS_BORDER_REACH x R from the capital, in a neighbouring district
# (works on a road or canal that crosses it, points registered on the wrong side): the
# location-mismatch alert fires on them. PARALIZADAS flags ~15 % (172 of 1,151), mostly
# border effects of the coarse district layer on real points; the demo keeps it smaller and
# adds the capitals that lie outside their own coarse polygon (80 of 1,887).
CROSS_BORDER_SHARE = 0.04
CROSS_BORDER_REACH = (0.8, 1.6)
SCATTER_TRIES = 6
URBAN_SIGMA_R = 0.12
URBAN_SIGMA_MAX_KM = 1.2
RURAL_BETA = (1.6, 2.6)
RURAL_REACH = 1.1
RURAL_SHARE = {"Transporte Urbano": 0.05, "Areas Verdes Y Ornato Publico": 0.05,
               "Comercio Interno/Externo": 0.1, "Educación Básica": 0.4,
               "Atención Médica": 0.4, "Caminos Vecinales": 0.95, "Transporte Terrestre": 0.9,
               "Riego": 0.95, "Agrario": 0.9, "Pecuario": 0.95, "Energía Eléctrica": 0.85,
               "Orden Público Y Seguridad": 0.5}
RURAL_SHARE_DEFAULT = 0.5
AREA_KM2_DEFAULT = 150.0          # a district without a surface in the table (19 new ones)
# Deliberately broken rows of the geolocation file (~0.2 % of points, evenly by kind), which
# the loader must quarantine: lat/lon swapped, zero, outside Peru's box, inside the box but in
# the sea or a neighbouring country, a code that is not in the export.
COORDS_BAD_SHARE = 0.002
COORDS_BAD_KINDS = ("invertidas", "cero", "fuera_del_peru", "fuera_de_distritos",
                    "codigo_desconocido")
FOREIGN_POINTS = ((-68.15, -16.50),   # La Paz, Bolivia (outside the box)
                  (-70.31, -18.48),   # Arica, Chile (outside the box)
                  (-68.77, -11.03),   # Cobija, Bolivia (inside the box, ~60 km from Peru)
                  (-78.60, -12.05))   # the Pacific, ~150 km off Callao (inside the box)
