"""The demo's MEF SSI execution list (ssi-ejecucion-demo.csv), with execution figures.

Why: the between-source rules (geodata/alerts.py) compare INFObras's physical progress with
Invierte.pe's, and its progress with MEF's devengado; the real files carry those figures only in
the paralysed-works file. This list has the real SSI list's six columns
(../shared/data/mef/ssi_lista_ejecucion_*.csv: region by name, amounts as "S/. 1,234.50",
dates as "05/08/2019 04:02:50 p.m.") and four more that the MEF loader keeps in `extra`:
`avance_fisico` (%), `fecha_avance_fisico`, `devengado_acumulado` (soles) and
`fecha_devengado` (ISO dates) — the Formato 12-B's progress and SIAF's devengado of the
investment, as the demo states them (the shared subset of the list has no such columns).

A share of the works' CUIs (one row per CUI, its first work): most agree with INFObras within a
few points; a few are deliberately apart (progress more than 20 points from INFObras's, or
devengado well ahead of it), so that each rule has works to show. Own random stream: the other
files' bytes for a seed are unchanged.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
from unidecode import unidecode

from geodata.demo.works import DAY

STREAM = 0x5510
FILE = "ssi-ejecucion-demo.csv"
COLUMNS = ("region", "cui", "nombre_pip", "monto_inversion", "monto_actualizado",
           "fecha_ultimamodificacion", "avance_fisico", "fecha_avance_fisico",
           "devengado_acumulado", "fecha_devengado")
SHARE = 0.6            # of the works' CUIs, those the list covers
APART_SHARE = 0.03     # progress more than 20 points from INFObras's
AHEAD_SHARE = 0.03     # devengado ahead of INFObras's progress by more than 20 points


def build_ssi(works: pd.DataFrame, places: pd.DataFrame, seed: int) -> pd.DataFrame:
    """One row per covered CUI: the list's own columns and the execution figures."""
    rng = np.random.default_rng([seed, STREAM])
    own = works[~works["cui"].duplicated()].reset_index(drop=True)
    own = own[rng.random(len(own)) < SHARE].reset_index(drop=True)
    n = len(own)
    physical = own["physical_progress"].to_numpy(float)
    progress = np.clip(physical + rng.normal(0, 3, n), 0, 100)
    apart = rng.random(n) < APART_SHARE
    shift = rng.uniform(25, 45, apart.sum())
    progress[apart] = np.where(physical[apart] > 50, physical[apart] - shift,
                               physical[apart] + shift)
    updated = own["amount_updated"].to_numpy(float)
    share = np.clip(physical + rng.normal(0, 4, n), 0, 100)
    ahead = (rng.random(n) < AHEAD_SHARE) & (physical < 70)
    share[ahead] = physical[ahead] + rng.uniform(22, 30, ahead.sum())
    last = own["last_progress_date"].to_numpy("datetime64[D]")
    department = places["department_name"].to_numpy(object)[own["place"].to_numpy()]
    return pd.DataFrame({
        "region": [unidecode(d).lower().replace(" ", "") for d in department],
        "cui": own["cui"].to_numpy(object), "name": own["project_name"].to_numpy(object),
        "viable": own["amount_viable"].to_numpy(float), "updated": updated,
        "modified": last + rng.integers(0, 60, n) * DAY,
        "progress": np.round(np.clip(progress, 0, 100), 2),
        "progress_date": last - rng.integers(0, 90, n) * DAY,
        "accrued": np.round(share / 100 * updated, 2),
        "accrued_date": last - rng.integers(0, 60, n) * DAY,
    })


def _money(values: np.ndarray) -> list[str]:
    return [f"S/. {v:,.2f}" if np.isfinite(v) else "" for v in values]


def _stamp(days: np.ndarray) -> list[str]:
    """The list's 'dd/mm/yyyy hh:mm:ss a.m.' (the time is the list's, not the data's)."""
    return [pd.Timestamp(d).strftime("%d/%m/%Y 10:15:00 a.m.") if not pd.isna(d) else ""
            for d in days]


def _iso(days: np.ndarray) -> list[str]:
    return [str(d) if not pd.isna(d) else "" for d in days.astype("datetime64[D]")]


def write_ssi(frame: pd.DataFrame, out: Path) -> Path:
    """The list as CSV (UTF-8, comma, quoted where needed), as the real one."""
    path = out / FILE
    columns = [frame["region"].tolist(), frame["cui"].tolist(), frame["name"].tolist(),
               _money(frame["viable"].to_numpy(float)), _money(frame["updated"].to_numpy(float)),
               _stamp(frame["modified"].to_numpy()),
               [f"{v:.2f}" if np.isfinite(v) else "" for v in frame["progress"]],
               _iso(frame["progress_date"].to_numpy()),
               [f"{v:.2f}" if np.isfinite(v) else "" for v in frame["accrued"]],
               _iso(frame["accrued_date"].to_numpy())]
    with path.open("w", encoding="utf-8", newline="") as handle:
        table = csv.writer(handle, lineterminator="\n")
        table.writerow(COLUMNS)
        table.writerows(zip(*columns, strict=True))
    return path
