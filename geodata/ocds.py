"""Read OCDS 1.1 packages (as OSCE's Contrataciones Abiertas publishes SEACE: ocids
'ocds-dgv273-seacev3-<n>') into the procurement tables, source 'ocds'.

Accepted: a release package ({"releases": [...]}), a record package ({"records": [...]}), a
bare release or record, a JSON array of any of these, and JSON Lines of any of these (one per
line), plain or gzipped. The releases of each ocid are compiled with `ocdsmerge` (OCDS 1.1.5
merge rules, from the standard's release schema shipped in geodata/data/ocds/); a record's
`compiledRecord` is used as it is when present, else its releases are merged. A record with
only linked releases (URLs) and no compiledRecord cannot be compiled here: quarantined.

What a row is: each release (or record, in a record package) read. Rows of one ocid count as
loaded, updated or unchanged after their process (new, changed since the last load, same); a
release whose (ocid, id) repeats an earlier one is an explained duplicate.

Mapping of the compiled release: buyer -> entity (name, RUC from the party's PE-RUC
identifier, region from its address); tender -> procurement_process (title = nomenclature,
procurementMethodDetails = procedure type, mainProcurementCategory works/goods/services = Obra/
Bien/Servicio, value = reference amount) and its items (item_no = the item's numeric id, else
its position; a process without items gets item 1); bids.details[].tenderers -> bid (a bid
that names no item goes to the first item); awards (not cancelled/unsuccessful) -> each item's
winner and awarded amount (several awards to one item: summed, winner = the largest);
contracts -> contract (id '<ocid>/<contract id>', supplier from its award), and its amendments
-> adicionales / reducciones / prórrogas / complementarios when the amendment's text says so
and carries an amount (`value.amount` or `amount`); tenderers and suppliers -> supplier.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import ocdsmerge

from geodata import procurement
from geodata.names import DistrictMatcher, name_key
from geodata.parsing import clean_text, fold
from geodata.procurement import Batch, cuis_in, money, supplier_code
from geodata.runs import LoaderError, Run, progress

SOURCE = "ocds"
SCHEMA = Path(__file__).resolve().parent / "data" / "ocds" / "release-schema-1.1.5.json"
CATEGORIES = {"works": "Obra", "goods": "Bien", "services": "Servicio"}
DROPPED_AWARDS = {"cancelled", "unsuccessful"}
# Amendment text (folded) -> the contract column its amount goes to.
AMENDMENT_KINDS = (("adicional", "amount_additional"), ("reduccion", "amount_reduction"),
                   ("deductivo", "amount_reduction"), ("prorroga", "amount_extension"),
                   ("ampliacion de plazo", "amount_extension"),
                   ("complementari", "amount_complementary"))
_RUC_IN_ID = re.compile(r"(\d{6,11})$")


@lru_cache(maxsize=1)
def merger() -> ocdsmerge.Merger:
    """The merger with OCDS 1.1.5's rules, read from the shipped schema (no network)."""
    return ocdsmerge.Merger(json.loads(SCHEMA.read_text(encoding="utf-8")))


