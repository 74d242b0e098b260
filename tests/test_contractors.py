"""The contractor page (/contratista/<ruc>) and its API against hand-made rows of every source
(tests/parties_data.py): its works, contracts, the processes it bid in and won, penalties,
sanctions and the entities it works for, each equal to a sum computed here from the rows;
a RUC only INFObras names is known; unknown and malformed RUCs get a clear answer."""

from __future__ import annotations

from decimal import Decimal

import pytest

from queries import contractors, explorer
from queries.filters import FilterError, Filters
from queries.parties import parse_ruc, work_totals
from tests import parties_data as d
from tests import parties_raw as raw
from tests.citizen_data import components, page_module, strings

pytest_plugins = ["tests.parties_support"]
pytestmark = pytest.mark.db


def _cents(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


@pytest.mark.parametrize("raw", ["", None, "abc", "1234567", "123456789012", "２０１", "20100\n"])
def test_malformed_rucs_are_explained(raw):
    with pytest.raises(FilterError, match="RUC"):
        parse_ruc(raw)


def test_contractor_figures_equal_the_rows(parties):
    page = contractors.contractor_page(d.BUILDER)
    assert page["supplier"]["name"] == "CONSTRUCTORA ANDINA S.A.C."
    built = [w for w in d.WORKS if w[7] == d.BUILDER]
    totals = work_totals(page["work_groups"])
    assert totals["works"] == len(built) == 3
    assert totals["investment"] == _cents(sum(w[2] for w in built))
    signed = [c for c in d.CONTRACTS if c[2] == d.BUILDER]
    assert page["contract_totals"]["contracts"] == len(signed)
    assert page["contract_totals"]["amount"] == _cents(sum(c[3] for c in signed))
    bid_in = {b[0] for b in d.BIDS if b[2] == d.BUILDER}
    won = {i[0] for i in d.ITEMS if i[2] == d.BUILDER}
    assert page["bid_totals"] == {"processes_bid": len(bid_in), "processes_won": len(won)}
    assert {b["id"]: b["won"] for b in page["bids"]} == {p: p in won for p in bid_in}
    assert sum(p["amount"] for p in page["penalties"]) == _cents(sum(p[5] for p in d.PENALTIES))
    assert [s["resolution"] for s in page["sanctions"]] == ["RES-123-2024-TCE"]
    by_entity = {e["entity_id"]: e for e in page["entities"]}
    assert set(by_entity) == {d.MUNI_ID, d.REGION_ID}
    assert by_entity[d.MUNI_ID]["works"] == 2 and by_entity[d.MUNI_ID]["contracts"] == 1
    assert _cents(by_entity[d.REGION_ID]["contracts_amount"]) == _cents(7_100_000)


def test_a_loser_a_contractor_only_infobras_names_and_unknown_rucs(parties):
    bidder = contractors.contractor_page(d.BIDDER)
    assert bidder["bid_totals"] == {"processes_bid": 2, "processes_won": 1}
    assert work_totals(bidder["work_groups"])["works"] == 0
    only = contractors.contractor_page(d.INFOBRAS_ONLY)
    assert only["supplier"] == {"ruc": d.INFOBRAS_ONLY, "name": "INGENIEROS DEL SUR E.I.R.L.",
                                "kind": None, "source": "infobras"}
    assert work_totals(only["work_groups"])["works"] == 1
    assert contractors.contractor_page("20999999999") is None


@pytest.fixture(scope="module")
def contratista(party_app):
    with party_app.server.test_request_context(f"/contratista/{d.BUILDER}"):
        yield page_module("contratista")


def test_page_has_every_section_with_links(contratista):
    tree = contratista.layout(ruc=d.BUILDER)
    ids = {getattr(c, "id", None) for c in components(tree)}
    assert {"contratista-kpis", "contratista-map", "contratista-works", "contratista-entities",
            "contratista-contracts", "contratista-processes", "contratista-sanctions"} <= ids
    links = {c.href for c in components(tree) if getattr(c, "href", None)}
    assert {f"/obra/{d.BASE + w[0]}" for w in d.WORKS if w[7] == d.BUILDER} <= links
    assert {f"/entidad/{d.MUNI_ID}", f"/entidad/{d.REGION_ID}"} <= links
    assert "https://example.org/contratos/zzent-c-1.pdf" in links
    text = " ".join(strings(tree))
    assert "Presentar información inexacta" in text and "Inhabilitación" in text
    assert "Ganó" in text


def test_a_contractor_without_works_has_no_empty_map(contratista):
    tree = contratista.layout(ruc=d.BIDDER)
    ids = {getattr(c, "id", None) for c in components(tree)}
    assert "contratista-map" not in ids and "contratista-contracts" in ids
    text = " ".join(strings(tree))
    assert "Ninguna obra registrada en INFObras." in text and "No ganó" in text


@pytest.mark.parametrize(("ruc", "status"), [(d.BUILDER, 200), (d.INFOBRAS_ONLY, 200),
                                             ("20999999999", 404), ("12ab", 404)])
def test_unknown_contractors_answer_404_with_a_message(party_app, contratista, ruc, status):
    assert party_app.server.test_client().get(f"/contratista/{ruc}").status_code == status
    text = " ".join(strings(contratista.layout(ruc=ruc)))
    assert ("Contratista no encontrado" in text) == (status == 404)


def test_api_contractor(party_app):
    client = party_app.server.test_client()
    body = client.get(f"/api/v1/contractors/{d.BUILDER}").get_json()
    assert body["ruc"] == d.BUILDER and body["works"]["total"] == 3
    assert _cents(body["contracts"]["amount"]) == _cents(sum(c[3] for c in d.CONTRACTS
                                                             if c[2] == d.BUILDER))
    assert _cents(body["penalties"]["amount"]) == _cents(6_000.25)
    assert body["processes"]["processes_won"] == 2 and len(body["sanctions"]) == 1
    assert client.get("/api/v1/contractors/20999999999").status_code == 404
    bad = client.get("/api/v1/contractors/RUC")
    assert bad.status_code == 400 and "RUC" in bad.get_json()["error"]


def test_explorer_filter_by_contractor(parties):
    view = explorer.summary(Filters(contractor_ruc=d.BUILDER, area="08"))
    assert view.totals["works"] == 2
    assert Filters.from_query({"contractor_ruc": d.BUILDER}).to_query() == {
        "contractor_ruc": d.BUILDER}
    with pytest.raises(FilterError, match="RUC no válido"):
        Filters.from_query({"contractor_ruc": "12"})


def test_the_real_supplier_with_most_contracts_equals_the_raw_file(real_sources, party_app):
    conosce, shifted = raw.conosce()
    signed = raw.contracts(conosce)
    ruc = signed.supplier.value_counts().index[0]
    assert not any(ruc in ",".join(row) for row in shifted)
    mine = signed[signed.supplier == ruc]
    body = party_app.server.test_client().get(f"/api/v1/contractors/{ruc}").get_json()
    assert body["contracts"]["total"] == len(mine) > 10
    assert _cents(body["contracts"]["amount"]) == raw.total(mine.monto_contratado_total)
    bid = conosce[conosce.ruc_codigo_postor == ruc].codigoconvocatoria.nunique()
    assert body["processes"]["processes_bid"] == bid
    by_entity = {e["entity_id"]: e["contracts"] for e in body["entities"]}
    assert sum(by_entity.values()) == len(mine)
