"""The geolocation file of generated works (ubicaciones-demo.csv), beside the export.

Why: the real export has no coordinates, so a demo placed only by names stacks every work of a
district on its capital: "near me" shows one pile per district and the location-mismatch
alert can never fire. INFObras publishes each work's point separately (see COORDS_COLUMNS in
geodata/infobras_format.py); this module draws one for most works, scattered around the
district capital like real works around their town (distributions and sources in
geodata.demo.profiles), and damages a few rows on purpose for the loader's quarantine.

Its own random stream (seeded from the dataset's seed), so adding it left the export's bytes
for a seed unchanged.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
import shapely.geometry

from geodata.demo import profiles as P
from geodata.demo.works import status_is
from geodata.infobras_format import COORDS_COLUMNS, COORDS_SOURCES

STREAM = 0x1B0C       # the second element of this module's seed sequence
DISTRICTS_FILE = (Path(__file__).resolve().parents[1] / "data" / "boundaries"
                  / "peru_distritos.geojson")
METRES_PER_DEGREE = 111_320.0


def coordinate_share(works: pd.DataFrame) -> np.ndarray:
    """Each work's chance of having a point: most recent works, fewer old finished ones."""
    start = works["start_date"].to_numpy()
    when = np.where(np.isnat(start), works["approval_date"].to_numpy(), start)
    recent = when.astype("datetime64[Y]").astype(int) + 1970 >= P.SNIP_UNTIL_YEAR
    share = np.where(recent, P.COORDS_SHARE_RECENT,
                     np.where(status_is(works, "Finalizado"), P.COORDS_SHARE_OLD_FINISHED,
                              P.COORDS_SHARE_OLD))
    return np.where(status_is(works, "Sin Ejecución"), P.COORDS_SHARE_NOT_STARTED, share)


