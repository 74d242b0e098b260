"""The explorer's works as columns in this process's memory: a filter becomes a mask over
arrays, and a view's sums and its works drawn one by one come from numpy.

Why not PostgreSQL: at 200k works, a national filter summed there took 25-160 ms on a
2-core machine (the rows are read and hashed one by one; a narrower table or a pre-summed
cube only halved it), and on a machine that reclaims its page cache the same query could
first wait for the disk. Over arrays the same sums take a few milliseconds and read nothing.

The columns are copied from explorer_works (the derived table, in area order) once per
refresh of the derived tables: `Token` is the refresh's change count and time, so a load
that changes the works makes the copy stale, and the next view copies again. The text
search stays in PostgreSQL (its full-text index gives the matching codes). Memory: about
130 bytes per work, half of it the start of its name: 26 MB per process at 200k works.
"""

from __future__ import annotations

import functools
import math
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import sqlalchemy as sa
from psycopg.rows import dict_row

from queries.explorer_views import explorer_works
from queries.filters import Filters

LANES = 16              # bins per key when summing key by key (_Measures.summed)
MAX_CELLS = 1 << 20     # key combinations summed at once, at most (8 MB per measure)
NAME_CHARS = 61         # a hover label shows 60; one more tells that the name goes on
_CATEGORIES = ("status", "government_level", "work_type_1", "modality", "geom_source")
_ARRAYS = {"region": ">i4", "province": ">i4", "district": ">i4", "start_year": ">i2",
           "investment": ">f8", "accrued": ">f8", "progress": ">f8", "infobras_code": ">i8",
           "lon": ">f8", "lat": ">f8", **{name: ">i2" for name in _CATEGORIES}}
_READ = "SELECT * FROM explorer_columns"
Token = tuple[int, str]


@dataclass(frozen=True)
class Category:
    """A text column as integer codes and the labels they stand for (NULL is a None label,
    or the code -1)."""

    codes: np.ndarray
    labels: tuple[str, ...]

    def isin(self, values: tuple[str, ...]) -> np.ndarray:
        wanted = [self.labels.index(v) for v in values if v in self.labels]
        return np.isin(self.codes, wanted)

    def label(self, code: int) -> str | None:
        return self.labels[code] if code >= 0 else None


@dataclass(frozen=True)
class Facts:
    """One copy of explorer_works: the area codes of each work (-1 where its ubigeo is not
    that long), its categories, start year (-1: none), amounts and progress (NaN: none),
    code, point and the start of its name (UTF-8)."""

    token: Token
    areas: tuple[np.ndarray, np.ndarray, np.ndarray]   # region, province, district
    categories: dict[str, Category]
    start_year: np.ndarray
    investment: np.ndarray
    accrued: np.ndarray
    progress: np.ndarray
    infobras_code: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    name: np.ndarray

    def __len__(self) -> int:
        return len(self.infobras_code)

    @functools.cached_property
    def _by_code(self) -> tuple[np.ndarray, np.ndarray]:
        order = np.argsort(self.infobras_code, kind="stable")
        return order, self.infobras_code[order]

    def having_codes(self, codes: np.ndarray) -> np.ndarray:
        """A mask of the works with these INFObras codes."""
        order, ordered = self._by_code
        keep = np.zeros(len(self), dtype=bool)
        at = np.searchsorted(ordered, codes)
        found = at < len(ordered)
        found[found] = ordered[at[found]] == codes[found]
        keep[order[at[found]]] = True
        return keep


_copies: dict[str, Facts] = {}
_lock = threading.Lock()


def facts(conn: sa.Connection, token: Token) -> Facts:
    """This database's copy for `token`, read now if the process holds none as recent."""
    url = conn.engine.url.render_as_string(hide_password=True)
    held = _copies.get(url)
    if held is not None and held.token == token:
        return held
    with _lock:
        held = _copies.get(url)
        if held is None or held.token != token:
            held = _copies[url] = read(conn, token)
    return held


def read(conn: sa.Connection, token: Token) -> Facts:
    """Copy explorer_columns (sql/views.sql: explorer_works as one binary array per column),
    in PostgreSQL's binary format: as text, 26 MB of arrays at 200k works would travel as 52
    MB of hexadecimal (230 ms against 90)."""
    with conn.connection.driver_connection.cursor(binary=True, row_factory=dict_row) as cur:
        row = cur.execute(_READ).fetchone() or {}
    arrays = {name: np.frombuffer(row.get(name) or b"", dtype=kind).astype(kind[1:])
              for name, kind in _ARRAYS.items()}
    names = row["name"].split(b"\x1f") if row.get("name") is not None else []
    return Facts(
        token=token,
        areas=(arrays["region"], arrays["province"], arrays["district"]),
        categories={name: Category(arrays[name], tuple(row.get(f"{name}_labels") or ()))
                    for name in _CATEGORIES},
        start_year=arrays["start_year"], investment=arrays["investment"],
        accrued=arrays["accrued"], progress=arrays["progress"],
        infobras_code=arrays["infobras_code"], lon=arrays["lon"], lat=arrays["lat"],
        name=np.array(names, dtype=np.bytes_))


