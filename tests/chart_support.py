"""What an explorer chart draws, read back from its bar trace as rows of texts: the rows its
text alternative (layers.charts.text_table) must hold. Shared by the pure tests (a figure
built in Python) and the browser tests (the trace Plotly drew)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import unescape
from typing import Any

from layers import format as fmt


def _label(tick: str) -> str:
    """An axis label's name: its wrapped lines joined, without the detail line."""
    return unescape(re.sub(r"<br><span.*$", "", tick).replace("<br>", " "))


def _works(text: str) -> str:
    """The number of works a label's detail line or a hover text gives ("1 234 obras")."""
    found = re.search(r"(\d[\d\u00a0 ]*) obras?", re.sub(r"<[^>]+>", "|", text))
    assert found, text
    return found.group(1).strip()


def drawn_rows(name: str, trace: Mapping[str, Any]) -> list[list[str]]:
    """The rows chart `name` draws: its bars' names, works and amounts as the bars show them
    (the year chart's works from the hover, its amounts from the bars' heights)."""
    if name == "year":
        return [[str(year), _works(hover), fmt.money(amount)]
                for year, hover, amount in zip(trace["x"], trace["hovertext"], trace["y"],
                                               strict=True)]
    if name == "top":
        return [[_label(t), text] for t, text in zip(trace["y"], trace["text"], strict=True)]
    return [[_label(t), _works(t), text] for t, text in zip(trace["y"], trace["text"],
                                                            strict=True)]
