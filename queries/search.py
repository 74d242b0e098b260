"""The search box beyond works: the entities and contractors whose name (or RUC) matches
what was typed, for links to /entidad/<id> and /contratista/<ruc>.

Entities are matched on their key (`entity_key` in SQL: the name without accents, lowercase,
words joined by hyphens), so "jeronimo" finds "San Jerónimo" whatever the source wrote;
the table holds one row per entity (a few thousand), read whole in a few milliseconds.
Suppliers are matched through the full-text index on their name (each word, or its start),
or by their RUC, which also finds a contractor only INFObras names.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import sqlalchemy as sa

from queries import db
from queries.filters import RUC, name_vector
from queries.source_tables import entity, supplier
from queries.tables import area, work

LIMIT = 5
MAX_WORDS = 8
_WORD = re.compile(r"[a-z0-9]+")
_CONFIG = sa.literal_column("'simple'::regconfig")


def folded_words(text: str) -> list[str]:
    """"San Jerónimo-Cusco" -> ["san", "jeronimo", "cusco"] (as entity_key folds names)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return _WORD.findall(plain)[:MAX_WORDS]


def entities_stmt(q: str, limit: int = LIMIT) -> sa.Select | None:
    """Entities whose every word starts a word of their key; None when nothing to search."""
    words = folded_words(q)
    if not words:
        return None
    e = entity.c
    key = sa.literal("-") + e.id + sa.literal("-")
    return (sa.select(e.id, e.name, e.region_ubigeo, area.c.name.label("region_name"),
                      e.sources)
            .select_from(entity.outerjoin(area, area.c.ubigeo == e.region_ubigeo))
            .where(*(key.contains(f"-{w}", autoescape=True) for w in words))
            .order_by(sa.func.cardinality(e.sources).desc(), sa.func.length(e.name), e.id)
            .limit(limit))


def contractors_stmt(q: str, limit: int = LIMIT) -> sa.Select | None:
    """Suppliers by RUC (a contractor only INFObras names too) or by the words of their
    name; None when nothing to search."""
    s, w = supplier.c, work.c
    text = q.strip()
    if RUC.fullmatch(text):
        named = (sa.select(w.contractor_name).where(w.contractor_ruc == text)
                 .limit(1).scalar_subquery())
        found = sa.select(sa.literal(text).label("ruc"),
                          sa.func.coalesce(
                              sa.select(s.name).where(s.ruc == text).scalar_subquery(),
                              named).label("name"))
        return sa.select(found.subquery()).where(
            sa.or_(sa.exists().where(s.ruc == text), sa.exists().where(w.contractor_ruc == text)))
    words = re.findall(r"\w+", text.lower())[:MAX_WORDS]
    if not words:
        return None
    prefixes = " & ".join(f"{word}:*" for word in words)
    return (sa.select(s.ruc, s.name)
            .where(name_vector(s.name).op("@@")(sa.func.to_tsquery(_CONFIG, prefixes)))
            .order_by(sa.func.length(s.name), s.ruc)
            .limit(limit))


def find(q: str | None, limit: int = LIMIT) -> dict[str, list[dict[str, Any]]]:
    """{"entities": [...], "contractors": [...]} matching `q` (empty lists for no text)."""
    statements = {"entities": entities_stmt(q or "", limit),
                  "contractors": contractors_stmt(q or "", limit)}
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in statements}
    if all(stmt is None for stmt in statements.values()):
        return out
    with db.read_engine().connect() as conn:
        for name, stmt in statements.items():
            if stmt is not None:
                out[name] = [dict(r) for r in conn.execute(stmt).mappings()]
    return out


def names(entity_id: str | None, ruc: str | None) -> dict[str, str | None]:
    """The names of an entity and a contractor the explorer filters by (None: unknown)."""
    out: dict[str, str | None] = {"entity": None, "contractor": None}
    if not (entity_id or ruc):
        return out
    with db.read_engine().connect() as conn:
        if entity_id:
            out["entity"] = conn.execute(sa.select(entity.c.name)
                                         .where(entity.c.id == entity_id)).scalar()
        if ruc:
            found = conn.execute(contractors_stmt(ruc, 1)).mappings().first()
            out["contractor"] = (found["name"] or f"RUC {ruc}") if found else None
    return out
