"""The monthly progress history of generated works, consistent with their snapshot.

One row per work and month from the start month to the month of the last progress record.
Each month's values are taken at the month's end (the last month: at the last progress date,
so the last row equals the snapshot exactly). Real progress follows an S-curve that stays flat
while the work is paralysed: from the paralysis date on for paralysed works, and during an
earlier, resolved stoppage for some others. Financial progress runs a little ahead.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geodata.demo import profiles as P
from geodata.demo.export import TEXT, date_text, decimal_text
from geodata.demo.works import DAY, programmed_progress, smoothstep, status_is

HISTORY_STATUS = ("En Ejecución", "Paralizada", "Finalizado")


def past_paralysis(works: pd.DataFrame, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(from, to) of a stoppage in each work's history: open-ended from the paralysis date for
    paralysed works, a resolved one of 2-8 months for some others, NaT for the rest."""
    n = len(works)
    start = works["start_date"].to_numpy()
    last = works["last_progress_date"].to_numpy()
    span = (last - start) / DAY
    begin = start + np.round(np.nan_to_num(span) * rng.uniform(0.2, 0.6, n)).astype(int) * DAY
    length = np.minimum(rng.uniform(60, 240, n), 0.3 * np.nan_to_num(span))
    end = begin + np.round(length).astype(int) * DAY
    earlier = (~status_is(works, "Paralizada") & ~np.isnat(start) & (span > 180)
               & (rng.random(n) < P.PAST_PARALYSIS_SHARE))
    paralysed = status_is(works, "Paralizada")
    stop_from = np.where(earlier, begin, np.datetime64("NaT", "D"))
    stop_to = np.where(earlier, end, np.datetime64("NaT", "D"))
    stop_from[paralysed] = works["paralysis_date"].to_numpy()[paralysed]
    stop_to[paralysed] = last[paralysed] + DAY
    return stop_from, stop_to


def working_days(when: np.ndarray, start: np.ndarray, stop_from: np.ndarray,
                 stop_to: np.ndarray) -> np.ndarray:
    """Days worked from the start until `when`, not counting the stoppage."""
    elapsed = (when - start) / DAY
    stopped = np.where(np.isnat(stop_from), 0.0,
                       np.clip((np.minimum(when, stop_to) - stop_from) / DAY, 0, None))
    return elapsed - np.nan_to_num(stopped)


def history_months(works: pd.DataFrame) -> np.ndarray:
    """Months of history per work: start month to last-progress month (0 if not started)."""
    start = works["start_date"].to_numpy()
    last = works["last_progress_date"].to_numpy()
    started = ~np.isnat(start) & ~np.isnat(last)
    span = (last.astype("datetime64[M]") - start.astype("datetime64[M]")).astype(np.int64) + 1
    return np.where(started, span, 0)


def build_history(works: pd.DataFrame, stop_from: np.ndarray, stop_to: np.ndarray
                  ) -> pd.DataFrame:
    """The typed history of these works (pure): code, month (1st), programmed/real/financial %,
    accrued, status, and `row`, the work's position in `works`."""
    months = history_months(works)
    index = np.repeat(np.arange(len(works)), months)
    step = np.arange(len(index)) - np.repeat(np.cumsum(months) - months, months)
    month = works["start_date"].to_numpy().astype("datetime64[M]")[index] + step
    last = works["last_progress_date"].to_numpy()[index]
    when = np.minimum((month + 1).astype("datetime64[D]") - DAY, last)

    start = works["start_date"].to_numpy()[index]
    frm, to = stop_from[index], stop_to[index]
    share = (working_days(when, start, frm, to)
             / np.maximum(working_days(last, start, frm, to), 1.0))
    share = np.where(when == last, 1.0, np.clip(share, 0.0, 1.0))
    real = works["physical_progress"].to_numpy()[index] * (0.5 * share + 0.5 * smoothstep(share))
    financial = np.round(works["financial_progress"].to_numpy()[index] * share ** 0.8, 2)
    updated = works["amount_updated"].to_numpy()[index]
    programmed = programmed_progress(when, start, works["programmed_end"].to_numpy()[index],
                                     works["reprogrammed_end"].to_numpy()[index])
    stopped = ~np.isnat(frm) & (when >= frm) & (when < to)
    real_end = works["real_end"].to_numpy()[index]
    done = ~np.isnat(real_end) & (when >= real_end)
    status = np.where(done, 2, np.where(stopped, 1, 0))
    return pd.DataFrame({
        "infobras_code": works["infobras_code"].to_numpy()[index],
        "month": month.astype("datetime64[D]"),
        "physical_programmed": programmed,
        "physical_real": np.round(real, 2),
        "financial": financial,
        "amount_accrued": np.round(financial / 100 * updated, 2),
        "status": np.asarray(HISTORY_STATUS, dtype=object)[status],
        "row": index,
    })


def history_lines(history: pd.DataFrame) -> str:
    """The CSV lines of a typed history, formatted like the export (no field needs quoting:
    digits, dates, space-decimals and status labels without commas)."""
    fields = [history["infobras_code"].to_numpy().astype(TEXT),
              date_text(history["month"]).astype(TEXT),
              decimal_text(history["physical_programmed"]), decimal_text(history["physical_real"]),
              decimal_text(history["financial"]), decimal_text(history["amount_accrued"]),
              history["status"].to_numpy().astype(TEXT)]
    line = fields[0]
    for field in fields[1:]:
        line = line + "," + field
    return "".join((line + "\n").tolist())
