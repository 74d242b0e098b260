"""The demo's MEF Banco de Inversiones export (banco-inversiones-demo.xlsx, or .csv when big).

Why: the investment (CUI) is the root every other source links to, so the demo needs one in
the real export's shape, ../shared/data/mef/banco_inversiones_*.xlsx: one sheet, header on
row 1, the 16 BANCO_COLUMNS; CUI, amounts, beneficiaries and ubigeo as numbers (the ubigeo
loses its leading zero: 070102 -> 70102), dates as dd/mm/yyyy texts, and ONE ROW PER CUI AND
DISTRICT: an investment that spans 2-3 districts repeats on each with the same amounts.

Every distinct CUI of the works is an investment, with the work's entity as "Entidad" and its
amounts (most equal, some a little off, a few deliberately different, so the pages show the
sources disagreeing); about a quarter more investments have no INFObras work. Formats only:
no real row is copied. Own random stream, so the works export's bytes for a seed are unchanged.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from geodata.demo import names
from geodata.demo import profiles as P
from geodata.demo.export import TEXT, date_text, number_text
from geodata.demo.works import DAY
from geodata.demo.xlsx import SheetWriter

STREAM = 0x3EF0
STEM = "banco-inversiones-demo"
XLSX_MAX_ROWS = 300_000     # above this the file is written as CSV, as the works export is
SHEET_NAME = "Sheet1"
BANCO_COLUMNS = (
    "Código único de inversión", "Nombre de la inversión", "Monto viable",
    "Estado de la inversión", "Sector", "Entidad", "Ejecutora", "Fecha de registro",
    "Fecha de viabilidad", "Costo actualizado", "Descripción de la alternativa", "Beneficiarios",
    "Departamento", "Provincia", "Distrito", "Ubigeo")
NUMBER_COLUMNS = ("Código único de inversión", "Monto viable", "Costo actualizado",
                  "Beneficiarios", "Ubigeo")
EXTRA_SHARE = 0.25           # investments beyond one per work (issue 12: a superset)
MULTI_DISTRICT_SHARE = 0.05  # real files: 1 - 10,998 / 11,514 = 4.5 % of CUIs on several rows
CLOSE_SHARE = 0.15           # amounts within ±3 % of the work's (a later update)
DIFFERENT_SHARE = 0.04       # per amount: deliberately different (a disagreement to show)
NO_DESCRIPTION_SHARE = 0.22  # real files: 2,893 of 13,395 empty
NO_BENEFICIARIES_SHARE = 0.23  # real files: 3,092 of 13,395 empty
NO_EXECUTOR_SHARE = 0.006    # real files: 79 of 13,395 empty
CALLAO_PROVINCE = "PROVINCIA CONSTITUCIONAL DEL CALLAO"
LEVEL_SECTORS = ("GOBIERNOS LOCALES", "GOBIERNOS REGIONALES")
ALTERNATIVES = (
    "Construcción de {m} m2 de infraestructura, obras provisionales, mitigación ambiental y "
    "capacitación",
    "Mejoramiento de {m} m de vía con pavimento rígido, veredas, señalización y áreas verdes",
    "Instalación de {m} m de redes, conexiones domiciliarias y equipamiento",
    "Ampliación de {m} m2 de ambientes, equipamiento y mobiliario",
    "REHABILITACION DE {m} M DE CANAL CON CONCRETO Y OBRAS DE ARTE",
)


def build_investments(works: pd.DataFrame, places: pd.DataFrame, seed: int,
                      total: int | None = None) -> tuple[pd.DataFrame, dict]:
    """The typed rows (one per CUI and district, in CUI order) and a summary. `total`
    investments (default: 1 + EXTRA_SHARE per work, so 250k for the 200k-work benchmark):
    the works' distinct CUIs, then investments without a work."""
    rng = np.random.default_rng([seed, STREAM])
    own = works[~works["cui"].duplicated()].reset_index(drop=True)
    if total is not None and total < len(own):
        raise ValueError(f"--investments debe ser al menos {len(own):,} (los CUI de las obras)")
    total = round((1 + EXTRA_SHARE) * len(works)) if total is None else total
    extra = max(0, total - len(own))
    mine = _from_works(own, rng)
    kinds = mine.pop("kind")
    others = _without_work(works, places, rng, extra)
    investments = pd.concat([mine, others], ignore_index=True)
    rows = _spread(investments, places, rng)
    summary = {
        "inversiones": len(investments), "filas": len(rows), "con_obra": len(mine),
        "sin_obra": len(others),
        "varios_distritos": int((rows["cui"].value_counts() > 1).sum()),
        "montos_distintos": {kind: sorted(mine.loc[kinds == kind, "cui"].astype(int).tolist())
                             for kind in ("monto_viable", "costo_actualizado")},
    }
    return rows, summary


