"""Works near a point: PostGIS's answer against an independent distance computation (pyproj's
geodesic on WGS84, and the haversine formula), the radius, the order, the index."""

from __future__ import annotations

import math

import dash
import pytest
import sqlalchemy as sa
from pyproj import Geod

from layers import nearby as nearby_layer
from queries import nearby
from queries.explorer_views import explorer_works, refresh_views, views_are_fresh
from queries.filters import FilterError
from queries.tables import work
from tests.citizen_data import AROUND, DISTRICT, capital, components, page_module, strings

pytest_plugins = ["tests.citizen_support"]
pytestmark = pytest.mark.db
GEOD = Geod(ellps="WGS84")
EARTH_RADIUS_M = 6_371_008.8
BORDER_M = 1.0         # works this close to the circle may fall on either side of it


@pytest.fixture(scope="module")
def center(citizen_works, national_areas) -> nearby.Place:
    with national_areas.connect() as conn:
        lon, lat = capital(conn)
    return nearby.Place(lon, lat, "Huancayo")


@pytest.fixture(scope="module")
def every_point(citizen_works, national_areas) -> list[tuple[int, float, float]]:
    """All works with a geometry in the database (other test modules' too)."""
    with national_areas.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "SELECT infobras_code, ST_X(geom), ST_Y(geom) FROM work WHERE geom IS NOT NULL"))]


def _haversine(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def _geodesic(center: nearby.Place, points) -> dict[int, float]:
    codes = [p[0] for p in points]
    _, _, metres = GEOD.inv([center.lon] * len(points), [center.lat] * len(points),
                            [p[1] for p in points], [p[2] for p in points])
    return dict(zip(codes, (float(m) for m in metres), strict=True))


@pytest.mark.parametrize("radius", nearby.RADII_KM)
def test_nearest_first_within_radius_as_geodesic_says(center, every_point, radius):
    expected = _geodesic(center, every_point)
    result = nearby.nearby(center, radius)
    got = {w["infobras_code"]: w["distance_m"] for w in result["works"]}
    limit = radius * 1000
    inside = {c for c, d in expected.items() if d <= limit - BORDER_M}
    maybe = {c for c, d in expected.items() if abs(d - limit) < BORDER_M}
    assert result["total"] >= len(inside)
    nearest = sorted(inside, key=lambda c: (expected[c], c))[:nearby.MAX_RESULTS]
    # The nearest MAX_RESULTS are listed (ties at the last place may be either work).
    cut = expected[nearest[-1]] if nearest else 0
    assert {c for c in nearest if expected[c] < cut - BORDER_M} <= set(got)
    assert set(got) <= inside | maybe
    for code, metres in got.items():
        assert metres == pytest.approx(expected[code], abs=0.05)
    distances = [w["distance_m"] for w in result["works"]]
    assert distances == sorted(distances)


def test_distances_agree_with_haversine(center, citizen_works):
    """The sphere is a second, cruder check: within 0.6 % of the spheroid distance (the
    sphere's error reaches ~0.55 % along meridians)."""
    result = nearby.nearby(center, 25)
    mine = [w for w in result["works"] if w["infobras_code"] in citizen_works.values()]
    assert len(mine) >= 5
    for w in mine:
        sphere = _haversine(center.lon, center.lat, w["lon"], w["lat"])
        assert w["distance_m"] == pytest.approx(sphere, rel=0.006, abs=0.5)


def test_hand_made_works_fall_in_the_right_circles(center, citizen_works):
    for radius in nearby.RADII_KM:
        codes = {w["infobras_code"] for w in nearby.nearby(center, radius)["works"]}
        for i, (_, metres, _) in enumerate(AROUND):
            assert (citizen_works[f"around_{i}"] in codes) == (metres <= radius * 1000), \
                (radius, metres)
        assert citizen_works["no_point"] not in codes


def test_card_fields_and_location_kind(center, citizen_works):
    works = {w["infobras_code"]: w for w in nearby.nearby(center, 1)["works"]}
    at_capital = works[citizen_works["capital"]]
    assert at_capital["geom_source"] == "district_capital"
    assert at_capital["distance_m"] == pytest.approx(0, abs=0.01)
    near = works[citizen_works["around_0"]]
    assert near["geom_source"] == "surveyed"
    assert near["district"] == "Huancayo"
    assert near["contractor_name"] == "Consorcio Vial zzciudadana"
    assert near["amount_investment"] == 1_000_000
    assert isinstance(near["alert_names"], list)


def test_total_counts_beyond_the_list(center):
    full = nearby.nearby(center, 25)
    short = nearby.nearby(center, 25, limit=3)
    assert len(short["works"]) == 3
    assert short["total"] == full["total"] >= 7
    assert [w["infobras_code"] for w in short["works"]] == \
        [w["infobras_code"] for w in full["works"][:3]]


@pytest.mark.parametrize(("points", "index"), [(work, "work_geog_gix"),
                                               (explorer_works, "explorer_works_geog")])
def test_the_query_can_use_the_geography_index(national_areas, center, points, index):
    """The KNN walk must be written as the indexed expression (geom::geography): with
    scans that read everything and sorts priced out (the test table is small), the plan
    walks the geography index in distance order, and counts through it."""
    stmt = nearby.nearby_stmt(points).params(nearby.search_params(center, 5))
    sql = str(stmt.compile(national_areas, compile_kwargs={"literal_binds": True}))
    with national_areas.begin() as conn:
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            conn.execute(sa.text(f"SET LOCAL {setting} = off"))
        plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + sql))
    assert plan.count(f"Index Scan using {index}") == 2, plan
    assert "Order By: (geography(geom) <->" in plan, plan


