"""Join the sources: rebuild the links between works, investments, processes, contracts,
suppliers and control reports, and the table of entities, from everything loaded.

`python -m geodata.links`; every source loader runs it last in its own transaction (unless
`--sin-enlaces`, for one run after several loads, as `make load` does).

A link is a claim, stored with how it was made and how far to trust it (source_link):
- `cui` (1.0): a work and an investment share the CUI; a process names the CUI in its
  description, or a control report in its title (0.9: the text could name another
  investment's code);
- `ruc` (1.0): INFObras's contractor RUC is a SEACE supplier;
- `entidad_region` (0.9) / `entidad` (0.8): a record's entity has the same key as another
  source's (the name folded, and for a municipality the region too, `entity_key` in SQL);
- `nombre_similar` (< 0.8): a candidate only, shown as «posible relación».
Rebuilding from scratch keeps the links true to what is loaded now: a reloaded file that no
longer names a CUI loses its link.
"""

from __future__ import annotations

import sys
import time

import sqlalchemy as sa

from geodata.runs import Parser, run_cli
from queries import db, entity_figures

# The key links (the candidate links by a report's title are rebuilt further down).
_KEY_LINKS = """
DELETE FROM source_link WHERE method IN ('cui', 'ruc', 'entidad_region', 'entidad');

INSERT INTO source_link (subject_kind, subject_key, object_kind, object_key, method,
                         confidence, evidence)
SELECT 'work', w.infobras_code::text, 'investment', w.cui_norm, 'cui', 1.0,
       'Mismo CUI ' || w.cui_norm || ' en INFObras y en el MEF'
FROM (SELECT infobras_code, cui_key(cui) AS cui_norm FROM work) w
WHERE EXISTS (SELECT 1 FROM investment_source i WHERE i.cui = w.cui_norm);

INSERT INTO source_link (subject_kind, subject_key, object_kind, object_key, method,
                         confidence, evidence)
SELECT 'process', p.id, 'investment', p.cui, 'cui', 0.9,
       'La descripción del proceso nombra el CUI ' || p.cui
FROM procurement_process p
WHERE p.cui IS NOT NULL AND EXISTS (SELECT 1 FROM investment_source i WHERE i.cui = p.cui);

INSERT INTO source_link (subject_kind, subject_key, object_kind, object_key, method,
                         confidence, evidence)
SELECT DISTINCT 'process', p.id, 'work', w.infobras_code::text, 'cui', 0.9,
       'La descripción del proceso nombra el CUI ' || p.cui || ', el de la obra en INFObras'
FROM procurement_process p JOIN work w ON cui_key(w.cui) = p.cui
WHERE p.cui IS NOT NULL;

INSERT INTO source_link (subject_kind, subject_key, object_kind, object_key, method,
                         confidence, evidence)
SELECT 'work', w.infobras_code::text, 'supplier', w.contractor_ruc, 'ruc', 1.0,
       'El RUC del contratista en INFObras es un proveedor en el SEACE'
FROM work w JOIN supplier s ON s.ruc = w.contractor_ruc;
"""

# subject kind -> (table, key expression, source label)
_ENTITY_SUBJECTS = {
    "work": ("work", "infobras_code::text", "INFObras"),
    "investment": ("investment_source", "cui", "el MEF"),
    "process": ("procurement_process", "id", "el SEACE"),
    "control_report": ("control_report", "id", "la Contraloría"),
}

_ENTITIES = """
DELETE FROM entity;
INSERT INTO entity (id, name, ruc, government_level, region_ubigeo, names, sources)
SELECT e.entity_id,
       mode() WITHIN GROUP (ORDER BY e.name),
       max(e.ruc),
       COALESCE(mode() WITHIN GROUP (ORDER BY e.level),
                CASE WHEN e.entity_id ~ '^([0-9]{2}-)?municipalidad' THEN 'Gobierno Local'
                     WHEN e.entity_id LIKE 'gobierno-regional%' THEN 'Gobierno Regional' END),
       CASE WHEN e.entity_id ~ '^[0-9]{2}-' THEN left(e.entity_id, 2)
            ELSE mode() WITHIN GROUP (ORDER BY e.region) END,
       array_agg(DISTINCT e.name),
       array_agg(DISTINCT e.source)
FROM (
    SELECT entity_id, entity AS name, NULL::text AS ruc, government_level AS level,
           left(ubigeo, 2) AS region, 'infobras' AS source
    FROM work WHERE entity_id IS NOT NULL
    UNION ALL
    SELECT entity_id, entity_name, NULL, NULL, region_ubigeo, source
    FROM investment_source WHERE entity_id IS NOT NULL
    UNION ALL
    SELECT entity_id, entity_name, entity_ruc, NULL, region_ubigeo, source
    FROM procurement_process WHERE entity_id IS NOT NULL
    UNION ALL
    SELECT entity_id, entity_name, NULL, NULL, region_ubigeo, 'cgr'
    FROM control_report WHERE entity_id IS NOT NULL
) e
GROUP BY e.entity_id;
"""