def _from_works(own: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """One investment per distinct CUI of the works, from its first work."""
    n = len(own)
    viable = own["amount_viable"].to_numpy(float).copy()
    updated = own["amount_updated"].to_numpy(float).copy()
    kind = np.full(n, "", dtype=object)
    close = rng.random(n) < CLOSE_SHARE
    updated[close] *= rng.uniform(0.97, 1.03, close.sum())
    for label, amounts in (("monto_viable", viable), ("costo_actualizado", updated)):
        odd = (rng.random(n) < DIFFERENT_SHARE) & (kind == "")
        factor = np.where(rng.random(odd.sum()) < 0.5, rng.uniform(0.55, 0.85, odd.sum()),
                          rng.uniform(1.2, 1.8, odd.sum()))
        amounts[odd] *= factor
        kind[odd] = label
    approval = own["approval_date"].to_numpy("datetime64[D]")
    state = own["project_state"].to_numpy(object)
    return pd.DataFrame({
        "cui": own["cui"].to_numpy(object), "name": own["project_name"].to_numpy(object),
        "viable": np.round(viable, 2), "updated": np.round(updated, 2),
        "status": np.where(state == "ACTIVO", "ACTIVO", "CERRADO"),
        "level": own["level"].to_numpy(), "sector": own["sector"].to_numpy(object),
        "entity": own["entity"].to_numpy(object), "place": own["place"].to_numpy(),
        "viability": approval - rng.integers(20, 500, n) * DAY, "kind": kind,
    })


def _without_work(works: pd.DataFrame, places: pd.DataFrame, rng: np.random.Generator,
                  n: int) -> pd.DataFrame:
    """Investments no INFObras record names: each in the district, entity and kind of a
    random work (so an entity's page shows both), with a name of its own, newer, mostly
    active, and a CUI no work uses."""
    template = works.iloc[rng.integers(0, len(works), n)].reset_index(drop=True)
    name = names.work_names(template, places, rng)[1] if n else np.empty(0, dtype=object)
    used = works["cui"].astype(np.int64).to_numpy()
    low, high = P.CUI_RANGE
    free = np.ones(max(high, used.max() + 1) + 2 * n + 1 - low, dtype=bool)
    free[used - low] = False
    free = np.flatnonzero(free) + low
    cui = np.sort(rng.choice(free, size=n, replace=False)).astype(str).astype(object)
    viable = np.round(template["amount_viable"].to_numpy(float)
                      * rng.lognormal(0.0, 0.4, n), 2)
    latest = np.datetime64(P.AS_OF, "D") - 30 * DAY
    viability = latest - rng.integers(0, 6 * 365, n) * DAY
    return pd.DataFrame({
        "cui": cui, "name": name, "viable": viable,
        "updated": np.round(viable * np.where(rng.random(n) < 0.4,
                                              rng.uniform(1.0, 1.3, n), 1.0), 2),
        "status": np.where(rng.random(n) < 0.85, "ACTIVO", "CERRADO"),
        "level": template["level"].to_numpy(), "sector": template["sector"].to_numpy(object),
        "entity": template["entity"].to_numpy(object), "place": template["place"].to_numpy(),
        "viability": viability,
    })


def _spread(investments: pd.DataFrame, places: pd.DataFrame, rng: np.random.Generator
            ) -> pd.DataFrame:
    """One row per investment and district, CUI order; the columns every row repeats."""
    n = len(investments)
    frame = investments.sort_values("cui", key=lambda c: c.astype(np.int64), kind="stable",
                                    ignore_index=True)
    level = frame["level"].to_numpy()
    frame["sector"] = np.where(level < 2, np.array(LEVEL_SECTORS + ("",), dtype=object)[level],
                               frame["sector"].to_numpy(object))
    frame["executor"] = _executors(frame, places, rng)
    frame["registered"] = frame["viability"].to_numpy("datetime64[D]") - rng.integers(
        5, 400, n) * DAY
    viability = frame["viability"].to_numpy("datetime64[D]").copy()
    viability[rng.random(n) < 0.002] = np.datetime64("NaT")
    frame["viability"] = viability
    m = rng.integers(50, 5000, n).astype(TEXT)
    template = np.asarray(ALTERNATIVES, dtype=TEXT)[rng.integers(0, len(ALTERNATIVES), n)]
    described = np.strings.replace(template, "{m}", m)
    frame["alternative"] = np.where(rng.random(n) < NO_DESCRIPTION_SHARE, "", described)
    people = np.round(rng.lognormal(np.log(1200), 1.6, n)).astype(np.int64).astype(TEXT)
    frame["beneficiaries"] = np.where(rng.random(n) < NO_BENEFICIARIES_SHARE, "", people)
    count = np.where(rng.random(n) < MULTI_DISTRICT_SHARE, rng.integers(2, 4, n), 1)
    rows = frame.loc[frame.index.repeat(count)].reset_index(drop=True)
    seq = rows.groupby("cui", sort=False).cumcount().to_numpy()
    rows["place"] = _neighbours(rows["place"].to_numpy(), seq, places)
    return rows.drop_duplicates(["cui", "place"], ignore_index=True)


def _executors(frame: pd.DataFrame, places: pd.DataFrame, rng: np.random.Generator
               ) -> np.ndarray:
    """'Ejecutora': the entity itself for most; a regional government's works run by its
    'REGION X-SEDE CENTRAL'; a few empty, as in the real files."""
    entity = frame["entity"].to_numpy(object)
    department = places["department_name"].to_numpy(object)[frame["place"].to_numpy()]
    regional = np.char.startswith(entity.astype(str), "GOBIERNO REGIONAL")
    executor = np.where(regional, "REGION " + department + "-SEDE CENTRAL", entity)
    return np.where(rng.random(len(frame)) < NO_EXECUTOR_SHARE, "", executor)


def _neighbours(place: np.ndarray, seq: np.ndarray, places: pd.DataFrame) -> np.ndarray:
    """The seq-th district after `place` in its province (places are in ubigeo order), so an
    investment's extra rows fall in other districts of the same province."""
    province = places["ubigeo"].str[:4].to_numpy()
    first = pd.Series(np.arange(len(places))).groupby(province).transform("min").to_numpy()
    size = pd.Series(province).map(pd.Series(province).value_counts()).to_numpy()
    return first[place] + (place - first[place] + seq) % size[place]


def banco_cells(rows: pd.DataFrame, places: pd.DataFrame) -> dict[str, np.ndarray]:
    """The export's cell texts (numerals for the number columns, '' for empty)."""
    place = places.iloc[rows["place"].to_numpy()]
    province = place["province"].to_numpy(object)
    callao = place["department_name"].to_numpy(object) == "CALLAO"
    return {
        "Código único de inversión": rows["cui"].to_numpy(object),
        "Nombre de la inversión": rows["name"].to_numpy(object),
        "Monto viable": number_text(rows["viable"]),
        "Estado de la inversión": rows["status"].to_numpy(object),
        "Sector": rows["sector"].to_numpy(object),
        "Entidad": rows["entity"].to_numpy(object),
        "Ejecutora": rows["executor"].to_numpy(object),
        "Fecha de registro": date_text(rows["registered"]),
        "Fecha de viabilidad": date_text(rows["viability"]),
        "Costo actualizado": number_text(rows["updated"]),
        "Descripción de la alternativa": rows["alternative"].to_numpy(object),
        "Beneficiarios": rows["beneficiaries"].to_numpy(object),
        "Departamento": place["department_name"].to_numpy(object),
        "Provincia": np.where(callao, CALLAO_PROVINCE, province),
        "Distrito": place["district"].to_numpy(object),
        "Ubigeo": place["ubigeo"].astype(np.int64).to_numpy().astype(str),
    }


def write_banco(rows: pd.DataFrame, places: pd.DataFrame, out: Path, fmt: str | None = None
                ) -> Path:
    """Write the export as `fmt` ('xlsx', 'csv' or 'both'; by default .xlsx up to
    XLSX_MAX_ROWS rows, else .csv, UTF-8 with BOM) and remove a stale file of the format not
    written, so `make load` reads one. Returns the .xlsx when both are written."""
    fmt = fmt or ("csv" if len(rows) > XLSX_MAX_ROWS else "xlsx")
    cells = banco_cells(rows, places)
    columns = [cells[c].tolist() for c in BANCO_COLUMNS]
    paths = {kind: out / f"{STEM}.{kind}" for kind in ("xlsx", "csv")}
    for kind, path in paths.items():
        if fmt not in (kind, "both"):
            path.unlink(missing_ok=True)
    if fmt in ("csv", "both"):
        with paths["csv"].open("w", encoding="utf-8-sig", newline="") as handle:
            table = csv.writer(handle, lineterminator="\n")
            table.writerow(BANCO_COLUMNS)
            table.writerows(zip(*columns, strict=True))
    if fmt in ("xlsx", "both"):
        numbers = [BANCO_COLUMNS.index(c) for c in NUMBER_COLUMNS]
        with SheetWriter(paths["xlsx"], len(BANCO_COLUMNS), 1 + len(rows), SHEET_NAME) as sheet:
            sheet.append([[c] for c in BANCO_COLUMNS])
            sheet.append(columns, numbers)
    return paths["xlsx"] if fmt in ("xlsx", "both") else paths["csv"]
