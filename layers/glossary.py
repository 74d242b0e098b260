"""The glossary: the words of public works a citizen meets on Mirador's pages, each in one
plain sentence. Written in Spanish and marked for the catalogs (N_), translated where shown
(dashboard/pages/glosario.py); each term has a stable anchor so a page can link to it
(/glosario#devengado)."""

from __future__ import annotations

from dataclasses import dataclass

from geodata.messages import N_


@dataclass(frozen=True)
class Term:
    anchor: str
    term: str
    meaning: str


TERMS: tuple[Term, ...] = (
    Term("obra", N_("Obra pública"),
         N_("Una construcción que el Estado paga con dinero público: una pista, una escuela, un "
            "puesto de salud, un sistema de agua.")),
    Term("entidad", N_("Entidad ejecutora"),
         N_("La municipalidad, el gobierno regional o la institución del Estado que está a "
            "cargo de la obra.")),
    Term("contratista", N_("Contratista"),
         N_("La empresa o el consorcio contratado para construir la obra.")),
    Term("supervisor", N_("Supervisor"),
         N_("Quien controla, por encargo de la entidad, que la obra se construya como dice el "
            "contrato.")),
    Term("expediente", N_("Expediente técnico"),
         N_("El estudio aprobado que dice cómo se construirá la obra y cuánto costará.")),
    Term("adicionales", N_("Adicionales de obra"),
         N_("Trabajos que se añaden al contrato; por encima del 15 % del contrato necesitan la "
            "autorización previa de la Contraloría.")),
    Term("costo-actualizado", N_("Costo actualizado"),
         N_("Lo que cuesta hoy la obra, con los cambios aprobados.")),
    Term("devengado", N_("Devengado"),
         N_("El gasto que el Estado ya reconoció como hecho, antes de pagarlo.")),
    Term("saldo", N_("Saldo por ejecutar"),
         N_("La inversión menos lo devengado: el dinero público que aún falta gastar en la "
            "obra.")),
    Term("avance-fisico", N_("Avance físico"),
         N_("La parte de la obra que ya está construida, en porcentaje.")),
    Term("avance-financiero", N_("Avance financiero"),
         N_("La parte del costo que ya se gastó (devengó), en porcentaje.")),
    Term("paralizada", N_("Obra paralizada"),
         N_("Una obra no terminada que no avanza durante seis meses o más (criterio de la "
            "Contraloría).")),
    Term("alerta", N_("Alerta"),
         N_("Una señal de que conviene revisar algo de la obra, con los datos que la "
            "activaron. No prueba una irregularidad.")),
    Term("monto-en-riesgo", N_("Monto en riesgo"),
         N_("El dinero público que una alerta pone en duda, por ejemplo el saldo por ejecutar "
            "de una obra paralizada.")),
    Term("cui", N_("CUI (código único de inversión)"),
         N_("El número con que el Ministerio de Economía y Finanzas (MEF) identifica cada "
            "inversión pública; une una obra con sus pagos y sus contrataciones.")),
    Term("infobras", N_("INFObras"),
         N_("El sistema de la Contraloría donde las entidades registran cada obra pública: su "
            "avance, su costo y sus fechas.")),
    Term("seace", N_("SEACE"),
         N_("El sistema del Estado donde se publican los procesos de contratación y los "
            "contratos.")),
    Term("contraloria", N_("Contraloría"),
         N_("La Contraloría General de la República: controla el uso de los recursos públicos "
            "y publica informes de control.")),
)
