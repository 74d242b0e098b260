"""`make test` never says "passed" while whole groups did not run.

A missing PostGIS or Chromium is an error with the command that fixes it (tests/conftest.py,
tests/browser_support.py). Skipping is a choice someone makes, in the environment:

    MIRADOR_SKIP_DB=1        the tests that need PostGIS (marker `db`, or the `engine` fixture)
    MIRADOR_SKIP_BROWSER=1   the tests that drive Chromium (marker `browser`)
    MIRADOR_ALLOW_SKIPS=1    any other skipped test (a missing real file of ../shared, say)
                             leaves the run green

Any other skip makes the run fail at the end, and the summary lists what did not run and why.
The hooks are imported by tests/conftest.py.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest

SKIP_DB, SKIP_BROWSER, ALLOW_SKIPS = ("MIRADOR_SKIP_DB", "MIRADOR_SKIP_BROWSER",
                                      "MIRADOR_ALLOW_SKIPS")
OPT_OUTS = (SKIP_DB, SKIP_BROWSER, ALLOW_SKIPS)
SETUP = "bash scripts/setup.sh"


def opted_out(variable: str) -> bool:
    return os.environ.get(variable, "") not in ("", "0")


def db_missing(problem: object) -> str:
    """What a test that needs PostGIS says when it cannot have it (or skips, when opted out)."""
    if opted_out(SKIP_DB):
        pytest.skip(f"{SKIP_DB}=1: sin base de datos / database tests skipped on purpose")
    return (f"PostGIS no está disponible / PostGIS is not available: {problem}\n"
            f"Arreglo / fix: {SETUP}   (instala PostGIS para este PostgreSQL / installs PostGIS "
            f"for this PostgreSQL), o defina DATABASE_URL / or set DATABASE_URL.\n"
            f"Para omitir a propósito / to skip on purpose: {SKIP_DB}=1")


def browser_missing(problem: str) -> str:
    if opted_out(SKIP_BROWSER):
        pytest.skip(f"{SKIP_BROWSER}=1: sin Chromium / browser tests skipped on purpose")
    return (f"{problem}\nArreglo / fix: {SETUP}   (o / or: sudo apt-get install -y chromium "
            f"chromium-driver)\nPara omitir a propósito / to skip on purpose: {SKIP_BROWSER}=1")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Opted-out groups are skipped before any of their fixtures run."""
    for marker, variable in (("db", SKIP_DB), ("browser", SKIP_BROWSER)):
        if opted_out(variable):
            skip = pytest.mark.skip(reason=f"{variable}=1: omitido a propósito / skipped on "
                                           "purpose")
            for item in items:
                if item.get_closest_marker(marker):
                    item.add_marker(skip)


def _reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def _skips(config: pytest.Config) -> Counter:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    stats = getattr(reporter, "stats", {}) if reporter else {}
    return Counter(_reason(r) for r in stats.get("skipped", [])
                   if getattr(r, "when", "call") in ("setup", "call"))


def _unexplained(skips: Counter) -> Counter:
    if opted_out(ALLOW_SKIPS):
        return Counter()
    return Counter({reason: n for reason, n in skips.items()
                    if not any(f"{v}=1" in reason for v in OPT_OUTS)})


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    skips = _skips(config)
    if not skips:
        return
    wrong = _unexplained(skips)
    on_purpose = sum(skips.values()) - sum(wrong.values())
    if on_purpose:
        chosen = [v for v in OPT_OUTS if opted_out(v)]
        terminalreporter.write_sep(
            "=", f"{on_purpose} tests OMITIDOS A PROPÓSITO / SKIPPED ON PURPOSE "
                 f"({', '.join(f'{v}=1' for v in chosen)})", yellow=True, bold=True)
    if wrong:
        terminalreporter.write_sep(
            "=", f"{sum(wrong.values())} tests OMITIDOS SIN PERMISO / SKIPPED WITHOUT AN "
                 "OPT-OUT: the run fails", red=True, bold=True)
        for reason, n in wrong.most_common():
            terminalreporter.write_line(f"  {n} × {reason}")
        terminalreporter.write_line(
            f"  Arreglo / fix: {SETUP}, and ../shared (or MIRADOR_SHARED) for the real files; "
            f"or set {ALLOW_SKIPS}=1 to accept the skips.")


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if hasattr(session.config, "workerinput"):   # an xdist worker: the controller decides
        return
    if exitstatus == 0 and _unexplained(_skips(session.config)):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