def test_the_derived_points_answer_like_the_work_table(national_areas, center):
    """Fresh, the search walks explorer_works; stale (a work edited since), the work table:
    the same works, distances and count."""
    with national_areas.begin() as conn:
        refresh_views(conn)
    with national_areas.connect() as conn:
        assert views_are_fresh(conn)
    fresh = nearby.nearby(center, 25)
    with national_areas.begin() as conn:
        conn.execute(sa.text("UPDATE work SET name = name WHERE infobras_code = "
                             "(SELECT min(infobras_code) FROM work)"))
    stale = nearby.nearby(center, 25)
    assert fresh["total"] == stale["total"] > 0
    assert [(w["infobras_code"], w["distance_m"]) for w in fresh["works"]] == \
        [(w["infobras_code"], w["distance_m"]) for w in stale["works"]]


def test_area_place_is_the_capital(national_areas):
    place = nearby.area_place(DISTRICT)
    with national_areas.connect() as conn:
        lon, lat = capital(conn)
    assert (place.lon, place.lat) == pytest.approx((lon, lat))
    assert "Huancayo" in place.label
    assert nearby.area_place("999999") is None


@pytest.mark.parametrize(("lat", "lon", "message"), [
    (None, "-77", "faltan la latitud"), ("abc", "-77", "faltan la latitud"),
    ("nan", "-77", "no es válida"), ("40.4", "-3.7", "fuera del Perú"),
])
def test_bad_points_are_explained(lat, lon, message):
    with pytest.raises(FilterError, match=message):
        nearby.parse_point(lat, lon)


def test_radius_choices():
    assert nearby.parse_radius(None) == nearby.DEFAULT_RADIUS_KM
    assert nearby.parse_radius("10") == 10
    for bad in ("3", "x", "-1", "1000"):
        with pytest.raises(FilterError, match="Radio no válido"):
            nearby.parse_radius(bad)


def test_map_circle_is_the_radius():
    lons, lats = nearby_layer.radius_ring(-75.2, -12.07, 5_000)
    _, _, metres = GEOD.inv([-75.2] * len(lons), [-12.07] * len(lats), lons, lats)
    assert all(m == pytest.approx(5_000, abs=0.01) for m in metres)
    assert nearby_layer.distance_text(849) == "850 m"
    assert nearby_layer.distance_text(12_345) == "12,3 km"


