"""The raw layer's schema and the contract's row rules, as SQL built from ``contract.TABLES``.

Identifiers in this SQL come only from the contract (an allow-list), never from a file: a
file's extra column names are carried as JSON keys, not as SQL identifiers.
"""

from __future__ import annotations

from orchestration.contract import TABLES, Column, Table

SQL_TYPE = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "decimal": "DECIMAL(18, 4)",
    "boolean": "BOOLEAN",
    "timestamp": "TIMESTAMP",
    "date": "DATE",
    "rate": "DECIMAL(18, 8)",
}
TYPE_WORDS = {
    "integer": "a whole number",
    "decimal": "a decimal number",
    "boolean": "true or false",
    "timestamp": "an ISO-8601 timestamp",
    "date": "a YYYY-MM-DD date",
    "rate": "a decimal number",
}
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
    "crm_survey_responses": (
        (
            "out_of_range",
            "survey_type = 'csat' AND TRY_CAST(score AS BIGINT) NOT BETWEEN 1 AND 5",
            "'out_of_range: a csat score must be 1 to 5, got ' || score",
        ),
    ),
}


def q(name: str) -> str:
    """Quote an identifier from the contract."""
    return '"' + name.replace('"', '""') + '"'


def show(expr: str) -> str:
    """SQL quoting a (possibly long) bad value for a reason message."""
    return f"('\"' || left({expr}, 60) || '\"')"


def parse(col: Column, expr: str) -> str:
    """SQL turning the text ``expr`` into the column's type (NULL where it does not parse)."""
    if col.type == "string":
        return expr
    if col.type == "timestamp":  # an offset is honoured; none means UTC (session time zone)
        return f"TRY_CAST(TRY_CAST({expr} AS TIMESTAMPTZ) AS TIMESTAMP)"
    return f"TRY_CAST({expr} AS {SQL_TYPE[col.type]})"


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


def _reason_cases(table: Table) -> list[tuple[str, str]]:
    """(condition, message) pairs in order of precedence: the first that holds is the reason."""
    cases = []
    key_null = " OR ".join(f"{q(k)} IS NULL" for k in table.key)
    cases.append((key_null, "'null_key: ' || '" + ", ".join(table.key) + " is empty'"))
    for col in table.columns:
        if col.type != "string":
            cases.append(
                (
                    f"{q(col.name)} IS NOT NULL AND {parse(col, q(col.name))} IS NULL",
                    f"'unparseable: {col.name} ' || {show(q(col.name))} || "
                    f"' is not {TYPE_WORDS[col.type]}'",
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
        value = parse(col, q(col.name))
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
    keys = ", ".join(q(k) for k in table.key)
    same_key = " AND ".join(f"i.{q(k)} IS NOT DISTINCT FROM d.{q(k)}" for k in table.key)
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
            SELECT {keys}, count(*) AS _copies FROM incoming
            WHERE hash({keys}) IN (SELECT _hash FROM repeated)
            GROUP BY ALL HAVING count(*) > 1
        ), reasoned AS (
            SELECT i.*, coalesce(d._copies, 1) AS _copies
            FROM incoming i LEFT JOIN dupes d ON {same_key}
        ), bad AS (
            SELECT *, {reason} AS _reason FROM reasoned o
        )
        SELECT {text}, {extra_json(extras)} AS _extra, _line, _reason
        FROM bad WHERE _reason IS NOT NULL
    """


def extra_json(extras: tuple[str, ...]) -> str:
    """The file's extra columns as one JSON text (their names are data, quoted as such)."""
    if not extras:
        return "NULL::VARCHAR"
    pairs = ", ".join("'" + e.replace("'", "''") + f"', {q(e)}" for e in extras)
    return f"json_object({pairs})::VARCHAR"


def good_rows_sql(table: Table, extras: tuple[str, ...]) -> str:
    """Typed rows of ``incoming`` whose line is not in ``bad_lines``."""
    typed = ", ".join(f"{parse(c, q(c.name))} AS {q(c.name)}" for c in table.columns)
    return (
        f"SELECT {typed}, {extra_json(extras)} AS _extra, _line FROM incoming "
        "WHERE _line NOT IN (SELECT _line FROM bad_lines)"
    )
