"""The texts and codes of generated works: places, entities, work names, firms, RUC, CUI, SNIP.

Names follow the real export: UPPERCASE without accents except Ñ, Callao's department written
"P C DEL CALLAO", entities named like the real ones ("MUNICIPALIDAD DISTRITAL DE X",
"REGION CUSCO-SEDE CENTRAL", "MTC- PROVIAS DESCENTRALIZADO"), work names built like the real
ones ("MEJORAMIENTO DEL SERVICIO DE AGUA POTABLE ... DISTRITO DE X - PROVINCIA DE Y - ...").
"""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from geodata.demo import profiles as P
from geodata.demo.works import pick
from geodata.shared_data import shared_data_dir

ROOT = Path(__file__).resolve().parents[2]
UBIGEO_FILE = "ubigeo_distritos_inei_2025.csv"
SURFACE_FILE = "ubigeo_distrito_aumentado.csv"   # beside it: district surfaces (km²)
CALLAO_DEPARTMENT = "P C DEL CALLAO"
LIMA_METROPOLITANA = "1501"
RUC_WEIGHTS = np.array([5, 4, 3, 2, 7, 6, 5, 4, 3, 2])


def ubigeo_path() -> Path:
    """The INEI district table: the project's copy, else the shared data folder."""
    local = ROOT / "geodata" / "data" / "ubigeo" / UBIGEO_FILE
    if local.exists():
        return local
    return shared_data_dir() / "ubigeo" / UBIGEO_FILE


def export_name(text: str) -> str:
    """'Ñuñoa de Cañete ' -> 'ÑUÑOA DE CAÑETE': uppercase, no accents but Ñ, single spaces."""
    marked = str(text).upper().replace("Ñ", "\x00")
    plain = unicodedata.normalize("NFKD", marked).encode("ascii", "ignore").decode()
    return " ".join(plain.replace("\x00", "Ñ").split())


def load_places(path: Path | None = None) -> pd.DataFrame:
    """One row per district with the names as the export writes them, the population, the
    capital's coordinates and the surface (NaN where the table beside it has none)."""
    path = path or ubigeo_path()
    table = pd.read_csv(path, dtype={"ubigeo": str})
    table = table.sort_values("ubigeo", ignore_index=True)
    places = pd.DataFrame({
        "ubigeo": table["ubigeo"],
        "department_name": table["departamento"].map(export_name),
        "province": table["provincia"].map(export_name),
        "district": table["distrito"].map(export_name),
        "capital": table["capital_legal"].fillna(table["distrito"]).map(export_name),
        "population": table["poblacion_proyectada_2025"].fillna(0).astype(np.int64),
        "department_inei": table["departamento"],
        "province_inei": table["provincia"],
        "district_inei": table["distrito"],
        "lat": table["latitud"].astype(float),
        "lon": table["longitud"].astype(float),
        "area_km2": table["ubigeo"].map(_surfaces(path.parent / SURFACE_FILE)),
    })
    callao = places["department_name"] == "CALLAO"
    places["department"] = places["department_name"].where(~callao, CALLAO_DEPARTMENT)
    return places


def _surfaces(path: Path) -> pd.Series:
    """District surface in km² by INEI code ("S.I." and blanks dropped); empty if no file."""
    if not path.exists():
        return pd.Series(dtype=float)
    table = pd.read_csv(path, dtype={"inei": str}, usecols=["inei", "superficie"])
    table["superficie"] = pd.to_numeric(table["superficie"], errors="coerce")
    return table.dropna().set_index("inei")["superficie"]


def choose(rng: np.random.Generator, options, size: int) -> np.ndarray:
    """Uniform draws from a tuple of texts, as an object array."""
    return np.asarray(options, dtype=object)[rng.integers(0, len(options), size)]