def _entity_links_sql(kind: str, table: str, key: str, label: str) -> str:
    """Links from a source's records to an entity another source also names."""
    return f"""
INSERT INTO source_link (subject_kind, subject_key, object_kind, object_key, method,
                         confidence, evidence)
SELECT '{kind}', t.{key}, 'entity', t.entity_id,
       CASE WHEN t.entity_id ~ '^[0-9]{{2}}-' THEN 'entidad_region' ELSE 'entidad' END,
       CASE WHEN t.entity_id ~ '^[0-9]{{2}}-' THEN 0.9 ELSE 0.8 END,
       'Entidad «' || t.entity_name || '» según {label}, también en otra fuente'
FROM (SELECT {key}, entity_id, {"entity" if kind == "work" else "entity_name"} AS entity_name
      FROM {table} WHERE entity_id IS NOT NULL) t
JOIN entity e ON e.id = t.entity_id AND cardinality(e.sources) > 1
ON CONFLICT DO NOTHING   -- two MEF sources of one CUI name the same entity: one link
"""


def relink(conn: sa.Connection) -> None:
    """Rebuild the key links, the entities and the candidate links, in the caller's
    transaction (a loader's: a failed load leaves the links as they were)."""
    driver = conn.connection.driver_connection
    driver.execute(_KEY_LINKS)
    driver.execute(_ENTITIES)
    for kind, (table, key, label) in _ENTITY_SUBJECTS.items():
        driver.execute(_entity_links_sql(kind, table, key, label))
    report_cuis(conn)          # a CUI in a report's title first: it outranks a name
    report_work_names(conn)
    driver.execute("ANALYZE source_link; ANALYZE entity")
    entity_figures.refresh(conn, "sources")   # the entity pages' figures, from these entities


