"""The whole pipeline on PostgreSQL gives DuckDB's marts, cell by cell.

The same landing zone is run through `upsell run` on each engine: first without its last
delivery (a full run: ingest, dbt, training, scoring, publishing), then with it (a daily run:
the copy of what the delivery touched, incremental models); DuckDB's runs are the test
session's one reference (fixture duckdb_reference). Then every published table is
compared: the same tables, columns and rows, numbers within 1e-9 relative, strings equal, and
so the same scores from the model trained on each engine's features. Only what a run stamps
(model version, scoring time) may differ. Every test can pass while numbers differ: this
compares the numbers.
"""

from __future__ import annotations

import shutil

import duckdb
import pytest

from tests.engine_runs import SALT, files_holding, full_then_daily, published_differences

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def runs(small_landing, pg_server, tmp_path_factory, request):
    root = tmp_path_factory.mktemp("engines")
    landing = root / "landing"
    shutil.copytree(small_landing[0], landing)
    # A collation that orders strings unlike code points, and a time zone far from UTC: the
    # marts may depend on neither.
    dsn, password = pg_server.new_database(
        "upsell_engines", icu_locale="de-DE", timezone="Pacific/Chatham"
    )
    engine = {"UPSELL_TARGET": "postgres", "UPSELL_POSTGRES_DSN": dsn, "PGPASSWORD": password}
    full_then_daily(landing, root, {"postgres": engine})
    # asked for after the runs: a worker that has to wait for it has done its own work first
    return root, request.getfixturevalue("duckdb_reference"), dsn, password


def test_every_published_table_is_equal_on_postgres_and_duckdb(runs):
    root, reference, _, _ = runs
    assert published_differences(reference / "serving.duckdb",
                                 root / "postgres" / "serving.duckdb") == []  # fmt: skip


CONTACT_REFS = "SELECT contact_id, contact_ref FROM staging.stg_crm__contacts ORDER BY contact_id"


def test_the_salted_pii_hash_is_the_same_on_both_engines(runs, monkeypatch):
    """The hash is computed while dbt builds the staging table, with the salt each engine's
    session was given (DuckDB's variable, PostgreSQL's custom setting)."""
    from upsell.targets import postgres
    from upsell.targets.engine import PostgresTarget

    _, reference, dsn, password = runs
    con = duckdb.connect(str(reference / "warehouse.duckdb"), read_only=True)
    on_duckdb = con.execute(CONTACT_REFS).fetchall()
    salted = con.execute(
        "SELECT contact_id, md5(? || lower(trim(email))) FROM raw.crm_contacts ORDER BY 1",
        [SALT],
    ).fetchall()
    con.close()
    monkeypatch.setenv("PGPASSWORD", password)
    with postgres.connect(dsn) as pg:
        refs = PostgresTarget(pg).read_arrow(CONTACT_REFS)
    on_postgres = sorted(zip(*(c.to_pylist() for c in refs.columns), strict=True))
    assert len(on_duckdb) > 100
    assert on_duckdb == salted  # with the salt, not without it
    assert on_postgres == sorted(on_duckdb)


def test_neither_the_salt_nor_the_password_is_in_any_file_a_run_leaves(runs):
    from orchestration.dbt.project import DBT_DIR

    root, reference, _, password = runs
    for folder in (root / "postgres", reference, DBT_DIR / "target"):
        assert files_holding(folder, SALT, password) == []
