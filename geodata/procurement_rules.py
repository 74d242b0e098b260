"""The procurement red flags (SEACE): what each rule checks, its thresholds and where each comes
from, the amount at risk, and the sentences a citizen reads.

They are written here as the keyword arguments of geodata.alert_rules.Rule (PROCUREMENT_SPECS),
and geodata/alert_rules.py makes them Rules beside the works' rules: one list of rules, one
place where each rule is explained, without an import cycle (this module imports nothing of
alert_rules). geodata/procurement_flags.py applies them in PostGIS to processes and contracts.

Every sentence that is an alert ends with its basis, and every basis with the line that an
alert does not prove an irregularity. A process the data cannot judge for a rule (no bid
prices, no dates, a group of processes too small for its fences) is counted as «no evaluable»
for that rule and source in procurement_rule_coverage, never taken for «no alert».
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType


def N_(message: str) -> str:  # noqa: N802 - gettext's conventional name
    """Marks a sentence for the interface's message catalogs; the database keeps Spanish."""
    return message

NOT_PROOF = N_("Una alerta no prueba una irregularidad: señala qué revisar.")
_LCE = "TUO de la Ley N.° 30225, Ley de Contrataciones del Estado (D.S. N.° 082-2019-EF)"
_RLCE = ("Reglamento de la Ley N.° 30225 (D.S. N.° 344-2018-EF y sus modificatorias, entre "
         "ellas los D.S. N.° 377-2019-EF, 168-2020-EF y 162-2021-EF)")
_OCP = ("metodología de banderas rojas de Open Contracting Partnership («Red Flags for "
        "Integrity», 2016)")

# Competitive procedures: the selection procedures of the law's art. 21 in which any supplier
# may bid, i.e. all but the direct award (contratación directa). Spelled as SEACE writes them.
COMPETITIVE = ("Licitación Pública", "Concurso Público", "Adjudicación Simplificada",
               "Selección de Consultores Individuales", "Comparación de Precios",
               "Subasta Inversa Electrónica")
# Legal minimum submission periods, in business days, and the date they are counted from.
TENDER_PERIOD = {"Licitación Pública": ("dias_lp_cp", "call"),
                 "Concurso Público": ("dias_lp_cp", "call"),
                 "Adjudicación Simplificada": ("dias_as", "integration")}
WORKS_OBJECT = "Obra"
SANCTION_KINDS = ("inhabilitacion", "sancion")   # a fine (multa) does not disqualify

# A work linked to several flagged processes or contracts of one rule: one alert saying so.
WORK_SEVERAL = N_("{n} procesos o contratos vinculados a esta obra activan esta regla. "
                  "El primero: {primero}")


def _t(**values: float) -> Mapping[str, float]:
    return MappingProxyType(values)


