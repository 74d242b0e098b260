"""Works as OC4IDS projects (Open Contracting for Infrastructure Data Standard, 0.9).

One work (INFObras code) is one project; its CUI goes in `identifiers`. The construction
contract is a contracting process whose summary carries the contract value, the additional
works (a value modification) and the extension of term (a duration modification); a
supervisor, where registered, is a second, supervision process. Geometry follows GeoJSON
([longitude, latitude]); the location's gazetteer is the INEI ubigeo. Rows in, dicts out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

VERSION = "0.9"
CURRENCY = "PEN"
PROJECT_PREFIX = "oc4ids-mirador-pe"  # not a registered prefix: a local one, said so in the docs
GAZETTEER = "PE-UBIGEO-INEI"
RUC_SCHEME = "PE-RUC"

# work.status -> projectStatus codelist (closed codelist).
PROJECT_STATUS = {
    "sin_ejecucion": "preparation",
    "en_ejecucion": "implementation",
    "paralizada": "implementation",      # suspended, not cancelled: statusDetails says so
    "finalizada": "completion",
}
# work.status -> contractingProcessStatus codelist.
PROCESS_STATUS = {"sin_ejecucion": "pre-award", "en_ejecucion": "active",
                  "paralizada": "active", "finalizada": "closed"}


def package(rows: Iterable[Mapping[str, Any]], uri: str, published: date | datetime | None,
            next_url: str | None = None,
            processes: Mapping[int, Sequence[Mapping[str, Any]]] | None = None
            ) -> dict[str, Any]:
    """A project package: publisher metadata and one project per row; `processes` are each
    work's SEACE processes (queries.work_sources.processes_by_work)."""
    processes = processes or {}
    out: dict[str, Any] = {
        "uri": uri,
        "publishedDate": _datetime(published) or _datetime(datetime.now().astimezone()),
        "version": VERSION,
        "publisher": {"name": "Mirador de Obras"},
        "projects": [project(row, processes.get(row["infobras_code"], ())) for row in rows],
    }
    if next_url:
        out["links"] = {"next": next_url}
    return out


def project_id(code: int) -> str:
    return f"{PROJECT_PREFIX}-{code}"


def project(row: Mapping[str, Any], processes: Sequence[Mapping[str, Any]] = ()
            ) -> dict[str, Any]:
    """One work -> one OC4IDS project (fields without a value are left out): INFObras's
    contract as a process, and each SEACE process linked to the work as another."""
    pid = project_id(row["infobras_code"])
    entity = _party_ref("entidad", row.get("entity"))
    out = {
        "id": pid,
        "identifiers": _drop_empty([
            {"scheme": "PE-INFOBRAS", "id": str(row["infobras_code"])},
            {"scheme": "PE-CUI", "id": row.get("cui")} if row.get("cui") else None]),
        "updated": _datetime(row.get("last_update") or row.get("source_date")),
        "title": row.get("name"),
        "status": PROJECT_STATUS.get(row.get("status")),
        "statusDetails": _status_details(row),
        "period": _period(row.get("start_date"),
                          row.get("reprogrammed_end") or row.get("programmed_end")),
        "additionalClassifications": _drop_empty([
            {"scheme": "INFOBRAS-TIPO-OBRA", "id": row.get("work_type_1"),
             "description": row.get("work_type_1")} if row.get("work_type_1") else None]),
        "locations": [_location(row)],
        "budget": _drop_empty({"amount": _value(row.get("amount_investment")),
                               "approvalDate": _datetime(row.get("approval_date"))}),
        "parties": _parties(row, entity, processes),
        "contractingProcesses": _processes(row, pid, entity)
        + [_seace_process(p, entity) for p in processes],
        "metrics": _metrics(row),
        "completion": _completion(row),
    }
    return _drop_empty(out)


def _status_details(row: Mapping[str, Any]) -> str | None:
    if row.get("status") == "paralizada":
        cause = row.get("paralysis_cause")
        return f"Paralizada: {cause}" if cause else "Paralizada"
    return row.get("status_label")


def _location(row: Mapping[str, Any]) -> dict[str, Any]:
    lon, lat = row.get("longitude"), row.get("latitude")
    names = [row.get("district"), row.get("province"), row.get("region")]
    return _drop_empty({
        "id": "1",
        "description": ", ".join(n for n in names if n) or None,
        "geometry": {"type": "Point", "coordinates": [lon, lat]}
        if lon is not None and lat is not None else None,
        "gazetteer": {"scheme": GAZETTEER, "identifiers": [row["ubigeo"]]}
        if row.get("ubigeo") else None,
        "address": _drop_empty({"locality": row.get("district"), "region": row.get("region"),
                                "countryName": "Perú"}),
    })


