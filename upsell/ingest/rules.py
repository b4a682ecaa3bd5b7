"""The raw layer's schema and the contract's row rules, as SQL built from ``contract.TABLES``.

Identifiers in this SQL come only from the contract (an allow-list), never from a file: the
view ``incoming`` names a file's extra columns by position (``_x0``, ``_x1``...) and their real
names are carried only as JSON keys of ``_extra``.

How each type's text is accepted and typed is ``values``.
"""

from __future__ import annotations

from upsell.contract import TABLES, Column, Table
from upsell.ingest.values import CODES, ODD_KEY, SQL_TYPE, TYPE_WORDS, cast, matches, normal, parse
from upsell.warehouse import q

META_COLUMNS = (
    ("_extra", "VARCHAR"),  # extra columns of the file, as a JSON object (kept, never dropped)
    ("_delivery_date", "DATE"),  # the delivery that carried this version
    ("_first_delivery_date", "DATE"),  # the first delivery that carried this key (as-of joins)
    ("_source_file", "VARCHAR"),
    ("_file_checksum", "VARCHAR"),
    ("_line", "BIGINT"),
    ("_loaded_at", "TIMESTAMP"),
    ("_run_id", "VARCHAR"),
)
# Tables whose rows change after they are first sent keep every version in __history too,
# so that point-in-time features can ask what was known at a date.
VERSIONED = (*tuple(t for t, spec in TABLES.items() if spec.has_updated_at), "sub_invoices")
# Extra row rules beyond one column's type, enum and range: (code, condition, message).
TABLE_RULES = {
    # MRR is kept exactly as 1200 x MRR (``subscription_states``): a whole number of periods
    # per year, or it would be rounded
    "sub_plans": (
        (
            "out_of_range",
            "_typed_billing_interval_months NOT IN (1, 2, 3, 4, 6, 12)",
            "'out_of_range: billing_interval_months must divide a year (1, 2, 3, 4, 6 or 12), "
            "got ' || billing_interval_months",
        ),
    ),
    "crm_survey_responses": (
        (
            "out_of_range",
            "survey_type = 'csat' AND TRY_CAST(score AS BIGINT) NOT BETWEEN 1 AND 5",
            "'out_of_range: a csat score must be 1 to 5, got ' || score",
        ),
    ),
}


def show(expr: str) -> str:
    """SQL quoting a (possibly long) bad value for a reason message."""
    return f"('\"' || left({expr}, 60) || '\"')"


def _visible(expr: str) -> str:
    """SQL showing each control character of a value as ``?`` (a reason is read by people)."""
    return f"regexp_replace({expr}, '[\\x00-\\x1f\\x7f]', '?', 'g')"


def load_order() -> list[str]:
    """Tables with parents first, so a child's foreign keys see this delivery's parents."""
    order: list[str] = []

    def visit(name: str) -> None:
        if name in order:
            return
        for col in TABLES[name].columns:
            if col.references and col.references.split(".")[0] != name:
                visit(col.references.split(".")[0])
        order.append(name)

    for name in TABLES:
        visit(name)
    return order


def create_raw_sql(table: Table) -> list[str]:
    """DDL of the current table, its quarantine and (if versioned) its history."""
    typed = ", ".join(f"{q(c.name)} {SQL_TYPE[c.type]}" for c in table.columns)
    text = ", ".join(f"{q(c.name)} VARCHAR" for c in table.columns)
    meta = ", ".join(f"{name} {kind}" for name, kind in META_COLUMNS)
    stmts = [
        f"CREATE TABLE IF NOT EXISTS raw.{table.name} ({typed}, {meta})",
        f"CREATE TABLE IF NOT EXISTS raw.{table.name}__quarantine "
        f"({text}, {meta}, _reason_code VARCHAR, _reason VARCHAR)",
    ]
    if table.name in VERSIONED:
        stmts.append(f"CREATE TABLE IF NOT EXISTS raw.{table.name}__history ({typed}, {meta})")
    return stmts