def test_a_paralysed_work_is_a_ring_not_only_a_colour():
    works = [{"infobras_code": code, "name": f"Obra {code}", "status": status, "lon": lon,
              "lat": -12.07, "distance_m": 100.0 * code, "geom_source": "surveyed"}
             for code, status, lon in ((1, "paralizada", -75.20), (2, "en_ejecucion", -75.21))]
    traces = nearby_layer.nearby_map(-75.2, -12.07, 5, works)["data"]
    dots = next(t for t in traces if t.get("legendgroup") == "paralizada"
                and t.get("showlegend", True))
    centre = next(t for t in traces if t.get("legendgroup") == "paralizada"
                  and t.get("showlegend") is False)
    assert dots["name"].endswith("◯")
    assert (centre["lon"], centre["lat"], centre["customdata"]) == (
        dots["lon"], dots["lat"], dots["customdata"])
    assert centre["marker"]["color"] == "#ffffff"
    assert 0 < centre["marker"]["size"] < dots["marker"]["size"]
    assert traces.index(centre) > traces.index(dots)     # drawn over the dot
    running = next(t for t in traces if t.get("legendgroup") == "en_ejecucion")
    assert not running["name"].endswith("◯")


def test_count_stops_at_the_cap(center, monkeypatch):
    monkeypatch.setattr(nearby, "COUNT_CAP", 3)
    assert nearby.nearby(center, 25, limit=2)["total"] == 4


# -- the page ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cerca(citizen_app, citizen_works):
    with citizen_app.server.test_request_context("/cerca"):
        yield page_module("cerca")


def test_page_from_a_shared_url(cerca):
    layout = cerca.layout(area=DISTRICT, r="10")
    found = {getattr(c, "id", None): c for c in components(layout)}
    assert found["cerca-place"].value == DISTRICT
    assert found["cerca-place"].options == [{"label": "Huancayo · Huancayo, Junín",
                                             "value": DISTRICT}]
    assert found["cerca-radius"].value == 10
    assert cerca.layout(r="999") is not None      # a bad radius falls back to the default


def test_layout_holds_the_first_view(cerca):
    """A shared URL's results come with the page (no callback after it: on a slow phone each
    round trip costs seconds); its location, given the search, changes nothing on mounting."""
    layout = cerca.layout(area=DISTRICT, r="1")
    found = {getattr(c, "id", None): c for c in components(layout)}
    search = f"?area={DISTRICT}&r=1"
    assert found["cerca-url"].search == search and found["cerca-url"].hash == ""
    summary, results, more, hidden, label, _clicks = cerca.show(search)
    assert strings(found["cerca-summary"].children) == strings(summary)
    assert "Obra zzciudadana a 300 m" in " ".join(strings(found["cerca-results"].children))
    assert strings(found["cerca-results"].children) == strings(results)
    assert (found["cerca-more"].hidden, found["cerca-more"].children) == (hidden, label)
    empty = {getattr(c, "id", None): c for c in components(cerca.layout())}
    assert empty["cerca-url"].search == ""
    assert "Usar mi ubicación" in " ".join(strings(empty["cerca-results"].children))


def test_results_summary_cards_and_map(cerca, citizen_works):
    summary, results, *_ = cerca.show(f"?area={DISTRICT}&r=1")
    text = " ".join(strings(summary))
    assert "a menos de 1 km de Huancayo (capital de Huancayo)" in text
    assert "no tiene coordenadas propias: se ubica en la capital" in text
    cards = " ".join(strings(results))
    assert "Obra zzciudadana a 300 m" in cards and "300 m" in cards
    assert "Ubicación aproximada: capital del distrito de Huancayo" in cards
    assert "Consorcio Vial zzciudadana" in cards
    graph = next(c for c in components(results) if getattr(c, "id", None) == "cerca-map")
    assert graph.figure["layout"]["map"]["layers"][0]["source"].startswith("/geo/")


