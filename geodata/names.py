"""Match declared (departamento, provincia, distrito) names to an INEI district ubigeo.

The works files carry names, not codes, and the names are damaged: accents and case vary, the
"Ñ" is lost ("Ca Ete" = Cañete, "Mara On" = Marañón), Callao is "P C DEL CALLAO", and some rows
name the wrong province or department. The matcher tries, in order (the method it reports):

- ``nombre``                   the three names, normalised (accents, case, punctuation, spaces);
- ``nombre_aprox``             tolerant to the lost "Ñ" and to small misspellings, same province;
- ``nombre_sin_provincia``     the district is unique in the declared department;
- ``coordenadas``              the district containing the work's point, when it has one (the
                               caller passes it, see `districts_at`): a measured point is better
                               evidence than a name guessed outside the declared department
                               (and the only evidence when the district is left empty);
- ``nombre_sin_departamento``  the province and district pair is unique nationally (e.g. Ica's
                               provinces labelled HUANCAVELICA);
- ``nombre_unico_nacional``    the district name is unique nationally.

The lookup is built from the `area` table in one query and kept for the whole load.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import sqlalchemy as sa
from unidecode import unidecode

# Spellings of a department or province that stand for another official name (normalised keys).
ALIASES = {
    "p c del callao": "callao",
    "pc del callao": "callao",
    "prov const del callao": "callao",
    "provincia constitucional del callao": "callao",
    "region callao": "callao",
    "lima metropolitana": "lima",
    "lima provincias": "lima",
    "region lima": "lima",
}
FUZZY_CUTOFF = 0.88          # difflib ratio for a misspelt district inside the right province
NEAREST_MAX_M = 10_000       # a point outside every polygon counts for the nearest district
                             # only this close (coastline and border effects of the layer)

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_LOST_ENYE = re.compile(r"[ñÑ?\ufffd]")


class Match(NamedTuple):
    ubigeo: str
    method: str


class PointDistrict(NamedTuple):
    """The district a point falls in (`how` = 'dentro'), or the nearest one ('cercano')."""

    ubigeo: str | None
    how: str | None
    distance_m: float | None


def unmangle(text: str) -> str:
    """Undo UTF-8 read as Latin-1 ("CaÃ±ete" -> "Cañete") where that is what happened."""
    if "Ã" in text or "Â" in text:
        try:
            return text.encode("latin-1").decode("utf-8")
        except UnicodeError:
            return text
    return text


def name_key(text: str | None) -> str:
    """Lowercase ASCII words: 'Huánuco ' -> 'huanuco', 'P.C. del Callao' -> 'p c del callao'."""
    if not text:
        return ""
    key = " ".join(_NON_ALNUM.sub(" ", unidecode(unmangle(str(text))).lower()).split())
    return ALIASES.get(key, key)


def loose_key(text: str | None) -> str:
    """A key that survives a lost 'Ñ' and spacing: 'Ca Ete', 'CAÑETE' and 'Cañete' -> 'caete'."""
    key = name_key(text)
    if not key:
        return ""
    if key in ALIASES.values():
        return key.replace(" ", "")
    return _NON_ALNUM.sub("", unidecode(_LOST_ENYE.sub("", unmangle(str(text)))).lower())


@dataclass
class _Province:
    ubigeo: str
    districts: dict[str, str] = field(default_factory=dict)        # name_key -> ubigeo
    loose: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


class DistrictMatcher:
    """Name -> district ubigeo lookup over the `area` table, with per-load caching."""

    def __init__(self, rows: Sequence[tuple[str, str, str, str]]):
        """`rows`: (district ubigeo, department name, province name, district name)."""
        self.names: dict[str, tuple[str, str, str]] = {}
        self._departments: dict[str, str] = {}
        self._departments_loose: dict[str, str] = {}
        self._provinces: dict[str, dict[str, _Province]] = defaultdict(dict)  # dep -> key -> prov
        self._provinces_loose: dict[str, dict[str, _Province]] = defaultdict(dict)
        self._in_department: dict[tuple[str, str], list[str]] = defaultdict(list)
        self._national: dict[str, list[str]] = defaultdict(list)
        self._cache: dict[tuple, Match | None] = {}
        for ubigeo, department, province, district in rows:
            self._add(ubigeo, department, province, district)

    @classmethod
    def from_db(cls, conn: sa.Connection) -> DistrictMatcher:
        """Build the lookup from the districts in `area` (one query)."""
        rows = conn.execute(sa.text(
            "SELECT d.ubigeo, r.name, p.name, d.name FROM area d"
            " JOIN area p ON p.ubigeo = d.parent JOIN area r ON r.ubigeo = p.parent"
            " WHERE d.level = 3")).all()
        return cls([tuple(r) for r in rows])

    def _add(self, ubigeo: str, department: str, province: str, district: str) -> None:
        self.names[ubigeo] = (department, province, district)
        dep = ubigeo[:2]
        self._departments[name_key(department)] = dep
        self._departments_loose[loose_key(department)] = dep
        prov = self._provinces[dep].setdefault(name_key(province), _Province(ubigeo[:4]))
        self._provinces_loose[dep][loose_key(province)] = prov
        prov.districts[name_key(district)] = ubigeo
        prov.loose[loose_key(district)].append(ubigeo)
        for key in {name_key(district), loose_key(district)}:
            self._in_department[(dep, key)].append(ubigeo)
            self._national[key].append(ubigeo)

    def match(self, department: str | None, province: str | None, district: str | None,
              at_point: str | None = None) -> Match | None:
        """The district ubigeo and how it was found, or None. `at_point` is the district that
        contains the work's coordinates, when it has any."""
        args = (department, province, district, at_point)
        if args not in self._cache:
            self._cache[args] = self._match(*args)
        return self._cache[args]

    def _match(self, department, province, district, at_point) -> Match | None:
        dep, dep_exact = self._department(department)
        prov, prov_exact = self._province(dep, province)
        if prov is not None and (found := self._in_province(prov, district, dep_exact
                                                            and prov_exact)):
            return found
        if not district:   # no name to go by: only a surveyed point can tell
            return Match(at_point, "coordenadas") if at_point else None
        if dep and (found := _unique(self._candidates(self._in_department, dep, district))):
            return Match(found, "nombre_sin_provincia")
        if at_point:
            return Match(at_point, "coordenadas")
        if found := self._elsewhere(province, district):
            return Match(found, "nombre_sin_departamento")
        if found := _unique(self._national.get(name_key(district)) or
                            self._national.get(loose_key(district))):
            return Match(found, "nombre_unico_nacional")
        return None

    def _department(self, name: str | None) -> tuple[str | None, bool]:
        if (dep := self._departments.get(name_key(name))) is not None:
            return dep, True
        return self._departments_loose.get(loose_key(name)), False

    def _province(self, dep: str | None, name: str | None) -> tuple[_Province | None, bool]:
        if dep is None:
            return None, False
        if (prov := self._provinces[dep].get(name_key(name))) is not None:
            return prov, True
        return self._provinces_loose[dep].get(loose_key(name)), False

    def _in_province(self, prov: _Province, district: str | None, exact_so_far: bool
                     ) -> Match | None:
        key = name_key(district)
        if not key:
            return None
        if (ubigeo := prov.districts.get(key)) is not None:
            return Match(ubigeo, "nombre" if exact_so_far else "nombre_aprox")
        if found := _unique(prov.loose.get(loose_key(district), [])):
            return Match(found, "nombre_aprox")
        close = difflib.get_close_matches(key, list(prov.districts), n=2, cutoff=FUZZY_CUTOFF)
        if len(close) == 1:
            return Match(prov.districts[close[0]], "nombre_aprox")
        return None

    @staticmethod
    def _candidates(index: dict, dep: str, district: str) -> list[str]:
        return index.get((dep, name_key(district))) or index.get((dep, loose_key(district))) or []

    def _elsewhere(self, province: str | None, district: str) -> str | None:
        """The district under a province of that name in any department, if only one."""
        found = set()
        for dep in self._provinces:
            prov, _ = self._province(dep, province)
            if prov is not None and (hit := self._in_province(prov, district, True)):
                found.add(hit.ubigeo)
        return _unique(sorted(found))

    def describe(self, ubigeo: str) -> str:
        """'Cañete, Lima, Lima' style label of a district, for messages."""
        department, province, district = self.names[ubigeo]
        return f"{district}, {province}, {department}"