# A control report whose title names one of its entity's works (CGR has no CUI column). Two
# measures must both pass: the share of the work name's distinctive words found in the title
# (words weighted by rarity among the candidate works; place names and the entity's own name
# left out, since every work of the entity shares them) and pg_trgm's word_similarity of the
# whole name within the title. On the real files (2,994 reports, 1,151 works) the 5 true
# namings score 0.68-1.00 and the best wrong pair 0.56: the threshold sits between. Only pairs
# that share a word few of the entity's works have (NAME_SIMILAR_SELECTIVE) are scored: a title
# cannot single out one of many works that share its words, and an entity's generic words
# ("agua", "distrito") would otherwise pair every report with every work. On the demo (20k
# works, 1,000 reports, 299 titles quoting a work's name) 272 links, 271 of them right; at
# 200k works and 10k reports, 2,254 links (2,233 right) for 3,035 such titles (entities with
# thousands of works share every word of many names), in about 20 s on this machine.
NAME_SIMILAR_THRESHOLD = 0.62
NAME_SIMILAR_MAX = 0.79           # a name similarity is a candidate, never above 0.8
NAME_SIMILAR_SELECTIVE = 10       # works of the entity that may share the seed word
NAME_SIMILAR_MARGIN = 0.05        # kept below a report's best match (ties stay)
# A text's distinct words without accents, lowercase: to_tsvector's parser splits and
# deduplicates in C (a regexp split and a DISTINCT cost twice as much at 200k names); the
# hyphenated compounds it adds beside their parts ("rupa-rupa"), tokens such as "i.e" and
# words under three letters fail _WORD_OK.
_WORDS = "tsvector_to_array(to_tsvector('simple', unaccent({})))"
_WORD_OK = "~ '^[a-z0-9]{3,}$'"
# Each step a temporary table with its statistics (ANALYZE): as CTEs the planner guessed one
# row for the words and chose nested loops (minutes at 200k works instead of seconds).
_REPORT_WORK_NAMES = [
    # Words of place names (every work of a district repeats them).
    f"""CREATE TEMP TABLE _rw_place ON COMMIT DROP AS
    SELECT DISTINCT t AS word FROM area, unnest({_WORDS.format('name')}) t""",
    # Title words of the reports whose entity runs works.
    f"""CREATE TEMP TABLE _rw_title ON COMMIT DROP AS
    SELECT r.id, r.entity_id, t AS word
    FROM control_report r, unnest({_WORDS.format('r.title')}) t
    WHERE t {_WORD_OK} AND r.entity_id IN (SELECT entity_id FROM work)""",
    # The entity's own words (its key), in all its works' names.
    """CREATE TEMP TABLE _rw_own ON COMMIT DROP AS
    SELECT DISTINCT entity_id, t AS word
    FROM (SELECT DISTINCT entity_id FROM _rw_title) e, unnest(string_to_array(entity_id, '-')) t""",
    # Name words of those entities' works; filtered in the next statement, once the planner
    # knows the sizes (joined here, it guessed one row and looped over every word).
    f"""CREATE TEMP TABLE _rw_words ON COMMIT DROP AS
    SELECT w.infobras_code, w.entity_id, t AS word
    FROM work w, unnest({_WORDS.format('w.name')}) t
    WHERE w.entity_id IN (SELECT entity_id FROM _rw_own) AND t {_WORD_OK}""",
    "ANALYZE _rw_place, _rw_title, _rw_own, _rw_words",
    # ... without place names and the entity's own words.
    # (NOT IN over small tables: hashed lookups; as anti-joins the planner expected no row
    # to survive the first and looped over the second.)
    """CREATE TEMP TABLE _rw_name ON COMMIT DROP AS
    SELECT * FROM _rw_words
    WHERE word NOT IN (SELECT word FROM _rw_place)
      AND (entity_id, word) NOT IN (SELECT entity_id, word FROM _rw_own)""",
    "ANALYZE _rw_name",
    # Pairs seeded by a word at most NAME_SIMILAR_SELECTIVE of the entity's works share.
    f"""CREATE TEMP TABLE _rw_pair ON COMMIT DROP AS
    SELECT DISTINCT t.id, n.infobras_code
    FROM _rw_title t
         JOIN (SELECT entity_id, word FROM _rw_name GROUP BY 1, 2
               HAVING count(*) <= {NAME_SIMILAR_SELECTIVE}) s USING (entity_id, word)
         JOIN _rw_name n USING (entity_id, word)""",
    "ANALYZE _rw_pair",
    """DELETE FROM source_link
    WHERE method = 'nombre_similar' AND subject_kind = 'control_report' AND object_kind = 'work'""",
    f"""INSERT INTO source_link (subject_kind, subject_key, object_kind, object_key, method,
                             confidence, evidence)
    WITH weight AS (             -- rarer words weigh more (among the candidate works)
        SELECT word, ln(1 + (SELECT count(DISTINCT infobras_code) FROM _rw_name)::numeric
                            / count(*)) AS idf
        FROM _rw_name GROUP BY word
    ), paired AS (
        SELECT n.infobras_code, n.word, g.idf FROM _rw_name n JOIN weight g USING (word)
        WHERE n.infobras_code IN (SELECT infobras_code FROM _rw_pair)
    ), total AS (
        SELECT infobras_code, sum(idf) AS total FROM paired GROUP BY 1
    ), shared AS (
        SELECT p.id, p.infobras_code, sum(n.idf) / min(tt.total) AS share,
               array_agg(n.word ORDER BY n.idf DESC, n.word) AS words
        FROM _rw_pair p JOIN paired n USING (infobras_code)
             JOIN _rw_title t ON t.id = p.id AND t.word = n.word
             JOIN total tt USING (infobras_code)
        GROUP BY 1, 2
    ), scored AS (
        SELECT s.id, s.infobras_code, s.words,
               least(s.share, word_similarity(lower(unaccent(w.name)),
                                              lower(unaccent(r.title)))::numeric) AS score
        FROM shared s JOIN control_report r ON r.id = s.id
             JOIN work w ON w.infobras_code = s.infobras_code
        WHERE s.share >= {NAME_SIMILAR_THRESHOLD}
    ), best AS (                 -- a report's runner-ups are its title's other, lesser matches
        SELECT *, max(score) OVER (PARTITION BY id) AS top FROM scored
    )
    SELECT 'control_report', id, 'work', infobras_code::text, 'nombre_similar',
           least(round(score, 2), {NAME_SIMILAR_MAX}),
           'El título del informe se parece al nombre de la obra (similitud ' || round(score, 2)
           || '; palabras en común: ' || array_to_string(words[1:5], ', ') || ')'
    FROM best WHERE score >= {NAME_SIMILAR_THRESHOLD} AND score >= top - {NAME_SIMILAR_MARGIN}
    ON CONFLICT DO NOTHING       -- already linked by the CUI its title names""",
    "DROP TABLE _rw_place, _rw_title, _rw_own, _rw_words, _rw_name, _rw_pair",
]