def test_results_explain_bad_or_missing_places(cerca):
    summary, *_ = cerca.show("?lat=40.4&lon=-3.7&r=5")
    assert "fuera del Perú" in " ".join(strings(summary))
    summary, *_ = cerca.show("?area=999999")
    assert "No encontramos ese distrito" in " ".join(strings(summary))
    summary, results, *_ = cerca.show("")
    assert summary == "" and "Usar mi ubicación" in " ".join(strings(results))


def test_navigation_puts_the_search_in_the_url(cerca, citizen_app):
    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    def run(trigger, *args):
        context_value.set(AttributeDict(triggered_inputs=[{"prop_id": trigger, "value": 1}]))
        return cerca.navigate(*args)

    assert run("cerca-place.value", None, DISTRICT, 5, "") == (f"?area={DISTRICT}&r=5", "")
    assert run("cerca-radius.value", None, DISTRICT, 25, f"?area={DISTRICT}&r=5") == \
        (f"?area={DISTRICT}&r=25", "")
    url, _ = run("cerca-geo.data", {"lat": -12.0712345, "lon": -75.2098765}, None, 1, "")
    assert url == "?lat=-12.071&lon=-75.210&r=1"      # ~100 m: the link does not pin a home
    _, message = run("cerca-geo.data", {"error": "denied"}, None, 1, "")
    assert message == ("No nos dio permiso para ver su ubicación. Puede escribir el nombre de su "
                       "distrito.")


def test_district_suggestions(cerca):
    options = cerca.suggest("huancay", None, [])
    assert options[0] == {"label": "Huancayo · Huancayo, Junín", "value": DISTRICT}
    assert cerca.suggest("h", None, []) is dash.no_update      # one letter: wait for more
    kept = {"label": "Huancayo · Huancayo, Junín", "value": DISTRICT}
    assert cerca.suggest("zzzzqqq", DISTRICT, [kept]) == [kept]  # the chosen one stays


def test_the_list_starts_short_and_more_cards_come_on_demand(cerca, monkeypatch):
    """A phone gets the first cards at once; "Ver más" adds the next ones, nearest first,
    without a new search; the map always shows every work found."""
    monkeypatch.setattr(cerca, "FIRST_CARDS", 2)
    search = f"?area={DISTRICT}&r=25"
    works = cerca._found(search)[2]
    assert len(works) >= 3, "the citizen works put at least three within 25 km"
    _, results, extra, hidden, label, clicks = cerca.show(search)
    cards = [c for c in components(results)
             if "cerca-card" in (getattr(c, "className", "") or "").split()]
    assert len(cards) == 2 and extra == [] and hidden is False and clicks == 0
    assert label == f"Ver {min(len(works) - 2, 2)} obras más"
    graph = next(c for c in components(results) if getattr(c, "id", None) == "cerca-map")
    traces = graph.figure["data"]
    drawn = sum(len(t["lon"]) for t in traces[1:-1]   # a ring's centre is the same work
                if t["mode"] == "markers" and t.get("showlegend", True))
    assert drawn == len(works) or any(t.get("name") == "Varias obras en un punto"
                                      for t in traces)
    patch, hidden, _ = cerca.more(1, search)
    (operation,) = patch.to_plotly_json()["operations"]   # appended, not sent back and forth
    assert operation["operation"] == "Extend"
    added = operation["params"]["value"]
    titles = [s for card in added for s in strings(card) if s in {w["name"] for w in works}]
    assert titles == [w["name"] for w in works[2:4]]
    assert hidden is (len(works) <= 4)
    assert cerca.more(1, "")[1] is True   # nothing searched: no button
    assert cerca.more(0, search) == (dash.no_update,) * 3   # a new search reset the clicks
