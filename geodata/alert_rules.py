"""The alert rules in one place: code, name, severity, thresholds and where each threshold
comes from, what the amount at risk means, and the sentences a citizen reads.

geodata/alerts.py applies each rule in PostGIS. A sentence's `{placeholders}` are either the
rule's thresholds (filled in here) or figures the rule's SQL computes for each work (filled in
there). Variants named `nc_*` are the "no calculable" sentences: the data a rule needs is
missing for that work, which is said, never taken for "no alert".

Amount at risk ("monto en riesgo"), per rule:
- rules about the execution or the record of a work (paralysed, late, stale record, late start,
  location, contractor/supervisor, contractor with paralysed works): the balance not yet executed
  (saldo por ejecutar = inversión − devengado acumulado, never below zero): public money still
  to be spent on a work whose execution is in doubt;
- cost overrun: updated cost − technical-file amount;
- additional works: the amount of additional works;
- financial ahead of physical: the money paid ahead of the physical progress
  ((avance financiero − avance físico) % × inversión);
- between sources: progress that INFObras and Invierte.pe disagree on ((difference) % ×
  inversión), MEF's devengado ahead of INFObras's progress ((devengado % − avance físico) % ×
  costo), a contract amount INFObras and SEACE disagree on (the difference), a status they
  disagree on (the balance not yet executed).
By area, a work counts once, with the largest amount at risk of its alerts.

A rule of kind "senal" (the control signal) is no alert: its rows have state 'senal', no
severity and no amount, and no count or sum of alerts includes them; they say where oversight
has already looked (the entity's control reports), not that anything is wrong with the work.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from geodata import procurement_rules
from geodata.messages import N_

SEVERITIES = ("alta", "media", "baja")
NOT_COMPUTABLE_PREFIX = "nc_"

# Fields a source does not carry at all: where a rule needs them, the work is "no calculable"
# (a blank there means "the source has no such column", not "nothing registered").
SOURCE_GAPS: Mapping[str, frozenset[str]] = MappingProxyType({
    "paralizadas": frozenset({"contractor_ruc", "contractor_name", "supervisor_name",
                              "supervisor_ruc", "amount_contract", "amount_additional",
                              "approval_date", "programmed_end", "reprogrammed_end",
                              "last_update"}),
})
# Sources whose own financial figures are MEF's (the paralysed-works file took devengado and
# avance financiero from Invierte.pe/SIAF): there, comparing money with INFObras's progress is
# a between-source rule (devengado_avance), and the single-source brecha_financiera leaves
# them to it, so one fact is one alert.
FINANCIAL_FROM_MEF: frozenset[str] = frozenset({"paralizadas"})
SIGNAL = "senal"

_CGR = "Contraloría General de la República"
_OCP = ("metodología de banderas rojas de Open Contracting Partnership («Red Flags for "
        "Integrity», 2016)")
_OC4IDS = "estándar de datos de infraestructura OC4IDS (CoST / Open Contracting Partnership)"
_LCE = "TUO de la Ley N.° 30225, Ley de Contrataciones del Estado (D.S. N.° 082-2019-EF)"
_GFP = ("«Alertas de Obras Públicas Paralizadas en el Perú — resultados a mayo del 2026» "
        "(Programa GFP Subnacional, Cooperación Suiza SECO, Basel Institute on Governance)")
_BALANCE = "saldo por ejecutar (inversión − devengado acumulado)"

LOADER = "alertas"  # the recompute's name in load_run (geodata/alerts.py)


class ThresholdError(ValueError):
    """A threshold override that does not fit a rule; the message is for the user."""


@dataclass(frozen=True)
class Rule:
    """One explainable rule. `threshold` values are numbers; `messages` maps a variant to a
    sentence; `basis` is appended to every variant that is an alert (not to `nc_*`)."""

    code: str
    name: str
    severity: str
    threshold: Mapping[str, float]
    source: str
    description: str
    amount_at_risk: str
    basis: str
    messages: Mapping[str, str] = field(default_factory=dict)
    kind: str = "alerta"          # or SIGNAL: shown apart, never counted as an alert
    # The other source the rule compares the works with, named for /datos ("no evaluable:
    # falta <needs>" when none of it is loaded; geodata/alerts.py NEEDS_SQL tests that);
    # None for rules that read the works alone.
    needs: str | None = None

    def sentence(self, variant: str) -> str:
        """The full template of one variant, thresholds still as placeholders."""
        text = self.messages[variant]
        if variant.startswith(NOT_COMPUTABLE_PREFIX) or not self.basis:
            return text
        return f"{text} {self.basis}"

    def columns(self) -> tuple[str, ...]:
        """The per-work figures the sentences need, in a fixed order (SQL provides them)."""
        names = {name for variant in self.messages for name in _fields(self.sentence(variant))}
        return tuple(sorted(names - set(self.threshold)))

    def sql_format(self, variant: str) -> str:
        """The variant as a PostgreSQL format() string: thresholds written in, figures as
        positional %n$s arguments in the order of `columns()`."""
        columns = self.columns()
        out = []
        for literal, name, _spec, _conv in string.Formatter().parse(self.sentence(variant)):
            out.append(literal.replace("%", "%%"))
            if name is None:
                continue
            if name in self.threshold:
                out.append(number_es(self.threshold[name]).replace("%", "%%"))
            else:
                out.append(f"%{columns.index(name) + 1}$s")
        return "".join(out)

    def with_threshold(self, **values: float) -> Rule:
        unknown = sorted(set(values) - set(self.threshold))
        if unknown:
            raise ThresholdError(
                f"La regla «{self.code}» no tiene el umbral «{unknown[0]}». "
                f"Umbrales: {', '.join(sorted(self.threshold))}.")
        for key, value in values.items():
            if not isinstance(value, int | float) or value != value or value < 0:
                raise ThresholdError(f"El umbral «{self.code}.{key}» debe ser un número ≥ 0.")
        return replace(self, threshold=MappingProxyType({**self.threshold, **values}))


def _fields(template: str) -> list[str]:
    return [name for _lit, name, _spec, _conv in string.Formatter().parse(template) if name]


def number_es(value: float) -> str:
    """6 -> "6", 1.5 -> "1,5" (thresholds in sentences)."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}".replace(".", ",")