def raw_relations(table: str) -> list[str]:
    """The raw tables one contract table is kept in."""
    extra = [f"{table}__history"] if table in VERSIONED else []
    return [table, f"{table}__quarantine", *extra]


MANIFEST_SQL = [
    "CREATE SCHEMA IF NOT EXISTS raw",
    """CREATE TABLE IF NOT EXISTS raw._load_manifest (
        delivery_date DATE, table_name VARCHAR, source_file VARCHAR, file_checksum VARCHAR,
        input_lines BIGINT, input_records BIGINT, loaded_rows BIGINT, quarantined_rows BIGINT,
        applied_rows BIGINT, bad_share DOUBLE, loaded_at TIMESTAMP, run_id VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS raw._deliveries (
        delivery_date DATE, fingerprint VARCHAR, files BIGINT, loaded_at TIMESTAMP,
        run_id VARCHAR)""",
]


def typed(col: Column) -> str:
    """The column's typed value in the reason rules, parsed once per row (``reasoned``)."""
    return "_typed_" + col.name if col.type != "string" else q(col.name)


def _reason_cases(table: Table) -> list[tuple[str, str]]:
    """(condition, message) pairs in order of precedence: the first that holds is the reason."""
    cases = []
    key_null = " OR ".join(f"{q(k)} IS NULL" for k in table.key)
    cases.append((key_null, "'null_key: ' || '" + ", ".join(table.key) + " is empty'"))
    for col in table.columns:
        if col.name in table.key and col.type == "string":
            cases.append(
                (
                    f"regexp_matches({q(col.name)}, '{ODD_KEY}')",
                    f"'bad_key: {col.name} ' || {show(_visible(q(col.name)))} || ' starts or "
                    "ends with whitespace or holds a control character; send the key as the "
                    "source system spells it'",
                )
            )
    for col in table.columns:
        if col.type != "string" or col.code:
            pattern, words = CODES[col.code] if col.code else ("", TYPE_WORDS[col.type])
            bad = f"NOT {matches(q(col.name), pattern)}" if col.code else f"{typed(col)} IS NULL"
            cases.append(
                (
                    f"{q(col.name)} IS NOT NULL AND {bad}",
                    f"'unparseable: {col.name} ' || {show(_visible(q(col.name)))} || "
                    f"' is not {words}'",
                )
            )
    for col in table.columns:
        if col.type == "string" and col.name not in table.key:
            cases.append(
                (
                    f"contains({q(col.name)}, chr(0))",
                    f"'control_character: {col.name} holds a NUL character (byte 0); "
                    "remove it from the export'",
                )
            )
    for col in table.columns:
        if not col.nullable and col.name not in table.key:
            cases.append((f"{q(col.name)} IS NULL", f"'missing_value: {col.name} is empty'"))
    for col in table.columns:
        if col.enum:
            allowed = ", ".join("'" + v + "'" for v in col.enum)
            cases.append(
                (
                    f"{q(col.name)} NOT IN ({allowed})",
                    f"'unknown_enum: {col.name} ' || {show(q(col.name))} || "
                    f"' is not one of {', '.join(col.enum)}'",
                )
            )
    for col in table.columns:
        value = typed(col)
        if col.type == "rate":
            cases.append(
                (f"{value} <= 0", f"'out_of_range: {col.name} ' || {q(col.name)} || ' <= 0'")
            )
        elif col.min is not None:
            code = "negative_value" if col.min == 0 else "out_of_range"
            cases.append(
                (
                    f"{value} < {col.min}",
                    f"'{code}: {col.name} ' || {q(col.name)} || ' < {col.min:g}'",
                )
            )
        if col.max is not None:
            cases.append(
                (
                    f"{value} > {col.max}",
                    f"'out_of_range: {col.name} ' || {q(col.name)} || ' > {col.max:g}'",
                )
            )
    for _, cond, message in TABLE_RULES.get(table.name, ()):
        cases.append((cond, message))
    cases.append(
        (
            "_copies > 1",
            f"'duplicate_key: {', '.join(table.key)} ' || "
            + " || ', ' || ".join(show(q(k)) for k in table.key)
            + " || ' appears ' || _copies || ' times in this file'",
        )
    )
    for col in table.columns:
        if col.references:
            parent, pk = col.references.split(".")
            cases.append(
                (
                    # o. names the outer row: unqualified, it would bind to the parent's column
                    f"{q(col.name)} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM raw.{parent} p "
                    f"WHERE p.{q(pk)} = {parse(col, 'o.' + q(col.name))})",
                    f"'orphan_fk: {col.name} ' || {show(q(col.name))} || ' is not in {parent}'",
                )
            )
    return cases