def _party_ref(kind: str, name: str | None, ruc: str | None = None) -> dict[str, str] | None:
    if not name and not ruc:
        return None
    party_id = f"{RUC_SCHEME}-{ruc}" if ruc else f"{kind}-{_slug(name or '')}"
    return {"id": party_id, "name": name or ruc or ""}


def _parties(row: Mapping[str, Any], entity: dict | None,
             processes: Sequence[Mapping[str, Any]] = ()) -> list[dict[str, Any]]:
    parties: dict[str, dict[str, Any]] = {}

    def add(ref: dict | None, roles: list[str], ruc: str | None = None) -> None:
        if ref is None:
            return
        party = parties.setdefault(ref["id"], {**ref, "roles": []})
        party["roles"] += [r for r in roles if r not in party["roles"]]
        if ruc:
            party["identifier"] = {"scheme": RUC_SCHEME, "id": ruc, "legalName": ref["name"]}

    add(entity, ["buyer", "procuringEntity", "publicAuthority"])
    for kind in ("contractor", "supervisor"):
        ruc = row.get(f"{kind}_ruc")
        add(_party_ref(kind, row.get(f"{kind}_name"), ruc), ["supplier"], ruc)
    for process in processes:
        for bidder in process.get("bidders") or []:
            add(_party_ref("postor", bidder.get("name"), bidder["ruc"]), ["tenderer"],
                bidder["ruc"])
        for winner in process.get("winners") or []:
            add(_party_ref("proveedor", winner.get("name"), winner["ruc"]), ["supplier"],
                winner["ruc"])
    return list(parties.values())


# SEACE's modifications of a contract: (field, OC4IDS type, description).
SEACE_MODIFICATIONS = (("amount_additional", "value", "Adicionales (SEACE)"),
                       ("amount_reduction", "value", "Reducciones (SEACE)"),
                       ("amount_extension", "value", "Prórrogas: monto (SEACE)"),
                       ("amount_complementary", "value", "Contratos complementarios (SEACE)"))


def _seace_process(process: Mapping[str, Any], entity: dict | None) -> dict[str, Any]:
    """A SEACE process as an OC4IDS contracting process: the tender (method, estimate,
    tenderers), the suppliers that won, the contracts' value and their modifications."""
    contracts = process.get("contracts") or []
    amounts = [float(k["amount"]) for k in contracts if k.get("amount") is not None]
    modifications = []
    for k in contracts:
        for field, kind, text in SEACE_MODIFICATIONS:
            if k.get(field):
                sign = -1 if field == "amount_reduction" else 1
                modifications.append(_drop_empty({
                    "id": f"{k['id']}-{field}", "type": kind, "description": text,
                    "oldContractValue": _value(k.get("amount")),
                    "newContractValue": _value(float(k["amount"]) + sign * float(k[field]))
                    if k.get("amount") is not None else None}))
        if k.get("end_date_updated") and k.get("end_date_updated") != k.get("end_date"):
            modifications.append(_drop_empty({
                "id": f"{k['id']}-plazo", "type": "duration",
                "description": "Fin de vigencia actualizado (SEACE)",
                "oldContractPeriod": _period(k.get("start_date"), k.get("end_date")),
                "newContractPeriod": _period(k.get("start_date"), k.get("end_date_updated"))}))
    bidders = process.get("bidders") or []
    summary = {
        "ocid": process.get("ocid"),
        "externalReference": process.get("nomenclature"),
        "nature": ["construction"] if str(process.get("object") or "").lower()
        .startswith("obra") else None,
        "title": process.get("description"),
        "tender": _drop_empty({
            "procuringEntity": entity,
            "procurementMethodDetails": process.get("procedure_type"),
            "costEstimate": _value(process.get("reference_amount")),
            "numberOfTenderers": len(bidders) if bidders else None,
            "tenderers": [_party_ref("postor", b.get("name"), b["ruc"]) for b in bidders],
            "datePublished": _datetime(process.get("call_date"))}),
        "suppliers": [_party_ref("proveedor", w.get("name"), w["ruc"])
                      for w in process.get("winners") or []],
        "contractValue": _value(round(sum(amounts), 2)) if amounts else None,
        "modifications": modifications,
        "documents": [{"id": k["id"], "documentType": "contractSigned", "url": k["url"],
                       "title": k.get("number")} for k in contracts
                      if str(k.get("url") or "").startswith(("https://", "http://"))],
    }
    return {"id": str(process["id"]), "summary": _drop_empty(summary)}


