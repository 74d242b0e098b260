"""HTML elements in the form Dash sends them to the browser ({"type", "namespace",
"props"}), for the parts of a page built anew on every request, such as the near-me cards.

Dash's component classes check every property in Python when they are built and again when
they are serialised: ten cards of some twenty elements took 4 ms of a 15 ms answer. As plain
dicts they take a tenth of that, and the browser renders the same elements (React escapes
their text as it does a component's).
"""

from __future__ import annotations

from typing import Any

HTML = "dash_html_components"
CORE = "dash_core_components"


def element(tag: str, children: Any = None, namespace: str = HTML, **props: Any
            ) -> dict[str, Any]:
    """html.<tag>(children, **props) as Dash sends it (`namespace=CORE` for dcc's)."""
    if children is not None:
        props["children"] = children
    return {"type": tag, "namespace": namespace, "props": props}


def link(children: Any, href: str, **props: Any) -> dict[str, Any]:
    """A dcc.Link: in-app navigation without reloading the page."""
    return element("Link", children, CORE, href=href, **props)