def documents(path: Path) -> Iterator[tuple[int, Any]]:
    """(line, JSON document) of a JSON or JSON Lines file, plain or gzipped. JSON Lines are
    read line by line (OSCE's bulk files are large); a line that is not JSON is yielded as its
    JSONDecodeError, for the quarantine."""
    with path.open("rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"
    try:
        with (gzip.open if gzipped else open)(path, "rt", encoding="utf-8-sig") as f:
            yield from _documents(path, f)
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise LoaderError(f"{path.name}: no se puede leer ({exc})") from None


def _documents(path: Path, f: Any) -> Iterator[tuple[int, Any]]:
    first_line = f.readline()
    try:
        first = json.loads(first_line)
    except json.JSONDecodeError:
        first = None
    if first is None or not isinstance(first, dict):   # one JSON document, maybe indented
        text = first_line + f.read()
        try:
            yield 1, json.loads(text)
        except json.JSONDecodeError as exc:
            raise LoaderError(f"{path.name}: no es un JSON válido ({exc.msg}, línea "
                              f"{exc.lineno})") from None
        return
    yield 1, first
    for number, line in enumerate(f, 2):
        if line.strip():
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, exc


class Reader:
    """Collects releases and records per ocid, then maps each compiled release to a Batch."""

    def __init__(self, run: Run):
        self.run = run
        self.releases: dict[str, list[dict]] = defaultdict(list)
        self.compiled: dict[str, dict] = {}
        self.rows: Counter = Counter()          # ocid -> rows read
        self.first_line: dict[str, int] = {}
        self.seen: set[tuple] = set()

    def add(self, line: int, doc: Any) -> None:
        """One document: a package, a release, a record, or a list of them."""
        if isinstance(doc, json.JSONDecodeError):
            self.run.rows_read += 1
            self.run.quarantine(line, "json_no_valido", f"Línea que no es JSON: {doc.msg}",
                                {"linea": line})
        elif isinstance(doc, list):
            for item in doc:
                self.add(line, item)
        elif not isinstance(doc, dict):
            self.run.rows_read += 1
            self.run.quarantine(line, "no_es_ocds", "Se espera un objeto OCDS (paquete, "
                                "release o record)", {"valor": doc})
        elif "releases" in doc and "ocid" not in doc:
            for release in doc["releases"] or []:
                self._release(line, release)
        elif "records" in doc:
            for record in doc["records"] or []:
                self._record(line, record)
        elif "releases" in doc or "compiledRecord" in doc:
            self._record(line, doc)
        else:
            self._release(line, doc)

    def _ocid(self, line: int, doc: Any, kind: str) -> str | None:
        """A release's or record's ocid (one row read), or None after quarantining it."""
        self.run.rows_read += 1
        ocid = doc.get("ocid") if isinstance(doc, dict) else None
        if not ocid:
            self.run.quarantine(line, "sin_ocid", f"{kind.capitalize()} sin ocid", {kind: doc})
        return ocid

    def _release(self, line: int, release: Any) -> None:
        if not (ocid := self._ocid(line, release, "release")):
            return
        key = (ocid, release.get("id"), release.get("date"))
        if key in self.seen:
            self.run.duplicate("release_repetida")
            return
        self.seen.add(key)
        self.releases[ocid].append(release)
        self._count(ocid, line)

    def _record(self, line: int, record: Any) -> None:
        if not (ocid := self._ocid(line, record, "record")):
            return
        if ocid in self.compiled or (ocid, "record") in self.seen:
            self.run.duplicate("record_repetido")
            return
        self.seen.add((ocid, "record"))
        full = [r for r in record.get("releases") or [] if isinstance(r, dict) and "tag" in r
                and "url" not in r]
        if isinstance(record.get("compiledRecord"), dict):
            self.compiled[ocid] = record["compiledRecord"]
        elif full:
            self.releases[ocid].extend(full)
        else:
            self.run.quarantine(line, "record_sin_releases",
                                "El record no trae compiledRecord ni releases completos (solo "
                                "enlaces): no se puede compilar", {"ocid": ocid}, ocid)
            return
        self._count(ocid, line)

    def _count(self, ocid: str, line: int) -> None:
        self.rows[ocid] += 1
        self.first_line.setdefault(ocid, line)

    def compiled_releases(self) -> Iterator[tuple[str, dict]]:
        for ocid in self.rows:
            if ocid in self.compiled:
                yield ocid, self.compiled[ocid]
            else:
                releases = sorted(self.releases[ocid], key=lambda r: str(r.get("date") or ""))
                yield ocid, merger().create_compiled_release(releases)


def _ruc(party: dict | None) -> str | None:
    """The party's RUC: its PE-RUC identifier, else the digits ending its id."""
    if not party:
        return None
    ident = party.get("identifier") or {}
    if ident.get("id") and "RUC" in str(ident.get("scheme", "")).upper():
        return supplier_code(str(ident["id"]).strip())
    match = _RUC_IN_ID.search(str(party.get("id", "")))
    return match[1] if match else None


def _day(value: Any) -> date | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).date()
    except ValueError:
        raise ValueError(f"fecha no válida: {value!r}") from None


def _amount(value: Any) -> Decimal | None:
    return money((value or {}).get("amount")) if isinstance(value, dict) else None


