"""Publishing on PostgreSQL: BI tools read schema ``marts`` of the database itself.

dbt builds the marts in ``marts_build``; publishing copies them into ``marts`` in one
transaction, so a reader sees the previous publication or the new one, never a mix (MVCC does
what the file swap does on DuckDB). Rows are replaced in place (DELETE, then INSERT) and a
table is recreated only when its columns changed, so the views and grants users made on
``marts`` keep working. The read-only role (UPSELL_POSTGRES_READER) is granted what it reads.
The DuckDB serving file is still written, as an export of the published tables.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from upsell.errors import UpsellError
from upsell.serving import export
from upsell.targets.engine import BUILD_SCHEMAS, is_numeric_text, literal, numeric_text
from upsell.targets.postgres import columns_of, rows
from upsell.warehouse import q

BUILT = BUILD_SCHEMAS["postgres"]["marts"]
SCORES = ("ml", "propensity_scores")


def _refuse_if_viewed(cur, table: str) -> None:
    """A mart whose columns changed is recreated; views on it would have to be dropped, and
    they are the users' own: say so instead (the old publication stays)."""
    views = rows(
        cur,
        "SELECT DISTINCT n.nspname || '.' || v.relname FROM pg_depend d "
        "JOIN pg_rewrite r ON r.oid = d.objid JOIN pg_class v ON v.oid = r.ev_class "
        "JOIN pg_namespace n ON n.oid = v.relnamespace "
        f"WHERE d.refobjid = to_regclass({literal('marts.' + q(table))}) AND v.relkind = 'v' "
        "ORDER BY 1",
    )
    if views:
        names = ", ".join(v for (v,) in views)
        raise UpsellError(
            f"cannot publish marts.{table}: its columns changed and the views {names} depend "
            "on it; drop them, run again, then recreate them (the previous publication stays)"
        )


def _role_exists(cur, role: str) -> bool:
    return bool(rows(cur, f"SELECT 1 FROM pg_roles WHERE rolname = {literal(role)}"))


def publish(con, reader: str) -> dict[str, int]:
    """Copy every table of ``marts_build`` into ``marts`` in one transaction; returns the rows
    of each published table (``marts.<table>``, and ``ml.propensity_scores``)."""
    counts = {}
    with con.cursor() as cur:
        try:
            built, published = columns_of(cur, BUILT), columns_of(cur, "marts")
            cur.execute("CREATE SCHEMA IF NOT EXISTS marts")
            for table in sorted(set(published) - set(built)):
                cur.execute(f"DROP TABLE marts.{q(table)}")
            for table, columns in sorted(built.items()):
                source, target = f"{q(BUILT)}.{q(table)}", f"marts.{q(table)}"
                if published.get(table) == columns:
                    cur.execute(f"DELETE FROM {target}")
                    cur.execute(f"INSERT INTO {target} SELECT * FROM {source}")
                else:
                    _refuse_if_viewed(cur, table)
                    cur.execute(f"DROP TABLE IF EXISTS {target}")
                    cur.execute(f"CREATE TABLE {target} AS SELECT * FROM {source}")
                counts[f"marts.{table}"] = rows(cur, f"SELECT count(*) FROM {target}")[0][0]
            (scores,) = rows(cur, "SELECT count(*) FROM ml.propensity_scores")
            counts["ml.propensity_scores"] = scores[0]
            cur.execute("CREATE SCHEMA IF NOT EXISTS meta")
            cur.execute(
                "CREATE TABLE IF NOT EXISTS meta.publication (published_at timestamp, tables jsonb)"
            )
            cur.execute("DELETE FROM meta.publication")
            cur.execute(
                "INSERT INTO meta.publication VALUES ("
                f"{literal(datetime.now(UTC).replace(tzinfo=None).isoformat())}::timestamp, "
                f"{literal(_json(counts))}::jsonb)"
            )
            if _role_exists(cur, reader):
                for schema in ("marts", "meta", "ml"):
                    cur.execute(f"GRANT USAGE ON SCHEMA {schema} TO {q(reader)}")
                cur.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA marts TO {q(reader)}")
                cur.execute(f"GRANT SELECT ON meta.publication TO {q(reader)}")
                cur.execute(f"GRANT SELECT ON ml.propensity_scores TO {q(reader)}")
            con.commit()
        except Exception:
            con.rollback()
            raise
    return counts


def _json(counts: dict[str, int]) -> str:
    import json

    return json.dumps(counts, sort_keys=True)


def read_published(con, schema: str, table: str) -> pa.Table:
    """A published table as Arrow, numeric columns back as decimals of their precision."""
    with con.cursor() as cur:
        cur.execute(f"SELECT * FROM {q(schema)}.{q(table)}")
        data = cur.fetch_arrow_table()
    con.rollback()
    return with_decimals(data)


def with_decimals(table: pa.Table) -> pa.Table:
    """PostgreSQL's numeric arrives as text: numeric(p, s) becomes decimal(p, s), a numeric
    without a declared precision a float."""
    columns, fields = [], []
    for field, column in zip(table.schema, table.columns, strict=True):
        kind = field.type
        if is_numeric_text(kind):
            text = numeric_text(column)
            typmod = int((field.metadata or {}).get(b"POSTGRESQL:typmod", b"-1"))
            if typmod >= 4:
                precision, scale = (typmod - 4) >> 16, (typmod - 4) & 0xFFFF
                column = text.cast(pa.decimal128(precision, scale))
            else:
                column = text.cast(pa.float64())
        columns.append(column)
        fields.append(pa.field(field.name, column.type))
    return pa.Table.from_arrays(columns, schema=pa.schema(fields))


def export_serving(con, warehouse: duckdb.DuckDBPyConnection, serving: Path) -> dict[str, int]:
    """Write the DuckDB serving file from the published tables of PostgreSQL ``con``."""
    with con.cursor() as cur:
        tables = [("marts", t) for t in sorted(columns_of(cur, "marts"))] + [SCORES]
    con.rollback()
    return export(warehouse, serving, tables, lambda s, t: read_published(con, s, t))
