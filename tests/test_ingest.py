"""Loading the landing zone into ``raw``: exact counts, idempotence, upserts, atomicity."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import make_landing
from upsell.contract import SUCCESS_MARKER, TABLES
from upsell.ingest import loader, rules
from upsell.ingest.files import checksum
from upsell.ingest.loader import load_landing_zone
from upsell.ingest.rules import META_COLUMNS
from upsell.sample_data.simulate import Options
from upsell.warehouse import connect


def _count(path: Path) -> int:
    con = duckdb.connect()
    if path.suffix == ".csv":
        return con.execute(f"SELECT count(*) FROM read_csv('{path}', all_varchar=true)").fetchone()[
            0
        ]
    if path.suffix == ".parquet":
        return con.execute(f"SELECT count(*) FROM '{path}'").fetchone()[0]
    return sum(1 for _ in path.open())


def content_hash(con, table: str) -> tuple[int, str]:
    return con.execute(
        f"SELECT count(*), md5(coalesce(string_agg(t::VARCHAR, '|' ORDER BY t::VARCHAR), '')) "
        f"FROM raw.{table} t"
    ).fetchone()


@pytest.fixture
def warehouse(tmp_path):
    con = connect(tmp_path / "warehouse.duckdb")
    yield con
    con.close()


def test_loads_every_row_of_every_file_exactly(small_landing, warehouse):
    landing = small_landing[0]
    report = load_landing_zone(warehouse, landing, "run-1")
    assert [d.isoformat() for d in report.loaded] == sorted(p.name for p in landing.iterdir())
    for _day, load in report.tables:
        path = landing / load.source_file
        assert load.input_records == _count(path) == load.loaded, load
        assert load.quarantined == 0
    for table, spec in TABLES.items():
        files = sorted(landing.glob(f"*/{table}.*"))
        keys = ", ".join(spec.key)
        con = duckdb.connect()
        union = " UNION ALL ".join(
            f"SELECT {keys} FROM "
            + (f"read_csv('{f}', all_varchar=true)" if f.suffix == ".csv" else f"'{f}'")
            for f in files
        )
        distinct = con.execute(
            f"SELECT count(*) FROM (SELECT DISTINCT * FROM ({union}))"
        ).fetchone()[0]
        assert warehouse.execute(f"SELECT count(*) FROM raw.{table}").fetchone()[0] == distinct
    manifest = warehouse.execute(
        "SELECT sum(input_records), sum(loaded_rows + quarantined_rows) FROM raw._load_manifest"
    ).fetchone()
    assert manifest[0] == manifest[1] > 0


def test_loading_again_changes_nothing(small_landing, warehouse):
    load_landing_zone(warehouse, small_landing[0], "run-1")
    before = {t: content_hash(warehouse, t) for t in TABLES}
    report = load_landing_zone(warehouse, small_landing[0], "run-2")
    assert report.loaded == [] and len(report.already_loaded) == 4
    assert {t: content_hash(warehouse, t) for t in TABLES} == before
    assert warehouse.execute("SELECT count(DISTINCT run_id) FROM raw._deliveries").fetchone() == (
        1,
    )


def test_later_deliveries_upsert_by_key_and_newest_updated_at(small_landing, warehouse):
    landing = small_landing[0]
    load_landing_zone(warehouse, landing, "run-1")
    con = duckdb.connect()
    for table in ("crm_opportunities", "shop_orders", "crm_support_tickets"):
        latest = con.execute(
            f"SELECT {TABLES[table].key[0]}, max(updated_at::TIMESTAMPTZ)::TIMESTAMP "
            f"FROM read_csv('{landing}/*/{table}.csv', all_varchar=true) GROUP BY 1 ORDER BY 1"
        ).fetchall()
        got = warehouse.execute(
            f"SELECT {TABLES[table].key[0]}, updated_at FROM raw.{table} ORDER BY 1"
        ).fetchall()
        assert got == latest
    # Invoices have no updated_at: the later delivery's version (e.g. 'paid') wins, and every
    # version is kept in the history table.
    resent = warehouse.execute(
        "SELECT count(*) FROM (SELECT invoice_id FROM raw.sub_invoices__history GROUP BY 1 "
        "HAVING count(*) > 1)"
    ).fetchone()[0]
    assert resent > 0
    stale = warehouse.execute(
        "SELECT count(*) FROM raw.sub_invoices c JOIN raw.sub_invoices__history h "
        "USING (invoice_id) WHERE h._delivery_date > c._delivery_date"
    ).fetchone()[0]
    assert stale == 0


def test_an_older_version_sent_later_does_not_overwrite_a_newer_one(tmp_path, warehouse):
    landing, _, _ = make_landing(tmp_path, Options(accounts=100, months=3, seed=4))
    load_landing_zone(warehouse, landing, "run-1")
    first = sorted(landing.iterdir())[0]
    header, *rows = (first / "crm_accounts.csv").read_text().splitlines()
    cols = header.split(",")
    row = rows[0].split(",")
    key = row[0]
    row[cols.index("employee_count")] = "999999"
    row[cols.index("updated_at")] = "2000-01-01T00:00:00Z"  # older than what is loaded
    late = landing / "2026-11-01"
    late.mkdir()
    (late / "crm_accounts.csv").write_text(header + "\n" + ",".join(row) + "\n")
    (late / SUCCESS_MARKER).write_bytes(b"")
    report = load_landing_zone(warehouse, landing, "run-2")
    assert report.tables[0][1].applied == 0 and report.tables[0][1].loaded == 1
    assert warehouse.execute(
        "SELECT employee_count <> 999999 FROM raw.crm_accounts WHERE account_id = ?", [key]
    ).fetchone() == (True,)
    assert (
        warehouse.execute(
            "SELECT count(*) FROM raw.crm_accounts__history WHERE account_id = ?", [key]
        ).fetchone()[0]
        == 2
    )


def test_incomplete_delivery_is_skipped_until_complete(tmp_path, warehouse):
    landing, _, _ = make_landing(tmp_path, Options(accounts=100, months=3, seed=4, deliveries=1))
    last = sorted(landing.iterdir())[-1]
    (last / SUCCESS_MARKER).unlink()
    report = load_landing_zone(warehouse, landing, "run-1")
    assert len(report.loaded) == 1
    assert report.skipped_incomplete == [date.fromisoformat(last.name)]
    (last / SUCCESS_MARKER).write_bytes(b"")
    report = load_landing_zone(warehouse, landing, "run-2")
    assert [d.isoformat() for d in report.loaded] == [last.name]


def test_a_delivery_loads_all_its_tables_or_none(tmp_path, warehouse, monkeypatch):
    landing, _, _ = make_landing(tmp_path, Options(accounts=100, months=3, seed=4))
    real = loader._load_table
    calls = []

    def flaky(con, table, *args):
        calls.append(table)
        if len(calls) == 5:
            raise OSError("disk full")
        return real(con, table, *args)

    monkeypatch.setattr(loader, "_load_table", flaky)
    with pytest.raises(OSError, match="disk full"):
        load_landing_zone(warehouse, landing, "run-1")
    for table in TABLES:
        assert warehouse.execute(f"SELECT count(*) FROM raw.{table}").fetchone() == (0,)
    assert warehouse.execute("SELECT count(*) FROM raw._deliveries").fetchone() == (0,)
    monkeypatch.setattr(loader, "_load_table", real)
    assert len(load_landing_zone(warehouse, landing, "run-2").loaded) == 1


def test_landing_files_are_never_modified(small_landing, warehouse):
    files = sorted(p for p in small_landing[0].rglob("*") if p.is_file())
    before = {p: (checksum(p), p.stat().st_mtime_ns) for p in files}
    load_landing_zone(warehouse, small_landing[0], "run-1")
    assert {p: (checksum(p), p.stat().st_mtime_ns) for p in files} == before
    assert sorted(p for p in small_landing[0].rglob("*") if p.is_file()) == files


def test_tables_no_delivery_carried_exist_empty_with_the_contract_columns(tmp_path, warehouse):
    landing, _, _ = make_landing(tmp_path, Options(accounts=60, months=2, seed=4))
    for f in landing.glob("*/shop_*"):
        f.unlink()
    load_landing_zone(warehouse, landing, "run-1")
    for table in ("shop_orders", "shop_order_items", "shop_products"):
        cols = [r[0] for r in warehouse.execute(f"DESCRIBE raw.{table}").fetchall()]
        assert cols == TABLES[table].column_names + [n for n, _ in META_COLUMNS]
        assert warehouse.execute(f"SELECT count(*) FROM raw.{table}").fetchone() == (0,)


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_every_format_loads_the_same_rows(tmp_path, fmt):
    opts = Options(accounts=150, months=3, seed=9)
    landing, _, _ = make_landing(tmp_path / fmt, opts, fmt=fmt)
    con = connect(tmp_path / f"{fmt}.duckdb")
    load_landing_zone(con, landing, "run")
    got = {t: content_hash(con, t)[0] for t in TABLES}
    typed = con.execute(
        "SELECT sum(amount), min(issued_at), count(paid_at) FROM raw.sub_invoices"
    ).fetchone()
    reference = connect(tmp_path / "ref.duckdb")
    ref_landing, _, _ = make_landing(tmp_path / "ref", opts, fmt="csv")
    load_landing_zone(reference, ref_landing, "run")
    assert got == {t: content_hash(reference, t)[0] for t in TABLES}
    assert (
        typed
        == reference.execute(
            "SELECT sum(amount), min(issued_at), count(paid_at) FROM raw.sub_invoices"
        ).fetchone()
    )


def test_a_changed_delivery_that_was_loaded_is_refused(tmp_path, warehouse):
    landing, _, _ = make_landing(tmp_path, Options(accounts=60, months=2, seed=4))
    load_landing_zone(warehouse, landing, "run-1")
    folder = next(landing.iterdir())
    with (folder / "sub_plans.csv").open("a") as f:
        f.write("extra-plan,Extra,1,1,EUR,1.00\n")
    with pytest.raises(loader.LandingFileError, match="was loaded before with other files"):
        load_landing_zone(warehouse, landing, "run-2")


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["A1", "A2", "A3", None]), st.sampled_from(["2026-01-01", None])),
        min_size=1,
        max_size=30,
    )
)
def test_every_copy_of_a_repeated_key_and_only_those_is_a_duplicate(keys):
    """The duplicate check counts keys exactly among those whose hash repeats: it must find
    what a plain count finds (null keys count as equal, as in the GROUP BY it replaces)."""
    spec = TABLES["usage_daily"]
    copies = Counter(keys)
    con = duckdb.connect()
    con.execute("CREATE TABLE incoming (account_id VARCHAR, usage_date VARCHAR, active_users "
                "VARCHAR, events VARCHAR, feature_limit_hits VARCHAR, _line BIGINT)")  # fmt: skip
    con.executemany(
        "INSERT INTO incoming VALUES (?, ?, '1', '1', '0', ?)",
        [(a, d, line) for line, (a, d) in enumerate(keys, start=2)],
    )
    con.execute("CREATE SCHEMA raw")
    con.execute("CREATE TABLE raw.crm_accounts AS SELECT unnest(['A1', 'A2', 'A3']) AS account_id")
    bad = con.execute(f"SELECT _line, _reason FROM ({rules.bad_rows_sql(spec, ())})").fetchall()
    found = {line for line, reason in bad if reason.startswith("duplicate_key")}
    expected = {
        line for line, key in enumerate(keys, start=2) if copies[key] > 1 and None not in key
    }
    assert found == expected