class Mapper:
    """One compiled release -> the Batch's records."""

    def __init__(self, batch: Batch, matcher: DistrictMatcher, regions: dict[str, str]):
        self.batch, self.matcher, self.regions = batch, matcher, regions

    def add(self, ocid: str, r: dict) -> None:
        parties = {p.get("id"): p for p in r.get("parties") or [] if isinstance(p, dict)}
        tender = r.get("tender") or {}
        buyer = parties.get((r.get("buyer") or {}).get("id")) or r.get("buyer") or {}
        items = self._items(ocid, tender)
        text = " ".join(filter(None, (tender.get("title"), tender.get("description"))))
        cuis = cuis_in(text)
        value = tender.get("value") or {}
        period = tender.get("tenderPeriod") or {}
        self.batch.processes[ocid] = {
            "id": ocid, "ocid": ocid, "source": SOURCE, "source_date": _day(r.get("date")),
            "entity_name": clean_text(buyer.get("name")), "entity_ruc": _ruc(buyer),
            "region_ubigeo": self._region(buyer, items),
            "nomenclature": clean_text(tender.get("title")),
            "description": clean_text(tender.get("description") or tender.get("title")),
            "procedure_type": clean_text(tender.get("procurementMethodDetails")),
            "object": CATEGORIES.get(tender.get("mainProcurementCategory"),
                                     tender.get("mainProcurementCategory")),
            "sector": None, "contracting_system": None,
            "reference_amount": money(value.get("amount")), "currency": value.get("currency"),
            "call_date": _day(tender.get("datePublished") or period.get("startDate")),
            "submission_date": _day(period.get("endDate")), "cui": cuis[0] if cuis else None,
            "extra": {k: v for k, v in {"procurementMethod": tender.get("procurementMethod"),
                                        "cuis": cuis[1:] and cuis}.items() if v}}
        for no, item in items.items():
            self.batch.items[(ocid, no)] = item
        first = min(items)
        for bid in (r.get("bids") or {}).get("details") or []:
            self._bid(ocid, bid, parties, self._item_of(bid, items, first))
        for tenderer in tender.get("tenderers") or []:
            self._bidder(ocid, first, parties.get(tenderer.get("id")) or tenderer, None, None)
        awards = {a.get("id"): a for a in r.get("awards") or []
                  if a.get("status") not in DROPPED_AWARDS}
        self._awards(ocid, awards, items, parties, first)
        for contract in r.get("contracts") or []:
            self._contract(ocid, contract, awards, parties, items, first, value.get("currency"))

    def _items(self, ocid: str, tender: dict) -> dict[int, dict]:
        items: dict[int, dict] = {}
        for position, item in enumerate(tender.get("items") or [], 1):
            raw = str(item.get("id", ""))
            no = int(raw) if raw.isdigit() and int(raw) not in items else position
            place = item.get("deliveryAddress") or {}
            department, district = place.get("region"), place.get("locality")
            match = self.matcher.match(department, None, district) if district else None
            items[no] = {"process_id": ocid, "item_no": no,
                         "description": clean_text(item.get("description")),
                         "status": item.get("status"), "reference_amount":
                             _amount(item.get("totalValue") or item.get("value")),
                         "department": clean_text(department), "province": None,
                         "district": clean_text(district), "ubigeo": match and match.ubigeo,
                         "ocds_id": raw}
        return items or {1: {"process_id": ocid, "item_no": 1, "description":
                             clean_text(tender.get("title")), "ocds_id": None}}

    @staticmethod
    def _item_of(thing: dict, items: dict[int, dict], first: int) -> int:
        ids = [str(i.get("id")) for i in thing.get("items") or []] + [
            str(i) for i in thing.get("relatedLots") or []]
        for no, item in items.items():
            if item.get("ocds_id") in ids:
                return no
        return first

    def _region(self, buyer: dict, items: dict[int, dict]) -> str | None:
        region = (buyer.get("address") or {}).get("region")
        if found := self.regions.get(name_key(region)):
            return found
        for no in sorted(items):
            if ubigeo := items[no].get("ubigeo"):
                return ubigeo[:2]
            if found := self.regions.get(name_key(items[no].get("department"))):
                return found
        return None

    def _bidder(self, ocid: str, no: int, party: dict, submitted: date | None,
                amount: Decimal | None) -> None:
        ruc = _ruc(party)
        if not ruc:
            return
        self.batch.supplier(ruc, clean_text(party.get("name")), None, SOURCE)
        self.batch.bids.setdefault((ocid, no, ruc), {
            "process_id": ocid, "item_no": no, "bidder_ruc": ruc,
            "bidder_name": clean_text(party.get("name")), "submitted": submitted,
            "amount": amount})

    def _bid(self, ocid: str, bid: dict, parties: dict, no: int) -> None:
        for tenderer in bid.get("tenderers") or []:
            self._bidder(ocid, no, parties.get(tenderer.get("id")) or tenderer,
                         _day(bid.get("date")), _amount(bid.get("value")))

    def _awards(self, ocid: str, awards: dict, items: dict, parties: dict, first: int) -> None:
        won: dict[int, list[tuple]] = defaultdict(list)
        for award in awards.values():
            for supplier in award.get("suppliers") or []:
                party = parties.get(supplier.get("id")) or supplier
                if ruc := _ruc(party):
                    self.batch.supplier(ruc, clean_text(party.get("name")), None, SOURCE)
                    won[self._item_of(award, items, first)].append(
                        (_amount(award.get("value")), ruc, _day(award.get("date"))))
                    break
        for no, wins in won.items():
            item = self.batch.items[(ocid, no)]
            amounts = [a for a, _, _ in wins if a is not None]
            item["awarded_amount"] = sum(amounts) if amounts else None
            item["winner_ruc"] = max(wins, key=lambda w: (w[0] or 0, w[1]))[1]
            dates = [d for _, _, d in wins if d]
            item["award_date"] = min(dates) if dates else None

    def _contract(self, ocid: str, contract: dict, awards: dict, parties: dict,
                  items: dict, first: int, currency: str | None) -> None:
        award = awards.get(contract.get("awardID")) or {}
        supplier = next(iter(award.get("suppliers") or []), {})
        period = contract.get("period") or {}
        docs = [d.get("url") for d in contract.get("documents") or [] if d.get("url")]
        record = {
            "id": f"{ocid}/{contract.get('id')}", "process_id": ocid,
            "item_no": self._item_of(award, items, first) if award else None,
            "supplier_ruc": _ruc(parties.get(supplier.get("id")) or supplier),
            "number": clean_text(contract.get("title")) or str(contract.get("id")),
            "signed_date": _day(contract.get("dateSigned")),
            "start_date": _day(period.get("startDate")), "end_date": _day(period.get("endDate")),
            "amount": _amount(contract.get("value")),
            "currency": (contract.get("value") or {}).get("currency") or currency,
            "url": docs[0] if docs else None, "source": SOURCE,
            "source_date": self.batch.processes[ocid]["source_date"]}
        for amendment in contract.get("amendments") or []:
            said = fold(" ".join(str(amendment.get(k) or "") for k in ("description",
                                                                        "rationale")))
            amount = _amount(amendment.get("value")) or money(amendment.get("amount"))
            for word, column in AMENDMENT_KINDS:
                if word in said and amount is not None:
                    record[column] = (record.get(column) or 0) + abs(amount)
                    break
        self.batch.contracts[record["id"]] = record


