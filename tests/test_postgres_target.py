"""PostgreSQL as the target: its settings, the raw copy, reading back, and publishing."""

from __future__ import annotations

import itertools
from datetime import date

import pyarrow as pa
import pytest

from tests.engine_runs import raw_sample
from upsell.config import Settings
from upsell.errors import UpsellError
from upsell.targets import postgres, postgres_publish
from upsell.targets.dsn import libpq_env, salt_options
from upsell.targets.engine import BUILD_SCHEMAS, PostgresTarget, as_plain_types
from upsell.targets.raw_copy import tables_to_copy

_names = (f"upsell_t{n}" for n in itertools.count())


def test_the_dsn_becomes_libpq_settings():
    assert libpq_env("postgresql://upsell@db.internal:6543/marts%20db") == {
        "PGHOST": "db.internal",
        "PGPORT": "6543",
        "PGUSER": "upsell",
        "PGDATABASE": "marts db",
    }
    assert libpq_env("postgres://u@h/d")["PGPORT"] == "5432"


@pytest.mark.parametrize(
    ("dsn", "said"),
    [
        ("postgresql://upsell:hunter2@h/d", "contains a password"),
        ("mysql://upsell@h/d", "must look like postgresql://"),
        ("postgresql://h:5432/d", "must name the user"),
        ("postgresql://upsell@h:5432/", "must name the user"),
    ],
)
def test_a_bad_dsn_is_refused_in_words_without_echoing_a_password(dsn, said):
    with pytest.raises(UpsellError, match=said) as refused:
        Settings.from_env({"UPSELL_TARGET": "postgres", "UPSELL_POSTGRES_DSN": dsn}, paths=())
    assert "hunter2" not in str(refused.value)


def test_an_unknown_target_is_refused():
    with pytest.raises(UpsellError, match="UPSELL_TARGET='snowflake' is not one of"):
        Settings.from_env({"UPSELL_TARGET": "snowflake"}, paths=())


def test_the_salt_is_escaped_for_pgoptions():
    assert salt_options("a b\\c") == "-c upsell.pii_salt=a\\ b\\\\c"
    assert salt_options("") == "-c upsell.pii_salt="


def test_the_build_schema_is_the_one_the_dbt_macro_names():
    from orchestration.dbt.project import DBT_DIR

    macro = (DBT_DIR / "macros" / "generate_schema_name.sql").read_text()
    for engine, schemas in BUILD_SCHEMAS.items():
        for published, built in schemas.items():
            assert f"target.type == '{engine}' and schema == '{published}'" in macro
            assert f"\n        {built}\n" in macro


DELIVERIES = {date(2026, 1, 1): "a", date(2026, 1, 2): "b"}
RAW = ["_deliveries", "_load_manifest", "crm_accounts", "crm_accounts__history",
       "crm_accounts__quarantine", "usage_daily", "usage_daily__quarantine"]  # fmt: skip


def test_a_run_copies_what_its_deliveries_touched():
    copied = tables_to_copy(RAW, DELIVERIES, {date(2026, 1, 1): "a"}, [date(2026, 1, 2)],
                            ["crm_accounts"])  # fmt: skip
    assert copied == [
        "_deliveries", "_load_manifest", "crm_accounts", "crm_accounts__history",
        "crm_accounts__quarantine",
    ]  # fmt: skip


def test_nothing_is_copied_when_nothing_was_loaded_and_the_target_is_current():
    assert tables_to_copy(RAW, DELIVERIES, DELIVERIES, [], []) == []


@pytest.mark.parametrize(
    "target",
    [None, {}, {date(2026, 1, 1): "a"}, {**DELIVERIES, date(2026, 1, 1): "changed"}],
    ids=["no raw layer", "empty", "a copy failed", "different content"],
)
def test_a_target_behind_the_warehouse_gets_every_raw_table(target):
    assert tables_to_copy(RAW, DELIVERIES, target, [], []) == sorted(RAW)


@pytest.fixture
def database(pg_server, monkeypatch):
    """A new database owned by a new role; its password in PGPASSWORD, as libpq reads it."""
    dsn, password = pg_server.new_database(next(_names))
    monkeypatch.setenv("PGPASSWORD", password)
    return dsn


def _columns(con, schema: str, table: str) -> list[tuple[str, str]]:
    return [
        (c, k)
        for _, c, k in _rows(
            con,
            f"""
        SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = '{schema}' AND c.relname = '{table}' AND a.attnum > 0
        ORDER BY a.attnum""",
        )
    ]