def report_work_names(conn: sa.Connection) -> None:
    """Candidate links control report -> work of the same entity named in the title."""
    driver = conn.connection.driver_connection
    for statement in _REPORT_WORK_NAMES:
        driver.execute(statement)


# A CUI written in a report's title ("CÓDIGO ÚNICO DE INVERSIÓN N° 2423900", "CUI 2453815"; 15
# of the 2,994 real titles): the report is about that investment and its works. 0.9, as a
# CUI in a process description: the text could name another investment's code.
_TITLE_CUI = ("substring(lower(unaccent(title)) FROM '(?:codigo unico"
              "(?: de (?:inversion(?:es)?|obra))?|\\mcui\\M)[^0-9]{0,12}([0-9]{7})')")
_REPORT_CUIS = [
    f"""CREATE TEMP TABLE _rc ON COMMIT DROP AS
    SELECT id, cui FROM (SELECT id, {_TITLE_CUI} AS cui FROM control_report) r
    WHERE cui IS NOT NULL""",
    """DELETE FROM source_link WHERE subject_kind = 'control_report' AND method = 'cui'""",
    """INSERT INTO source_link (subject_kind, subject_key, object_kind, object_key, method,
                             confidence, evidence)
    SELECT 'control_report', r.id, 'investment', r.cui, 'cui', 0.9,
           'El título del informe nombra el CUI ' || r.cui
    FROM _rc r WHERE EXISTS (SELECT 1 FROM investment_source i WHERE i.cui = r.cui)""",
    """INSERT INTO source_link (subject_kind, subject_key, object_kind, object_key, method,
                             confidence, evidence)
    SELECT DISTINCT 'control_report', r.id, 'work', w.infobras_code::text, 'cui', 0.9,
           'El título del informe nombra el CUI ' || r.cui || ', el de la obra en INFObras'
    FROM _rc r JOIN work w ON cui_key(w.cui) = r.cui
    ON CONFLICT (subject_kind, subject_key, object_kind, object_key) DO UPDATE
    SET method = excluded.method, confidence = excluded.confidence,
        evidence = excluded.evidence  -- a name candidate left by the last run: the CUI wins""",
    "DROP TABLE _rc",
]


def report_cuis(conn: sa.Connection) -> None:
    """Links control report -> investment and work by a CUI its title names."""
    driver = conn.connection.driver_connection
    for statement in _REPORT_CUIS:
        driver.execute(statement)


def counts(conn: sa.Connection) -> list[tuple[str, str, str, int]]:
    """(subject kind, object kind, method, links) for the summary and the data page."""
    return [tuple(r) for r in conn.execute(sa.text(
        "SELECT subject_kind, object_kind, method, count(*) FROM source_link"
        " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"))]


def main(argv: list[str] | None = None) -> int:
    parser = Parser(prog="python -m geodata.links",
                    description="Rehace los enlaces entre fuentes y la tabla de entidades.")
    parser.parse_args(argv)
    started = time.perf_counter()
    with db.engine().begin() as conn:
        relink(conn)
        rows = counts(conn)
        entities = conn.execute(sa.text("SELECT count(*) FROM entity")).scalar()
    print(f"[enlaces] {entities:,} entidades; enlaces por método "
          f"({time.perf_counter() - started:.1f} s):")
    for subject, obj, method, n in rows:
        print(f"  {subject} → {obj} por {method}: {n:,}")
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
