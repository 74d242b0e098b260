"""Seeded generator of a realistic national works dataset in the real INFObras export format,
and of the other sources around the works, each in its real format.

    python -m geodata.demo --works 20000 --seed 42 --out data/demo [--format xlsx|csv|both]
                           [--as-of 2026-10-31] [--investments N] [--processes N] [--reports N]

writes, in --out:
- DataSet-Obras-Publicas-demo.xlsx (and/or .csv): the layout of geodata.infobras_format:
  three title rows, the header on row 4 (COLUMNS, in order), one row per work, every cell a
  text as the real file writes it. The CSV variant is UTF-8 with BOM and the same rows and
  cell texts.
- avance-mensual-demo.csv: the monthly history (HISTORY_COLUMNS), UTF-8, same cell formats.
- ubicaciones-demo.csv: the works' surveyed points (COORDS_COLUMNS), UTF-8, for most works
  (geodata.demo.locations); the export itself, like the real one, has no coordinates.
- banco-inversiones-demo.xlsx (.csv above 300,000 rows): the MEF Banco de Inversiones export,
  a superset of the works' CUIs (geodata.demo.investments).
- conosce-demo.csv: SEACE procurement in the CONOSCE layout (geodata.demo.procurement).
- informes-control-demo.csv: CGR control reports (geodata.demo.control).
- resumen-generacion-demo.json: counts, and the row number and code of every deliberately
  bad row (export and geolocation file), so the loader's quarantine can be checked; the CUIs
  whose amounts the sources deliberately disagree on.
Same seed, same bytes. The distributions and their sources are in geodata.demo.profiles.
"""

from __future__ import annotations

import csv
import json
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from geodata.demo import names
from geodata.demo import profiles as P
from geodata.demo.control import build_control, write_control
from geodata.demo.defects import apply_defects, defects_report, plan_defects
from geodata.demo.export import add_extras, cell_columns
from geodata.demo.history import build_history, history_lines, history_months, past_paralysis
from geodata.demo.investments import build_investments, write_banco
from geodata.demo.locations import build_locations, location_lines, locations_report
from geodata.demo.procurement import Conosce, build_procurement, write_conosce
from geodata.demo.ssi import build_ssi, write_ssi
from geodata.demo.works import sample_works, status_is
from geodata.demo.xlsx import SheetWriter
from geodata.infobras_format import COLUMNS, HEADER_ROW, HISTORY_COLUMNS

EXPORT_STEM = "DataSet-Obras-Publicas-demo"
HISTORY_FILE = "avance-mensual-demo.csv"
COORDS_FILE = "ubicaciones-demo.csv"
SUMMARY_FILE = "resumen-generacion-demo.json"
CHUNK_ROWS = 50_000        # works formatted and written at a time (bounds memory)
XLSX_MAX_WORKS = 300_000   # above this the default format is CSV (the XLSX takes minutes)
TITLES = ("CONTRALORÍA GENERAL DE LA REPÚBLICA", "INFOBRAS - DataSet de Obras Públicas")


@dataclass
class Dataset:
    """A generated dataset: the typed works in file order (with their texts), the planned
    name variants and bad rows, and each work's stoppage for the history. Cells and history
    are produced per slice of rows, so big datasets are written in bounded memory."""

    works: pd.DataFrame
    edits: pd.DataFrame
    stoppages: tuple[np.ndarray, np.ndarray]
    locations: pd.DataFrame
    as_of: date
    summary: dict = field(default_factory=dict)
    places: pd.DataFrame | None = None
    investments: pd.DataFrame | None = None    # MEF Banco rows (one per CUI and district)
    procurement: Conosce | None = None          # CONOSCE rows
    control: pd.DataFrame | None = None         # CGR report rows
    ssi: pd.DataFrame | None = None             # MEF SSI execution list, with its figures

    def title_rows(self) -> list[list[str]]:
        return [[TITLES[0]], [TITLES[1]], [f"Fecha de corte: {self.as_of:%d/%m/%Y}"]]

    def cells(self, start: int = 0, stop: int | None = None) -> dict[str, np.ndarray]:
        """The export cells of rows start..stop-1, flaws included."""
        stop = len(self.works) if stop is None else stop
        cells = cell_columns(self.works.iloc[start:stop])
        apply_defects(cells, self.edits, start, stop)
        return cells

    def table(self, start: int = 0, stop: int | None = None) -> pd.DataFrame:
        return pd.DataFrame(self.cells(start, stop))

    def history(self, start: int = 0, stop: int | None = None) -> pd.DataFrame:
        """The typed monthly history of rows start..stop-1 (`row` = file position), without
        the rows whose code was deliberately repeated (their code belongs to another work)."""
        stop = len(self.works) if stop is None else stop
        frm, to = self.stoppages
        history = build_history(self.works.iloc[start:stop], frm[start:stop], to[start:stop])
        history["row"] += start
        repeated = self.edits.loc[self.edits["kind"] == "codigo_duplicado", "position"]
        return history[~history["row"].isin(repeated)].reset_index(drop=True)