def _rows(con, sql: str) -> list[tuple]:
    table = PostgresTarget(con).read_arrow(sql)
    return list(zip(*(c.to_pylist() for c in table.columns), strict=True))


def _execute(con, *statements: str) -> None:
    with con.cursor() as cur:
        for statement in statements:
            cur.execute(statement)
    con.commit()


def test_raw_tables_reach_postgres_whole_with_their_types(database):
    source = raw_sample()
    with postgres.connect(database) as con:
        assert postgres.copy_tables(source, con, [("raw", "t")]) == {"raw.t": 1000}
        kinds = _columns(con, "raw", "t")
        back = PostgresTarget(con).read_arrow("SELECT * FROM raw.t ORDER BY id")
    assert kinds == [("id", "bigint"), ("amount", "numeric(18,4)"), ("day", "date"),
                     ("even", "boolean"), ("name", "text"), ("nothing", "double precision"),
                     ("at", "timestamp without time zone")]  # fmt: skip
    expected = as_plain_types(source.sql("SELECT * FROM raw.t ORDER BY id").to_arrow_table())
    assert back.equals(expected)


def test_a_copy_that_fails_leaves_the_target_as_it_was(database):
    source = raw_sample()
    with postgres.connect(database) as con:
        postgres.copy_tables(source, con, [("raw", "t")])
        source.execute("DELETE FROM raw.t WHERE id < 500")
        source.execute("CREATE TABLE raw.u AS SELECT [1, 2] AS listed")  # no PostgreSQL type
        with pytest.raises(UpsellError, match="no PostgreSQL type for the DuckDB type INTEGER"):
            postgres.copy_tables(source, con, [("raw", "t"), ("raw", "u")])
        assert _rows(con, "SELECT count(*) FROM raw.t") == [(1000,)]
        assert _rows(con, "SELECT to_regclass('raw.u') IS NULL") == [(True,)]


def test_numeric_comes_back_as_the_decimal_it_was_declared():
    typed = pa.table({"amount": pa.array(["1.50", None]), "share": pa.array(["0.333", "1"])})
    opaque = pa.opaque(pa.string(), "numeric", "PostgreSQL")
    fields = [
        pa.field("amount", opaque, metadata={"POSTGRESQL:typmod": str((18 << 16 | 2) + 4)}),
        pa.field("share", opaque, metadata={"POSTGRESQL:typmod": "-1"}),
    ]
    columns = [pa.ExtensionArray.from_storage(opaque, c.combine_chunks()) for c in typed.columns]
    table = pa.Table.from_arrays(columns, schema=pa.schema(fields))
    back = postgres_publish.with_decimals(table)
    assert back.schema.field("amount").type == pa.decimal128(18, 2)
    assert back.column("amount").to_pylist()[1] is None
    assert str(back.column("amount")[0]) == "1.50"
    assert back.column("share").to_pylist() == [0.333, 1.0]


def _build(con, mart: str = "SELECT 1 AS a, 'x' AS b") -> None:
    _execute(
        con,
        "CREATE SCHEMA IF NOT EXISTS marts_build",
        "CREATE SCHEMA IF NOT EXISTS ml",
        "CREATE TABLE IF NOT EXISTS ml.propensity_scores (account_id text)",
        "DROP TABLE IF EXISTS marts_build.kpi",
        f"CREATE TABLE marts_build.kpi AS {mart}",
    )


def test_publishing_swaps_the_marts_in_one_transaction_for_the_read_only_role(
    pg_server, database, monkeypatch
):
    reader_password = "reader-secret-1"
    pg_server.psql(f"CREATE ROLE upsell_reader LOGIN PASSWORD '{reader_password}'")
    with postgres.connect(database) as con:
        _build(con)
        _execute(con, "CREATE TABLE marts_build.gone AS SELECT 1 AS a")
        assert postgres_publish.publish(con, "upsell_reader") == {
            "marts.gone": 1, "marts.kpi": 1, "ml.propensity_scores": 0,
        }  # fmt: skip
        # A view a user made on a mart survives the next publication; a mart no longer
        # built is withdrawn.
        _execute(
            con,
            "CREATE VIEW public.users_view AS SELECT a FROM marts.kpi",
            "DROP TABLE marts_build.gone",
            "INSERT INTO marts_build.kpi VALUES (2, 'y')",
        )
        postgres_publish.publish(con, "upsell_reader")
        assert _rows(con, "SELECT count(*) FROM public.users_view") == [(2,)]
        assert _rows(con, "SELECT to_regclass('marts.gone') IS NULL") == [(True,)]
        _build(con, "SELECT 1.5::numeric(18, 2) AS a")  # columns changed: recreated ...
        with pytest.raises(UpsellError, match=r"the views public\.users_view depend on it"):
            postgres_publish.publish(con, "upsell_reader")  # ... but not under a user's view
        assert _rows(con, "SELECT count(*) FROM public.users_view") == [(2,)]
        _execute(con, "DROP VIEW public.users_view")
        postgres_publish.publish(con, "upsell_reader")
        assert _columns(con, "marts", "kpi") == [("a", "numeric(18,2)")]
    monkeypatch.setenv("PGPASSWORD", reader_password)
    reader_dsn = database.replace(database.split("//")[1].split("@")[0], "upsell_reader", 1)
    with postgres.connect(reader_dsn) as con:
        assert _rows(con, "SELECT a FROM marts.kpi") == [(1.5,)]
        for forbidden in ("INSERT INTO marts.kpi VALUES (1)", "SELECT * FROM marts_build.kpi"):
            with pytest.raises(Exception, match="permission denied"):
                _execute(con, forbidden)
            con.rollback()