class Districts:
    """The district polygons the boundaries loader stores (geodata/data/boundaries), with a
    spatial index: which district contains each point."""

    def __init__(self, path: Path = DISTRICTS_FILE):
        features = json.loads(path.read_text(encoding="utf-8"))["features"]
        self.ubigeo = np.array([f["properties"]["ubigeo"] for f in features], dtype=object)
        self.tree = shapely.STRtree([shapely.geometry.shape(f["geometry"]) for f in features])
        self.known = frozenset(self.ubigeo)

    def at(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """The ubigeo of the polygon containing each (lon, lat), '' where none does."""
        out = np.full(len(lon), "", dtype=object)
        points, polygons = self.tree.query(shapely.points(lon, lat), predicate="within")
        out[points] = self.ubigeo[polygons]
        return out


@functools.cache
def districts() -> Districts:
    return Districts()


def _offset(lon0: np.ndarray, lat0: np.ndarray, metres: np.ndarray, bearing: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    lat = lat0 + metres * np.cos(bearing) / METRES_PER_DEGREE
    lon = lon0 + metres * np.sin(bearing) / (METRES_PER_DEGREE * np.cos(np.radians(lat0)))
    return lon, lat


def scatter(works: pd.DataFrame, places: pd.DataFrame, rng: np.random.Generator,
            polygons: Districts) -> pd.DataFrame:
    """(lon, lat) of every work around its district capital, and `at`, the district polygon
    containing it: urban works in the capital town, rural ones across the district. A few
    (CROSS_BORDER_SHARE) are pushed past the border into a neighbouring district; any other
    point that fell outside its district is pulled back towards the capital, so the rest
    stay inside (but for capitals that lie outside their own coarse polygon)."""
    n = len(works)
    place = works["place"].to_numpy()
    own = places["ubigeo"].to_numpy(object)[place]
    area = places["area_km2"].fillna(P.AREA_KM2_DEFAULT).to_numpy(float)[place]
    radius = 1000.0 * np.sqrt(area / np.pi)
    level2 = np.array([t.level2 for t in P.WORK_TYPES], dtype=object)[works["work_type"]]
    rural = rng.random(n) < pd.Series(level2).map(P.RURAL_SHARE).fillna(
        P.RURAL_SHARE_DEFAULT).to_numpy(float)
    urban_m = np.abs(rng.normal(0.0, 1.0, n)) * np.minimum(P.URBAN_SIGMA_R * radius,
                                                            1000.0 * P.URBAN_SIGMA_MAX_KM)
    metres = np.where(rural, radius * rng.beta(*P.RURAL_BETA, n) * P.RURAL_REACH, urban_m)
    bearing = rng.uniform(0.0, 2.0 * np.pi, n)
    lon0 = places["lon"].to_numpy(float)[place]
    lat0 = places["lat"].to_numpy(float)[place]
    lon, lat = _offset(lon0, lat0, metres, bearing)
    at = polygons.at(lon, lat)
    tested = np.isin(own, list(polygons.known))
    cross = tested & (rng.random(n) < P.CROSS_BORDER_SHARE)
    for _ in range(P.SCATTER_TRIES):
        todo = np.flatnonzero(cross & ((at == own) | (at == "")))
        if not len(todo):
            break
        metres[todo] = radius[todo] * rng.uniform(*P.CROSS_BORDER_REACH, len(todo))
        lon[todo], lat[todo] = _offset(lon0[todo], lat0[todo], metres[todo], bearing[todo])
        at[todo] = polygons.at(lon[todo], lat[todo])
    cross &= (at != own) & (at != "")
    for _ in range(P.SCATTER_TRIES):
        todo = np.flatnonzero(tested & ~cross & (at != own))
        if not len(todo):
            break
        metres[todo] *= 0.5
        lon[todo], lat[todo] = _offset(lon0[todo], lat0[todo], metres[todo], bearing[todo])
        at[todo] = polygons.at(lon[todo], lat[todo])
    stuck = np.flatnonzero(tested & ~cross & (at != own))
    lon[stuck], lat[stuck] = lon0[stuck], lat0[stuck]
    at[stuck] = polygons.at(lon[stuck], lat[stuck])
    return pd.DataFrame({"lon": lon, "lat": lat, "at": at})


def build_locations(works: pd.DataFrame, places: pd.DataFrame, seed: int,
                    skip: np.ndarray, polygons: Districts | None = None) -> pd.DataFrame:
    """The typed geolocation rows, in code order: position (the work's row, -1 for an invented
    code), infobras_code, lon, lat, source, kind ('' or the defect's kind) and at (the
    district polygon containing the point, '' for none; not written to the file). Works at
    `skip` (rows whose code was deliberately repeated in the export) get none."""
    rng = np.random.default_rng([seed, STREAM])
    n = len(works)
    has = rng.random(n) < coordinate_share(works)
    has[skip] = False
    chosen = np.flatnonzero(has)
    points = scatter(works.iloc[chosen], places, rng, polygons or districts())
    invierte = rng.random(len(chosen)) < P.COORDS_INVIERTE_SHARE
    rows = pd.DataFrame({
        "position": chosen, "infobras_code": works["infobras_code"].to_numpy()[chosen],
        "lon": np.round(points["lon"].to_numpy(), 6), "lat": np.round(points["lat"].to_numpy(), 6),
        "source": np.where(invierte, COORDS_SOURCES[1], COORDS_SOURCES[0]).astype(object),
        "kind": "", "at": points["at"].to_numpy()})
    rows = _damage(rows, works, rng)
    return rows.sort_values(["infobras_code", "position"], kind="stable", ignore_index=True)


def _damage(rows: pd.DataFrame, works: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Break COORDS_BAD_SHARE of the rows, evenly by kind, and at least one of each kind when
    there are 100 rows or more (so a small demo still shows every one to the loader); an
    unknown code is an added row."""
    kinds_n = len(P.COORDS_BAD_KINDS)
    count = max(int(round(P.COORDS_BAD_SHARE * len(rows))),
                kinds_n if len(rows) >= 100 else 0)
    kinds = np.resize(np.array(P.COORDS_BAD_KINDS, dtype=object), count)
    target = rng.choice(len(rows), size=count, replace=False)
    lon, lat = rows["lon"].to_numpy(), rows["lat"].to_numpy()
    foreign = np.array(P.FOREIGN_POINTS)
    outside_box, inside_box = foreign[:2], foreign[2:]
    for index, kind in zip(target, kinds, strict=True):
        if kind == "invertidas":
            lon[index], lat[index] = lat[index], lon[index]
        elif kind == "cero":
            lon[index], lat[index] = 0.0, 0.0
        elif kind in ("fuera_del_peru", "fuera_de_distritos"):
            pool = outside_box if kind == "fuera_del_peru" else inside_box
            lon[index], lat[index] = pool[rng.integers(0, len(pool))]
    rows["lon"], rows["lat"] = lon, lat
    rows.loc[rows.index[target], "kind"] = kinds
    unknown = target[kinds == "codigo_desconocido"]
    rows = rows.drop(index=rows.index[unknown])
    top = int(works["infobras_code"].max())
    invented = pd.DataFrame({
        "position": np.full(len(unknown), -1), "infobras_code": top + 1 + 7 * np.arange(
            len(unknown)), "lon": lon[unknown], "lat": lat[unknown],
        "source": COORDS_SOURCES[0], "kind": "codigo_desconocido", "at": ""})
    return pd.concat([rows, invented], ignore_index=True)


def location_lines(rows: pd.DataFrame) -> str:
    """The CSV text (header and rows): degrees with a decimal point, six decimals (~0.1 m)."""
    body = (rows["infobras_code"].astype(str) + "," + rows["lat"].map("{:.6f}".format) + ","
            + rows["lon"].map("{:.6f}".format) + "," + rows["source"])
    return ",".join(COORDS_COLUMNS) + "\n" + "".join(line + "\n" for line in body)


def locations_report(rows: pd.DataFrame, first_row: int = 2) -> dict:
    """For the summary: counts by source, and the file row and code of every broken row."""
    bad = rows[rows["kind"] != ""]
    return {
        "filas": len(rows),
        "fuentes": {s: int((rows["source"] == s).sum()) for s in COORDS_SOURCES},
        "filas_defectuosas": {kind: [{"fila": int(i) + first_row, "codigo": int(code)}
                                     for i, code in bad.loc[bad["kind"] == kind,
                                                            "infobras_code"].items()]
                              for kind in P.COORDS_BAD_KINDS}}