PROCUREMENT_SPECS: tuple[dict, ...] = (
    dict(
        code="postor_unico",
        name=N_("Proceso competitivo con un solo postor"),
        severity="media",
        threshold=_t(max_postores=1),
        source=(f"{_OCP}: «un solo postor en un procedimiento competitivo». Procedimientos "
                f"competitivos: los del art. 21 del {_LCE} en que cualquier proveedor puede "
                "ofertar (licitación pública, concurso público, adjudicación simplificada, "
                "selección de consultores individuales, comparación de precios y subasta "
                "inversa electrónica); no la contratación directa ni los regímenes especiales."),
        description=("Proceso competitivo con al menos un ítem adjudicado que tuvo "
                     "{max_postores} postor o menos (postores distintos registrados en el "
                     "ítem). Un ítem adjudicado sin postores registrados no se puede evaluar."),
        amount_at_risk="monto adjudicado de los ítems con un solo postor",
        basis=N_("En un procedimiento competitivo se espera más de un postor: uno solo puede "
                 "indicar requisitos restrictivos o poca difusión. ") + NOT_PROOF,
        messages=MappingProxyType({
            "unico": N_("Proceso {proceso} ({tipo}): {items} de sus {adjudicados} ítems "
                        "adjudicados tuvo un solo postor ({monto} adjudicados sin competencia)."),
        }),
    ),
    dict(
        code="plazo_corto",
        name=N_("Plazo para ofertar menor al mínimo legal"),
        severity="media",
        threshold=_t(dias_lp_cp=22, dias_as=3),
        source=(f"{_RLCE}: art. 70 (licitación pública y concurso público: no menos de 22 días "
                "hábiles entre la convocatoria y la presentación de ofertas, contados desde el "
                "día siguiente de la convocatoria) y art. 89 (adjudicación simplificada: no "
                "menos de 3 días hábiles desde el día siguiente de la publicación de las bases "
                "integradas). Días hábiles: sin sábados, domingos ni feriados nacionales del "
                "Perú (paquete «holidays», calendario de Perú; no incluye los días no "
                "laborables que el Ejecutivo declara cada año)."),
        description=("Días hábiles desde el día siguiente de la convocatoria (licitación y "
                     "concurso públicos: mínimo {dias_lp_cp}) o de las bases integradas "
                     "(adjudicación simplificada: mínimo {dias_as}) hasta la presentación de "
                     "ofertas, inclusive. Otros procedimientos: la regla no fija mínimo (en la "
                     "subasta inversa y la comparación de precios la fecha de presentación que "
                     "publica el SEACE no es el cierre del plazo)."),
        amount_at_risk="valor referencial del proceso",
        basis=N_("Un plazo corto limita quién puede preparar una oferta. Días hábiles: sin "
                 "fines de semana ni feriados nacionales. ") + NOT_PROOF,
        messages=MappingProxyType({
            "corto": N_("Proceso {proceso} ({tipo}): {dias} días hábiles desde {desde_que} "
                        "({desde}) hasta la presentación de ofertas ({hasta}); el mínimo legal "
                        "es {minimo}."),
        }),
    ),
    dict(
        code="contrato_vs_adjudicado",
        name=N_("Contrato lejos del monto adjudicado"),
        severity="media",
        threshold=_t(umbral_pct=30),
        source=(f"{_OCP}: «monto del contrato distinto del adjudicado». Umbral de ±30 %: "
                "criterio del proyecto, configurable."),
        description=("Contrato de un proceso de un solo ítem y un solo contrato cuyo monto se "
                     "aparta más de ±{umbral_pct} % del monto adjudicado. Los procesos de "
                     "varios ítems o varios contratos no se evalúan: CONOSCE repite cada "
                     "contrato en cada ítem del proceso y no dice con certeza qué parte de lo "
                     "adjudicado cubre cada uno."),
        amount_at_risk="diferencia entre el monto del contrato y el adjudicado",
        basis=N_("Un contrato que se aparta de lo adjudicado cambia las condiciones que se "
                 "compitieron. ") + NOT_PROOF,
        messages=MappingProxyType({
            "diferencia": N_("Contrato {contrato} del proceso {proceso}: {monto_contrato}, "
                             "{pct} respecto de lo adjudicado ({monto_adjudicado})."),
        }),
    ),
    dict(
        code="adjudicado_vs_referencial",
        name=N_("Adjudicación lejos del valor referencial"),
        severity="media",
        threshold=_t(obra_min_pct=90, obra_max_pct=110, tukey_k=1.5, muestra_minima=30),
        source=(f"Obras: {_LCE}, art. 28.2 (se rechazan las ofertas por debajo del 90 % del "
                "valor referencial o por encima del 110 %). Otros objetos: cercas de Tukey "
                "(Q1 − 1,5·RIC, Q3 + 1,5·RIC) de la razón adjudicado / referencial por tipo de "
                "procedimiento y objeto, calculadas sobre los datos cargados y publicadas con "
                "la regla; no se evalúa un grupo con menos de 30 ítems ni uno sin rango "
                "intercuartílico (Q1 = Q3: en la comparación de precios lo adjudicado suele "
                "ser exactamente el referencial, y toda diferencia quedaría fuera)."),
        description=("Ítem adjudicado cuya razón monto adjudicado / valor referencial del ítem "
                     "cae fuera del {obra_min_pct} %–{obra_max_pct} % (obras) o fuera de las "
                     "cercas de Tukey (k = {tukey_k}) de su tipo de procedimiento y objeto "
                     "(grupos de {muestra_minima} ítems o más, con Q3 > Q1)."),
        amount_at_risk="diferencia entre lo adjudicado y el valor referencial de los ítems",
        basis=N_("Una adjudicación muy por debajo o por encima del valor referencial puede "
                 "indicar un referencial mal calculado o una oferta temeraria. ") + NOT_PROOF,
        messages=MappingProxyType({
            "obra": N_("Proceso {proceso}: obra adjudicada al {pct} de su valor referencial "
                       "({monto_adjudicado} de {monto_referencial}); la ley admite ofertas "
                       "entre el {obra_min_pct} % y el {obra_max_pct} %."),
            "cerca": N_("Proceso {proceso}: adjudicado al {pct} de su valor referencial "
                        "({monto_adjudicado} de {monto_referencial}), fuera de lo habitual en "
                        "{grupo} (entre {inferior} y {superior})."),
        }),
    ),
    dict(
        code="adicionales_contrato",
        name=N_("Adicionales de un contrato de obra sobre el 15 %"),
        severity="media",
        threshold=_t(umbral_pct=15, umbral_alta_pct=50),
        source=(f"{_LCE}, art. 34 (34.4 y 34.5): la entidad aprueba adicionales de obra hasta "
                "el 15 % del contrato original; por encima, y hasta un máximo del 50 %, "
                "requieren autorización previa de la Contraloría."),
        description=("Contrato de un proceso de obra cuyos adicionales superan el "
                     "{umbral_pct} % de su monto (media; alta sobre el tope legal de "
                     "{umbral_alta_pct} %)."),
        amount_at_risk="monto de los adicionales del contrato",
        basis=N_("Por encima del {umbral_pct} % los adicionales de obra necesitan autorización "
                 "previa de la Contraloría (tope legal: {umbral_alta_pct} %). ") + NOT_PROOF,
        messages=MappingProxyType({
            "adicionales": N_("Contrato {contrato} del proceso {proceso}: adicionales por "
                              "{adicionales}, {pct} de su monto ({monto_contrato})."),
        }),
    ),
    dict(
        code="adjudicaciones_repetidas",
        name=N_("Muchas adjudicaciones de una entidad a un proveedor"),
        severity="media",
        threshold=_t(max_adjudicaciones=4, ventana_dias=365),
        source=(f"{_OCP}: «un mismo proveedor gana repetidamente con la misma entidad» "
                "(posible fraccionamiento o direccionamiento). Más de 4 en 365 días: criterio "
                "del proyecto, configurable."),
        description=("Proceso adjudicado a un proveedor que, con él, suma más de "
                     "{max_adjudicaciones} procesos adjudicados por la misma entidad (mismo RUC "
                     "de la entidad) en {ventana_dias} días (ventana móvil que termina en la "
                     "fecha de la buena pro). Se marca cada proceso desde el "
                     "{max_adjudicaciones}.º + 1 de la ventana."),
        amount_at_risk="monto adjudicado al proveedor en este proceso",
        basis=N_("Más de {max_adjudicaciones} adjudicaciones a un mismo proveedor en "
                 "{ventana_dias} días pueden indicar fraccionamiento o direccionamiento. ")
        + NOT_PROOF,
        messages=MappingProxyType({
            "repetidas": N_("{entidad} adjudicó a {proveedor} (RUC {ruc}) {n} procesos entre "
                            "el {desde} y el {hasta}; este es uno de ellos."),
        }),
    ),
    dict(
        code="proveedor_sancionado",
        name=N_("Buena pro a un proveedor sancionado"),
        severity="alta",
        threshold=_t(),
        source=(f"{_LCE}, art. 11 (impedimentos) y art. 50 (sanciones del Tribunal de "
                "Contrataciones del Estado): un proveedor inhabilitado no puede contratar con "
                "el Estado mientras dure la sanción. Fechas de la sanción: registro de "
                "inhabilitados y sancionados del OSCE, como lo publica CONOSCE."),
        description=("Ítem cuya buena pro se otorgó a un proveedor (el ganador del ítem) con "
                     "una inhabilitación o sanción vigente ese día: inicio en o antes de la "
                     "buena pro y fin en o después (sin fin: vigente). Las multas no cuentan."),
        amount_at_risk="monto adjudicado al proveedor sancionado",
        basis=N_("Un proveedor inhabilitado no puede contratar con el Estado mientras dure la "
                 "sanción. ") + NOT_PROOF,
        messages=MappingProxyType({
            "sancionado": N_("Proceso {proceso}: buena pro a {proveedor} (RUC {ruc}) el "
                             "{fecha}, con una sanción vigente del {inicio} al {fin} "
                             "({resolucion})."),
        }),
    ),
    dict(
        code="precios_identicos",
        name=N_("Precios idénticos de postores distintos"),
        severity="alta",
        threshold=_t(min_postores=2),
        source=(f"{_OCP}: «ofertas con precios idénticos» (posible colusión). Requiere el "
                "precio de cada oferta, que solo publican los datos OCDS del SEACE: en CONOSCE "
                "la regla no es evaluable."),
        description=("Ítem en que {min_postores} postores distintos o más ofertaron exactamente "
                     "el mismo precio. Sin precios de las ofertas, el proceso queda «no "
                     "evaluable», nunca «sin alerta»."),
        amount_at_risk="monto adjudicado del ítem",
        basis=N_("Ofertas idénticas de competidores distintos pueden indicar colusión. ")
        + NOT_PROOF,
        messages=MappingProxyType({
            "identicos": N_("Proceso {proceso}, ítem {item}: {postores} postores ofertaron el "
                            "mismo precio ({monto})."),
        }),
    ),
)

CODES: frozenset[str] = frozenset(spec["code"] for spec in PROCUREMENT_SPECS)