def generate(works: int, seed: int, as_of: date | str = P.AS_OF,
             places: pd.DataFrame | None = None, investments: int | None = None,
             processes: int | None = None, reports: int | None = None) -> Dataset:
    """Draw `works` works with numpy's default_rng(seed), then the investments, procurement
    processes and control reports around them (None: their default share of the works);
    deterministic for a seed."""
    if works < 1:
        raise ValueError("--works debe ser un entero positivo")
    as_of = date.fromisoformat(str(as_of))
    cut = np.datetime64(as_of, "D")
    places = names.load_places() if places is None else places
    rng = np.random.default_rng(seed)
    frame = sample_works(places, works, rng, cut)
    _add_texts(frame, places, rng)
    add_extras(frame, places, rng, cut)
    frame = frame.sort_values("infobras_code", kind="stable", ignore_index=True)
    edits = plan_defects(frame, rng)
    stoppages = past_paralysis(frame, rng)
    repeated = edits.loc[edits["kind"] == "codigo_duplicado", "position"].to_numpy()
    months = history_months(frame)
    locations = build_locations(frame, places, seed, skip=repeated)
    summary = {
        "obras": works, "semilla": seed, "fecha_corte": as_of.isoformat(),
        "filas_historial": int(months.sum() - months[repeated].sum()),
        "estados": {s: int(status_is(frame, s).sum()) for s in P.STATUSES},
        **defects_report(edits),
        "ubicaciones": locations_report(locations),
    }
    banco, summary["inversiones"] = build_investments(frame, places, seed, investments)
    conosce = build_procurement(frame, places, seed, processes, as_of.isoformat())
    summary["contrataciones"] = conosce.summary
    control, summary["informes_control"] = build_control(frame, places, seed, reports,
                                                         as_of.isoformat())
    ssi = build_ssi(frame, places, seed)
    summary["ssi_ejecucion"] = {"inversiones": len(ssi)}
    return Dataset(frame, edits, stoppages, locations, as_of, summary, places, banco, conosce,
                   control, ssi)


def _add_texts(frame: pd.DataFrame, places: pd.DataFrame, rng: np.random.Generator) -> None:
    """Codes, entity, sector, names, firms and people, as columns of the typed frame."""
    ids = names.codes(frame, rng)
    for column in ("infobras_code", "cui", "snip"):
        frame[column] = ids[column]
    frame["entity"] = names.entities(frame, places, rng)
    frame["sector"] = names.sectors(frame, rng)
    work_name, project, nature = names.work_names(frame, places, rng)
    partner = ids["cui_partner"]
    shares = partner >= 0
    project[shares] = project[partner[shares]]
    saldo = shares | (rng.random(len(frame)) < P.SALDO_SHARE - P.SHARED_CUI_SHARE)
    frame["name"] = np.where(saldo, "SALDO DE OBRA " + project, work_name)
    frame["project_name"], frame["nature"], frame["saldo"] = project, nature, saldo
    frame["contractor_name"], frame["contractor_ruc"] = names.firms(frame, places, rng)
    frame["supervisor_name"], frame["supervisor_ruc"] = names.supervisors(frame, rng)
    frame["locality"] = names.localities(places, frame["place"].to_numpy(), rng)


def write(dataset: Dataset, out: Path, fmt: str = "xlsx", banco_format: str | None = None
          ) -> dict[str, Path]:
    """Write the export (xlsx, csv or both), the history, the geolocation file, the other
    sources and the summary into `out`, CHUNK_ROWS works at a time. The Banco de Inversiones
    file is written as `banco_format` (None: by its number of rows, see write_banco)."""
    out.mkdir(parents=True, exist_ok=True)
    n = len(dataset.works)
    paths = {}
    with ExitStack() as stack:
        sheet = table = None
        if fmt in ("xlsx", "both"):
            paths["xlsx"] = out / f"{EXPORT_STEM}.xlsx"
            sheet = stack.enter_context(SheetWriter(paths["xlsx"], len(COLUMNS), HEADER_ROW + n))
            sheet.append_rows([*dataset.title_rows(), list(COLUMNS)])
        if fmt in ("csv", "both"):
            paths["csv"] = out / f"{EXPORT_STEM}.csv"
            handle = stack.enter_context(paths["csv"].open("w", encoding="utf-8-sig", newline=""))
            table = csv.writer(handle, lineterminator="\n")
            table.writerows([*dataset.title_rows(), list(COLUMNS)])
        paths["history"] = out / HISTORY_FILE
        history = stack.enter_context(paths["history"].open("w", encoding="utf-8", newline=""))
        history.write(",".join(HISTORY_COLUMNS) + "\n")
        for start in range(0, n, CHUNK_ROWS):
            stop = min(start + CHUNK_ROWS, n)
            cells = dataset.cells(start, stop)
            columns = [cells[c].tolist() for c in COLUMNS]
            if sheet is not None:
                sheet.append(columns)
            if table is not None:
                table.writerows(zip(*columns, strict=True))
            history.write(history_lines(dataset.history(start, stop)))
    paths["coords"] = out / COORDS_FILE
    paths["coords"].write_text(location_lines(dataset.locations), encoding="utf-8")
    paths["banco"] = write_banco(dataset.investments, dataset.places, out, banco_format)
    paths["conosce"] = write_conosce(dataset.procurement, out)
    paths["control"] = write_control(dataset.control, out)
    if dataset.ssi is not None:
        paths["ssi"] = write_ssi(dataset.ssi, out)
    paths["summary"] = out / SUMMARY_FILE
    summary = {**dataset.summary, "archivos": {k: p.name for k, p in paths.items()}}
    paths["summary"].write_text(json.dumps(summary, ensure_ascii=False, indent=1) + "\n",
                                encoding="utf-8")
    return paths