def load_into(run: Run, path: Path) -> None:
    """Read the OCDS file at `path` into the run's transaction."""
    reader = Reader(run)
    for line, doc in progress(documents(path), desc="OCDS"):
        reader.add(line, doc)
    batch = Batch()
    mapper = Mapper(batch, DistrictMatcher.from_db(run.conn), procurement.regions(run.conn))
    rows: Counter = Counter()
    for ocid, release in reader.compiled_releases():
        try:
            mapper.add(ocid, release)
        except (ValueError, TypeError, AttributeError) as exc:
            _drop(batch, ocid)
            for _ in range(reader.rows[ocid]):
                run.quarantine(reader.first_line[ocid], "ocds_no_valido",
                               f"Proceso {ocid} con datos no válidos: {exc}", {"ocid": ocid},
                               ocid)
            continue
        rows[ocid] = reader.rows[ocid]
    for item in batch.items.values():
        item.pop("ocds_id", None)
    state = procurement.write(run, batch)
    procurement.count_rows(run, rows, state)


def _drop(batch: Batch, ocid: str) -> None:
    """Remove what a half-mapped process added (suppliers may stay: they are sound)."""
    batch.processes.pop(ocid, None)
    for table in (batch.items, batch.bids):
        for key in [k for k in table if k[0] == ocid]:
            del table[key]
    for key in [k for k, c in batch.contracts.items() if c["process_id"] == ocid]:
        del batch.contracts[key]