# -- filters as masks --------------------------------------------------------------------------
def rows(f: Facts, filters: Filters, text_codes: np.ndarray | None = None) -> np.ndarray:
    """The indexes of the works `filters` selects; `text_codes`: the codes its text search,
    entity and contractor found (matching_codes_stmt), when it has any of them."""
    keep = np.ones(len(f), dtype=bool)
    if filters.area:
        keep &= f.areas[len(filters.area) // 2 - 1] == int(filters.area)
    for name, values in (("status", filters.status), ("government_level",
                                                      filters.government_level),
                         ("work_type_1", filters.sector), ("modality", filters.modality)):
        if values:
            keep &= f.categories[name].isin(values)
    if filters.year_min is not None:
        keep &= f.start_year >= filters.year_min
    if filters.year_max is not None:
        keep &= (f.start_year <= filters.year_max) & (f.start_year >= 0)
    if filters.amount_min is not None:
        keep &= f.investment >= filters.amount_min
    if filters.amount_max is not None:
        keep &= f.investment <= filters.amount_max
    if filters.searches():
        keep &= f.having_codes(text_codes if text_codes is not None else np.array([], int))
    return np.flatnonzero(keep)


def matching_codes_stmt(filters: Filters) -> sa.Select:
    """The codes of the works whose name (or code) matches the text search of `filters` and
    that its entity or contractor executes or builds, as one binary array (matching_codes
    reads it)."""
    codes = sa.func.string_agg(sa.func.int8send(explorer_works.c.infobras_code),
                               sa.literal_column("''::bytea"))
    return filters.searched().where(sa.select(codes), explorer_works)


def matching_codes(conn: sa.Connection, filters: Filters) -> np.ndarray:
    return np.frombuffer(conn.execute(matching_codes_stmt(filters)).scalar() or b"",
                         dtype=">i8").astype(np.int64)


# -- sums --------------------------------------------------------------------------------------
def breakdown(f: Facts, selected: np.ndarray, level: int, sets: tuple[str, ...]
              ) -> dict[str, list[dict[str, Any]]]:
    """The sums of the `selected` works by each of `sets` ("child": the areas of `level`,
    "status", "sector", "year", "total"), as explorer.breakdown_stmt's rows grouped by dim:
    a group is listed when it has works; a sum over no known value is None.

    Many works (more than the combinations of the keys) are summed once by every key at
    once, and each key's sums are added up from those cells; few, key by key."""
    measures = _Measures(f, selected)
    status, sector = f.categories["status"], f.categories["work_type_1"]
    keys = {"child": (f.areas[level - 1], lambda k: f"{k:0{level * 2}d}"),
            "status": (status.codes, status.label), "sector": (sector.codes, sector.label),
            "year": (f.start_year, lambda k: str(k))}
    dims = [d for d in keys if d in sets]
    compact = {d: _compact(keys[d][0][selected]) for d in dims}
    shape = tuple(compact[d][1] for d in dims)
    cells = math.prod(shape)
    out: dict[str, list[dict[str, Any]]] = {}
    if len(dims) > 1 and len(selected) > cells and cells <= MAX_CELLS:
        every = np.ravel_multi_index([compact[d][0] for d in dims], shape)
        works, sums = measures.summed(every, cells, lanes=False)
        cube = {"works": works.reshape(shape)} | {n: v.reshape(shape) for n, v in sums.items()}
        for axis, dim in enumerate(dims):
            others = tuple(a for a in range(len(dims)) if a != axis)
            rolled = {name: values.sum(axis=others) for name, values in cube.items()}
            out[dim] = measures.rows(rolled.pop("works"), rolled, keys[dim][1],
                                     compact[dim][2])
    else:
        for dim in dims:
            codes, size, low = compact[dim]
            works, sums = measures.summed(codes, size, lanes=True)
            out[dim] = measures.rows(works, sums, keys[dim][1], low)
    if "total" in sets:
        out["total"] = [measures.total()]
    return out


def _compact(keys: np.ndarray) -> tuple[np.ndarray, int, int]:
    """Keys as 0 (no value) and 1, 2, ... from the smallest: (codes, how many, smallest)."""
    known = keys >= 0
    low = int(keys[known].min()) if known.any() else 0  # districts: 150101 and up
    codes = np.where(known, keys.astype(np.intp) - low + 1, 0)
    return codes, (int(codes.max()) + 1 if len(codes) else 1), low


class _Measures:
    """The selected works' measures as bincount weights (a NULL adds 0 to a sum and to its
    count of known values), summed by any key."""

    def __init__(self, f: Facts, selected: np.ndarray):
        status = f.categories["status"]
        paralysed = (status.codes[selected] == status.labels.index("paralizada")
                     if "paralizada" in status.labels else np.zeros(len(selected), dtype=bool))
        self.size = len(selected)
        self.weights: dict[str, np.ndarray] = {"paralysed": paralysed.astype(np.float64)}
        for name in ("investment", "accrued", "progress"):
            values = getattr(f, name)[selected]
            known = ~np.isnan(values)
            self.weights[name] = np.where(known, values, 0.0)
            self.weights[f"{name}_n"] = known.astype(np.float64)
        self.weights["paralysed_investment"] = self.weights["investment"] * paralysed
        self.weights["paralysed_investment_n"] = self.weights["investment_n"] * paralysed

    def summed(self, codes: np.ndarray, size: int, lanes: bool
               ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """The works and each weight summed by `codes` (0 .. size - 1).

        With `lanes`, each code is summed in LANES bins (by row number), added up at the
        end: rows come in area order, so one bin would take runs of additions that each
        wait for the one before (three times slower)."""
        width = LANES if lanes else 1
        binned = codes * LANES + self._lanes if lanes else codes

        def summed(weights: np.ndarray | None) -> np.ndarray:
            counts = np.bincount(binned, weights=weights, minlength=size * width)
            return counts.reshape(size, width).sum(axis=1) if lanes else counts

        return summed(None), {name: summed(w) for name, w in self.weights.items()}

    @functools.cached_property
    def _lanes(self) -> np.ndarray:
        return np.arange(self.size, dtype=np.intp) % LANES

    def rows(self, works: np.ndarray, sums: dict[str, np.ndarray], label, low: int
             ) -> list[dict[str, Any]]:
        """One row per code that has works; code 0 (no value) is labelled None."""
        return [self._row(label(k - 1 + low) if k else None, int(works[k]), sums, k)
                for k in np.flatnonzero(works).tolist()]

    def total(self) -> dict[str, Any]:
        sums = {name: np.array([w.sum()]) for name, w in self.weights.items()}
        found = self.rows(np.array([self.size]), sums, lambda k: None, 0)
        return found[0] if found else {"key": None, "works": None, "investment": None,
                                       "accrued": None, "paralysed": 0,
                                       "paralysed_investment": None, "progress_sum": None,
                                       "progress_n": None}

    @staticmethod
    def _row(key, works: int, sums: dict[str, np.ndarray], k: int) -> dict[str, Any]:
        def total(name: str) -> float | None:
            return float(sums[name][k]) if sums[f"{name}_n"][k] else None
        return {"key": key, "works": int(works), "investment": total("investment"),
                "accrued": total("accrued"), "paralysed": int(round(sums["paralysed"][k])),
                "paralysed_investment": total("paralysed_investment"),
                "progress_sum": total("progress"),
                "progress_n": int(round(sums["progress_n"][k]))}


# -- works one by one --------------------------------------------------------------------------
def points(f: Facts, selected: np.ndarray, limit: int) -> dict[str, list[Any]]:
    """The selected works with a point, largest amount first (no amount last, then by code),
    at most `limit`: the columns of explorer.points_stmt."""
    located = selected[~np.isnan(f.lon[selected])]
    amount = f.investment[located]
    key = np.where(np.isnan(amount), -np.inf, amount)   # no amount: last
    if len(key) > limit:  # the largest `limit` and whatever ties the last of them
        located = located[key >= np.partition(key, len(key) - limit)[len(key) - limit]]
        key = np.where(np.isnan(f.investment[located]), -np.inf, f.investment[located])
    order = np.lexsort((f.infobras_code[located], -key))
    top = located[order[:limit]]
    status, source = f.categories["status"], f.categories["geom_source"]
    investment = f.investment[top]
    return {
        "infobras_code": f.infobras_code[top].tolist(),
        "lon": f.lon[top].tolist(), "lat": f.lat[top].tolist(),
        "status": [status.label(c) for c in status.codes[top].tolist()],
        "investment": [None if v != v else v for v in investment.tolist()],
        "name": [n.decode(errors="replace") for n in f.name[top].tolist()],
        "geom_source": [source.label(c) for c in source.codes[top].tolist()],
    }
