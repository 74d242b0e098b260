"""axe-core in the browser tests: a page has no serious or critical WCAG 2.1 A/AA violation.

axe-core comes from the npm registry (tests/a11y/package.json, installed by scripts/setup.sh
into tests/a11y/node_modules), pinned by its lock file; MIRADOR_AXE names another copy.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import pytest

from tests.skip_policy import SETUP

AXE = Path(os.environ.get("MIRADOR_AXE") or
           Path(__file__).parent / "a11y" / "node_modules" / "axe-core" / "axe.min.js")
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")


@cache
def _axe_source() -> str:
    if not AXE.is_file():
        pytest.fail(f"Falta axe-core / axe-core is missing: {AXE}\nArreglo / fix: {SETUP}   "
                    "(o / or: npm ci --prefix tests/a11y)", pytrace=False)
    return AXE.read_text(encoding="utf-8")


def violations(driver, include: str | None = None) -> list[dict]:
    """axe-core's serious and critical WCAG 2.1 A/AA violations of the page now on screen
    (or of the element `include` selects)."""
    if not driver.execute_script("return !!window.axe;"):
        driver.execute_script(_axe_source())
    driver.set_script_timeout(60)
    result = driver.execute_async_script(
        """var done = arguments[arguments.length - 1];
        axe.run(arguments[0] || document, {runOnly: {type: 'tag', values: arguments[1]},
                                          resultTypes: ['violations']})
           .then(function(r) { done(r.violations); },
                 function(e) { done([{id: 'axe-error', impact: 'critical',
                                      help: String(e), helpUrl: '', nodes: []}]); });""",
        include, WCAG_AA)
    return [v for v in result if v.get("impact") in BLOCKING]


def report(found: list[dict]) -> str:
    """Each violation: its rule, impact, help and URL, and the nodes (selector, summary)."""
    lines = []
    for v in found:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v.get("nodes", [])[:8]:
            target = " ".join(str(t) for t in node.get("target", []))
            summary = (node.get("failureSummary") or "").replace("\n", " ")[:240]
            lines.append(f"    {target}: {summary}")
        if len(v.get("nodes", [])) > 8:
            lines.append(f"    … y {len(v['nodes']) - 8} nodos más")
    return "\n".join(lines)


def assert_accessible(driver, page: str, include: str | None = None) -> None:
    """Fail, naming every rule, node and help URL, on a serious or critical violation."""
    found = violations(driver, include)
    if found:
        text = report(found)
        print(f"axe-core, {page}:\n{text}")
        pytest.fail(f"{page}: {len(found)} violaciones WCAG 2.1 AA graves o críticas\n{text}",
                    pytrace=False)
