"""The demo's CGR control reports in the register's published layout (informes-control-demo.csv).

Why: a work's and an entity's pages list the control reports about them; the demo needs some
in the real file's shape (../shared/data/cgr/informes_control_2019_2022.csv): the 14
CONTROL_COLUMNS, UTF-8 with BOM, dates dd/mm/yyyy, `informe` = the PDF's URL, a space and the
report's id. The register has no CUI: reports name the entity (here as the works spell it)
and its region (the department, as the register writes it: 'P. C. DEL CALLAO'), and some
titles name a work (a few with its CUI), so linking is by entity + region and, at best, by
the title. Reports fall more often on entities with paralysed works. Formats only: no real
row is copied. Own random stream, so the works export's bytes are unchanged.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from geodata.demo import profiles as P
from geodata.demo.export import date_text
from geodata.demo.works import DAY

STREAM = 0xC6A0
FILE = "informes-control-demo.csv"
CONTROL_COLUMNS = (
    "región", "tipodeservicio", "ndeinforme", "entidad", "títulodelinforme", "evento",
    "operativo", "npersonasconpresuntarespons", "tipoderesponsabilidad", "fechaemisión",
    "fechaconclusión", "fechapublicación", "informe", "ficharesumen")
REPORTS_PER_WORK = 0.05       # default reports: 10k for the 200k-work benchmark
PARALYSED_WEIGHT = 6.0        # a paralysed work's entity is this much likelier to be audited
TITLE_NAMES_WORK_SHARE = 0.3  # titles that name a work (PROVENANCE: "a minority of cases")
TITLE_HAS_CUI_SHARE = 0.4     # ... of which with the work's CUI
FIRST_YEAR = 2019
SERVICE = "SERVICIO DE CONTROL ESPECÍFICO A HECHOS CON PRESUNTA IRREGULARIDAD"
REGION_NAMES = {"CALLAO": "P. C. DEL CALLAO"}
# Shares measured on the real register (2,994 reports).
RESPONSIBILITIES = {
    "PENAL ADMINISTRATIVO ENTIDAD": 1404, "CIVIL ADMINISTRATIVO ENTIDAD": 937,
    "ADMINISTRATIVO ENTIDAD": 422, "CIVIL PENAL ADMINISTRATIVO ENTIDAD": 109, "CIVIL": 55,
    "PENAL": 51, "CIVIL PENAL": 5}
EVENTS = {"NO SE ASOCIA A NINGÚN EVENTO": 2035, "": 555,
          "EMERGENCIA SANITARIA - COVID 19": 243, "RECONSTRUCCIÓN CON CAMBIOS": 124,
          "OBRAS PARALIZADAS": 20}
WORK_TITLES = ('EJECUCIÓN DE LA OBRA: "{name}"', "PROCEDIMIENTO DE SELECCIÓN PARA LA "
               "EJECUCIÓN DE LA OBRA: {name}", "PAGOS Y VALORIZACIONES DE LA OBRA {name}")
OTHER_TITLES = (
    "ADQUISICIÓN DE BIENES PARA EL PROGRAMA DE COMPLEMENTACIÓN ALIMENTARIA",
    "CONTRATACIÓN DE SERVICIOS DE CONSULTORÍA PARA LA ELABORACIÓN DE EXPEDIENTES TÉCNICOS",
    "PAGO DE REMUNERACIONES Y BENEFICIOS AL PERSONAL SIN SUSTENTO",
    "ADMINISTRACIÓN DE LOS RECURSOS DEL FONDO DE CAJA CHICA",
    "ARRENDAMIENTO DE MAQUINARIA PESADA PARA MANTENIMIENTO DE VÍAS",
    "OTORGAMIENTO DE LICENCIAS DE EDIFICACIÓN Y HABILITACIÓN URBANA",
    "Contratación de personal sin cumplir los requisitos del perfil del puesto")
S3 = "https://s3.amazonaws.com/spic-informes-publicados/"


def build_control(works: pd.DataFrame, places: pd.DataFrame, seed: int,
                  total: int | None = None, as_of: str = P.AS_OF) -> tuple[pd.DataFrame, dict]:
    """The file's rows (texts, CONTROL_COLUMNS) and a summary; `total` reports (default
    REPORTS_PER_WORK per work)."""
    rng = np.random.default_rng([seed, STREAM])
    n = round(REPORTS_PER_WORK * len(works)) if total is None else total
    weight = np.where(works["status"].to_numpy() == P.STATUSES.index("Paralizada"),
                      PARALYSED_WEIGHT, 1.0)
    work = np.sort(rng.choice(len(works), size=n, p=weight / weight.sum()))
    entity = works["entity"].to_numpy(object)[work]
    place = works["place"].to_numpy()[work]
    department = places["department_name"].to_numpy(object)[place]
    region = pd.Series(department).replace(REGION_NAMES).to_numpy(object)
    cut = np.datetime64(as_of, "D")
    first = np.datetime64(f"{FIRST_YEAR}-01-01", "D")
    issued = first + (rng.random(n) * ((cut - first) / DAY - 60)).astype(int) * DAY
    concluded = issued + rng.integers(0, 10, n) * DAY
    published = np.minimum(issued + rng.integers(10, 60, n) * DAY, cut)
    titles, names_work = _titles(works, work, rng)
    year = issued.astype("datetime64[Y]").astype(int) + 1970
    unit = pd.Series(entity).rank(method="dense").astype(int).to_numpy() % 9000 + 200
    seq = pd.DataFrame({"u": unit, "y": year}).groupby(["u", "y"]).cumcount().to_numpy() + 1
    report_id = [f"{y}CPO{u:04d}{s:05d}" for y, u, s in zip(year, unit, seq, strict=True)]
    month = date_text(published, "%Y/%m")
    events = _draw(rng, EVENTS, n)
    operation = np.where(events == "", "", np.where(
        rng.random(n) < 0.9, "SIN OPERATIVO ASOCIADO",
        "MEGAOPERATIVO DE CONTROL REGIONAL " + region))
    rows = pd.DataFrame({
        "región": region, "tipodeservicio": SERVICE,
        "ndeinforme": [f"{s:03d}-{y}-2-{u:04d}" for y, u, s in zip(year, unit, seq,
                                                                    strict=True)],
        "entidad": entity, "títulodelinforme": titles, "evento": events,
        "operativo": operation,
        "npersonasconpresuntarespons": np.minimum(rng.geometric(0.18, n) - 1, 48).astype(str),
        "tipoderesponsabilidad": _draw(rng, RESPONSIBILITIES, n),
        "fechaemisión": date_text(issued), "fechaconclusión": date_text(concluded),
        "fechapublicación": date_text(published),
        "informe": [f"{S3}informes/{m}/{i}_ADJUNTO.pdf {i}" for m, i in zip(month, report_id,
                                                                            strict=True)],
        "ficharesumen": [f"{S3}resumen/{m}/{i}.pdf" for m, i in zip(month, report_id,
                                                                   strict=True)],
    })
    summary = {"informes": n, "entidades": int(pd.Series(entity).nunique()),
               "titulos_con_obra": int(names_work.sum())}
    return rows, summary


def _titles(works: pd.DataFrame, work: np.ndarray, rng: np.random.Generator
            ) -> tuple[np.ndarray, np.ndarray]:
    """Each report's title: a work of its entity for some (a few with the CUI), else one
    of the usual subjects; and whether it names the work."""
    n = len(work)
    names_work = rng.random(n) < TITLE_NAMES_WORK_SHARE
    form = np.asarray(WORK_TITLES, dtype=object)[rng.integers(0, len(WORK_TITLES), n)]
    name = works["name"].to_numpy(object)[work]
    cui = works["cui"].to_numpy(object)[work]
    with_cui = rng.random(n) < TITLE_HAS_CUI_SHARE
    about = [f.format(name=w) + (f", CON CÓDIGO ÚNICO DE INVERSIÓN N° {c}" if k else "")
             for f, w, c, k in zip(form, name, cui, with_cui, strict=True)]
    other = np.asarray(OTHER_TITLES, dtype=object)[rng.integers(0, len(OTHER_TITLES), n)]
    return np.where(names_work, np.asarray(about, dtype=object), other), names_work


def _draw(rng: np.random.Generator, counts: dict[str, int], n: int) -> np.ndarray:
    labels = np.asarray(list(counts), dtype=object)
    weights = np.asarray(list(counts.values()), dtype=float)
    return labels[rng.choice(len(labels), size=n, p=weights / weights.sum())]


def write_control(rows: pd.DataFrame, out: Path) -> Path:
    """Write the register's CSV: UTF-8 with BOM, comma-separated, minimal quoting."""
    path = out / FILE
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        table = csv.writer(handle, lineterminator="\n")
        table.writerow(CONTROL_COLUMNS)
        table.writerows(rows[list(CONTROL_COLUMNS)].itertuples(index=False, name=None))
    return path
