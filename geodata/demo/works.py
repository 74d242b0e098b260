"""Draw the typed snapshot of N works: places, levels, types, status, dates, amounts, progress.

Everything is vectorised numpy over one `numpy.random.Generator`, so a seed gives the same works
and 1M works take seconds. Dates are numpy datetime64[D] (NaT = empty cell), amounts float
soles (NaN = empty), percentages float. Texts (names, entities, firms) come from
geodata.demo.names; the cell formatting from geodata.demo.export.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geodata.demo import profiles as P

DAY = np.timedelta64(1, "D")
NAT = np.datetime64("NaT", "D")


def allocate(population: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Works per district: a floor for every district, the rest ~ population**elasticity."""
    districts = len(population)
    floor = min(P.MIN_WORKS_CAP, int(P.MIN_WORKS_SHARE * n / districts))
    weights = np.maximum(population, 1.0) ** P.POPULATION_ELASTICITY
    rest = rng.multinomial(n - floor * districts, weights / weights.sum())
    return rest + floor


def pick(rng: np.random.Generator, shares, size: int) -> np.ndarray:
    """Indices drawn with the given (unnormalised) shares."""
    p = np.asarray(shares, dtype=float)
    return rng.choice(len(p), size=size, p=p / p.sum())


def pick_by_group(rng: np.random.Generator, groups: np.ndarray, table: np.ndarray) -> np.ndarray:
    """For each row, an index drawn with the shares of its group's row of `table`."""
    out = np.empty(len(groups), dtype=np.int64)
    for g in range(table.shape[0]):
        mask = groups == g
        out[mask] = pick(rng, table[g], int(mask.sum()))
    return out


def lognormal(rng: np.random.Generator, median, sigma, size: int) -> np.ndarray:
    return np.asarray(median) * np.exp(rng.normal(0.0, sigma, size))


def days(values) -> np.ndarray:
    """Float day counts -> timedelta64[D] (NaN -> NaT)."""
    values = np.asarray(values, dtype=float)
    out = np.full(values.shape, np.timedelta64("NaT", "D"))
    ok = np.isfinite(values)
    out[ok] = np.round(values[ok]).astype(np.int64) * DAY
    return out


