"""Write procurement records (processes, items, bids, contracts, penalties, suppliers,
sanctions) from either SEACE loader (CONOSCE CSV, OCDS packages) into their tables.

Both loaders build the same `Batch`; `write` upserts it idempotently, removes the children
(items, bids, contracts, penalties) a reloaded process no longer has, and tells for each
process whether it is new, changed or unchanged. That comes from a fingerprint of the process
and its children kept in `procurement_process.extra['huella']`: a row of the source counts as
loaded, updated or unchanged by its process (see each loader's docstring).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

import sqlalchemy as sa

from geodata.parsing import parse_decimal
from geodata.runs import Run
from geodata.upsert import upsert

PROCESS = ("id", "ocid", "source", "source_date", "entity_name", "entity_ruc", "region_ubigeo",
           "nomenclature", "description", "procedure_type", "object", "sector",
           "contracting_system", "reference_amount", "currency", "call_date", "submission_date",
           "cui", "extra", "load_run_id")
ITEM = ("process_id", "item_no", "description", "status", "reference_amount", "awarded_amount",
        "awarded_quantity", "winner_ruc", "award_date", "consent_date", "department",
        "province", "district", "ubigeo")
BID = ("process_id", "item_no", "bidder_ruc", "bidder_name", "submitted", "amount")
CONTRACT = ("id", "process_id", "item_no", "supplier_ruc", "number", "signed_date",
            "start_date", "end_date", "end_date_updated", "amount", "amount_item",
            "amount_additional", "amount_reduction", "amount_extension",
            "amount_complementary", "currency", "url", "source", "source_date", "load_run_id")
PENALTY = ("contract_id", "key", "kind", "penalty_date", "reason", "amount")
SUPPLIER_PENALTY = ("contract_ref", "key", "ruc", "contractor_ruc", "entity_name", "object",
                    "kind", "penalty_date", "reason", "amount", "source", "load_run_id")
SUPPLIER = ("ruc", "name", "kind", "source", "load_run_id")
SANCTION = ("ruc", "key", "kind", "start_date", "end_date", "resolution", "reason_code",
            "reason", "authority", "source", "load_run_id")

# A supplier's key: an 11-digit RUC, or SEACE's code in its place: a consortium's (6 digits,
# or 'C' + 10 digits), a non-domiciled supplier's ('L' + 10 digits).
SUPPLIER_CODE = re.compile(r"[0-9]{6,11}|[A-Z][0-9]{10}")
CENT = Decimal("0.01")

# A CUI named in a description: "CUI 2234567", "C.U.I. N° 2234567", "CU 2234567",
# "CÓDIGO ÚNICO (DE INVERSIÓN) N° 2234567", "CÓDIGO UNIFICADO DE INVERSIONES 2234567",
# "CÓDIGO DE INVERSIÓN 2234567" (also misspelt "CODIRGO"). Never after "SNIP" (the old
# project code), and 7 digits exactly: "CU 116" / "CU-130" are Cusco's road codes.
_CUI = re.compile(
    r"(?<![A-Z0-9])(?:C\.?\s?U\.?\s?I\.?|CU|C[OÓ]D\w*\s+(?:[UÚ]NICO|UNIFICADO)"
    r"(?:\s+DE)?(?:\s+INVERSI[OÓ]N(?:ES)?)?|C[OÓ]D\w*\s+DE\s+INVERSI[OÓ]N(?:ES)?)"
    r"\s*(?:N\s?[°ºo]\.?|NRO\.?|:)?\s*(\d{7})(?!\d)", re.IGNORECASE)


def cuis_in(text: str | None) -> list[str]:
    """The CUIs a text names, in order, normalised as SQL cui_key does (no leading zeros)."""
    found: list[str] = []
    for match in _CUI.finditer(text or ""):
        cui = match[1].lstrip("0")
        if cui and cui not in found:
            found.append(cui)
    return found


def money(value: Any) -> Decimal | None:
    """An amount to the cent ('90057.50999999999' -> 90057.51); ValueError when not a number."""
    number = parse_decimal(value)
    return None if number is None else number.quantize(CENT, ROUND_HALF_UP)


def supplier_code(value: Any) -> str | None:
    """A RUC or a consortium code as text, or None when empty; ValueError otherwise."""
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    if not SUPPLIER_CODE.fullmatch(text):
        raise ValueError(f"RUC o código de proveedor no válido: {text!r}")
    return text


@dataclass
class Batch:
    """The records of one load, each table keyed by its primary key (first one wins)."""

    processes: dict[str, dict] = field(default_factory=dict)
    items: dict[tuple, dict] = field(default_factory=dict)
    bids: dict[tuple, dict] = field(default_factory=dict)
    contracts: dict[str, dict] = field(default_factory=dict)
    penalties: dict[tuple, dict] = field(default_factory=dict)
    # Penalties of contracts outside the batch, on the supplier's record (CONOSCE only).
    supplier_penalties: dict[tuple, dict] = field(default_factory=dict)
    suppliers: dict[str, dict] = field(default_factory=dict)
    sanctions: dict[tuple, dict] = field(default_factory=dict)

    def supplier(self, ruc: str | None, name: str | None, kind: str | None, source: str
                 ) -> bool:
        """Add a supplier the first time its RUC is seen; True when it was new."""
        if not ruc or ruc in self.suppliers:
            if ruc and kind and not self.suppliers[ruc]["kind"]:
                self.suppliers[ruc]["kind"] = kind
            return False
        self.suppliers[ruc] = {"ruc": ruc, "name": name, "kind": kind, "source": source}
        return True


def _fingerprint(batch: Batch) -> dict[str, str]:
    """process id -> a hash of the process and its items, bids, contracts and penalties."""
    parts: dict[str, list] = {pid: [_text(p, PROCESS)] for pid, p in batch.processes.items()}
    for table, columns in ((batch.items, ITEM), (batch.bids, BID), (batch.contracts, CONTRACT)):
        for record in table.values():
            parts[record["process_id"]].append(_text(record, columns))
    for record in batch.penalties.values():
        parts[batch.contracts[record["contract_id"]]["process_id"]].append(
            _text(record, PENALTY))
    return {pid: hashlib.sha1("\n".join(sorted(p)).encode()).hexdigest()
            for pid, p in parts.items()}


def _text(record: dict, columns: tuple[str, ...]) -> str:
    """The record's stored values as text (extra and the run's id left out)."""
    return repr(tuple(map(record.get, _printed(columns))))


@cache
def _printed(columns: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(c for c in columns if c not in ("extra", "load_run_id"))


def write(run: Run, batch: Batch) -> dict[str, str]:
    """Upsert the batch; returns process id -> 'new' | 'changed' | 'same'."""
    conn = run.conn
    prints = _fingerprint(batch)
    before = dict(conn.execute(sa.text(
        "SELECT id, extra->>'huella' FROM procurement_process WHERE id = ANY(:ids)"),
        {"ids": list(prints)}).all())
    state = {pid: "new" if pid not in before else "same" if before[pid] == h else "changed"
             for pid, h in prints.items()}
    _keep_known_suppliers(conn, batch)
    for p in batch.processes.values():
        p["extra"] = json.dumps({**p["extra"], "huella": prints[p["id"]]}, ensure_ascii=False,
                                default=str)
    tables = (("proveedores", "supplier", ("ruc",), SUPPLIER, batch.suppliers),
              ("sanciones", "supplier_sanction", ("ruc", "key"), SANCTION, batch.sanctions),
              ("procesos", "procurement_process", ("id",), PROCESS, batch.processes),
              ("ítems", "process_item", ("process_id", "item_no"), ITEM, batch.items),
              ("postores", "bid", ("process_id", "item_no", "bidder_ruc"), BID, batch.bids),
              ("contratos", "contract", ("id",), CONTRACT, batch.contracts),
              ("penalidades", "contract_penalty", ("contract_id", "key"), PENALTY,
               batch.penalties),
              ("penalidades en contratos de otras entidades", "supplier_penalty",
               ("contract_ref", "key"), SUPPLIER_PENALTY, batch.supplier_penalties))
    _prune(conn, batch, {pid for pid in before if pid in batch.processes})
    for label, table, key, columns, records in tables:
        rows = ([r.get(c, run.id if c == "load_run_id" else None) for c in columns]
                for r in records.values())
        new, changed, same = upsert(conn, table, key, columns, rows)
        run.note(f"{label}: {len(records):,} (nuevos {new:,}, actualizados {changed:,}, "
                 f"sin cambios {same:,})")
    return state


def _keep_known_suppliers(conn: sa.Connection, batch: Batch) -> None:
    """A supplier already stored keeps its source (the first that named it) and the name and
    kind this source leaves empty, so that loading CONOSCE and OCDS in turn changes nothing."""
    stored = conn.execute(sa.text(
        "SELECT ruc, name, kind, source FROM supplier WHERE ruc = ANY(:r)"),
        {"r": list(batch.suppliers)}).all()
    for ruc, name, kind, source in stored:
        record = batch.suppliers[ruc]
        record["name"] = record["name"] or name
        record["kind"] = record["kind"] or kind
        record["source"] = source


def _prune(conn: sa.Connection, batch: Batch, stored: set[str]) -> None:
    """Remove the children that the processes of this batch no longer have (a reloaded file
    that dropped a bidder or a contract). Only the `stored` processes (those of the batch
    already in the database) can have any: children reference their process, so the keys of
    new processes are not sent (at bench size 4 s of arrays for nothing on a first load)."""
    ids = sorted(stored)
    conn.execute(sa.text(
        "DELETE FROM bid b WHERE b.process_id = ANY(:ids) AND NOT EXISTS (SELECT 1 FROM"
        " unnest(CAST(:p AS text[]), CAST(:i AS int[]), CAST(:r AS text[])) k(p, i, r)"
        " WHERE k.p = b.process_id AND k.i = b.item_no AND k.r = b.bidder_ruc)"),
        {"ids": ids, **_columns(_of(batch.bids, stored), ("p", "i", "r"))})
    conn.execute(sa.text(
        "DELETE FROM contract c WHERE c.process_id = ANY(:ids) AND c.id <> ALL(:keep)"),
        {"ids": ids, "keep": list(batch.contracts)})   # a contract may change process
    conn.execute(sa.text(
        "DELETE FROM process_item t WHERE t.process_id = ANY(:ids) AND NOT EXISTS (SELECT 1"
        " FROM unnest(CAST(:p AS text[]), CAST(:i AS int[])) k(p, i)"
        " WHERE k.p = t.process_id AND k.i = t.item_no)"),
        {"ids": ids, **_columns(_of(batch.items, stored), ("p", "i"))})
    conn.execute(sa.text(
        "DELETE FROM contract_penalty t WHERE t.contract_id = ANY(:ids) AND NOT EXISTS"
        " (SELECT 1 FROM unnest(CAST(:c AS text[]), CAST(:k AS text[])) k(c, k)"
        " WHERE k.c = t.contract_id AND k.k = t.key)"),
        {"ids": list(batch.contracts), **_columns(batch.penalties, ("c", "k"))})


def _of(records: dict[tuple, Any], processes: set[str]) -> dict[tuple, Any]:
    """The records (keyed by process id first) of these processes."""
    return {key: r for key, r in records.items() if key[0] in processes}


def _columns(keys: dict[tuple, Any], names: tuple[str, ...]) -> dict[str, list]:
    return {name: [k[i] for k in keys] for i, name in enumerate(names)}


def count_rows(run: Run, row_process: Counter, state: dict[str, str]) -> None:
    """Count the rows that contributed records, by their process's state."""
    by_state = Counter()
    for pid, n in row_process.items():
        by_state[state[pid]] += n
    run.count(by_state["new"], by_state["changed"], by_state["same"])


def iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def regions(conn: sa.Connection) -> dict[str, str]:
    """Department name key -> its two-digit ubigeo (names as geodata.names.name_key)."""
    from geodata.names import name_key

    return {name_key(name): ubigeo for ubigeo, name in conn.execute(sa.text(
        "SELECT ubigeo, name FROM area WHERE level = 1"))}