def _t(**values: float) -> Mapping[str, float]:
    return MappingProxyType(values)


RULES: tuple[Rule, ...] = (
    Rule(
        code="paralizada",
        name=N_("Obra paralizada"),
        severity="alta",
        threshold=_t(umbral_meses=6),
        source=(f"{_CGR}: se considera paralizada la obra no concluida que no reporta avance "
                "físico durante seis meses o más (criterio de sus reportes de obras paralizadas; "
                "la Ley N.° 31589, art. 2, usa el mismo plazo para obras por administración "
                "directa)."),
        description=(
            "Obra no terminada (ni en estado «sin ejecución») sin avance físico durante "
            "{umbral_meses} meses o más hasta la fecha de corte de su fuente. Evidencia, en "
            "este orden: el historial mensual de avance (último mes en que el avance físico "
            "subió); si no hay historial, los meses sin avance físico que la fuente calculó de "
            "su propia serie mensual; si no, la fecha de paralización de una obra en estado "
            "«paralizada»; si no, la fecha del último avance registrado. Meses calendario."),
        amount_at_risk=_BALANCE,
        basis=(N_("La Contraloría considera paralizada una obra sin avance físico durante "
                  "{umbral_meses} meses o más.")),
        messages=MappingProxyType({
            "historial": N_("Sin avance físico desde {desde}: {meses} meses según su historial "
                            "mensual de avance."),
            "avance_fuente": N_("Sin avance físico desde {desde}: {meses} meses según la serie "
                                "mensual de avance de su fuente."),
            "fecha_paralizacion": N_("Paralizada desde {desde}: {meses} meses según la fecha de "
                                     "paralización registrada."),
            "ultimo_avance": N_("Último avance físico registrado en {desde}: {meses} meses sin "
                                "avance."),
            "nc_sin_datos": N_("No se puede saber si está paralizada: no tiene historial de avance "
                               "ni fecha de paralización o del último avance."),
        }),
    ),
    Rule(
        code="retrasada",
        name=N_("Obra retrasada"),
        severity="media",
        threshold=_t(umbral_alta_meses=12),
        source=(f"{_LCE}: el plazo de ejecución es el del contrato más las ampliaciones "
                f"aprobadas (fecha reprogramada); indicador de retraso del {_OC4IDS} y de la "
                f"{_OCP}. Severidad alta con más de 12 meses de retraso: criterio del proyecto."),
        description=("Obra no terminada cuya fecha de término reprogramada (o, si no tiene, la "
                     "programada) ya pasó en la fecha de corte. Alta si el retraso supera "
                     "{umbral_alta_meses} meses."),
        amount_at_risk=_BALANCE,
        basis="",
        messages=MappingProxyType({
            "vencida": N_("Debía terminar el {fin} ({tipo_fecha}) y no ha terminado: {retraso} "
                          "de retraso."),
            "nc_sin_fecha": N_("No se puede saber si está retrasada: no tiene fecha de término "
                               "programada ni reprogramada."),
        }),
    ),
    Rule(
        code="sobrecosto",
        name=N_("Sobrecosto"),
        severity="media",
        threshold=_t(umbral_media_pct=10, umbral_alta_pct=30),
        source=(f"{_OCP} (sobrecostos en la ejecución) y variación de costo del {_OC4IDS}. Los "
                "grados de 10 % (media) y 30 % (alta) son un criterio del proyecto, "
                "configurable; como referencia legal, la Ley de Contrataciones exige "
                "autorización de la Contraloría para adicionales por encima del 15 %."),
        description=("Costo actualizado por encima del monto del expediente técnico: más de "
                     "{umbral_media_pct} % es alerta media; más de {umbral_alta_pct} %, alta."),
        amount_at_risk="costo actualizado − monto del expediente técnico",
        basis="",
        messages=MappingProxyType({
            "sobrecosto": N_("Su costo actualizado ({costo}) supera en {pct} al monto del "
                             "expediente técnico ({expediente}): {diferencia} más."),
            "nc_sin_expediente": N_("No se puede medir el sobrecosto: no tiene monto del "
                                    "expediente técnico."),
            "nc_sin_costo": N_("No se puede medir el sobrecosto: no tiene costo actualizado."),
        }),
    ),
    Rule(
        code="adicionales",
        name=N_("Adicionales de obra sobre el 15 %"),
        severity="media",
        threshold=_t(umbral_pct=15, umbral_alta_pct=50),
        source=(f"{_LCE}, art. 34 (34.4 y 34.5): la entidad aprueba adicionales de obra hasta "
                "el 15 % del monto del contrato original; por encima del 15 %, y hasta un "
                "máximo del 50 %, requieren autorización previa de la Contraloría."),
        description=("Obra por contrata cuyos adicionales superan el {umbral_pct} % del monto "
                     "del contrato (media; alta si superan el tope legal de "
                     "{umbral_alta_pct} %). Un monto de adicionales en blanco, en una fuente que "
                     "tiene ese campo, es «sin adicionales registrados»."),
        amount_at_risk="monto de los adicionales de obra",
        basis=(N_("Por encima del {umbral_pct} % del contrato, los adicionales necesitan "
                  "autorización previa de la Contraloría (tope legal: {umbral_alta_pct} %).")),
        messages=MappingProxyType({
            "adicionales": N_("Adicionales de obra por {adicionales}: {pct} del monto del "
                              "contrato ({contrato})."),
            "nc_sin_contrato": N_("No se pueden evaluar sus adicionales de obra: no tiene monto "
                                  "del contrato."),
            "nc_fuente": N_("No se pueden evaluar sus adicionales de obra: la fuente de esta obra "
                            "({fuente}) no informa adicionales ni monto del contrato."),
        }),
    ),
    Rule(
        code="brecha_financiera",
        name=N_("Pagos por delante del avance físico"),
        severity="media",
        threshold=_t(umbral_puntos=20, umbral_alta_puntos=50),
        source=(f"{_GFP}: criterio «brecha físico-financiera» (en su base, toda obra marcada "
                f"así tiene más de 20 puntos de brecha); {_OCP}: pagos adelantados respecto de "
                "lo entregado. Alta con más de 50 puntos: criterio del proyecto."),
        description=("El avance financiero supera al físico en más de {umbral_puntos} puntos "
                     "(alta con más de {umbral_alta_puntos})."),
        amount_at_risk="(avance financiero − avance físico) % × inversión",
        basis="",
        messages=MappingProxyType({
            "brecha": N_("Su avance financiero ({financiero}) supera al físico ({fisico}) en "
                         "{puntos} puntos: se ha pagado más de lo construido."),
            "nc_sin_avance": N_("No se puede comparar lo pagado con lo construido: no tiene "
                                "{falta}."),
        }),
    ),
    Rule(
        code="registro_desactualizado",
        name=N_("Registro desactualizado"),
        severity="baja",
        threshold=_t(umbral_meses=3),
        source=(f"Directiva de INFObras de la {_CGR} (Directiva N.° 007-2013-CG/OEA): la "
                "entidad registra el avance de la obra cada mes. Plazo de 3 meses: criterio "
                "del proyecto, configurable."),
        description=("Obra en ejecución cuya información no se actualiza desde hace más de "
                     "{umbral_meses} meses (la más reciente de: fecha de actualización, fecha "
                     "del último avance, último mes del historial)."),
        amount_at_risk=_BALANCE,
        basis=N_("La entidad debe registrar el avance de la obra cada mes."),
        messages=MappingProxyType({
            "desactualizado": N_("Figura en ejecución, pero su información no se actualiza desde "
                                 "{desde}: {meses} meses."),
            "nc_sin_fecha": N_("No se puede saber si su registro está al día: no tiene fecha de "
                               "actualización ni de avance."),
        }),
    ),
    Rule(
        code="inicio_tardio",
        name=N_("Inicio tardío tras aprobar el expediente"),
        severity="baja",
        threshold=_t(umbral_anios=2),
        source=(f"{_CGR}: «deficiencia en el expediente técnico» es una causa de paralización "
                "de sus reportes (72 de las 1 151 obras del archivo de obras paralizadas de "
                "mayo de 2026). Plazo de 2 años: criterio del proyecto, configurable."),
        description=("La obra empezó (o sigue sin empezar) más de {umbral_anios} años después "
                     "de aprobado su expediente técnico: precios, metrados y normas pueden "
                     "estar desactualizados."),
        amount_at_risk=_BALANCE,
        basis=N_("Un expediente técnico de más de {umbral_anios} años puede estar desactualizado."),
        messages=MappingProxyType({
            "inicio": N_("Empezó el {inicio}, {anios} años después de aprobado su expediente "
                         "técnico ({aprobacion})."),
            "sin_inicio": N_("Su expediente técnico se aprobó el {aprobacion} y la obra aún no "
                             "empieza: {anios} años."),
            "nc_sin_aprobacion": N_("No se puede calcular: no tiene fecha de aprobación del "
                                    "expediente técnico."),
            "nc_sin_inicio": N_("No se puede calcular: no tiene fecha de inicio de obra."),
        }),
    ),
    Rule(
        code="ubicacion_fuera_distrito",
        name=N_("Ubicación fuera del distrito declarado"),
        severity="media",
        threshold=_t(tolerancia_km=1),
        source=("Calidad de datos de INFObras: las coordenadas levantadas deben caer en el "
                "distrito declarado. Tolerancia de 1 km por la simplificación de los límites "
                "INEI usados (capa nacional simplificada al 3 %)."),
        description=("Coordenadas levantadas en campo que caen a más de {tolerancia_km} km del "
                     "distrito declarado (alta si caen en otra región o fuera del país)."),
        amount_at_risk=_BALANCE,
        basis="",
        messages=MappingProxyType({
            "fuera": N_("Sus coordenadas caen en {distrito_punto}, a {distancia} del distrito "
                        "declarado ({distrito})."),
            "fuera_del_pais": N_("Sus coordenadas caen fuera de los distritos del Perú, a "
                                 "{distancia} del distrito declarado ({distrito})."),
            "nc_sin_coordenadas": N_("No se puede verificar la ubicación: no tiene coordenadas "
                                     "levantadas en campo."),
            "nc_sin_limite": N_("No se puede verificar la ubicación: el distrito declarado "
                                "({distrito}) no tiene límites en el mapa."),
        }),
    ),
    Rule(
        code="sin_contratista_supervisor",
        name=N_("Sin RUC del contratista o sin supervisor"),
        severity="media",
        threshold=_t(),
        source=("Reglamento de la Ley de Contrataciones del Estado (D.S. N.° 344-2018-EF), "
                "art. 187: toda obra cuenta de modo permanente con un inspector o supervisor; "
                "la directiva de INFObras exige registrar al contratista y al supervisor. RUC "
                "válido: 11 dígitos con dígito verificador (SUNAT)."),
        description=("Obra por contrata (ya iniciada) sin RUC válido del contratista (media) o "
                     "sin supervisor registrado (baja)."),
        amount_at_risk=_BALANCE,
        basis="",
        messages=MappingProxyType({
            "sin_ruc": N_("Obra por contrata sin RUC del contratista registrado."),
            "ruc_invalido": N_("El RUC del contratista registrado ({ruc}) no es válido."),
            "sin_supervisor": N_("Obra por contrata sin supervisor registrado."),
            "sin_ruc_ni_supervisor": N_("Obra por contrata sin RUC del contratista ni "
                                        "supervisor registrados."),
            "nc_fuente": N_("No se puede verificar: la fuente de esta obra ({fuente}) no informa "
                            "contratista ni supervisor."),
        }),
    ),
    Rule(
        code="contratista_paralizadas",
        name=N_("Contratista con obras paralizadas en varios distritos"),
        severity="alta",
        threshold=_t(umbral_distritos=3),
        source=(f"{_OCP}: proveedor con historial de incumplimientos. Umbral de 3 distritos: "
                "criterio del proyecto, configurable."),
        description=("Obra paralizada (estado «paralizada» o alerta de paralización) cuyo "
                     "contratista (mismo RUC) tiene obras paralizadas en {umbral_distritos} "
                     "distritos o más."),
        amount_at_risk=_BALANCE,
        basis="",
        messages=MappingProxyType({
            "contratista": N_("Su contratista ({contratista}, RUC {ruc}) tiene {obras} obras "
                              "paralizadas en {distritos} distritos."),
        }),
    ),
    # -- between sources (issue 13): each names both sources and their dates ----------------
    Rule(
        code="avance_fuentes",
        name=N_("Avance físico distinto en INFObras e Invierte.pe"),
        severity="media",
        threshold=_t(umbral_puntos=20, umbral_alta_puntos=50),
        source=("Las entidades registran el avance físico de la misma obra en INFObras "
                f"(directiva de la {_CGR}) y en el Formato 12-B de Invierte.pe (MEF). Umbral de "
                "20 puntos: criterio del proyecto, en la escala de la «brecha físico-"
                f"financiera» del {_GFP}, que reúne ambas fuentes y concilia su avance. Alta "
                "con más de 50 puntos: criterio del proyecto."),
        description=("El avance físico que registra INFObras y el que registra Invierte.pe "
                     "(MEF) para la misma obra difieren en más de {umbral_puntos} puntos (alta "
                     "con más de {umbral_alta_puntos}); exactamente {umbral_puntos} no es "
                     "alerta. Cada cifra tal como su fuente la publica, con su fecha. Sin la "
                     "cifra de una de las dos fuentes, «no calculable»."),
        amount_at_risk="|avance en INFObras − avance en Invierte.pe| % × inversión",
        basis=N_("Dos registros oficiales del avance de una misma obra no deberían separarse "
                 "más de {umbral_puntos} puntos. Una alerta no prueba una irregularidad."),
        messages=MappingProxyType({
            "distinto": N_("INFObras registra un avance físico de {infobras} ({fecha_infobras}) "
                           "e Invierte.pe (MEF) uno de {invierte} ({fecha_invierte}): {puntos} "
                           "puntos de diferencia."),
            "nc_sin_invierte": N_("No se puede comparar su avance con el de Invierte.pe (MEF): "
                                  "{motivo}."),
            "nc_sin_infobras": N_("No se puede comparar su avance con el de Invierte.pe (MEF): "
                                  "INFObras no registra su avance físico."),
        }),
        needs="avance físico de Invierte.pe (MEF)",
    ),
    Rule(
        code="devengado_avance",
        name=N_("Devengado del MEF por delante del avance físico"),
        severity="media",
        threshold=_t(umbral_puntos=20, umbral_alta_puntos=50),
        source=(f"{_GFP}: criterio «brecha físico-financiera», que compara el devengado "
                "acumulado del MEF (SIAF) con el avance físico de INFObras (toda obra marcada "
                f"así tiene más de 20 puntos de brecha); {_OCP}: pagos adelantados respecto de "
                "lo entregado. Alta con más de 50 puntos: criterio del proyecto."),
        description=("El devengado acumulado que registra el MEF, como porcentaje del costo "
                     "actualizado, supera en más de {umbral_puntos} puntos al avance físico que "
                     "registra INFObras (alta con más de {umbral_alta_puntos}). A diferencia de "
                     "«Pagos por delante del avance físico», que compara las dos cifras de la "
                     "propia ficha de la obra (el avance financiero que la entidad registra), "
                     "esta regla toma el dinero del MEF; en las obras cuya ficha ya trae el "
                     "devengado del MEF (base de obras paralizadas) solo se aplica esta, para "
                     "que un mismo hecho sea una sola alerta."),
        amount_at_risk="(devengado % del costo − avance físico) % × costo actualizado",
        basis=N_("Se ha devengado más de lo que la otra fuente da por construido. Una alerta no "
                 "prueba una irregularidad."),
        messages=MappingProxyType({
            "adelantado": N_("El MEF registra un devengado de {devengado} ({pct_devengado} del "
                             "costo actualizado, {fecha_devengado}) e INFObras un avance físico "
                             "de {fisico} ({fecha_infobras}): {puntos} puntos por delante."),
            "nc_sin_devengado": N_("No se puede comparar lo devengado con lo construido: "
                                   "{motivo}."),
            "nc_sin_costo": N_("No se puede comparar lo devengado con lo construido: no tiene "
                               "costo actualizado."),
            "nc_sin_fisico": N_("No se puede comparar lo devengado con lo construido: INFObras "
                                "no registra su avance físico."),
        }),
        needs="devengado del MEF",
    ),
    Rule(
        code="contrato_fuentes",
        name=N_("Monto del contrato distinto en INFObras y el SEACE"),
        severity="media",
        threshold=_t(tolerancia_pct=1, umbral_alta_pct=30),
        source=(f"{_OC4IDS} y {_OCP}: el contrato que se ejecuta es el que se adjudicó y "
                "registró. INFObras («Monto del contrato») y el SEACE (monto contratado) "
                "registran el mismo contrato de obra, así que deberían coincidir; la tolerancia "
                "de 1 % deja fuera redondeos (criterio del proyecto). Alta con más de 30 %: el "
                "margen de ±30 % entre contrato y adjudicación de las banderas rojas."),
        description=("El monto del contrato que registra INFObras difiere en más de "
                     "{tolerancia_pct} % del que registra el SEACE para los contratos de los "
                     "procesos de obra enlazados a la obra por su CUI (consultorías y bienes "
                     "aparte; si son varios, se compara con la más cercana de su suma y cada "
                     "uno, porque varias obras de un CUI comparten sus procesos). Alta si "
                     "difieren en más de {umbral_alta_pct} %."),
        amount_at_risk="|monto en INFObras − monto en el SEACE|",
        basis=N_("Es el mismo contrato: las dos fuentes deberían coincidir. Una alerta no prueba "
                 "una irregularidad."),
        messages=MappingProxyType({
            "distinto": N_("INFObras registra un contrato de {infobras} ({fecha_infobras}) y el "
                           "SEACE {seace} ({contratos}, {fecha_seace}): {diferencia} de "
                           "diferencia ({pct})."),
            "nc_sin_seace": N_("No se puede comparar el monto del contrato: no hay un contrato "
                               "de obra del SEACE enlazado a esta obra por su CUI."),
            "nc_sin_contrato": N_("No se puede comparar el monto del contrato: INFObras no "
                                  "registra el monto del contrato."),
            "nc_fuente": N_("No se puede comparar el monto del contrato: la fuente de esta obra "
                            "({fuente}) no informa el monto del contrato."),
        }),
        needs="contratos del SEACE",
    ),
    Rule(
        code="estado_fuentes",
        name=N_("Estado distinto en INFObras y el MEF"),
        severity="media",
        threshold=_t(),
        source=(f"{_OC4IDS} (estado del proyecto) y {_GFP} (concilia el estado de INFObras con "
                "el estado situacional del Formato 12-B). Una inversión CERRADA en el Banco de "
                "Inversiones terminó su ejecución y se cerró; una obra «en ejecución» o "
                "«paralizada» en INFObras no ha terminado."),
        description=("Una fuente da la obra por terminada o paralizada y la otra por en "
                     "ejecución: el MEF da su inversión por CERRADA e INFObras registra la obra "
                     "en ejecución o paralizada; o el Formato 12-B de Invierte.pe reporta su "
                     "paralización (la base de obras paralizadas toma de él su estado final) e "
                     "INFObras la registra en ejecución. El texto libre del estado situacional "
                     "no se clasifica: se muestra como evidencia."),
        amount_at_risk=_BALANCE,
        basis=N_("Las dos fuentes describen la misma obra: su estado debería coincidir. Una "
                 "alerta no prueba una irregularidad."),
        messages=MappingProxyType({
            "cerrada_mef": N_("El MEF da su inversión por cerrada ({fuente_mef}, {fecha_mef}) e "
                              "INFObras registra la obra {estado_infobras} ({fecha_infobras})."),
            "paralizada_f12b": N_("INFObras registra la obra en ejecución ({fecha_infobras}) y "
                                  "el Formato 12-B de Invierte.pe reporta su paralización "
                                  "(estado situacional del {fecha_f12b})."),
            "nc_sin_mef": N_("No se puede comparar su estado con el del MEF: {motivo}."),
        }),
        needs="estado de la inversión en el MEF",
    ),
    # -- control: a signal, not an alert -----------------------------------------------------
    Rule(
        code="control_entidad",
        name=N_("Señal de control: informes de la Contraloría sobre la entidad"),
        severity="baja",     # the rule table needs one; its rows carry none (kind SIGNAL)
        threshold=_t(umbral_personas=1),
        source=(f"Registro de informes de control publicados por la {_CGR} (servicios de "
                "control específico a hechos con presunta irregularidad). Es una señal de "
                "supervisión, no una calificación: dice que la Contraloría ya examinó a la "
                "entidad ejecutora y halló personas con presunta responsabilidad, no que esta "
                "obra tenga un problema."),
        description=("Obra no terminada cuya entidad ejecutora (la misma entidad en INFObras y "
                     "en la Contraloría) tiene informes de control publicados con "
                     "{umbral_personas} o más personas con presunta responsabilidad: donde la "
                     "vigilancia aún puede actuar. No suma alertas ni monto en riesgo."),
        amount_at_risk="ninguno (es una señal, no una alerta)",
        basis=N_("Es una señal de control, no una calificación de la obra: una alerta no "
                 "prueba una irregularidad."),
        messages=MappingProxyType({
            "informes": N_("La Contraloría publicó {informes} sobre su entidad ejecutora "
                           "({entidad}) con {personas} con presunta responsabilidad; el más "
                           "reciente, del {ultimo}."),
        }),
        kind=SIGNAL,
        needs="informes de control de la Contraloría",
    ),
)

# The procurement red flags (SEACE): geodata/procurement_rules.py.
RULES += tuple(Rule(**spec) for spec in procurement_rules.PROCUREMENT_SPECS)

RULES_BY_CODE: Mapping[str, Rule] = MappingProxyType({r.code: r for r in RULES})


def rules(overrides: Mapping[str, Mapping[str, float]] | None = None) -> tuple[Rule, ...]:
    """The rules, with thresholds replaced where `overrides` says ({code: {name: value}})."""
    overrides = overrides or {}
    unknown = sorted(set(overrides) - set(RULES_BY_CODE))
    if unknown:
        raise ThresholdError(f"No existe la regla «{unknown[0]}». "
                             f"Reglas: {', '.join(RULES_BY_CODE)}.")
    return tuple(rule.with_threshold(**overrides[rule.code]) if rule.code in overrides else rule
                 for rule in RULES)


def describe(rule: Rule) -> str:
    """The rule's description with its thresholds written in."""
    return rule.description.format(**{k: number_es(v) for k, v in rule.threshold.items()})
