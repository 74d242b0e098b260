"""A street basemap under a map's traces: a raster tile template ({z}/{x}/{y}) drawn as the
lowest layer, or a MapLibre style URL used as the map's style, with its attribution. Without
one the map keeps the white background (the boundaries are then the context): it must read
either way, and it must still work when the tiles never arrive.

Pure: a Basemap (or None) and the map's own layers in, the `map` layout settings out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

WHITE = "white-bg"


@dataclass(frozen=True)
class Basemap:
    url: str            # https://tile.openstreetmap.org/{z}/{x}/{y}.png, or a style's .json
    attribution: str    # shown on the map (a style names its own sources' attribution)

    @property
    def is_style(self) -> bool:
        """A MapLibre style document rather than a tile template."""
        return "{z}" not in self.url


def raster_layer(basemap: Basemap, visible: bool = True) -> dict[str, Any]:
    """The tiles as the map's lowest layer."""
    return {"sourcetype": "raster", "source": [basemap.url], "below": "traces",
            "sourceattribution": basemap.attribution, "visible": visible}


def map_settings(basemap: Basemap | None, layers: list[dict[str, Any]] | None = None,
                 visible: bool = True) -> dict[str, Any]:
    """`style` and `layers` of a figure's `map`: the basemap (when given) below `layers`.
    `visible` False keeps a tile layer in place but hidden (the explorer shows streets only
    at district level and patches this flag)."""
    layers = list(layers or [])
    if basemap is None:
        return {"style": WHITE, "layers": layers}
    if basemap.is_style:
        return {"style": basemap.url if visible else WHITE, "layers": layers}
    return {"style": WHITE, "layers": [raster_layer(basemap, visible), *layers]}
