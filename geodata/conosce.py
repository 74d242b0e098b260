"""Read OSCE's CONOSCE open-data CSV (the joined "contrataciones" table, 78 columns, as in
../shared/data/seace/) into the procurement tables.

The file is a join: one row per process item × bidder × winner × contract × penalty ×
sanction, so every entity repeats. Each is kept once, by the source's own key:
- procurement_process  'seace-<codigoconvocatoria>'; its region is the department of its
  lowest-numbered item (`departamento_item`); a CUI named in `descripcion_proceso` goes to
  `cui` (the first; all of them in extra['cuis']), never a SNIP code;
- process_item         (process, n_item); an item awarded to several suppliers keeps the sum of
  their awarded amounts and, as winner, the one with the largest amount (extra notes them);
- bid                  (process, n_item, ruc_codigo_postor);
- contract             n_cod_contrato, the contract's id in SEACE (codigo_contrato is
  "<codigoentidad>-<codigoconvocatoria>-<n_cod_contrato>", the same key). `idcontrato` is NOT
  this contract: it belongs to the penalty columns, which the file joins by the contractor's
  RUC only (their `entidadcontratante` is often another entity, in another region);
- contract_penalty     (idcontrato, type|date|reason|amount), when idcontrato is a contract
  of this file; supplier_penalty the others (the supplier's penalties in other entities'
  contracts, under the row's ruc_proveedor, with entidadcontratante and objetocontrato);
- supplier             every RUC (or 6-digit consortium code) of a bidder, winner or contractor;
- supplier_sanction    (ruc_proveedor, resolution|start|end), the winner's
  inhabilitaciones/sanciones.

What a row counts as (rows read = loaded + updated + unchanged + quarantined + duplicates):
a row read is one record of the file (a record broken over several lines by a line break
inside a field counts once). A row that holds the first occurrence of any of the records
above counts as loaded, updated or unchanged after its process: new to the database, changed
since the last load (a fingerprint of the process and its children), or the same. A row whose
records all appeared in earlier rows is an explained duplicate: 'fila_identica' (the whole row
repeats another) or 'combinacion_repetida' (a new combination of known records, e.g. one more
bidder × contract pairing, or a penalty of a contract that is not in the file).

Defects repaired or quarantined: a line break inside a field splits a record into lines with
fewer cells than the header; the lines are joined back when they add up to exactly the
header's width. A stray separator gives a row more cells than the header; it is repaired when
exactly one way of joining neighbouring text cells makes every column fit its type, else
quarantined. A row whose values do not fit their columns (a department "313438", a date where
a RUC goes) is quarantined naming them. Dates are m/d/yyyy in the published file (d/m/yyyy
is detected when a file uses it); "1/1/1900" means no date.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from itertools import chain, islice
from pathlib import Path

from geodata import procurement
from geodata.names import DistrictMatcher, name_key
from geodata.parsing import clean_text, fold
from geodata.procurement import SUPPLIER_CODE, Batch, cuis_in, money, supplier_code
from geodata.runs import LoaderError, Run, progress

SOURCE = "conosce"
REQUIRED = ("codigoconvocatoria", "entidad_ruc", "entidad", "n_item", "descripcion_proceso",
            "montoreferencial", "departamento_item", "ruc_codigo_postor", "n_cod_contrato",
            "monto_contratado_total")
DATE_SAMPLE = 2000     # records read ahead to tell m/d/yyyy from d/m/yyyy
KEYS = ("codigoconvocatoria", "n_item")      # a row without them belongs to no process
NO_DATE = date(1900, 1, 1)
CURRENCIES = {"soles": "PEN", "nuevos soles": "PEN", "dolar norteamericano": "USD",
              "dolares americanos": "USD", "euro": "EUR"}

_DIGITS = re.compile(r"\d+")
_NUMBER = re.compile(r"-?\d+([.,]\d+)?")
_SLASHED = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})")
_YMD8 = re.compile(r"(\d{4})(\d{2})(\d{2})")
_LOOKS_NUMERIC = re.compile(r"[\d.,/ -]+")
_CONTRACT_CODE = re.compile(r"\d+-\d+-\d+")


def _digits(length: range) -> Callable[[str], str | None]:
    def check(v: str) -> str | None:
        return None if _DIGITS.fullmatch(v) and len(v) in length else "no es un código numérico"
    _SURE_DIGITS[check] = rf"\d{{{length.start},{length.stop - 1}}}"
    return check


_SURE_DIGITS: dict[Callable, str] = {}


def _number(v: str) -> str | None:
    return None if _NUMBER.fullmatch(v.replace(" ", "")) else "no es un monto"


def _slashed(v: str) -> str | None:
    return None if _SLASHED.fullmatch(v) else "no es una fecha"


def _ymd8(v: str) -> str | None:
    return None if _YMD8.fullmatch(v) else "no es una fecha aaaammdd"


def _name(v: str) -> str | None:
    return "es un número o una fecha, no un texto" if _LOOKS_NUMERIC.fullmatch(v) else None


def _yes_no(v: str) -> str | None:
    return None if v.upper() in ("SI", "SÍ", "NO") else "se espera SI o NO"


def _url(v: str) -> str | None:
    return None if v.lower().startswith(("http://", "https://")) else "no es un enlace"


def _contract_code(v: str) -> str | None:
    return None if _CONTRACT_CODE.fullmatch(v) else "no es un código de contrato"


def _ruc(v: str) -> str | None:
    return None if SUPPLIER_CODE.fullmatch(v) else "no es un RUC ni un código de proveedor"


# Column -> the check a non-empty value must pass: a value that fails sits in the wrong column.
CHECKS: dict[str, Callable[[str], str | None]] = {
    "entidad_ruc": _digits(range(11, 12)), "codigoentidad": _digits(range(1, 12)),
    "codigoconvocatoria": _digits(range(1, 12)), "n_item": _digits(range(1, 6)),
    "codigoitem": _digits(range(1, 12)), "n_cod_contrato": _digits(range(1, 12)),
    "num_item": _digits(range(1, 6)), "idcontrato": _digits(range(1, 12)),
    **dict.fromkeys(("ruc_codigo_postor", "ruc_proveedor", "ruc_contratista",
                     "ruc_destinatario_pago"), _ruc),
    **dict.fromkeys(("montoreferencial", "monto_referencial_item", "cantidad_adjudicado_item",
                     "monto_adjudicado_item", "monto_contratado_total", "monto_contratado_item",
                     "monto_adicional", "monto_reduccion", "monto_prorroga",
                     "monto_complementario", "monto"), _number),
    **dict.fromkeys(("fecha_convocatoria", "fechaintegracionbases",
                     "fechapresentacionpropuesta", "fechaconvocatoria",
                     "fecha_presentacion_propuesta", "fecha_buenapro", "fecha_consentimiento_bp",
                     "fecha_publicacion_contrato", "fecha_suscripcion_contrato",
                     "fecha_vigencia_inicial", "fecha_vigencia_final",
                     "fecha_vigencia_fin_actualizada", "fechapenalidad"), _slashed),
    **dict.fromkeys(("fecha_inicio", "fecha_fin", "fecha_corte"), _ymd8),
    **dict.fromkeys(("entidad", "tipoentidad", "tipo_compra", "objetocontractual", "sector",
                     "tipoprocesoseleccion", "moneda", "departamento_item", "provincia_item",
                     "distrito_item", "estadoitem", "estado_item", "tipo_proveedor", "postor",
                     "proveedor", "tipopenalidad", "objetocontrato", "unidad_medida"), _name),
    "paquete": _yes_no, "tieneresolucion": _yes_no, "urlcontrato": _url,
    "codigo_contrato": _contract_code,
}
# A column's values joined by _SEP, for many rows at once: a value that fullmatches its
# check's pattern here surely fits (each pattern accepts less than its check: no spaces to
# strip, no other spelling); anything else is judged one value at a time.
_SEP = "\x00"
_SURE = {
    _number: r"-?\d+(?:[.,]\d+)?", _slashed: r"\d{1,2}/\d{1,2}/(?:\d{2}|\d{4})",
    _ymd8: r"\d{8}", _ruc: SUPPLIER_CODE.pattern, _contract_code: r"\d+-\d+-\d+",
    _url: r"[Hh][Tt][Tt][Pp][Ss]?://[^\x00]*", _yes_no: r"[Ss][IiÍí]|[Nn][Oo]",
    **_SURE_DIGITS}
_SURE_COLUMN = {name: re.compile(rf"(?:{_SURE[check]})?(?:{_SEP}(?:{_SURE[check]})?)*")
                for name, check in CHECKS.items() if check in _SURE}
# A text column (_name) holds surely fitting values when none of them is only digits, dots,
# commas, slashes, spaces and dashes (a letter or other sign survives the strip).
_NUMERIC_VALUE = re.compile(rf"(?:\A|{_SEP})[\d.,/\s-]+(?={_SEP}|\Z)")


def _surely_fit(name: str, values: Sequence[str]) -> bool:
    joined = _SEP.join(values)
    if joined.count(_SEP) != len(values) - 1:      # a value holding the separator
        return False
    if (pattern := _SURE_COLUMN.get(name)) is not None:
        return pattern.fullmatch(joined) is not None
    return CHECKS[name] is _name and _NUMERIC_VALUE.search(joined) is None


# Free-text columns, where a stray separator may fall (candidates for joining cells back).
FREE_TEXT = ("entidad", "descripcion_proceso", "proceso", "descripcion_item", "itemcubso",
             "miembrecomite", "postor", "proveedor", "num_contrato", "entidadcontratante",
             "descripcionmotivo", "nombre_razonodenominacionsocial", "de_motivo_infraccion")


@dataclass(slots=True)
class Record:
    """One record of the file: the line it starts on, its cells by column, and how many
    physical lines it spanned (more than one: repaired)."""

    line: int
    cells: dict[str, str]
    lines: int = 1
    repair: str | None = None


def open_table(path: Path) -> tuple[list[str], Iterator[list[str]], str]:
    """(header, rows, separator) of a CONOSCE CSV, plain or gzipped; the rows are read as a
    stream (a national file does not need to fit in memory)."""
    with _text(path, "utf-8-sig") as text:
        try:
            head = text.buffer.peek(1 << 16)[:1 << 16]
        except (OSError, EOFError) as exc:
            raise LoaderError(f"{path.name}: el archivo gzip está dañado ({exc})") from None
    encoding = "utf-8-sig"
    try:
        head.decode(encoding)
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:        # not just a character cut at the end
            encoding = "cp1252"
    with _text(path, encoding) as text:
        first = text.readline()
    separator = max((",", ";", "\t", "|"), key=first.count)
    header = [fold(h).replace(" ", "_") for h in next(csv.reader([first],
                                                                 delimiter=separator), [])]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise LoaderError(f"{path.name}: faltan columnas obligatorias de CONOSCE: "
                          f"{', '.join(missing)}")
    return header, _lines(path, encoding, separator), separator


def _text(path: Path, encoding: str) -> io.TextIOWrapper:
    with path.open("rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"
    raw = gzip.open(path, "rb") if gzipped else path.open("rb")  # noqa: SIM115 (returned)
    return io.TextIOWrapper(raw, encoding=encoding, newline="")


def _lines(path: Path, encoding: str, separator: str) -> Iterator[list[str]]:
    """The data rows (after the header); damage found half-way is a LoaderError."""
    with _text(path, encoding) as text:
        reader = csv.reader(text, delimiter=separator)
        try:
            next(reader, None)
            yield from reader
        except UnicodeDecodeError:
            raise LoaderError(f"{path.name}: codificación no reconocida cerca de la línea "
                              f"{reader.line_num} (se espera UTF-8 o Windows-1252)") from None
        except (OSError, EOFError) as exc:
            raise LoaderError(f"{path.name}: el archivo gzip está dañado ({exc})") from None
        except csv.Error as exc:
            raise LoaderError(f"{path.name}: CSV dañado cerca de la línea {reader.line_num}: "
                              f"{exc}") from None


def records(run: Run, header: list[str], rows: Iterator[list[str]], separator: str
            ) -> Iterator[Record]:
    """The file's records, with broken lines joined back and stray separators repaired;
    rows that cannot be repaired or whose values do not fit are quarantined."""
    width = len(header)
    pending: Record | None = None
    pending_cells: list[str] = []
    line = 1
    # Whole rows wait in `ready` to be checked together, column by column (a row at a time,
    # the checks took 11 s of a 337,000-row file); any other row first lets them through, so
    # that everything happens in the file's order.
    ready: list[tuple[Record, list[str]]] = []
    for cells in rows:
        line += 1
        if pending is not None:
            yield from _checked_together(run, header, ready)
            joined = pending_cells[:-1] + [pending_cells[-1] + "\n" + (cells[0] if cells else
                                                                       "")] + cells[1:]
            if len(joined) <= width:
                pending.lines += 1
                pending_cells = joined
                if len(joined) == width:
                    pending.repair = f"unida de {pending.lines} líneas (salto de línea en un campo)"
                    yield from _checked(run, header, pending, joined)
                    pending = None
                continue
            _incomplete(run, header, pending, pending_cells)
            pending = None
        if not "".join(cells).strip():
            continue
        if len(cells) == width:
            ready.append((Record(line, {}), cells))
            if len(ready) >= CHECK_CHUNK:
                yield from _checked_together(run, header, ready)
            continue
        yield from _checked_together(run, header, ready)
        if len(cells) < width:
            pending, pending_cells = Record(line, {}), list(cells)
        else:
            yield from _stray(run, header, Record(line, {}), cells, separator)
    yield from _checked_together(run, header, ready)
    if pending is not None:
        _incomplete(run, header, pending, pending_cells)


def _incomplete(run: Run, header: list[str], record: Record, cells: list[str]) -> None:
    run.rows_read += 1
    run.quarantine(record.line, "fila_incompleta",
                   f"La fila tiene {len(cells)} columnas de {len(header)} y las líneas "
                   "siguientes no la completan", dict(zip(header, cells, strict=False)))


def _problems(header: list[str], cells: Sequence[str]) -> list[str]:
    """Why values do not fit their columns (each distinct value is checked once)."""
    found = []
    for i, name, check, memo in _plan(tuple(header)):
        value = cells[i]
        if not value:
            continue
        why = memo.get(value, _UNSEEN)
        if why is _UNSEEN:
            why = _why(name, check, memo, value)
        if why:
            found.append(why)
    return found


def _why(name: str, check: Callable, memo: dict[str, str | None], value: str) -> str | None:
    """Why `value` does not fit column `name` (None: it fits), remembered in `memo`."""
    stripped = value.strip()
    why = memo[value] = (stripped and (problem := check(stripped))
                         and f"{name}={stripped[:40]!r} {problem}") or None
    return why


def _checked_together(run: Run, header: list[str], ready: list[tuple[Record, list[str]]]
                      ) -> Iterator[Record]:
    """`_checked` for many whole rows at once, emptying `ready`: each checked column's
    values are compared as a set with those already judged (set operations in C), and only
    the rows holding a value that does not fit go through `_checked` one by one."""
    if not ready:
        return
    batch = ready[:]
    ready.clear()
    columns = list(zip(*(cells for _, cells in batch), strict=True))
    misfits: dict[int, set[str]] = {}
    for i, name, check, memo in _plan(tuple(header)):
        if _surely_fit(name, columns[i]):
            continue
        values = set(columns[i])
        fine, wrong = _JUDGED[name]
        for value in values - fine - wrong:
            if value and (memo[value] if value in memo else _why(name, check, memo, value)):
                wrong.add(value)
            else:
                fine.add(value)
        if not wrong.isdisjoint(values):
            misfits[i] = wrong
    for record, cells in batch:
        if misfits and any(cells[i] in wrong for i, wrong in misfits.items()):
            yield from _checked(run, header, record, cells)
            continue
        run.rows_read += 1
        record.cells = dict(zip(header, cells, strict=True))
        yield record


@lru_cache(maxsize=8)
def _plan(header: tuple[str, ...]) -> tuple[tuple[int, str, Callable, dict], ...]:
    """(position, column, check, memo of checked values) of the header's checked columns."""
    return tuple((i, name, CHECKS[name], _MEMO[name]) for i, name in enumerate(header)
                 if name in CHECKS)