def test_a_reader_sees_the_old_publication_until_the_new_one_commits(database):
    with postgres.connect(database) as con, postgres.connect(database) as reader:
        _build(con)
        postgres_publish.publish(con, "nobody")
        _execute(con, "INSERT INTO marts_build.kpi VALUES (2, 'y')")
        with reader.cursor() as cur:
            cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
            cur.execute("SELECT count(*) FROM marts.kpi")
            assert cur.fetchone()[0] == 1
            postgres_publish.publish(con, "nobody")  # readers do not block it
            cur.execute("SELECT count(*) FROM marts.kpi")
            assert cur.fetchone()[0] == 1  # its snapshot: the old publication, whole
        reader.rollback()
        assert _rows(reader, "SELECT count(*) FROM marts.kpi") == [(2,)]


def test_scores_are_replaced_in_one_transaction(database):
    with postgres.connect(database) as con:
        _execute(
            con,
            "CREATE SCHEMA ml",
            "CREATE TABLE ml.propensity_scores (account_id text, probability double precision)",
            "INSERT INTO ml.propensity_scores VALUES ('a', 0.5)",
        )
        target = PostgresTarget(con)
        new = pa.table({"account_id": ["b", "c"], "probability": [0.1, 0.9]})
        target.replace_rows("ml", "propensity_scores", new, "")
        assert _rows(con, "SELECT * FROM ml.propensity_scores ORDER BY 1") == [
            ("b", 0.1),
            ("c", 0.9),
        ]
        with pytest.raises(Exception):  # noqa: B017 - the driver's error, whatever its class
            target.replace_rows("ml", "propensity_scores", pa.table({"other": [1]}), "")
        assert _rows(con, "SELECT count(*) FROM ml.propensity_scores") == [(2,)]


def test_a_table_copied_again_keeps_the_views_on_it_unless_its_columns_changed(database):
    source = raw_sample()
    with postgres.connect(database) as con:
        postgres.copy_tables(source, con, [("raw", "t")])
        _execute(con, "CREATE SCHEMA staging", "CREATE VIEW staging.v AS SELECT id FROM raw.t")
        source.execute("DELETE FROM raw.t WHERE id >= 10")
        postgres.copy_tables(source, con, [("raw", "t")])
        assert _rows(con, "SELECT count(*) FROM staging.v") == [(10,)]
        source.execute("ALTER TABLE raw.t ADD COLUMN added VARCHAR")  # a new contract version
        postgres.copy_tables(source, con, [("raw", "t")])
        assert _columns(con, "raw", "t")[-1] == ("added", "text")
        assert _rows(con, "SELECT to_regclass('staging.v') IS NULL") == [(True,)]  # dbt remakes it


def test_the_password_may_come_from_a_password_file(pg_server, tmp_path, monkeypatch):
    dsn, password = pg_server.new_database(next(_names))
    env = libpq_env(dsn)
    passfile = tmp_path / "pgpass"
    passfile.write_text(
        f"{env['PGHOST']}:{env['PGPORT']}:{env['PGDATABASE']}:{env['PGUSER']}:{password}\n"
    )
    passfile.chmod(0o600)  # libpq ignores a password file others can read
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", str(passfile))
    with postgres.connect(dsn) as con:
        assert _rows(con, "SELECT current_user") == [(env["PGUSER"],)]
    passfile.write_text("")
    with pytest.raises(UpsellError, match="cannot connect to PostgreSQL at postgresql://"):
        postgres.connect(dsn).__enter__()