def _processes(row: Mapping[str, Any], pid: str, entity: dict | None) -> list[dict]:
    status = PROCESS_STATUS.get(row.get("status"))
    contractor = _party_ref("contractor", row.get("contractor_name"), row.get("contractor_ruc"))
    contract = row.get("amount_contract")
    summary = {
        "externalReference": str(row["infobras_code"]),
        "nature": ["construction"],
        "title": row.get("name"),
        "status": status,
        "tender": _drop_empty({"procuringEntity": entity,
                               "procurementMethodDetails": row.get("modality"),
                               "costEstimate": _value(row.get("amount_technical_file"))}),
        "suppliers": [contractor] if contractor else None,
        "contractValue": _value(contract),
        "contractPeriod": _period(row.get("start_date"), row.get("programmed_end")),
        "modifications": _modifications(row),
        "finalValue": _value(row.get("amount_updated")) if row.get("status") == "finalizada"
        else None,
    }
    processes = [{"id": f"{pid}-obra", "summary": _drop_empty(summary)}]
    supervisor = _party_ref("supervisor", row.get("supervisor_name"), row.get("supervisor_ruc"))
    if supervisor:
        processes.append({"id": f"{pid}-supervision", "summary": _drop_empty({
            "nature": ["supervision"], "status": status, "suppliers": [supervisor],
            "tender": _drop_empty({"procuringEntity": entity})})})
    return processes


def _modifications(row: Mapping[str, Any]) -> list[dict]:
    """Additional works (value) and a reprogrammed end date (duration)."""
    out = []
    contract, additional = row.get("amount_contract"), row.get("amount_additional")
    if additional and additional > 0:
        out.append(_drop_empty({
            "id": "adicionales", "type": "value",
            "description": "Adicionales de obra registrados en INFObras",
            "oldContractValue": _value(contract),
            "newContractValue": _value(contract + additional) if contract is not None
            else None}))
    planned, replanned = row.get("programmed_end"), row.get("reprogrammed_end")
    if replanned and replanned != planned:
        out.append(_drop_empty({
            "id": "ampliacion-plazo", "type": "duration",
            "description": "Fecha de finalización reprogramada",
            "oldContractPeriod": _period(row.get("start_date"), planned),
            "newContractPeriod": _period(row.get("start_date"), replanned)}))
    return out


def _metrics(row: Mapping[str, Any]) -> list[dict]:
    observations = [
        {"id": name, "measure": row.get(column), "unit": {"name": "porcentaje"},
         "dimensions": {"avance": label}}
        for name, column, label in (("fisico", "physical_progress", "físico real acumulado"),
                                    ("financiero", "financial_progress", "financiero"))
        if row.get(column) is not None]
    if not observations:
        return []
    return [{"id": "avance", "title": "Avance de la obra", "observations": observations}]


def _completion(row: Mapping[str, Any]) -> dict | None:
    if row.get("status") != "finalizada":
        return None
    final, planned = row.get("amount_updated"), row.get("amount_technical_file")
    details = None
    if final is not None and planned and final > planned:
        details = (f"Costo final {100 * (final - planned) / planned:.1f} % mayor que el "
                   "del expediente técnico")
    return _drop_empty({"endDate": _datetime(row.get("real_end")),
                        "finalValue": _value(final), "finalValueDetails": details})


def _period(start: date | None, end: date | None) -> dict | None:
    return _drop_empty({"startDate": _datetime(start), "endDate": _datetime(end)}) or None


def _value(amount: float | None) -> dict | None:
    return None if amount is None else {"amount": round(float(amount), 2), "currency": CURRENCY}


def _datetime(value: date | datetime | None) -> str | None:
    """OC4IDS dates are date-times; a bare date is midnight in Peru (UTC-5)."""
    if value is None or value != value:  # None or NaT
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    return f"{value.isoformat()}T00:00:00-05:00"


def _slug(text: str) -> str:
    return "-".join("".join(ch.lower() if ch.isalnum() else " " for ch in text).split())[:60]


def _drop_empty(value):
    """Leave out None, empty lists and empty objects (OC4IDS omits unknown fields)."""
    if isinstance(value, dict):
        kept = {k: _drop_empty(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in (None, [], {})}
    if isinstance(value, list):
        return [v for v in (_drop_empty(v) for v in value) if v not in (None, [], {})]
    return value