def smoothstep(x: np.ndarray) -> np.ndarray:
    """The S-curve of cumulative progress of a work (0 -> 1)."""
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def elapsed_share(when: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """(when - start) / (end - start), as float; NaN where a date is missing."""
    span = (end - start) / DAY
    return np.where(span > 0, ((when - start) / DAY) / np.where(span > 0, span, 1.0), 1.0)


def programmed_progress(when, start, programmed_end, reprogrammed_end) -> np.ndarray:
    """The physical progress the schedule expects by `when` (the S-curve of the term)."""
    end = np.where(np.isnat(reprogrammed_end), programmed_end, reprogrammed_end)
    return np.round(100.0 * smoothstep(elapsed_share(when, start, end)), 2)


def sample_works(places: pd.DataFrame, n: int, rng: np.random.Generator,
                 as_of: np.datetime64) -> pd.DataFrame:
    """The typed snapshot: one row per work, before codes, texts and formatting."""
    counts = allocate(places["population"].to_numpy(float), n, rng)
    place = rng.permutation(np.repeat(np.arange(len(places)), counts))
    level = pick(rng, P.LEVEL_SHARES, n)
    type_table = np.array([t.weights for t in P.WORK_TYPES], dtype=float).T
    work_type = pick_by_group(rng, level, type_table)
    status = pick(rng, P.STATUS_SHARES, n)
    modality_table = np.array([P.MODALITY_BY_LEVEL[name] for name in P.LEVELS])
    modality = pick_by_group(rng, level, modality_table)
    works = pd.DataFrame({"place": place, "level": level, "work_type": work_type,
                          "status": status, "modality": modality})
    amounts = _technical_amounts(works, rng)
    works["amount_technical_file"] = amounts
    works["plazo"] = _plazo(works, amounts, rng)
    _dates(works, rng, as_of)
    _progress(works, rng)
    _money(works, rng)
    _paralysis(works, rng, as_of)
    return works


def status_is(works: pd.DataFrame, name: str) -> np.ndarray:
    return works["status"].to_numpy() == P.STATUSES.index(name)


def _technical_amounts(works: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Log-normal by level, shifted by work type, bigger for paralysed and smaller for NE."""
    level = works["level"].to_numpy()
    mu = np.array([P.LOG10_AMOUNT[name][0] for name in P.LEVELS])[level]
    sd = np.array([P.LOG10_AMOUNT[name][1] for name in P.LEVELS])[level]
    mu = mu + np.array([t.log10_offset for t in P.WORK_TYPES])[works["work_type"].to_numpy()]
    shift = np.array([P.PARALYSED_LOG10_SHIFT[name] for name in P.LEVELS])[level]
    mu = mu + np.where(status_is(works, "Paralizada"), shift, 0.0)
    nucleo = works["modality"].to_numpy() == P.MODALITIES.index("Por núcleo ejecutor")
    mu = mu + np.where(nucleo, P.NUCLEO_EJECUTOR_LOG10_SHIFT, 0.0)
    amount = np.maximum(10.0 ** rng.normal(mu, sd), P.MIN_AMOUNT)
    whole = rng.random(len(amount)) < 0.2      # budgets often in whole soles
    return np.where(whole, np.round(amount), np.round(amount, 2))


def _plazo(works: pd.DataFrame, amount: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Contractual term in days: the type's median, longer for bigger works."""
    median = np.array([t.plazo_days for t in P.WORK_TYPES])[works["work_type"].to_numpy()]
    size = (amount / np.median(amount)) ** 0.2
    plazo = lognormal(rng, median * size, 0.35, len(amount))
    return np.clip(np.round(plazo / 15) * 15, 30, 1460).astype(np.int64)


def _dates(works: pd.DataFrame, rng: np.random.Generator, as_of: np.datetime64) -> None:
    """Start, ends, extensions and last progress, drawn per status so every order holds."""
    n = len(works)
    plazo = works["plazo"].to_numpy().astype(float)
    first = np.datetime64(f"{P.FIRST_START_YEAR}-01-01", "D")
    extension = np.where(rng.random(n) < P.EXTENSION_SHARE,
                         np.maximum(15, lognormal(rng, P.EXTENSION_MEDIAN_SHARE * plazo, 0.7, n)),
                         np.nan)
    start = np.full(n, NAT)
    last = np.full(n, NAT)
    real_end = np.full(n, NAT)

    finished = status_is(works, "Finalizado")
    late = np.where(rng.random(n) < 0.5, 0.0, lognormal(rng, 0.1 * plazo, 0.8, n))
    duration = plazo + np.nan_to_num(extension) + late
    room = np.maximum(((as_of - first) / DAY) - duration, 1.0)
    recent = rng.exponential(P.FINISHED_AGE_MEAN_YEARS * 365.25, n)
    age = np.where((rng.random(n) < P.FINISHED_RECENT_SHARE) & (recent < room), recent,
                   rng.uniform(0, room))
    real_end[finished] = as_of - days(age[finished])
    start[finished] = real_end[finished] - days(duration[finished])
    last[finished] = np.minimum(real_end[finished] + days(rng.uniform(0, 60, n)[finished]), as_of)

    running = status_is(works, "En Ejecución")
    stale = rng.random(n) < P.STALE_SHARE
    lag = np.where(stale, rng.uniform(*P.STALE_MONTHS, n) * 30.44, rng.uniform(0, 45, n))
    last[running] = as_of - days(lag[running])
    elapsed = np.maximum(lognormal(rng, 0.6 * plazo, 0.7, n), 15)
    long_running = rng.random(n) < P.LONG_RUNNING_SHARE
    elapsed = np.where(long_running, rng.uniform(*P.LONG_RUNNING_YEARS, n) * 365.25, elapsed)
    start[running] = np.maximum(last[running] - days(elapsed[running]), first)

    paralysed = status_is(works, "Paralizada")
    years = np.array(list(P.PARALYSED_START_YEARS))
    year = years[pick(rng, list(P.PARALYSED_START_YEARS.values()), n)]
    year_start = (year - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    start[paralysed] = year_start[paralysed] + days(rng.uniform(0, 365, n)[paralysed])
    start[paralysed] = np.minimum(start[paralysed], as_of - days(2 * P.MIN_PARALYSIS_DAYS))

    not_started = status_is(works, "Sin Ejecución")
    lag_approval = np.minimum(lognormal(rng, P.APPROVAL_LAG_MEDIAN_DAYS, P.APPROVAL_LAG_SIGMA, n),
                              P.APPROVAL_LAG_MAX_DAYS)
    approval = start - days(lag_approval)
    waiting = lognormal(rng, 400, 0.8, n)
    approval[not_started] = as_of - days(waiting[not_started])

    programmed_end = start + days(plazo)
    reprogrammed_end = programmed_end + days(extension)
    works["approval_date"] = approval
    works["start_date"] = start
    works["programmed_end"] = programmed_end
    works["reprogrammed_end"] = reprogrammed_end
    works["real_end"] = real_end
    works["last_progress_date"] = last
    works["stale"] = stale & running


def _progress(works: pd.DataFrame, rng: np.random.Generator) -> None:
    """Physical (programmed, real) and financial progress at the last progress date."""
    n = len(works)
    programmed = programmed_progress(works["last_progress_date"].to_numpy(),
                                     works["start_date"].to_numpy(),
                                     works["programmed_end"].to_numpy(),
                                     works["reprogrammed_end"].to_numpy())
    physical = programmed * rng.beta(4.0, 1.6, n)
    finished = status_is(works, "Finalizado")
    incomplete = rng.random(n) < P.FINISHED_INCOMPLETE_SHARE
    physical[finished] = np.where(incomplete, rng.uniform(70, 99.9, n), 100.0)[finished]
    paralysed = status_is(works, "Paralizada")
    physical[paralysed] = 100.0 * rng.beta(*P.PARALYSED_PHYSICAL_BETA, n)[paralysed]
    not_started = status_is(works, "Sin Ejecución")
    physical[not_started] = 0.0
    programmed[not_started] = 0.0
    physical = np.round(physical, 2)

    ahead_share = np.where(paralysed, P.FINANCIAL_AHEAD_SHARE["paralysed"],
                           P.FINANCIAL_AHEAD_SHARE["other"])
    ahead = rng.random(n) < ahead_share
    gap = np.where(ahead, 20 + rng.exponential(15, n), rng.normal(2, P.FINANCIAL_GAP_SD, n))
    financial = np.clip(physical + gap, 0, 100)
    financial[finished] = np.clip(physical - np.abs(rng.normal(1.5, 3, n)), 0, 100)[finished]
    over = paralysed & (rng.random(n) < P.FINANCIAL_OVER_100_SHARE)
    financial[over] = 100 + rng.exponential(40, n)[over]
    advance = rng.random(n) < 0.05               # advance payments before any work
    financial[not_started] = np.where(advance, rng.uniform(0, 15, n), 0.0)[not_started]
    works["physical_programmed"] = programmed
    works["physical_progress"] = physical
    works["financial_progress"] = np.round(financial, 2)


def _money(works: pd.DataFrame, rng: np.random.Generator) -> None:
    """Contract, additional works, updated cost and accrued spending, mutually consistent."""
    n = len(works)
    technical = works["amount_technical_file"].to_numpy()
    modality = works["modality"].to_numpy()
    paralysed = status_is(works, "Paralizada")
    started = ~status_is(works, "Sin Ejecución")
    direct = modality == P.MODALITIES.index("Administración directa")
    nucleo = modality == P.MODALITIES.index("Por núcleo ejecutor")
    contract = np.round(technical * rng.uniform(*P.CONTRACT_DISCOUNT, n), 2)
    contract[nucleo] = technical[nucleo]
    signed = started | (rng.random(n) < 0.4)
    contract[direct | ~signed] = np.nan

    kind = np.where(paralysed, "paralysed", "other")
    equal, below, median, sigma, extreme = (np.where(kind == "paralysed", a, b) for a, b in
                                            zip(P.COST_RATIO["paralysed"], P.COST_RATIO["other"],
                                                strict=True))
    u = rng.random(n)
    ratio = np.where(u < equal, 1.0, np.where(u < equal + below, rng.uniform(0.85, 1.0, n),
                                               1.0 + lognormal(rng, median, sigma, n)))
    ratio = np.minimum(ratio, 3.0)
    ratio = np.where(rng.random(n) < extreme, rng.uniform(2.0, 6.0, n), ratio)
    updated = technical * ratio

    share, add_median, add_sigma = (np.where(kind == "paralysed", a, b) for a, b in
                                    zip(P.ADDITIONAL["paralysed"], P.ADDITIONAL["other"],
                                        strict=True))
    contracted = (modality == P.MODALITIES.index("Contrata")) & started
    has_additional = contracted & (rng.random(n) < share)
    additional = np.where(has_additional, contract * np.minimum(
        lognormal(rng, add_median, add_sigma, n), 0.6), np.nan)
    additional = np.round(additional, 2)
    floor = np.where(has_additional, contract + np.nan_to_num(additional), 0.0)
    updated = np.round(np.maximum(updated, np.nan_to_num(floor)), 2)

    works["amount_contract"] = contract
    works["amount_additional"] = additional
    works["amount_updated"] = updated
    works["amount_accrued"] = np.round(works["financial_progress"].to_numpy() / 100 * updated, 2)
    base = np.where(np.isnan(contract), updated, contract)
    works["amount_valued"] = np.round(works["physical_progress"].to_numpy() / 100 * base, 2)
    works["amount_viable"] = np.round(technical * rng.uniform(0.75, 1.05, n), 2)


def _paralysis(works: pd.DataFrame, rng: np.random.Generator, as_of: np.datetime64) -> None:
    """Paralysis date, days and cause for paralysed works; the last progress date after it."""
    n = len(works)
    paralysed = status_is(works, "Paralizada")
    start = works["start_date"].to_numpy()
    after = lognormal(rng, P.PARALYSIS_AFTER_START_MEDIAN_DAYS, P.PARALYSIS_AFTER_START_SIGMA, n)
    latest = as_of - days(np.full(n, P.MIN_PARALYSIS_DAYS))
    when = np.minimum(np.maximum(start + days(after), start + days(np.full(n, 15))), latest)
    when[~paralysed] = NAT
    works["paralysis_date"] = when
    works["paralysis_days"] = np.where(paralysed, (as_of - when) / DAY, np.nan)
    causes = np.array(list(P.PARALYSIS_CAUSES) + [""], dtype=object)
    cause_shares = np.array(list(P.PARALYSIS_CAUSES.values()), dtype=float)
    cause_shares = np.append(cause_shares / cause_shares.sum() * (1 - P.PARALYSIS_CAUSE_EMPTY),
                             P.PARALYSIS_CAUSE_EMPTY)
    works["paralysis_cause"] = np.where(paralysed, causes[pick(rng, cause_shares, n)], "")
    # Some paralysed works keep reporting (flat) progress; others stopped reporting with it.
    keeps_reporting = rng.random(n) < 0.5
    gap_days = (as_of - when) / DAY
    reported = np.where(keeps_reporting, gap_days - rng.uniform(0, 60, n),
                        rng.uniform(0, 60, n))
    last = when + days(np.clip(reported, 0, np.nan_to_num(gap_days)))
    works.loc[paralysed, "last_progress_date"] = last[paralysed]
    programmed = programmed_progress(last, start, works["programmed_end"].to_numpy(),
                                     works["reprogrammed_end"].to_numpy())
    works.loc[paralysed, "physical_programmed"] = programmed[paralysed]