def _unique(ubigeos: Sequence[str] | None) -> str | None:
    distinct = set(ubigeos or ())
    return distinct.pop() if len(distinct) == 1 else None


def not_found_reason(department: str | None, province: str | None, district: str | None) -> str:
    """The Spanish quarantine sentence for a location the matcher could not resolve."""
    if not district:
        return (f"Falta el distrito (provincia {province or '—'!r}, departamento "
                f"{department or '—'!r})")
    return (f"Distrito no encontrado: {district!r} en provincia {province or '—'!r}, "
            f"departamento {department or '—'!r}")


def districts_at(conn: sa.Connection, points: Sequence[tuple[float, float]]
                 ) -> list[PointDistrict]:
    """For each (lon, lat): the district polygon containing it, else the nearest one within
    NEAREST_MAX_M, else nothing. One query for all points."""
    if not points:
        return []
    rows = conn.execute(sa.text("""
        SELECT p.i, inside.ubigeo, near.ubigeo, near.dist
        FROM unnest(CAST(:i AS int[]), CAST(:x AS float8[]), CAST(:y AS float8[])) AS p(i, x, y)
        CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(p.x, p.y), 4326) AS g) AS pt
        LEFT JOIN LATERAL (
            SELECT a.ubigeo FROM area a
            WHERE a.level = 3 AND ST_Contains(a.geom, pt.g) ORDER BY a.ubigeo LIMIT 1
        ) AS inside ON true
        LEFT JOIN LATERAL (
            SELECT a.ubigeo, ST_Distance(a.geom::geography, pt.g::geography) AS dist
            FROM area a
            WHERE inside.ubigeo IS NULL AND a.level = 3 AND a.geom IS NOT NULL
            ORDER BY a.geom <-> pt.g LIMIT 1
        ) AS near ON true
        ORDER BY p.i"""),
        {"i": list(range(len(points))), "x": [p[0] for p in points],
         "y": [p[1] for p in points]}).all()
    result = []
    for _, inside, near, dist in rows:
        if inside is not None:
            result.append(PointDistrict(inside, "dentro", 0.0))
        elif near is not None and dist <= NEAREST_MAX_M:
            result.append(PointDistrict(near, "cercano", round(dist, 1)))
        else:
            result.append(PointDistrict(None, None, None if dist is None else round(dist, 1)))
    return result
