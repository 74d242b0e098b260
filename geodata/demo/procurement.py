"""The demo's SEACE procurement in OSCE's CONOSCE open-data layout (conosce-demo.csv).

Why: a work's page and its entity's and contractor's pages show the process, its bidders, the
winner, the contract, its adicionales and penalties, and the supplier's sanctions; the demo
needs them in the real file's shape (../shared/data/seace/conosce_*.csv.gz): the 78
CONOSCE_COLUMNS, UTF-8, m/d/yyyy dates, and its repetition: one row per process item × bidder
× penalty × supplier sanction, every process, item and contract field repeated on each, so a
loader must de-duplicate before summing.

A share of the works let by contract (Contrata) get a works process whose description names
the work's CUI ("... CON CUI 2345678"), several bidders for most, a single one for others, the
work's contractor as winner, a contract for the work's contract amount (a few deliberately
different) and its adicionales; some contracts carry penalties, some winners sanctions. The
other processes buy goods, services and works supervision for the same entities. Formats only:
no real row is copied. Own random stream, so the works export's bytes are unchanged.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from geodata.demo import names
from geodata.demo import profiles as P
from geodata.demo.export import date_text, number_text
from geodata.demo.works import DAY

STREAM = 0x5EAC
FILE = "conosce-demo.csv"
CHUNK_ROWS = 50_000
CONOSCE_COLUMNS = (
    "entidad_ruc", "codigoentidad", "entidad", "tipoentidad", "codigoconvocatoria",
    "descripcion_proceso", "proceso", "tipo_compra", "objetocontractual", "sector",
    "sistema_contratacion", "tipoprocesoseleccion", "montoreferencial", "n_item",
    "descripcion_item", "unidad_medida", "estadoitem", "paquete", "codigoitem", "itemcubso",
    "distrito_item", "provincia_item", "departamento_item", "monto_referencial_item", "moneda",
    "fecha_convocatoria", "fechaintegracionbases", "fechapresentacionpropuesta",
    "miembrecomite", "fechaconvocatoria", "ruc_codigo_postor", "postor",
    "fecha_presentacion_propuesta", "estado_item", "cantidad_adjudicado_item",
    "monto_adjudicado_item", "ruc_proveedor", "proveedor", "tipo_proveedor", "fecha_buenapro",
    "fecha_consentimiento_bp", "n_cod_contrato", "fecha_publicacion_contrato",
    "fecha_suscripcion_contrato", "fecha_vigencia_inicial", "fecha_vigencia_final",
    "fecha_vigencia_fin_actualizada", "codigo_contrato", "num_contrato",
    "monto_contratado_total", "monto_contratado_item", "monto_adicional", "monto_reduccion",
    "monto_prorroga", "monto_complementario", "urlcontrato", "num_item", "ruc_contratista",
    "ruc_destinatario_pago", "tieneresolucion", "idcontrato", "tipopenalidad",
    "objetocontrato", "entidadcontratante", "fechapenalidad", "descripcionmotivo", "monto",
    "año_penalidad", "fecha_corte", "nombre_razonodenominacionsocial", "fecha_inicio",
    "fecha_fin", "numero_resolucion", "id_motivo_infraccion", "de_motivo_infraccion",
    "año_inha", "año_san", "organo_jurisdiccional")
PROCESSES_PER_WORK = 0.5          # default processes: 100k for the 200k-work benchmark
WORKS_PROCESS_SHARE = 0.6         # of the eligible Contrata works, at most half the processes
SINGLE_BIDDER_SHARE = 0.35        # works processes with only the winner bidding
AMOUNT_DIFFERENT_SHARE = 0.03     # works contracts whose amount differs from INFObras's
PENALTY_SHARE = (0.08, 0.35, 0.03)  # contracts with penalties: works, paralysed works, others
SANCTIONED_SHARE = 0.02           # winners with a Tribunal sanction
LP_THRESHOLD = 2_800_000          # above: Licitación Pública; below: Adjudicación Simplificada
# Procurement red flags the demo shows (geodata/procurement_rules.py), drawn from the codes (a
# hash, not the random stream, so the rest of the file is unchanged): shares of processes.
SHORT_TENDER_SHARE = (0.06, 0.04)   # public tenders / simplified awards with a short period
FAR_FROM_REFERENCE_SHARE = (0.04, 0.015)   # works outside 90-110 %, others far outside
CONTRACT_OFF_AWARD_SHARE = 0.02     # single-item contracts ±35-40 % off the award
FAVOURED_ENTITIES, FAVOURED_SHARE = 12, 0.6   # busiest entities: one firm wins their goods
OBJECTS = ("Bien", "Servicio", "Consultoría de Obra")
OBJECT_SHARES = (0.6, 0.28, 0.12)
GOODS = (("CEMENTO PORTLAND TIPO IP X 42.5 KG", "Bolsa", "00012953"),
         ("DIESEL B5 S-50", "Galon", "00230730"),
         ("FIERRO CORRUGADO DE 1/2 X 9 M", "Varilla", "00104518"),
         ("AGREGADO FINO - ARENA GRUESA", "M3", "00099417"),
         ("TUBERIA PVC UF 110 MM CLASE 7.5", "Unidad", "00188021"),
         ("COMPUTADORA PERSONAL DE ESCRITORIO", "Unidad", "00261840"),
         ("UNIFORMES PARA PERSONAL OPERATIVO", "Unidad", "00054112"))
SERVICES = (("SERVICIO DE MANTENIMIENTO RUTINARIO DE CAMINOS", "00360012"),
            ("SERVICIO DE ALQUILER DE MAQUINARIA PESADA", "00351120"),
            ("SERVICIO DE SEGURIDAD Y VIGILANCIA", "00342201"),
            ("SERVICIO DE LIMPIEZA DE LOCALES", "00342789"))
WORK_ITEMS = (("CONSTRUCCION DE CAMINO VECINAL", "00360065"),
              ("CONSTRUCCION DE SISTEMA DE AGUA POTABLE", "00364110"),
              ("CONSTRUCCION DE INFRAESTRUCTURA EDUCATIVA", "00364501"),
              ("MEJORAMIENTO DE PISTAS Y VEREDAS", "00364783"),
              ("CONSTRUCCION DE CANAL DE RIEGO", "00363320"))
CUI_PHRASES = (" CON CUI ", " CON CUI ", " CON CUI ", " CON CUI ", " CON CUI ", " CON CUI ",
               " CON CUI ", " - CUI N° ", " - CUI N° ", " CON CODIGO UNICO DE INVERSION N° ")
PENALTY_KINDS = ("POR MORA", "POR MORA", "OTRA PENALIDAD")
PENALTY_REASONS = ("POR MORA", "RETRASO INJUSTIFICADO EN LA EJECUCION DE LA OBRA",
                   "AUSENCIA DEL RESIDENTE DE OBRA", "INCUMPLIMIENTO DE PLAZOS")
INFRACTIONS = (
    ("214,", "Presentar información inexacta a las Entidades, al Tribunal de Contrataciones "
             "del Estado o al Registro Nacional de Proveedores (RNP)."),
    ("215,", "Presentar documentos falsos o adulterados a las Entidades, al Tribunal de "
             "Contrataciones del Estado o al Registro Nacional de Proveedores (RNP)."),
    ("241,", "Ocasionar que la Entidad resuelva el contrato, siempre que dicha resolución haya "
             "quedado consentida o firme en vía conciliatoria o arbitral."))
LEVEL_TYPES = ("GOBIERNO LOCAL", "GOBIERNO REGIONAL", "GOBIERNO NACIONAL")
URL = "http://zonasegura.seace.gob.pe/documentos/mon\\docs\\contratos\\"


def build_procurement(works: pd.DataFrame, places: pd.DataFrame, seed: int,
                      total: int | None = None, as_of: str = P.AS_OF) -> Conosce:
    """The file's rows and their summary; `total` processes (default PROCESSES_PER_WORK per
    work)."""
    rng = np.random.default_rng([seed, STREAM])
    total = round(PROCESSES_PER_WORK * len(works)) if total is None else total
    cut = np.datetime64(as_of, "D")
    entity_of, entities = _entities(works, places, rng)
    chosen = _works_with_process(works, rng, total)
    proc = _processes(works, places, rng, chosen, total - len(chosen), cut)
    proc["entity"] = entity_of[proc["work"].to_numpy()]
    proc["place"] = works["place"].to_numpy()[proc["work"].to_numpy()]
    _flag_processes(proc)
    item = _items(proc, works, rng)
    firms = _firms(works, rng, max(500, total // 20))
    contractor = works["contractor_ruc"].to_numpy(object)[item["work"].to_numpy()]
    bid = _bids(item, firms, contractor, rng, _favoured(proc, item, len(firms)))
    pen = _penalties(item, works, rng)
    san = _sanctions(item, rng, cut)
    conosce = _rows(proc, item, bid, pen, san, entities, places, firms,
                    np.datetime_as_string(cut).replace("-", ""))
    summary = {
        "procesos": len(proc), "procesos_de_obra": len(chosen), "items": len(item),
        "postores": len(bid), "contratos": int((item["contract"] != "").sum()),
        "penalidades": len(pen), "proveedores_sancionados": int(san["ruc"].nunique()),
        "filas": len(conosce),
        "procesos_un_postor": int((item.loc[item["is_work"], "bidders"] == 1).sum()),
        "montos_distintos": sorted(proc.loc[proc["different"], "cui"].astype(int).tolist()),
    }
    conosce.summary = summary
    return conosce


def _unit(keys: np.ndarray, salt: int) -> np.ndarray:
    """A uniform number in [0, 1) per integer key, without drawing from the random stream."""
    mixed = (np.asarray(keys, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
             + np.uint64(salt * 0xBF58476D1CE4E5B9 % 2**64))   # arrays wrap around silently
    return (mixed >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def _flag_processes(proc: pd.DataFrame) -> None:
    """The submission date (public tenders 35 calendar days after the call, others 20; a share
    shorter than the legal minimum) and a share of awards far from the reference value."""
    code, call = proc["code"].to_numpy(), proc["call"].to_numpy("datetime64[D]")
    kind = proc["procedure"].to_numpy()
    tender = (kind == "Licitación Pública") | (kind == "Concurso Público")
    simplified = kind == "Adjudicación Simplificada"
    u = _unit(code, 1)
    days = np.where(tender, np.where(u < SHORT_TENDER_SHARE[0], 20, 35),
                    np.where(simplified & (u < SHORT_TENDER_SHARE[1]), 11, 20))
    proc["submission"] = call + days * DAY
    u = _unit(code, 2)
    works = proc["object"].to_numpy() == "Obra"
    goods = np.isin(proc["object"].to_numpy(), ("Bien", "Servicio"))
    ratio = np.where(works & (u < FAR_FROM_REFERENCE_SHARE[0]), 0.82,
                     np.where(goods & (u < FAR_FROM_REFERENCE_SHARE[1]), 0.5, 0.0))
    proc["reference"] = np.where(ratio > 0, np.round(proc["awarded"] / np.maximum(ratio, 0.01),
                                                     2), proc["reference"])


def _favoured(proc: pd.DataFrame, item: pd.DataFrame, firms: int) -> np.ndarray:
    """Per item, the firm that wins it whatever the bids (-1: none): the busiest entities
    award most of their goods and services to one firm each (repeat awards)."""
    entity = proc["entity"].to_numpy()
    busiest = pd.Series(entity[~proc["is_work"].to_numpy()]).value_counts().index[
        :FAVOURED_ENTITIES].to_numpy()
    p = item["process"].to_numpy()
    chosen = (np.isin(entity[p], busiest) & ~item["is_work"].to_numpy()
              & (_unit(proc["code"].to_numpy()[p], 3) < FAVOURED_SHARE))
    return np.where(chosen, firms - 1 - entity[p] % min(firms, 50), -1)


def _entities(works: pd.DataFrame, places: pd.DataFrame, rng: np.random.Generator
              ) -> tuple[np.ndarray, pd.DataFrame]:
    """Each work's entity index, and per entity its name, RUC, SEACE code, type and acronym.
    A municipality is one per region (many regions have a "MUNICIPALIDAD DISTRITAL DE SANTA
    ROSA", each with its RUC), as Mirador's entity key has it; other entities one per name."""
    name = works["entity"].to_numpy(str)
    region = places["ubigeo"].str[:2].to_numpy(str)[works["place"].to_numpy()]
    key = np.where(np.char.startswith(name, "MUNICIPALIDAD"), np.char.add(name, region), name)
    _, first, entity_of = np.unique(key, return_index=True, return_inverse=True)
    codes = name[first]
    level = works["level"].to_numpy()[first]
    acronym = [("M" if n.startswith("MUNI") else "") + "".join(
        w[0] for w in n.replace("-", " ").split() if len(w) > 2 and w != "MUNICIPALIDAD")[:6]
        for n in codes]
    table = pd.DataFrame({
        "name": codes, "ruc": names.ruc(rng, "20", len(codes)),
        "code": np.char.zfill((rng.permutation(len(codes)) + 1).astype(str), 6),
        "kind": np.asarray(LEVEL_TYPES, dtype=object)[level],
        "sector": np.where(level < 2, np.asarray(LEVEL_TYPES, dtype=object)[level],
                           works["sector"].to_numpy(object)[first]),
        "acronym": acronym})
    return entity_of, table


def _works_with_process(works: pd.DataFrame, rng: np.random.Generator, total: int) -> np.ndarray:
    """Rows of the Contrata works (with a contractor and a contract) that get a process."""
    eligible = np.flatnonzero(
        (works["modality"].to_numpy() == P.MODALITIES.index("Contrata"))
        & (works["contractor_ruc"].to_numpy(object) != "")
        & np.isfinite(works["amount_contract"].to_numpy(float))
        & ~np.isnat(works["start_date"].to_numpy("datetime64[D]")))
    n = min(round(WORKS_PROCESS_SHARE * len(eligible)), total // 2)
    return np.sort(rng.choice(eligible, size=n, replace=False))


def _processes(works: pd.DataFrame, places: pd.DataFrame, rng: np.random.Generator,
               chosen: np.ndarray, others: int, cut: np.datetime64) -> pd.DataFrame:
    """One row per process: the work it is about (a random work of the same entity and
    place for the others), its object, description, amount, type and dates."""
    n = len(chosen) + others
    work = np.concatenate([chosen, rng.integers(0, len(works), others)])
    is_work = np.arange(n) < len(chosen)
    obj = np.where(is_work, "Obra", np.asarray(OBJECTS, dtype=object)[
        rng.choice(len(OBJECTS), n, p=OBJECT_SHARES)])
    cui = works["cui"].to_numpy(object)[work]
    name = works["name"].to_numpy(object)[work]
    phrase = np.asarray(CUI_PHRASES, dtype=object)[rng.integers(0, len(CUI_PHRASES), n)]
    described = np.where(rng.random(n) < 0.5, "CONTRATACION DE LA EJECUCION DE LA OBRA: ",
                         "EJECUCION DE LA OBRA ") + name + phrase + cui
    supervision = ("CONTRATACION DEL SERVICIO DE CONSULTORIA DE OBRA PARA LA SUPERVISION DE "
                   "LA OBRA: " + name + phrase + cui)
    good = rng.integers(0, len(GOODS), n)
    service = rng.integers(0, len(SERVICES), n)
    department = places["department_name"].to_numpy(object)[works["place"].to_numpy()[work]]
    goods = ("ADQUISICION DE " + np.asarray([g[0] for g in GOODS], dtype=object)[good]
             + " PARA LA " + works["entity"].to_numpy(object)[work])
    services = (np.asarray([s[0] for s in SERVICES], dtype=object)[service] + " - "
                + department)
    description = np.select([obj == "Obra", obj == "Consultoría de Obra", obj == "Bien"],
                            [described, supervision, goods], services)
    contract = works["amount_contract"].to_numpy(float)[work]
    different = is_work & (rng.random(n) < AMOUNT_DIFFERENT_SHARE)
    contract = np.where(different, contract * rng.uniform(1.08, 1.4, n), contract)
    other_amount = rng.lognormal(np.log(60_000), 1.1, n)
    awarded = np.round(np.where(is_work, contract,
                                np.where(obj == "Consultoría de Obra", 0.05 * np.nan_to_num(
                                    contract, nan=1e6) + 20_000, other_amount)), 2)
    reference = np.round(awarded / rng.uniform(0.9, 1.0, n), 2)
    start = works["start_date"].to_numpy("datetime64[D]")[work]
    call = np.where(is_work, start - rng.integers(50, 140, n) * DAY,
                    cut - rng.integers(60, 6 * 365, n) * DAY)
    call = np.where(np.isnat(call), cut - rng.integers(60, 6 * 365, n) * DAY, call)
    direct = rng.random(n) < 0.03
    kind = np.where(direct, "Contratación Directa", np.where(
        obj == "Bien", np.where(rng.random(n) < 0.5, "Subasta Inversa Electrónica",
                                "Adjudicación Simplificada"),
        np.where(reference > LP_THRESHOLD, np.where(obj == "Obra", "Licitación Pública",
                                                    "Concurso Público"),
                 "Adjudicación Simplificada")))
    order = np.argsort(call, kind="stable")
    code = np.empty(n, dtype=np.int64)
    code[order] = P.DEMO_PROCESS_BASE + np.sort(rng.choice(3 * n + 10, size=n, replace=False))
    frame = pd.DataFrame({
        "work": work, "is_work": is_work, "object": obj, "description": description,
        "cui": cui, "reference": reference, "awarded": awarded, "different": different,
        "procedure": kind, "call": call, "code": code,
        "good": good, "service": service,
        "system": np.where(obj == "Consultoría de Obra", "Tarifas", np.where(
            rng.random(n) < 0.75, "Suma alzada", "Precios unitarios")),
        "items": np.where(obj == "Bien", np.minimum(rng.geometric(0.55, n), 4), 1),
    })
    return frame.sort_values("code", ignore_index=True)


def _items(proc: pd.DataFrame, works: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """One row per process item with its award and contract (one contract per item); a few
    goods and services items are consented but not yet contracted."""
    p = np.repeat(np.arange(len(proc)), proc["items"].to_numpy())
    n = len(p)
    item_no = pd.Series(p).groupby(p).cumcount().to_numpy() + 1
    share = rng.dirichlet(np.ones(4), size=len(proc))
    k = proc["items"].to_numpy()[p]
    weight = share[p, item_no - 1] / share.cumsum(axis=1)[p, k - 1]   # the items' split
    awarded = np.round(proc["awarded"].to_numpy()[p] * weight, 2)
    reference = np.round(proc["reference"].to_numpy()[p] * weight, 2)
    is_work = proc["is_work"].to_numpy()[p]
    work = proc["work"].to_numpy()[p]
    contracted = is_work | (rng.random(n) > 0.03)
    call = proc["call"].to_numpy()[p]
    award = np.maximum(call + rng.integers(15, 40, n) * DAY,   # after the offers
                       proc["submission"].to_numpy("datetime64[D]")[p] + 3 * DAY)
    signed = award + rng.integers(10, 30, n) * DAY
    plazo = np.where(is_work, works["plazo"].to_numpy()[work], rng.integers(10, 365, n))
    end = signed + 1 + plazo * DAY
    extended = rng.random(n) < np.where(is_work, 0.4, 0.05)
    additional = np.where(is_work, np.nan_to_num(works["amount_additional"].to_numpy(float)[
        work]), 0.0)
    contract_no = P.DEMO_CONTRACT_BASE + np.arange(n) * 7 + rng.integers(0, 7, n)
    obj = proc["object"].to_numpy()[p]
    good = (proc["good"].to_numpy()[p] + item_no - 1) % len(GOODS)   # item 1 names the process
    service = proc["service"].to_numpy()[p]
    work_item = rng.integers(0, len(WORK_ITEMS), n)
    description = np.select(
        [obj == "Bien", obj == "Servicio"],
        [np.asarray([g[0] for g in GOODS], dtype=object)[good],
         np.asarray([s[0] for s in SERVICES], dtype=object)[service]],
        proc["description"].to_numpy(object)[p])
    cubso = np.select(
        [obj == "Bien", obj == "Servicio", obj == "Obra"],
        [np.asarray([g[0] for g in GOODS], dtype=object)[good],
         np.asarray([s[0] for s in SERVICES], dtype=object)[service],
         np.asarray([w[0] for w in WORK_ITEMS], dtype=object)[work_item]],
        "SUPERVISION DE OBRA")
    cubso_code = np.select(
        [obj == "Bien", obj == "Servicio", obj == "Obra"],
        [np.asarray([g[2] for g in GOODS], dtype=object)[good],
         np.asarray([s[1] for s in SERVICES], dtype=object)[service],
         np.asarray([w[1] for w in WORK_ITEMS], dtype=object)[work_item]], "00360133")
    return pd.DataFrame({
        "process": p, "item_no": item_no, "is_work": is_work, "work": work,
        "description": description, "cubso": cubso, "cubso_code": cubso_code,
        "unit": np.where(obj == "Bien", np.asarray([g[1] for g in GOODS], dtype=object)[good],
                         "Servicio"),
        "quantity": np.where(obj == "Bien", rng.integers(1, 500, n), 1),
        "reference": reference, "awarded": awarded, "contracted": contracted,
        "award": award, "consent": award + rng.integers(5, 12, n) * DAY, "signed": signed,
        "published": signed + rng.integers(1, 20, n) * DAY, "end": end,
        "end_updated": end + np.where(extended, rng.integers(15, 200, n), 0) * DAY,
        "contract": np.where(contracted, contract_no.astype(str), ""),
        "additional": np.round(additional, 2),
        "reduction": np.where(is_work & (rng.random(n) < 0.05),
                              np.round(awarded * rng.uniform(0.01, 0.08, n), 2), 0.0),
        "resolved": is_work & (works["status"].to_numpy()[work]
                               == P.STATUSES.index("Paralizada")) & (rng.random(n) < 0.3),
        "winner": -1,
    })


def _firms(works: pd.DataFrame, rng: np.random.Generator, extra: int) -> pd.DataFrame:
    """The suppliers that bid: the works' contractors, then other firms and persons."""
    has = (works["contractor_ruc"].to_numpy(object) != "") & (
        works["modality"].to_numpy() == P.MODALITIES.index("Contrata"))
    own = pd.DataFrame({"ruc": works["contractor_ruc"].to_numpy(object)[has],
                        "name": works["contractor_name"].to_numpy(object)[has]})
    persons = extra // 5
    other = pd.DataFrame({
        "ruc": np.concatenate([names.ruc(rng, "20", extra - persons),
                               names.ruc(rng, "10", persons)]),
        "name": np.concatenate([names.firm_names(rng, extra - persons),
                                names.person_names(rng, persons)])})
    return pd.concat([own, other], ignore_index=True).drop_duplicates("ruc", ignore_index=True)


def _bids(item: pd.DataFrame, firms: pd.DataFrame, contractor: np.ndarray,
          rng: np.random.Generator, favoured: np.ndarray) -> pd.DataFrame:
    """One row per item and bidder (with the committee member CONOSCE writes beside it), the
    winner among them: for a works item, the work's `contractor`; else a random firm. Sets
    item['winner'] (a row of `firms`) and item['bidders']."""
    n = len(item)
    index = pd.Series(np.arange(len(firms)), index=firms["ruc"].to_numpy())
    winner = rng.integers(0, len(firms), n)
    is_work = item["is_work"].to_numpy()
    winner[is_work] = index.loc[contractor[is_work]].to_numpy()
    winner = np.where(favoured >= 0, favoured, winner)
    count = np.where(is_work, np.where(rng.random(n) < SINGLE_BIDDER_SHARE, 1,
                                       1 + np.minimum(rng.geometric(0.3, n), 14)),
                     np.minimum(rng.geometric(0.45, n), 10))
    owner = np.repeat(np.arange(n), count)
    firm = rng.integers(0, len(firms), len(owner))
    first = np.concatenate([[0], np.cumsum(count)[:-1]])
    firm[first] = winner
    bid = pd.DataFrame({"item": owner, "firm": firm}).drop_duplicates(ignore_index=True)
    bid = bid.sort_values(["item", "firm"], kind="stable", ignore_index=True)
    item["winner"] = winner
    item["bidders"] = np.bincount(bid["item"].to_numpy(), minlength=n)
    bid["ruc"] = firms["ruc"].to_numpy(object)[bid["firm"].to_numpy()]
    bid["name"] = firms["name"].to_numpy(object)[bid["firm"].to_numpy()]
    members = names.person_names(rng, max(50, n // 20))
    bid["member"] = members[rng.integers(0, len(members), len(bid))]
    return bid


def _penalties(item: pd.DataFrame, works: pd.DataFrame, rng: np.random.Generator
               ) -> pd.DataFrame:
    """Penalties of some contracts: more on paralysed works."""
    n = len(item)
    paralysed = item["is_work"].to_numpy() & (works["status"].to_numpy()[item["work"].to_numpy()]
                                              == P.STATUSES.index("Paralizada"))
    share = np.where(paralysed, PENALTY_SHARE[1],
                     np.where(item["is_work"].to_numpy(), PENALTY_SHARE[0], PENALTY_SHARE[2]))
    count = np.where(item["contracted"].to_numpy() & (rng.random(n) < share),
                     rng.integers(1, 4, n), 0)
    owner = np.repeat(np.arange(n), count)
    m = len(owner)
    signed = item["signed"].to_numpy()[owner]
    when = signed + rng.integers(20, 300, m) * DAY
    amount = np.round(item["awarded"].to_numpy()[owner] * rng.uniform(0.0005, 0.05, m), 2)
    return pd.DataFrame({
        "item": owner, "kind": np.asarray(PENALTY_KINDS, dtype=object)[
            rng.integers(0, len(PENALTY_KINDS), m)],
        "reason": np.asarray(PENALTY_REASONS, dtype=object)[
            rng.integers(0, len(PENALTY_REASONS), m)],
        "date": when, "amount": amount})


def _sanctions(item: pd.DataFrame, rng: np.random.Generator, cut: np.datetime64
               ) -> pd.DataFrame:
    """Tribunal sanctions of some winners (a few with two), as CONOSCE joins them."""
    winners = np.unique(item.loc[item["contracted"], "winner"].to_numpy())
    chosen = winners[rng.random(len(winners)) < SANCTIONED_SHARE]
    count = np.where(rng.random(len(chosen)) < 0.15, 2, 1)
    firm = np.repeat(chosen, count)
    m = len(firm)
    start = cut - rng.integers(30, 5 * 365, m) * DAY
    which = rng.integers(0, len(INFRACTIONS), m)
    year = start.astype("datetime64[Y]").astype(int) + 1970
    return pd.DataFrame({
        "firm": firm, "ruc": firm, "start": start,
        "end": start + rng.integers(90, 3 * 365, m) * DAY,
        "resolution": [f"{r}-{y}-TCE-S{s}" for r, y, s in zip(
            rng.integers(100, 3500, m), year, rng.integers(1, 6, m), strict=True)],
        "code": np.asarray([i[0] for i in INFRACTIONS], dtype=object)[which],
        "reason": np.asarray([i[1] for i in INFRACTIONS], dtype=object)[which],
        "year": year.astype(str)})


@dataclass
class Conosce:
    """The file's rows without their 78-column repetition in memory: each run of columns
    that belong to one level (item, bidder, penalty, sanction) joined once per record of
    that level, and for every row the record of each level it shows."""

    runs: list[tuple[np.ndarray, str]]          # (joined texts per record, level)
    index: dict[str, np.ndarray]                 # level -> record of each row
    summary: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.index["item"])

    def lines(self, start: int = 0, stop: int | None = None) -> list[str]:
        """Rows start..stop-1 as CSV lines (no line ends)."""
        parts = [texts[self.index[level][start:stop]].tolist() for texts, level in self.runs]
        return [",".join(row) for row in zip(*parts, strict=True)]


def _rows(proc: pd.DataFrame, item: pd.DataFrame, bid: pd.DataFrame, pen: pd.DataFrame,
          san: pd.DataFrame, entities: pd.DataFrame, places: pd.DataFrame,
          firms: pd.DataFrame, cut: str) -> Conosce:
    """The join: per item, bidders × penalties × sanctions of the winner (at least one of
    each factor), every higher-level field repeated on each row."""
    n = len(item)
    bid_start = np.searchsorted(bid["item"].to_numpy(), np.arange(n))
    pen_count = np.bincount(pen["item"].to_numpy(), minlength=n)
    pen_start = np.searchsorted(pen["item"].to_numpy(), np.arange(n))
    san = san.sort_values("firm", kind="stable", ignore_index=True)
    winner = item["winner"].to_numpy()
    san_start = np.searchsorted(san["firm"].to_numpy(), winner)
    san_count = (np.searchsorted(san["firm"].to_numpy(), winner, side="right") - san_start)
    san_count = np.where(item["contracted"].to_numpy(), san_count, 0)
    bids = item["bidders"].to_numpy()
    npen, nsan = np.maximum(pen_count, 1), np.maximum(san_count, 1)
    per_item = bids * npen * nsan
    it = np.repeat(np.arange(n), per_item)
    offset = np.arange(len(it)) - np.repeat(np.cumsum(per_item) - per_item, per_item)
    index = {
        "item": it, "bid": bid_start[it] + offset // (npen[it] * nsan[it]),
        "pen": np.where(pen_count[it] > 0, pen_start[it] + (offset // nsan[it]) % npen[it],
                        len(pen)),
        "san": np.where(san_count[it] > 0, san_start[it] + offset % nsan[it], len(san))}
    p = item["process"].to_numpy()
    cells = {
        "item": {k: v[p] for k, v in _process_cells(proc, entities, places).items()}
        | _item_cells(item, proc, entities, firms),
        "bid": {"ruc_codigo_postor": bid["ruc"].to_numpy(object),
                "postor": bid["name"].to_numpy(object),
                "miembrecomite": bid["member"].to_numpy(object)},
        "pen": _penalty_cells(pen, item, proc, entities),
        "san": _sanction_cells(san, firms, cut)}
    level_of = {c: level for level, columns in cells.items() for c in columns}
    runs = []
    for level, group in itertools.groupby(CONOSCE_COLUMNS, key=level_of.__getitem__):
        columns = list(group)
        texts = _joined([cells[level][c] for c in columns])
        if level in ("pen", "san"):            # the row without a penalty / sanction
            texts = np.append(texts, "," * (len(columns) - 1))
        runs.append((texts, level))
    return Conosce(runs, index)


def _joined(columns: list[np.ndarray]) -> np.ndarray:
    """The columns' cells quoted as the csv module does (minimal) and joined by commas."""
    texts = []
    for values in columns:
        cells = np.asarray(values).tolist()
        joined = "\x00".join(cells)         # one scan finds whether any cell needs quotes
        if any(char in joined for char in ',"\n\r'):
            cells = [f'"{c.replace(chr(34), 2 * chr(34))}"' if any(
                char in c for char in ',"\n\r') else c for c in cells]
        texts.append(cells)
    return np.asarray([",".join(row) for row in zip(*texts, strict=True)], dtype=object)


def _process_cells(proc, entities, places) -> dict[str, np.ndarray]:
    """Process fields, one per process."""
    entity = proc["entity"].to_numpy()
    call = proc["call"].to_numpy("datetime64[D]")
    year = (call.astype("datetime64[Y]").astype(int) + 1970).astype(str)
    prefix = np.select([proc["procedure"] == "Licitación Pública",
                        proc["procedure"] == "Contratación Directa",
                        proc["procedure"] == "Subasta Inversa Electrónica",
                        proc["procedure"] == "Concurso Público"],
                       ["LP-SM", "DIRECTA-PROC", "SIE-SIE", "CP-SM"], "AS-SM")
    number = (pd.Series(proc["code"]).rank().astype(int) % 300 + 1).astype(str).to_numpy()
    directa = proc["procedure"].to_numpy() == "Contratación Directa"
    integration = np.where(directa, "1/1/1900", us_date(call + 10 * DAY))
    per_process = {
        "entidad_ruc": entities["ruc"].to_numpy(object)[entity],
        "codigoentidad": entities["code"].to_numpy(object)[entity],
        "entidad": entities["name"].to_numpy(object)[entity],
        "tipoentidad": entities["kind"].to_numpy(object)[entity],
        "codigoconvocatoria": proc["code"].astype(str).to_numpy(object),
        "descripcion_proceso": proc["description"].to_numpy(object),
        "proceso": (prefix.astype(object) + "-" + number + "-" + year + "-"
                    + entities["acronym"].to_numpy(object)[entity] + "-1"),
        "tipo_compra": np.full(len(proc), "Por la Entidad", dtype=object),
        "objetocontractual": proc["object"].to_numpy(object),
        "sector": entities["sector"].to_numpy(object)[entity],
        "sistema_contratacion": proc["system"].to_numpy(object),
        "tipoprocesoseleccion": proc["procedure"].to_numpy(object),
        "montoreferencial": _fixed2(proc["reference"].to_numpy()),
        "moneda": np.full(len(proc), "Soles", dtype=object),
        "fecha_convocatoria": us_date(call),
        "fechaintegracionbases": integration,
        "fechapresentacionpropuesta": us_date(proc["submission"].to_numpy("datetime64[D]")),
        "fechaconvocatoria": us_date(call),
        "fecha_presentacion_propuesta": us_date(proc["submission"].to_numpy("datetime64[D]")),
    }
    place = proc["place"].to_numpy()
    return per_process | {
        "distrito_item": places["district"].to_numpy(object)[place],
        "provincia_item": places["province"].to_numpy(object)[place],
        "departamento_item": places["department_name"].to_numpy(object)[place]}


def _item_cells(item, proc, entities, firms) -> dict[str, np.ndarray]:
    """Item, award and contract fields (contract fields empty when not contracted)."""
    winner = item["winner"].to_numpy()
    ruc = firms["ruc"].to_numpy(object)[winner]
    name = firms["name"].to_numpy(object)[winner]
    kind = np.where(np.char.startswith(name.astype(str), "CONSORCIO"), "Consorcio",
                    np.where(np.char.startswith(ruc.astype(str), "10"), "Persona Natural",
                             "Persona Juridica"))
    contracted = item["contracted"].to_numpy()
    signed = item["signed"].to_numpy("datetime64[D]")
    year = (signed.astype("datetime64[Y]").astype(int) + 1970).astype(str)
    p = item["process"].to_numpy()
    entity = proc["entity"].to_numpy()[p]
    code = entities["code"].to_numpy(object)[entity]
    contract = item["contract"].to_numpy(object)
    conv = proc["code"].to_numpy()[p]
    awarded = item["awarded"].to_numpy()
    # A share of the contracts of single-item processes signed far from the award.
    u = _unit(conv * 8 + item["item_no"].to_numpy(), 4)
    single = proc["items"].to_numpy()[p] == 1
    signed_amount = np.round(awarded * np.where(
        single & (u < CONTRACT_OFF_AWARD_SHARE / 2), 1.35,
        np.where(single & (u < CONTRACT_OFF_AWARD_SHARE), 0.6, 1.0)), 2)
    stamp = np.char.zfill((np.arange(len(item)) * 7919 % 10**9).astype(str), 9)

    def when_contracted(values):
        return np.where(contracted, values, "")

    per_item = {
        "n_item": item["item_no"].astype(str).to_numpy(object),
        "descripcion_item": item["description"].to_numpy(object),
        "unidad_medida": item["unit"].to_numpy(object),
        "estadoitem": np.where(contracted, "Contratado", "Consentido"),
        "paquete": np.full(len(item), "NO", dtype=object),
        "codigoitem": item["cubso_code"].to_numpy(object),
        "itemcubso": item["cubso"].to_numpy(object),
        "monto_referencial_item": number_text(item["reference"]).astype(object),
        "estado_item": np.where(contracted, "Contratado", "Consentido"),
        "cantidad_adjudicado_item": item["quantity"].astype(str).to_numpy(object),
        "monto_adjudicado_item": number_text(awarded).astype(object),
        "ruc_proveedor": ruc, "proveedor": name, "tipo_proveedor": kind,
        "fecha_buenapro": us_date(item["award"]),
        "fecha_consentimiento_bp": us_date(item["consent"]),
        "n_cod_contrato": contract,
        "fecha_publicacion_contrato": when_contracted(us_date(item["published"])),
        "fecha_suscripcion_contrato": when_contracted(us_date(signed)),
        "fecha_vigencia_inicial": when_contracted(us_date(signed + DAY)),
        "fecha_vigencia_final": when_contracted(us_date(item["end"])),
        "fecha_vigencia_fin_actualizada": when_contracted(
            us_date(item["end_updated"])),
        "codigo_contrato": when_contracted(
            code + "-" + np.char.zfill(conv.astype(str), 8).astype(object) + "-"
            + np.char.zfill(contract.astype(str), 8).astype(object)),
        "num_contrato": when_contracted(
            np.char.zfill((item["item_no"].to_numpy() + p % 97).astype(str), 3).astype(object)
            + "-" + year),
        "monto_contratado_total": when_contracted(number_text(signed_amount).astype(object)),
        "monto_contratado_item": when_contracted(number_text(signed_amount).astype(object)),
        "monto_adicional": when_contracted(number_text(item["additional"]).astype(object)),
        "monto_reduccion": when_contracted(number_text(item["reduction"]).astype(object)),
        "monto_prorroga": when_contracted(np.full(len(item), "0", dtype=object)),
        "monto_complementario": when_contracted(np.full(len(item), "0", dtype=object)),
        "urlcontrato": when_contracted(
            URL + year + "\\" + np.char.lstrip(code.astype(str), "0").astype(object) + "\\"
            + "36" + stamp + year + ".pdf"),
        "num_item": when_contracted(item["item_no"].astype(str).to_numpy(object)),
        "ruc_contratista": when_contracted(ruc),
        "ruc_destinatario_pago": when_contracted(ruc),
        "tieneresolucion": when_contracted(np.where(item["resolved"], "SI", "NO")),
    }
    return per_item


def _penalty_cells(pen, item, proc, entities) -> dict[str, np.ndarray]:
    owner = pen["item"].to_numpy()
    date = pen["date"].to_numpy("datetime64[D]")
    obj = proc["object"].to_numpy(object)[item["process"].to_numpy()[owner]]
    entity = proc["entity"].to_numpy()[item["process"].to_numpy()[owner]]
    per_penalty = {
        "idcontrato": item["contract"].to_numpy(object)[owner],
        "tipopenalidad": pen["kind"].to_numpy(object),
        "objetocontrato": np.select([obj == "Bien", obj == "Obra"], ["BIENES", "OBRAS"],
                                    "SERVICIOS"),
        "entidadcontratante": entities["name"].to_numpy(object)[entity],
        "fechapenalidad": date_text(date, "%d/%m/%y"),
        "descripcionmotivo": pen["reason"].to_numpy(object),
        "monto": np.strings.replace(number_text(pen["amount"]), ".", ",").astype(object),
        "año_penalidad": date_text(date, "%y"),
    }
    return per_penalty


def _sanction_cells(san, firms, cut) -> dict[str, np.ndarray]:
    inhabilitation = np.arange(len(san)) % 3 != 2
    per_sanction = {
        "fecha_corte": np.full(len(san), cut, dtype=object),
        "nombre_razonodenominacionsocial": firms["name"].to_numpy(object)[
            san["firm"].to_numpy()],
        "fecha_inicio": date_text(san["start"], "%Y%m%d"),
        "fecha_fin": date_text(san["end"], "%Y%m%d"),
        "numero_resolucion": np.asarray(san["resolution"], dtype=object),
        "id_motivo_infraccion": san["code"].to_numpy(object),
        "de_motivo_infraccion": san["reason"].to_numpy(object),
        "año_inha": np.where(inhabilitation, san["year"], ""),
        "año_san": np.where(inhabilitation, "", san["year"]),
        "organo_jurisdiccional": np.full(len(san), "", dtype=object),
    }
    return per_sanction


def us_date(values) -> np.ndarray:
    """datetime64 -> 'm/d/yyyy' as CONOSCE writes it (12/13/2019, 3/5/2019; NaT -> '')."""
    values = np.asarray(values, dtype="datetime64[D]")
    ok = ~np.isnat(values)
    distinct, inverse = np.unique(values[ok], return_inverse=True)
    year = distinct.astype("datetime64[Y]")
    month = distinct.astype("datetime64[M]")
    texts = ((month - year.astype("datetime64[M]")).astype(int) + 1).astype(str).astype(
        object) + "/" + ((distinct - month.astype("datetime64[D]")).astype(int) + 1).astype(
        str).astype(object) + "/" + (year.astype(int) + 1970).astype(str).astype(object)
    out = np.full(len(values), "", dtype=object)
    out[ok] = texts[inverse]
    return out


def _fixed2(values: np.ndarray) -> np.ndarray:
    """101566 -> '101566.00' (montoreferencial's format)."""
    cents = np.round(np.asarray(values, float) * 100).astype(np.int64)
    frac = np.char.zfill((cents % 100).astype(str), 2)
    return ((cents // 100).astype(str).astype(object) + "." + frac.astype(object))


def write_conosce(conosce: Conosce, out: Path) -> Path:
    """Write the rows as CONOSCE does: UTF-8, comma-separated, minimal quoting, in chunks."""
    path = out / FILE
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(CONOSCE_COLUMNS) + "\n")
        for start in range(0, len(conosce), CHUNK_ROWS):
            handle.write("\n".join(conosce.lines(start, start + CHUNK_ROWS)) + "\n")
    return path
