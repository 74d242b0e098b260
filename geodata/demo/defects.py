"""The flaws of real exports, planned on the typed works and applied to the formatted cells.

- Harmless name variants (~2 % of rows) the loader must still match: lowercase, Title Case,
  a lost "Ñ" ("CA ETE"), stray spaces, and the INEI spelling with accents ("HUÁNUCO").
- Deliberately bad rows (~0.3 %, evenly by kind) the loader must quarantine: an unknown or
  empty district, an impossible start date, a negative approved amount, a repeated code.
Every edit is (row position, column, new text), so a chunked writer applies its slice only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geodata.demo import profiles as P
from geodata.demo.export import decimal_text
from geodata.infobras_format import HEADER_ROW

PLACE_COLUMNS = (("Departamento", "department", "department_inei"),
                 ("Provincia", "province", "province_inei"),
                 ("Distrito", "district", "district_inei"))
VARIANTS = {
    "minusculas": str.lower,
    "tipo_titulo": str.title,
    "enye_perdida": lambda text: text.replace("Ñ", " "),
    "espacios": lambda text: f" {text.replace(' ', '  ')} ",
    "tildes": str.upper,      # applied to the INEI spelling, which has the accents
}


def plan_defects(works: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """All edits, sorted by row: columns position, column, value, kind, bad (bool)."""
    bad = _bad_rows(works, rng)
    variants = _variants(works, rng, exclude=bad["position"].to_numpy())
    edits = pd.concat([bad, variants], ignore_index=True)
    return edits.sort_values(["position", "column"], kind="stable", ignore_index=True)


def _bad_rows(works: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    n = len(works)
    started = np.flatnonzero(~np.isnat(works["start_date"].to_numpy()))
    rows = rng.choice(started, size=min(int(round(P.BAD_ROW_SHARE * n)), len(started)),
                      replace=False)
    kinds = np.resize(np.array(P.BAD_ROW_KINDS, dtype=object), len(rows))
    alternate = np.arange(len(rows)) // len(P.BAD_ROW_KINDS) % 2 == 1
    year = works["start_date"].to_numpy()[rows].astype("datetime64[Y]").astype(int) + 1970
    amount = decimal_text(-works["amount_technical_file"].to_numpy()[rows]).astype(object)
    others = np.setdiff1d(np.arange(n), rows)
    source = rng.choice(others, size=len(rows)) if len(others) else rows
    codes = works["infobras_code"].to_numpy()[source].astype(str)
    column = {"distrito_desconocido": "Distrito", "fecha_invalida": "Fecha de inicio de obra",
              "monto_negativo": "Monto aprobado en soles", "codigo_duplicado": "Código INFOBRAS"}
    values = [
        ("NO DEFINIDO" if alt else "") if kind == "distrito_desconocido"
        else (f"31/02/{y}" if alt else f"15/13/{y}") if kind == "fecha_invalida"
        else amt if kind == "monto_negativo" else code
        for kind, alt, y, amt, code in zip(kinds, alternate, year, amount, codes, strict=True)]
    own = works["infobras_code"].to_numpy()[rows].astype(str)
    in_file = np.where(kinds == "codigo_duplicado", codes, own)
    return pd.DataFrame({"position": rows, "column": [column[k] for k in kinds],
                         "value": values, "kind": kinds, "bad": True, "code": in_file})


def _variants(works: pd.DataFrame, rng: np.random.Generator, exclude: np.ndarray
              ) -> pd.DataFrame:
    n = len(works)
    names = works["department"] + works["province"] + works["district"]
    has_enye = names.str.contains("Ñ").to_numpy()
    general = [kind for kind in VARIANTS if kind != "enye_perdida"]
    draw = rng.random(n)
    kinds = np.where(has_enye & (draw < P.ENYE_VARIANT_SHARE), "enye_perdida",
                     np.array(general, dtype=object)[rng.integers(0, len(general), n)])
    chosen = np.flatnonzero(((kinds == "enye_perdida") | (draw < P.NAME_VARIANT_SHARE))
                            & ~np.isin(np.arange(n), exclude))
    kinds = kinds[chosen]
    parts = []
    for header, export, inei in PLACE_COLUMNS:
        sources = np.where(kinds == "tildes", works[inei].to_numpy(object)[chosen],
                           works[export].to_numpy(object)[chosen])
        values = [VARIANTS[kind](text) for kind, text in zip(kinds, sources, strict=True)]
        parts.append(pd.DataFrame({"position": chosen, "column": header, "value": values,
                                   "kind": kinds, "bad": False,
                                   "code": works["infobras_code"].to_numpy()[chosen].astype(str)}))
    return pd.concat(parts, ignore_index=True)


def apply_defects(cells: dict[str, np.ndarray], edits: pd.DataFrame, start: int, stop: int
                  ) -> None:
    """Apply the edits of rows start..stop-1 to that chunk's cells, in place."""
    first, last = np.searchsorted(edits["position"].to_numpy(), [start, stop])
    for column, group in edits.iloc[first:last].groupby("column", sort=False):
        cells[column] = cells[column].astype(object)
        cells[column][group["position"].to_numpy() - start] = group["value"].to_numpy(object)


def defects_report(edits: pd.DataFrame) -> dict:
    """For the summary: bad rows by kind with file row number and code; variant counts."""
    bad = edits[edits["bad"]]
    report: dict = {"filas_defectuosas": {kind: [] for kind in P.BAD_ROW_KINDS}}
    for row in bad.itertuples():
        report["filas_defectuosas"][row.kind].append(
            {"fila": int(row.position) + HEADER_ROW + 1, "codigo": row.code,
             "columna": row.column, "valor": row.value})
    variants = edits[~edits["bad"]].drop_duplicates("position")
    report["variantes_de_nombre"] = {k: int((variants["kind"] == k).sum()) for k in VARIANTS}
    return report