_MEMO: dict[str, dict[str, str | None]] = defaultdict(dict)
# Column -> (values that fit, values that do not), for the rows checked together.
_JUDGED: dict[str, tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
CHECK_CHUNK = 4096
_UNSEEN = object()


def _checked(run: Run, header: list[str], record: Record, cells: list[str]
             ) -> Iterator[Record]:
    run.rows_read += 1
    if problems := _problems(header, cells):
        run.quarantine(record.line, "valor_fuera_de_columna",
                       "Valores que no corresponden a su columna (¿fila desplazada por un "
                       f"separador o salto de línea?): {'; '.join(problems[:5])}",
                       dict(zip(header, cells, strict=True)))
        return
    record.cells = dict(zip(header, cells, strict=True))
    yield record


def _stray(run: Run, header: list[str], record: Record, cells: list[str], separator: str
           ) -> Iterator[Record]:
    """A row with too many cells: join the extra cells back into one free-text column when
    exactly one such column makes every value fit."""
    extra = len(cells) - len(header)
    fits = []
    for name in FREE_TEXT:
        if name in header:
            i = header.index(name)
            candidate = cells[:i] + [separator.join(cells[i:i + extra + 1])] + cells[
                i + extra + 1:]
            if not _problems(header, candidate):
                fits.append((name, candidate))
    if len(fits) == 1:
        name, candidate = fits[0]
        record.repair = f"separador de más dentro de {name}"
        yield from _checked(run, header, record, candidate)
        return
    run.rows_read += 1
    why = ("ninguna unión de celdas de texto la corrige" if not fits else
           "podría corregirse uniendo celdas en " + " o ".join(n for n, _ in fits))
    run.quarantine(record.line, "fila_desplazada",
                   f"La fila tiene {len(cells)} columnas de {len(header)} (separador de más); "
                   f"{why}", {"celdas": cells})


def date_order(records: Sequence[Record]) -> str:
    """'mdy' (the published file) or 'dmy', from the dates' values."""
    for r in records:
        for name in ("fecha_convocatoria", "fecha_buenapro", "fecha_suscripcion_contrato"):
            if match := _SLASHED.fullmatch(r.cells.get(name, "").strip()):
                if int(match[1]) > 12:
                    return "dmy"
                if int(match[2]) > 12:
                    return "mdy"
    return "mdy"


@lru_cache(maxsize=100_000)
def parse_day(value: str, order: str) -> date | None:
    """A m/d/yyyy (or d/m/yyyy, d/m/yy) date; '1/1/1900' and empty mean none."""
    match = _SLASHED.fullmatch(value.strip())
    if not match:
        return None
    a, b, year = int(match[1]), int(match[2]), int(match[3])
    year += 2000 if year < 100 else 0
    month, day = (a, b) if order == "mdy" else (b, a)
    try:
        parsed = date(year, month, day)
    except ValueError:
        raise ValueError(f"fecha inexistente: {value!r}") from None
    return None if parsed == NO_DATE else parsed


_DATES = tuple(name for name, check in CHECKS.items() if check is _slashed)
_money = lru_cache(maxsize=200_000)(money)
_clean = lru_cache(maxsize=200_000)(clean_text)


def parse_ymd8(value: str) -> date | None:
    match = _YMD8.fullmatch(value.strip())
    return date(int(match[1]), int(match[2]), int(match[3])) if match else None


class _Text:
    """A row's cells, cleaned (clean_text, cached) as they are read."""

    __slots__ = ("cells",)

    def __init__(self, cells: dict[str, str]):
        self.cells = cells

    def __getitem__(self, name: str) -> str | None:
        return _clean(self.cells[name])


class Reader:
    """Turns records into a Batch, counting which rows contributed and which repeated."""

    def __init__(self, run: Run, matcher: DistrictMatcher, regions: dict[str, str],
                 order: str):
        self.run, self.matcher, self.regions, self.order = run, matcher, regions, order
        self.batch = Batch()
        self.row_process: Counter = Counter()
        # Rows seen, by the hash of their cells (a 64-bit hash: a false "identical" among a
        # few million rows has a chance of about 1 in 10^7).
        self.seen_rows: set[int] = set()
        self.cuts: Counter = Counter()       # fecha_corte values (the source's date)
        self.awards: dict[tuple, dict[str, tuple]] = defaultdict(dict)
        self.contract_items: dict[str, dict[str, tuple]] = defaultdict(dict)
        self.penalty_rows: dict[tuple, dict] = {}
        self.item_numbers: dict[str, list[int]] = defaultdict(list)
        # Rows whose only new record is a penalty: settled once every contract is known.
        self.undecided: list[tuple[str, tuple]] = []
        self.repaired = Counter()

    def add(self, record: Record) -> None:
        c = record.cells
        if missing := [k for k in KEYS if not c[k].strip()]:
            self.run.quarantine(record.line, "falta_clave", "Falta la clave de la fila: "
                                f"{', '.join(missing)}", c, c.get("codigoconvocatoria"))
            return
        try:
            self._parse_all(c)
        except ValueError as exc:
            self.run.quarantine(record.line, "valor_no_valido", f"Valor no válido: {exc}", c,
                                c.get("codigoconvocatoria"))
            return
        if record.repair:
            self.repaired[record.repair] += 1
        if cut := c.get("fecha_corte", "").strip():
            self.cuts[cut] += 1
        whole = hash(tuple(c.values()))
        if whole in self.seen_rows:
            self.run.duplicate("fila_identica")
            return
        new, penalty = self._entities(c)
        pid = f"seace-{c['codigoconvocatoria']}"
        if new:
            self.row_process[pid] += 1
        elif penalty:
            self.undecided.append((pid, penalty))
        else:
            self.run.duplicate("combinacion_repetida")
        self.seen_rows.add(whole)

    def _parse_all(self, c: dict[str, str]) -> None:
        """Every date of the row is a real date (ValueError names the one that is not), so
        that a row is taken whole or not at all (amounts: their shape check suffices)."""
        for name in _DATES:
            parse_day(c[name], "dmy" if name == "fechapenalidad" else self.order)

    def _day(self, value: str) -> date | None:
        return parse_day(value, self.order)

    def _entities(self, c: dict[str, str]) -> tuple[bool, tuple | None]:
        """Add the records this row holds: (any was new, the key of a new penalty)."""
        b = self.batch
        pid = f"seace-{c['codigoconvocatoria']}"
        item_no = int(c["n_item"])
        text = _Text(c)
        new = False
        if pid not in b.processes:
            b.processes[pid] = self._process(pid, c, text)
            new = True
        if (pid, item_no) not in b.items:
            b.items[(pid, item_no)] = self._item(pid, item_no, c, text)
            new = True
        winner = supplier_code(c["ruc_proveedor"])
        if winner and winner not in self.awards[(pid, item_no)]:
            self.awards[(pid, item_no)][winner] = (_money(c["monto_adjudicado_item"]),
                                                   _money(c["cantidad_adjudicado_item"]),
                                                   self._day(c["fecha_buenapro"]),
                                                   self._day(c["fecha_consentimiento_bp"]))
            new = True
        new |= b.supplier(winner, text["proveedor"], text["tipo_proveedor"], SOURCE)
        bidder = supplier_code(c["ruc_codigo_postor"])
        if bidder and (pid, item_no, bidder) not in b.bids:
            b.bids[(pid, item_no, bidder)] = {
                "process_id": pid, "item_no": item_no, "bidder_ruc": bidder,
                "bidder_name": text["postor"], "submitted":
                    self._day(c["fecha_presentacion_propuesta"]), "amount": None}
            new = True
        new |= b.supplier(bidder, text["postor"], None, SOURCE)
        new |= self._contract(pid, item_no, c, text)
        new |= self._sanction(winner, c, text)
        return new, self._penalty(c, text)

    def _process(self, pid: str, c: dict[str, str], text: _Text) -> dict:
        cuis = cuis_in(c["descripcion_proceso"])
        return {
            "id": pid, "ocid": None, "source": SOURCE, "entity_name": text["entidad"],
            "entity_ruc": text["entidad_ruc"], "region_ubigeo": None,
            "nomenclature": text["proceso"], "description": text["descripcion_proceso"],
            "procedure_type": text["tipoprocesoseleccion"], "object": text["objetocontractual"],
            "sector": text["sector"], "contracting_system": text["sistema_contratacion"],
            "reference_amount": _money(c["montoreferencial"]),
            "currency": CURRENCIES.get(fold(c["moneda"]), text["moneda"]),
            "call_date": self._day(c["fecha_convocatoria"]) or self._day(c["fechaconvocatoria"]),
            "submission_date": self._day(c["fechapresentacionpropuesta"]),
            "cui": cuis[0] if cuis else None,
            "extra": {k: v for k, v in {
                "codigoentidad": text["codigoentidad"], "tipoentidad": text["tipoentidad"],
                "tipo_compra": text["tipo_compra"], "cuis": cuis[1:] and cuis,
                "fecha_integracion_bases": procurement.iso(
                    self._day(c["fechaintegracionbases"]))}.items() if v}}

    def _item(self, pid: str, item_no: int, c: dict[str, str], text: _Text) -> dict:
        match = self.matcher.match(text["departamento_item"], text["provincia_item"],
                                   text["distrito_item"])
        self.item_numbers[pid].append(item_no)
        return {"process_id": pid, "item_no": item_no, "description": text["descripcion_item"],
                "status": text["estadoitem"], "reference_amount":
                    _money(c["monto_referencial_item"]),
                "department": text["departamento_item"], "province": text["provincia_item"],
                "district": text["distrito_item"], "ubigeo": match and match.ubigeo}

    def _contract(self, pid: str, item_no: int, c: dict[str, str], text: _Text
                  ) -> bool:
        cid = text["n_cod_contrato"]
        if not cid:
            return False
        new = False
        if cid not in self.batch.contracts:
            process = self.batch.processes[pid]
            self.batch.contracts[cid] = {
                "id": cid, "process_id": pid, "supplier_ruc": supplier_code(
                    c["ruc_contratista"]) or supplier_code(c["ruc_proveedor"]),
                "number": text["num_contrato"],
                "signed_date": self._day(c["fecha_suscripcion_contrato"]),
                "start_date": self._day(c["fecha_vigencia_inicial"]),
                "end_date": self._day(c["fecha_vigencia_final"]),
                "end_date_updated": self._day(c["fecha_vigencia_fin_actualizada"]),
                "amount": _money(c["monto_contratado_total"]),
                "amount_additional": _money(c["monto_adicional"]),
                "amount_reduction": _money(c["monto_reduccion"]),
                "amount_extension": _money(c["monto_prorroga"]),
                "amount_complementary": _money(c["monto_complementario"]),
                "currency": process["currency"], "url": text["urlcontrato"],
                "source": SOURCE}
            new = True
        if (contractor := supplier_code(c["ruc_contratista"])):
            new |= self.batch.supplier(contractor, None, None, SOURCE)
        part = c["num_item"] or str(item_no)
        if part not in self.contract_items[cid]:
            self.contract_items[cid][part] = (item_no, _money(c["monto_contratado_item"]))
            new = True
        return new

    def _penalty(self, c: dict[str, str], text: _Text) -> tuple | None:
        """The key of a penalty seen for the first time (kept in finish() only when its
        contract is in the file)."""
        cid = text["idcontrato"]
        if not cid:
            return None
        amount = _money(c["monto"])
        key = "|".join(str(v or "") for v in (text["tipopenalidad"], c["fechapenalidad"],
                                              text["descripcionmotivo"], amount))
        if (cid, key) in self.penalty_rows:
            return None
        self.penalty_rows[(cid, key)] = {
            "contract_id": cid, "key": key, "kind": text["tipopenalidad"],
            "penalty_date": parse_day(c["fechapenalidad"], "dmy"),
            "reason": text["descripcionmotivo"], "amount": amount,
            "ruc": supplier_code(c["ruc_proveedor"]),
            "contractor_ruc": supplier_code(c["ruc_contratista"]),
            "entity_name": text["entidadcontratante"], "object": text["objetocontrato"]}
        return (cid, key)

    def _sanction(self, ruc: str | None, c: dict[str, str], text: _Text) -> bool:
        resolution = text["numero_resolucion"]
        if not ruc or not resolution:
            return False
        key = f"{resolution}|{c['fecha_inicio']}|{c['fecha_fin']}"
        if (ruc, key) in self.batch.sanctions:
            return False
        self.batch.sanctions[(ruc, key)] = {
            "ruc": ruc, "key": key,
            "kind": "inhabilitacion" if text["ano_inha"] or text["organo_jurisdiccional"]
            else "sancion",
            "start_date": parse_ymd8(c["fecha_inicio"]), "end_date": parse_ymd8(c["fecha_fin"]),
            "resolution": resolution, "reason_code": (text["id_motivo_infraccion"] or ""
                                                      ).strip(",") or None,
            "reason": text["de_motivo_infraccion"],
            "authority": text["organo_jurisdiccional"] or "Tribunal de Contrataciones del "
                                                          "Estado", "source": SOURCE}
        return True

    def finish(self, source_date: date | None) -> None:
        """Settle what needs every row: awards per item, contract items, the penalties of
        contracts in the file, dates of the source."""
        b = self.batch
        for key, winners in self.awards.items():
            item = b.items[key]
            ranked = sorted(winners.items(), key=lambda w: (-(w[1][0] or 0), w[0]))
            item["winner_ruc"] = ranked[0][0]
            amounts = [w[0] for w in winners.values() if w[0] is not None]
            item["awarded_amount"] = sum(amounts) if amounts else None
            quantities = [w[1] for w in winners.values() if w[1] is not None]
            item["awarded_quantity"] = sum(quantities) if quantities else None
            dates = [w[2] for w in winners.values() if w[2]]
            item["award_date"] = min(dates) if dates else None
            consents = [w[3] for w in winners.values() if w[3]]
            item["consent_date"] = min(consents) if consents else None
        for cid, parts in self.contract_items.items():
            items = {no for no, _ in parts.values()}
            amounts = [a for _, a in parts.values() if a is not None]
            b.contracts[cid]["item_no"] = items.pop() if len(items) == 1 else None
            b.contracts[cid]["amount_item"] = sum(amounts) if amounts else None
        for key, penalty in self.penalty_rows.items():
            if key[0] in b.contracts:
                b.penalties[key] = penalty
            elif ruc := penalty["ruc"] or penalty["contractor_ruc"]:
                b.supplier_penalties[key] = {**penalty, "contract_ref": key[0], "ruc": ruc,
                                             "source": SOURCE}
        for pid, key in self.undecided:
            if key in b.penalties or key in b.supplier_penalties:
                self.row_process[pid] += 1
            else:
                self.run.duplicate("combinacion_repetida")
        for pid, process in b.processes.items():
            process["region_ubigeo"] = self._region(pid)
        for record in (*b.processes.values(), *b.contracts.values()):
            record["source_date"] = source_date

    def _region(self, pid: str) -> str | None:
        """The department of the process's lowest-numbered item that names a known one."""
        for no in sorted(self.item_numbers[pid]):
            item = self.batch.items[(pid, no)]
            if region := (self.regions.get(name_key(item["department"])) or
                          (item["ubigeo"] or "")[:2] or None):
                return region
        return None

    @property
    def foreign(self) -> int:
        """Penalties of contracts outside the file that name no supplier (not loaded)."""
        b = self.batch
        return sum(1 for k in self.penalty_rows
                   if k not in b.penalties and k not in b.supplier_penalties)


def load_into(run: Run, path: Path) -> None:
    """Read the CONOSCE file at `path` into the run's transaction, row by row."""
    header, rows, separator = open_table(path)
    stream = records(run, header, rows, separator)
    head = list(islice(stream, DATE_SAMPLE))
    order = date_order(head)
    reader = Reader(run, DistrictMatcher.from_db(run.conn), procurement.regions(run.conn), order)
    for record in progress(chain(head, stream), desc="CONOSCE"):
        reader.add(record)
    cut = reader.cuts.most_common(1)
    reader.finish(parse_ymd8(cut[0][0]) if cut else None)
    state = procurement.write(run, reader.batch)
    procurement.count_rows(run, reader.row_process, state)
    _notes(run, reader, order)


def _notes(run: Run, reader: Reader, order: str) -> None:
    b = reader.batch
    for how, n in reader.repaired.most_common():
        run.note(f"filas reparadas, {how}: {n:,}")
    several = sum(1 for w in reader.awards.values() if len(w) > 1)
    if several:
        run.note(f"ítems adjudicados a varios proveedores (monto adjudicado = la suma; "
                 f"ganador = el de mayor monto): {several:,}")
    if b.supplier_penalties:
        run.note(f"penalidades de contratos que no están en el archivo (el archivo las une por "
                 f"el RUC del proveedor), guardadas con el proveedor: "
                 f"{len(b.supplier_penalties):,} de {len(reader.penalty_rows):,}")
    if reader.foreign:
        run.note(f"penalidades de contratos que no están en el archivo y sin RUC de proveedor, "
                 f"no cargadas: {reader.foreign:,}")
    with_cui = sum(1 for p in b.processes.values() if p["cui"])
    run.note(f"procesos con CUI en la descripción: {with_cui:,}; fechas leídas como "
             f"{'mes/día/año' if order == 'mdy' else 'día/mes/año'}")
    unplaced = sum(1 for i in b.items.values() if not i["ubigeo"])
    if unplaced:
        run.note(f"ítems sin distrito reconocido (ubigeo vacío): {unplaced:,}")