def ruc(rng: np.random.Generator, prefix: str, size: int) -> np.ndarray:
    """Distinct 11-digit RUCs with SUNAT's check digit (prefix 20 firms, 10 persons)."""
    bodies = rng.choice(10**8, size=size, replace=False)
    digits = np.stack([np.full(size, int(prefix[0])), np.full(size, int(prefix[1]))]
                      + [(bodies // 10 ** (7 - i)) % 10 for i in range(8)], axis=1)
    check = (11 - (digits * RUC_WEIGHTS).sum(axis=1) % 11) % 10
    return np.array([f"{prefix}{b:08d}{c}" for b, c in zip(bodies, check, strict=True)],
                    dtype=object)


@functools.cache
def roman(number: int) -> str:
    values = ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    out = ""
    for value, letters in values:
        while number >= value:
            out += letters
            number -= value
    return out


def unique_names(names: np.ndarray) -> np.ndarray:
    """Repeated firm names get II, III... as real consortia do, before the legal form
    ('CONSORCIO INCA II', 'INCA CONTRATISTAS GENERALES II S.A.C.')."""
    rank = pd.Series(names).groupby(names).cumcount().to_numpy()
    return np.array([name if r == 0 else _numbered(name, roman(r + 1))
                     for name, r in zip(names, rank, strict=True)], dtype=object)


def _numbered(name: str, numeral: str) -> str:
    head, _, form = name.rpartition(" ")
    return f"{head} {numeral} {form}" if "." in form else f"{name} {numeral}"


def firm_names(rng: np.random.Generator, size: int, forms=P.COMPANY_FORMS) -> np.ndarray:
    form = choose(rng, forms, size)
    a, b = choose(rng, P.COMPANY_WORDS, size), choose(rng, P.COMPANY_WORDS, size)
    return unique_names(np.array([f.format(a=x, b=y) for f, x, y in zip(form, a, b, strict=True)],
                                 dtype=object))


def person_names(rng: np.random.Generator, size: int) -> np.ndarray:
    first = choose(rng, P.SUPERVISOR_FIRST, size)
    last1, last2 = choose(rng, P.SUPERVISOR_LAST, size), choose(rng, P.SUPERVISOR_LAST, size)
    return np.array([f"{f} {a} {b}" for f, a, b in zip(first, last1, last2, strict=True)],
                    dtype=object)


def entities(works: pd.DataFrame, places: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """The public entity that runs each work, named by level like the real ones."""
    n = len(works)
    place = places.iloc[works["place"].to_numpy()]
    ubigeo = place["ubigeo"].to_numpy()
    district = "MUNICIPALIDAD DISTRITAL DE " + place["district"].to_numpy()
    provincial = np.where(np.char.startswith(ubigeo.astype(str), LIMA_METROPOLITANA),
                          "MUNICIPALIDAD METROPOLITANA DE LIMA",
                          "MUNICIPALIDAD PROVINCIAL DE " + place["province"].to_numpy())
    is_capital = np.char.endswith(ubigeo.astype(str), "01")
    local = np.where(is_capital | (rng.random(n) < P.PROVINCIAL_SHARE), provincial, district)
    department = place["department_name"].to_numpy()
    regional = np.where(rng.random(n) < 0.2, "GOBIERNO REGIONAL DE " + department,
                        "REGION " + department + "-" + choose(rng, P.REGIONAL_UNITS, n))
    national = np.empty(n, dtype=object)
    work_type = works["work_type"].to_numpy()
    for index, kind in enumerate(P.WORK_TYPES):
        mask = work_type == index
        national[mask] = choose(rng, kind.national or (P.FONCODES,), int(mask.sum()))
    nucleo = works["modality"].to_numpy() == P.MODALITIES.index("Por núcleo ejecutor")
    national[nucleo] = P.FONCODES
    return np.choose(works["level"].to_numpy(), [local, regional, national])


def sectors(works: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """'Sector de la Entidad': the work's sector; some local/regional ones say their level
    (PARALIZADAS: GOBIERNOS LOCALES 120 of 818 local, GOBIERNOS REGIONALES 13 of 145)."""
    sector = np.array([t.sector for t in P.WORK_TYPES], dtype=object)[works["work_type"]]
    level = works["level"].to_numpy()
    u = rng.random(len(works))
    sector = np.where((level == 0) & (u < 0.15), "GOBIERNOS LOCALES", sector)
    return np.where((level == 1) & (u < 0.09), "GOBIERNOS REGIONALES", sector)


def localities(places: pd.DataFrame, place: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A populated place of the work's department (a district capital), as names mention."""
    department = places["ubigeo"].str[:2].to_numpy()
    first = pd.Series(np.arange(len(places))).groupby(department).transform("min").to_numpy()
    size = pd.Series(department).map(pd.Series(department).value_counts()).to_numpy()
    other = first[place] + (rng.random(len(place)) * size[place]).astype(np.int64)
    return places["capital"].to_numpy()[other]


def work_names(works: pd.DataFrame, places: pd.DataFrame, rng: np.random.Generator
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(work name, project name, 'Naturaleza de la obra') built like the real names."""
    n = len(works)
    place = places.iloc[works["place"].to_numpy()]
    intervention = np.array(list(P.INTERVENTIONS), dtype=object)[
        pick(rng, list(P.INTERVENTIONS.values()), n)]
    objects = np.empty(n, dtype=object)
    work_type = works["work_type"].to_numpy()
    for index, kind in enumerate(P.WORK_TYPES):
        mask = work_type == index
        objects[mask] = choose(rng, kind.objects, int(mask.sum()))
    suffix = choose(rng, P.PLACE_SUFFIXES, n)
    loc = choose(rng, P.LOCALITY_PREFIXES, n) + localities(places, works["place"].to_numpy(), rng)
    a = localities(places, works["place"].to_numpy(), rng)
    b = localities(places, works["place"].to_numpy(), rng)
    avenue = choose(rng, P.STREET_NAMES, n)
    street = choose(rng, P.STREET_KINDS, n) + choose(rng, P.STREET_NAMES, n)
    route = choose(rng, P.ROUTE_PREFIXES, n) + rng.integers(1, 130, n).astype(str).astype(object)
    number = rng.integers(100, 99999, n).astype(str)
    person = choose(rng, P.PERSONS, n)
    fields = zip(intervention, objects, suffix, loc, a, b, street, avenue, route, number, person,
                 place["district"], place["province"], place["department_name"], strict=True)
    names = np.array([
        f"{i} {o}{s}".format(loc=lc, a=x, b=y, street=st, avenue=av, route=r, num=nm, person=pe,
                             district=d, province=p, department=dp)
        for i, o, s, lc, x, y, st, av, r, nm, pe, d, p, dp in fields], dtype=object)
    nature = np.array([P.NATURALEZA[i] for i in intervention], dtype=object)
    return names, names.copy(), nature


def firms(works: pd.DataFrame, places: pd.DataFrame, rng: np.random.Generator
          ) -> tuple[np.ndarray, np.ndarray]:
    """Contractor name and RUC: each department has its pool of firms (a few win many
    works), paralysed contracts often go to a small pool of repeat offenders working in
    several districts; Obras por impuestos are big companies; núcleos ejecutores local."""
    n = len(works)
    modality = works["modality"].to_numpy()
    names = np.full(n, "", dtype=object)
    rucs = np.full(n, "", dtype=object)
    has_contract = ~np.isnan(works["amount_contract"].to_numpy())
    contrata = has_contract & np.isin(modality, [P.MODALITIES.index(m) for m in
                                                 ("Contrata", "Asociacion Pública Privada - APP",
                                                  "Gobierno a Gobierno")])
    department = places["ubigeo"].str[:2].to_numpy()[works["place"].to_numpy()]
    codes, dep_index, per_dep = np.unique(department[contrata], return_inverse=True,
                                          return_counts=True)
    pool = np.maximum(3, np.ceil(per_dep / P.WORKS_PER_CONTRACTOR)).astype(np.int64)
    offset = np.concatenate([[0], np.cumsum(pool)[:-1]])
    chosen = offset[dep_index] + (pool[dep_index] * rng.random(contrata.sum()) ** 2).astype(int)
    paralysed = (works["status"].to_numpy() == P.STATUSES.index("Paralizada"))[contrata]
    troubled = paralysed & (rng.random(contrata.sum()) < P.TROUBLED_CONTRACTOR_SHARE)
    troubled_pool = max(1, int(troubled.sum() / P.WORKS_PER_TROUBLED_CONTRACTOR))
    chosen[troubled] = pool.sum() + rng.integers(0, troubled_pool, troubled.sum())
    total = int(pool.sum()) + troubled_pool
    pool_names, pool_rucs = firm_names(rng, total), ruc(rng, "20", total)
    names[contrata], rucs[contrata] = pool_names[chosen], pool_rucs[chosen]

    oxi = has_contract & (modality == P.MODALITIES.index("Obras por impuestos"))
    oxi_rucs = ruc(rng, "20", len(P.OXI_COMPANIES))
    which = rng.integers(0, len(P.OXI_COMPANIES), oxi.sum())
    names[oxi], rucs[oxi] = np.asarray(P.OXI_COMPANIES, dtype=object)[which], oxi_rucs[which]

    nucleo = has_contract & (modality == P.MODALITIES.index("Por núcleo ejecutor"))
    names[nucleo] = "NUCLEO EJECUTOR " + localities(places, works["place"].to_numpy(), rng)[nucleo]
    rucs[nucleo] = ruc(rng, "20", nucleo.sum())

    missing = contrata & (rng.random(n) < P.CONTRACTOR_MISSING_SHARE)
    names[missing], rucs[missing] = "", ""
    return names, rucs


def supervisors(works: pd.DataFrame, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Supervisor (or inspector) name and RUC for started works, from pools of engineers and
    consultancies that each supervise several works; some missing."""
    n = len(works)
    started = works["status"].to_numpy() != P.STATUSES.index("Sin Ejecución")
    direct = works["modality"].to_numpy() == P.MODALITIES.index("Administración directa")
    missing_share = np.where(direct, 0.4, P.SUPERVISOR_MISSING_SHARE)
    present = started & (rng.random(n) >= missing_share)
    person = rng.random(n) < np.where(direct, 0.9, P.PERSON_SUPERVISOR_SHARE)
    size = max(1, n // P.WORKS_PER_SUPERVISOR)
    people, people_rucs = person_names(rng, size), ruc(rng, "10", size)
    firms_pool = firm_names(rng, size, ("CONSORCIO SUPERVISOR {a} {b}", "CONSORCIO SUPERVISOR {a}",
                                        "{a} CONSULTORES S.A.C."))
    firm_rucs = ruc(rng, "20", size)
    which = rng.integers(0, size, n)
    names = np.where(person, people[which], firms_pool[which])
    rucs = np.where(person, people_rucs[which], firm_rucs[which])
    return np.where(present, names, ""), np.where(present, rucs, "")


def codes(works: pd.DataFrame, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """INFObras code, CUI and SNIP: numbered in approval order; saldos share a CUI."""
    n = len(works)
    order = np.argsort(works["approval_date"].to_numpy(), kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    drawn = rng.choice(np.arange(1, max(560_000, 3 * n)), size=n, replace=False)
    infobras = P.DEMO_CODE_BASE + np.sort(drawn)[rank]
    low, high = P.CUI_RANGE
    high = max(high, low + 2 * n)
    cui = np.sort(rng.choice(np.arange(low, high), size=n, replace=False))[rank]
    same_place = np.argsort(works["place"].to_numpy() * n + rank, kind="stable")
    previous = np.roll(same_place, 1)
    share = (rng.random(n) < P.SHARED_CUI_SHARE) & (
        works["place"].to_numpy()[same_place] == works["place"].to_numpy()[previous])
    share &= ~np.roll(share, 1)                  # no chains: the partner keeps its own CUI
    cui[same_place[share]] = cui[previous[share]]
    year = works["approval_date"].to_numpy().astype("datetime64[Y]").astype(int) + 1970
    old = year < P.SNIP_UNTIL_YEAR
    snip = np.where(old, rng.integers(10_000, 400_000, n).astype(str),
                    np.where(rng.random(n) < 0.4, "0", "")).astype(object)
    partner = np.full(n, -1)
    partner[same_place[share]] = previous[share]
    return {"infobras_code": infobras, "cui": cui.astype(str).astype(object), "snip": snip,
            "cui_partner": partner}
