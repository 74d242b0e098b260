"""The street basemap's settings without a browser: what MIRADOR_TILES_URL may be, the map
settings for no basemap, a tile template and a style, and the explorer's layer indexes."""

from __future__ import annotations

import pytest

from dashboard import tiles
from layers import choropleth as chm
from layers.basemap import Basemap, map_settings

TEMPLATE = "https://tiles.example.org/{z}/{x}/{y}.png"
STYLE = "https://tiles.example.org/styles/calles.json"
OUTLINE = {"sourcetype": "geojson", "source": "/geo/1/3/12.json", "type": "line"}


@pytest.mark.parametrize("value", ["", "none", "NONE", "javascript:alert(1)//{z}",
                                   "file:///etc/{z}/{x}/{y}.png", "tiles/{z}/{x}/{y}.png"])
def test_no_basemap_unless_an_http_url(monkeypatch, value: str) -> None:
    monkeypatch.delenv(tiles.LEGACY_ENV, raising=False)
    monkeypatch.setenv(tiles.URL_ENV, value)
    assert tiles.configured() is None and tiles.origin() is None


def test_the_configured_basemap_and_its_origin(monkeypatch) -> None:
    monkeypatch.setenv(tiles.URL_ENV, "http://127.0.0.1:8094/{z}/{x}/{y}.png")
    monkeypatch.delenv(tiles.ATTRIBUTION_ENV, raising=False)
    basemap = tiles.configured()
    assert basemap.url == "http://127.0.0.1:8094/{z}/{x}/{y}.png" and not basemap.is_style
    assert "OpenStreetMap" in basemap.attribution
    assert tiles.origin() == "http://127.0.0.1:8094"
    monkeypatch.setenv(tiles.ATTRIBUTION_ENV, "© Teselas del Perú")
    assert tiles.configured().attribution == "© Teselas del Perú"
    monkeypatch.delenv(tiles.URL_ENV)
    monkeypatch.setenv(tiles.LEGACY_ENV, STYLE)          # the explorer's earlier name
    assert tiles.configured().is_style and tiles.origin() == "https://tiles.example.org"


def test_map_settings() -> None:
    assert map_settings(None, [OUTLINE]) == {"style": "white-bg", "layers": [OUTLINE]}
    raster = map_settings(Basemap(TEMPLATE, "© A"), [OUTLINE])
    assert raster["style"] == "white-bg" and raster["layers"][1:] == [OUTLINE]
    assert raster["layers"][0] == {"sourcetype": "raster", "source": [TEMPLATE],
                                   "below": "traces", "sourceattribution": "© A",
                                   "visible": True}
    assert map_settings(Basemap(TEMPLATE, ""), [], visible=False)["layers"][0]["visible"] is False
    assert map_settings(Basemap(STYLE, ""), [OUTLINE]) == {"style": STYLE, "layers": [OUTLINE]}
    assert map_settings(Basemap(STYLE, ""), [], visible=False)["style"] == "white-bg"


@pytest.mark.parametrize("url", [TEMPLATE, STYLE])
@pytest.mark.parametrize("streets", [True, False])
def test_the_explorer_patch_names_the_figures_layers(url: str, streets: bool) -> None:
    """streets_update's indexes are the tiles and the neighbours' fill of map_figure, and
    applying it to the figure built the other way gives the figure built this way."""
    basemap = Basemap(url, "")
    built = chm.map_figure("/geo/1/3/1201.json", "/geo/1/1.json", {"lon": -75, "lat": -12},
                           8, (), basemap, streets).to_plotly_json()["layout"]["map"]
    other = chm.map_figure("/geo/1/3/1201.json", "/geo/1/1.json", {"lon": -75, "lat": -12},
                           8, (), basemap, not streets).to_plotly_json()["layout"]["map"]
    update = chm.streets_update(basemap, streets)
    other["style"] = update.get("style", other["style"])
    for index, visible in update["layers"].items():
        other["layers"][index]["visible"] = visible
    assert other == built
    fills = [layer for layer in built["layers"] if layer.get("type") == "fill"]
    assert fills[0]["visible"] is not streets               # the grey fill would hide them