def bad_rows_sql(table: Table, extras: tuple[str, ...]) -> str:
    """Rows of ``incoming`` that break a rule, as text, with the first reason that holds."""
    cases = _reason_cases(table)
    reason = "CASE " + " ".join(f"WHEN {c} THEN {m}" for c, m in cases) + " END"
    text = ", ".join(q(c.name) for c in table.columns)
    # keys compared as the contract normalises them (every other spelling is refused)
    key_columns = [table.column(k) for k in table.key]
    keys = ", ".join(normal(c, q(c.name)) for c in key_columns)
    named_keys = ", ".join(f"{normal(c, q(c.name))} AS {q(c.name)}" for c in key_columns)
    same_key = " AND ".join(
        f"{normal(c, 'i.' + q(c.name))} IS NOT DISTINCT FROM d.{q(c.name)}" for c in key_columns
    )
    typed_columns = "".join(
        f"{parse(c, 'i.' + q(c.name))} AS {typed(c)}, " for c in table.columns if c.type != "string"
    )
    # Grouping every key of a large file cost 4x sorting their 64-bit hashes (25 M usage rows
    # on a busy machine: 16 s against 3.8 s). Equal keys have equal hashes, so counting exactly
    # only the keys whose hash repeats finds every duplicate; a collision only adds a key.
    return f"""
        WITH hashes AS (
            SELECT hash({keys}) AS _hash FROM incoming
        ), repeated AS (
            SELECT _hash FROM (SELECT _hash, lag(_hash) OVER (ORDER BY _hash) AS _previous
                FROM hashes)
            WHERE _hash = _previous
        ), dupes AS (
            SELECT {named_keys}, count(*) AS _copies FROM incoming
            WHERE hash({keys}) IN (SELECT _hash FROM repeated)
            GROUP BY ALL HAVING count(*) > 1
        ), reasoned AS (
            SELECT i.*, {typed_columns}coalesce(d._copies, 1) AS _copies
            FROM incoming i LEFT JOIN dupes d ON {same_key}
        ), bad AS (
            SELECT *, {reason} AS _reason FROM reasoned o
        )
        SELECT {text}, {extra_json(extras)} AS _extra, _line, _reason
        FROM bad WHERE _reason IS NOT NULL
    """


def extra_name(position: int) -> str:
    """The name ``incoming`` gives a file's extra column: by position, so that no name in a
    file can collide with a contract column or one of the loader's own."""
    return f"_x{position}"


def extra_json(extras: tuple[str, ...]) -> str:
    """The file's extra columns as one JSON text (their names are data, quoted as such)."""
    if not extras:
        return "NULL::VARCHAR"
    pairs = ", ".join(
        "'" + e.replace("'", "''") + f"', {extra_name(i)}" for i, e in enumerate(extras)
    )
    return f"json_object({pairs})::VARCHAR"


def good_rows_sql(table: Table, extras: tuple[str, ...]) -> str:
    """Typed rows of ``incoming`` whose line is not in ``bad_lines``."""
    typed = ", ".join(f"{cast(c, q(c.name))} AS {q(c.name)}" for c in table.columns)
    return (
        f"SELECT {typed}, {extra_json(extras)} AS _extra, _line FROM incoming "
        "WHERE _line NOT IN (SELECT _line FROM bad_lines)"
    )
