"""The whole load, twice: boundaries, ubigeo, the demo export with its history and geolocation
file, and the real paralysed-works file. The second pass changes nothing, although one demo
work shares its code with a real one (the demo draws codes from INFObras's real range)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from geodata import boundaries, infobras, paralizadas, ubigeo
from geodata.demo.dataset import generate, write
from geodata.runs import Run
from tests.conftest import PARALIZADAS_CSV
from tests.test_paralizadas import FILE_CODES

pytestmark = pytest.mark.skipif(not PARALIZADAS_CSV.exists(), reason="needs ../shared/data")
WORKS = 400


def _demo(folder):
    """A small demo in which one ordinary work (a point, no deliberate flaw) carries the code
    of the real file's first work."""
    dataset = generate(WORKS, seed=11)
    flawed = set(dataset.edits["position"])
    position = next(int(p) for p in dataset.locations["position"] if p >= 0 and p not in flawed)
    shared = FILE_CODES[0]
    dataset.works.loc[position, "infobras_code"] = shared
    dataset.locations.loc[dataset.locations["position"] == position, "infobras_code"] = shared
    return write(dataset, folder, "csv"), shared


def _load_all(engine: sa.Engine, paths) -> list[Run]:
    return [boundaries.load(engine=engine), ubigeo.load(engine=engine),
            infobras.load(paths["csv"], paths["history"], paths["coords"], engine=engine),
            paralizadas.load(PARALIZADAS_CSV, engine=engine)]


@pytest.fixture(scope="module")
def passes(national_areas, tmp_path_factory):
    with national_areas.begin() as conn:   # the file's works may be there from other modules
        conn.execute(sa.text("DELETE FROM work WHERE infobras_code = ANY(:c)"), {"c": FILE_CODES})
    paths, shared = _demo(tmp_path_factory.mktemp("demo"))
    first = _load_all(national_areas, paths)
    second = _load_all(national_areas, paths)
    yield first, second, shared
    with national_areas.begin() as conn:
        conn.execute(sa.text(
            "DELETE FROM work WHERE infobras_code = ANY(:c) OR load_run_id = ANY(:runs)"),
            {"c": FILE_CODES, "runs": [r.id for r in first + second]})


def test_second_pass_loads_and_updates_nothing(passes):
    first, second, _ = passes
    demo, real = first[2], first[3]
    assert demo.loaded > 0.9 * WORKS and real.loaded == len(FILE_CODES) - 1
    for run in second:
        assert (run.loaded, run.updated) == (0, 0), (run.loader, run.summary())
        assert run.unchanged > 0, run.loader
    assert second[2].unchanged == demo.loaded and second[3].unchanged == real.loaded
    assert any(n.startswith("historial mensual: 0 puntos nuevos, 0 actualizados, ")
               for n in second[2].notes)
    # every row is loaded or quarantined the same way both times
    assert [dict(r.reasons) for r in first[2:]] == [dict(r.reasons) for r in second[2:]]


def test_the_shared_code_stays_with_the_source_that_loaded_it_first(passes, national_areas):
    first, second, shared = passes
    with national_areas.connect() as conn:
        source, geom_source = conn.execute(sa.text(
            "SELECT source, geom_source FROM work WHERE infobras_code = :c"), {"c": shared}).one()
    assert (source, geom_source) == ("infobras", "surveyed")
    for run in (first[3], second[3]):
        assert dict(run.reasons) == {"codigo_de_otra_fuente": 1}
