"""The OC4IDS export's SEACE contracting processes against the raw files they come from: a
small demo (its INFObras export and its CONOSCE file, in the real layouts) is loaded into this
module's own database, and each project's processes, estimates, tenderers, winners and
contract values are recomputed from the raw CSVs with pandas."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest

from geodata import infobras, seace
from geodata.demo.dataset import generate, write

WORKS = 300
CENT = Decimal("0.01")
# "... CON CUI 9000123", "... - CUI N° 9000123", "... CODIGO UNICO DE INVERSION N° 9000123"
CUI_IN_TEXT = re.compile(r"(?:CUI|INVERSION)\s*(?:N°\s*)?(\d{7})\b")


def _cents(text: str) -> Decimal:
    return Decimal(text or "0").quantize(CENT, ROUND_HALF_UP)


@pytest.fixture(scope="module")
def raw(own_database, tmp_path_factory) -> dict:
    paths = write(generate(WORKS, seed=29), tmp_path_factory.mktemp("oc4ids"), "csv")
    infobras.load(paths["csv"], paths["history"], paths["coords"], engine=own_database)
    seace.load(paths["conosce"], engine=own_database, relink=True)
    works = pd.read_csv(paths["csv"], dtype=str, keep_default_na=False, skiprows=3)
    conosce = pd.read_csv(paths["conosce"], dtype=str, keep_default_na=False)
    return {"works": works, "conosce": conosce}


@pytest.fixture(scope="module")
def projects(raw) -> dict[str, dict]:
    from dashboard import app as module

    client = module.app.server.test_client()
    found: dict[str, dict] = {}
    url = "/api/v1/oc4ids.json?per_page=1000"
    while url:
        body = client.get(url).get_json()
        found.update({p["id"]: p for p in body["projects"]})
        url = (body.get("links") or {}).get("next")
    return found


def _expected(raw: dict) -> dict[str, dict]:
    """Per CUI: its SEACE processes as pandas reads them from the CONOSCE rows (a row per
    item × bidder × contract × penalty: each figure de-duplicated by its own key)."""
    df = raw["conosce"]
    df = df.assign(cui=df["descripcion_proceso"].str.extract(CUI_IN_TEXT, expand=False))
    out: dict[str, dict] = {}
    for code, rows in df[df["cui"].notna()].groupby("codigoconvocatoria"):
        contracts = rows[rows["n_cod_contrato"] != ""].drop_duplicates("n_cod_contrato")
        bidders = set(rows.loc[rows["ruc_codigo_postor"] != "", "ruc_codigo_postor"])
        out.setdefault(rows["cui"].iloc[0].lstrip("0"), {})[f"seace-{code}"] = {
            "estimate": _cents(rows["montoreferencial"].iloc[0]),
            "tenderers": len(bidders) or None,
            "winners": set(rows.loc[rows["ruc_proveedor"] != "", "ruc_proveedor"]),
            "contract_value": sum(map(_cents, contracts["monto_contratado_total"]),
                                  Decimal(0)) if len(contracts) else None,
        }
    return out


def test_every_project_carries_exactly_the_processes_naming_its_cui(raw, projects):
    expected = _expected(raw)
    works = raw["works"]
    codes = dict(zip(works["Código INFOBRAS"], works["Código único de inversión"], strict=True))
    checked = 0
    for project in projects.values():
        code = project["id"].rsplit("-", 1)[-1]
        if code not in codes:
            continue                     # a work of another source (none here)
        cui = codes[code].split(".")[0].lstrip("0")
        got = {p["id"]: p["summary"] for p in project.get("contractingProcesses", [])
               if p["id"].startswith("seace-")}
        want = expected.get(cui, {})
        assert set(got) == set(want), code
        for pid, summary in got.items():
            tender = summary.get("tender", {})
            assert Decimal(str(tender["costEstimate"]["amount"])) == want[pid]["estimate"], pid
            assert tender.get("numberOfTenderers") == want[pid]["tenderers"], pid
            assert {s["id"].rsplit("-", 1)[-1] for s in summary.get("suppliers", [])
                    } == want[pid]["winners"], pid
            value = summary.get("contractValue")
            assert (None if value is None else Decimal(str(value["amount"]))
                    ) == want[pid]["contract_value"], pid
            checked += 1
    assert checked >= 50                  # 80 of the 81 processes naming a CUI (one names
    #                                       an investment without a work)
