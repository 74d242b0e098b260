"""Figures are built unvalidated (Plotly's validation is most of the time of a callback); the
tests check that validating would change nothing.

`@checked` marks a function that returns a figure. With MIRADOR_CHECK_FIGURES=1 (set by the
test suite) each figure it returns is rebuilt with validation and must come out identical:
a misspelt property raises, and a shorthand that only validation expands (a title given as
a plain string, which plotly.js 3 ignores) fails the test instead of reaching a browser.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from typing import Any, TypeVar

import plotly.graph_objects as go
import plotly.io as pio
from plotly.io.json import to_json_plotly

F = TypeVar("F", bound=Callable[..., Any])
CHECK_ENV = "MIRADOR_CHECK_FIGURES"


class FigureError(AssertionError):
    """A figure that validation would reject or rewrite."""


def check(fig: go.Figure | dict[str, Any]) -> None:
    """Raise FigureError when validating `fig` (a figure or its plain spec) fails or
    changes it."""
    plain = _pruned(json.loads(to_json_plotly(fig if isinstance(fig, dict) else fig.to_dict())))
    try:
        validated = _pruned(json.loads(to_json_plotly(go.Figure(plain).to_dict())))
    except ValueError as exc:
        raise FigureError(f"figura no válida: {exc}") from exc
    if validated != plain:
        where = _first_difference(plain, validated)
        raise FigureError(f"la validación cambiaría la figura: {where}")


def _pruned(value: Any) -> Any:
    """Without empty lists and objects: validation drops them, plotly.js ignores them."""
    if isinstance(value, dict):
        kept = {k: _pruned(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in ([], {})}
    if isinstance(value, list):
        return [_pruned(v) for v in value]
    return value


def _first_difference(a: Any, b: Any, path: str = "") -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                return _first_difference(a.get(key), b.get(key), f"{path}.{key}")
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                return _first_difference(x, y, f"{path}[{i}]")
    return f"{path or '/'}: {str(a)[:80]!r} -> {str(b)[:80]!r}"


def spec(data: list[dict[str, Any]], layout: dict[str, Any]) -> go.Figure:
    """A figure from its plain spec, in one step and unvalidated: building it with
    add_trace and update_* calls costs milliseconds each, validation most of the rest."""
    return go.Figure({"data": data, "layout": layout}, _validate=False)


def plain_spec(data: list[dict[str, Any]], layout: dict[str, Any]) -> dict[str, Any]:
    """A figure as the dict dcc.Graph sends, without a go.Figure at all (which copies the
    spec once when built and again when serialised): for a figure built per request."""
    return {"data": data, "layout": layout}


@functools.cache
def template(name: str) -> dict[str, Any]:
    """A named template as the object validation would put in its place (an unvalidated
    figure keeps the name, which plotly.js does not know)."""
    return pio.templates[name].to_plotly_json()


def checked(build: F) -> F:
    """Check the figures `build` returns when MIRADOR_CHECK_FIGURES=1 (the tests)."""
    @functools.wraps(build)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        fig = build(*args, **kwargs)
        if os.environ.get(CHECK_ENV) == "1":
            check(fig)
        return fig
    return wrapper  # type: ignore[return-value]
