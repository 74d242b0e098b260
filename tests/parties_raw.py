"""Independent readings of the real files of ../shared/data for the entity and contractor
tests: pandas and the csv module only (none of the product's code), each source
de-duplicated by its own key as its documentation says, amounts rounded to the cent one by
one (half up, as PostgreSQL's numeric does)."""

from __future__ import annotations

import csv
import gzip
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from tests.conftest import PARALIZADAS_CSV, SHARED

CONOSCE = SHARED / "seace" / "conosce_contrataciones_2019_cusco_madre_de_dios.csv.gz"
CGR = SHARED / "cgr" / "informes_control_2019_2022.csv"


def folded(text: object) -> str:
    """A name as words without accents, lowercase, joined by hyphens."""
    plain = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    return "-".join(re.findall(r"[a-z0-9]+", plain))


def cents(value: object) -> Decimal:
    return Decimal(str(value).strip()).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def total(values) -> Decimal:
    """The sum, to the cent, of the values given (blank and missing ones left out)."""
    return sum((cents(v) for v in values if not pd.isna(v) and str(v).strip()), Decimal(0))


def conosce() -> tuple[pd.DataFrame, list[list[str]]]:
    """The CONOSCE rows with as many cells as the header, and the others (shifted by stray
    separators: the loader repairs or quarantines them, so a test picks names they lack)."""
    with gzip.open(CONOSCE, "rt", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    head, body = rows[0], rows[1:]
    good = pd.DataFrame([r for r in body if len(r) == len(head)], columns=head)
    good["supplier"] = good.ruc_contratista.where(good.ruc_contratista.str.strip() != "",
                                                  good.ruc_proveedor)
    return good, [r for r in body if len(r) != len(head)]


def contracts(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per contract (n_cod_contrato), the file repeating it per bidder and penalty."""
    return rows[rows.n_cod_contrato.str.strip() != ""].drop_duplicates("n_cod_contrato")


def reports() -> pd.DataFrame:
    return pd.read_csv(CGR, dtype=str, encoding="utf-8-sig")


def paralysed_works() -> pd.DataFrame:
    return pd.read_csv(PARALIZADAS_CSV, dtype=str)


def banco(region: str) -> pd.DataFrame:
    return pd.read_excel(SHARED / "mef" / f"banco_inversiones_{region}.xlsx")
