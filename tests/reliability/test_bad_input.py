"""Every bad-input kind the generator can inject gets its promised treatment at load time:
a clear error naming the file and line or column (the delivery is rejected whole), or
quarantined rows with the right reason; and input records = loaded + quarantined."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from upsell.ingest.files import LandingFileError
from upsell.ingest.loader import load_landing_zone
from upsell.sample_data import generate
from upsell.sample_data.inject import KINDS
from upsell.sample_data.simulate import Options
from upsell.warehouse import connect

ROOT = Path(__file__).resolve().parents[2]
BASE = Options(accounts=300, months=4, seed=2, deliveries=1)
LAST = "2026-10-31"

# kind -> a regex the rejection message must match (file and line or column named)
REJECTED = {
    "unreadable_file": rf"delivery {LAST} rejected: {LAST}/crm_support_tickets\.csv line \d+, "
    r"byte \d+: not valid UTF-8",
    "wrong_encoding": rf"{LAST}/crm_contacts\.csv line (?P<line>\d+), byte \d+: not valid UTF-8",
    "unterminated_quote": rf"{LAST}/crm_contacts\.csv line (?P<line>\d+): a quoted field opened "
    r"here is never closed",
    "missing_column": rf"{LAST}/crm_accounts\.csv: required column\(s\) segment missing",
    "renamed_column": rf"{LAST}/crm_accounts\.csv: required column\(s\) employee_count missing; "
    r"the file has unexpected column\(s\) employees \(renamed\?\)",
    "empty_file": rf"{LAST}/shop_orders\.csv is empty \(0 bytes\)",
}
# kind -> the reason code its rows are quarantined with
QUARANTINED = {
    "wrong_type": "unparseable",
    "duplicate_key": "duplicate_key",
    "null_key": "null_key",
    "unknown_enum": "unknown_enum",
    "negative_amount": "negative_value",
    "orphan_fk": "orphan_fk",
}
LOADED_AS_IS = {"bom_crlf", "extra_column"}


def test_every_injectable_kind_is_covered():
    assert set(KINDS) == set(REJECTED) | set(QUARANTINED) | LOADED_AS_IS | {"no_success"}


@pytest.fixture
def landing_with(tmp_path):
    def make(kind):
        report = generate(BASE, tmp_path / "landing", tmp_path / "truth", injections=(kind,))
        con = connect(tmp_path / "warehouse.duckdb")
        return tmp_path / "landing", report["injected"][0], con

    return make


def _reconciled(con):
    """Input lines = records (no value spans lines here) = loaded + quarantined, per file."""
    unbalanced = con.execute(
        "SELECT source_file, input_lines, input_records, loaded_rows, quarantined_rows "
        "FROM raw._load_manifest WHERE NOT (input_lines = input_records "
        "AND input_records = loaded_rows + quarantined_rows)"
    ).fetchall()
    assert unbalanced == []
    assert con.execute("SELECT count(*) FROM raw._load_manifest").fetchone()[0] > 0


@pytest.mark.parametrize("kind", sorted(REJECTED))
def test_unreadable_files_reject_their_delivery_with_a_clear_error(landing_with, kind):
    landing, item, con = landing_with(kind)
    with pytest.raises(LandingFileError) as error:
        load_landing_zone(con, landing, "run-1")
    message = str(error.value)
    match = re.search(REJECTED[kind], message)
    assert match, message
    if "line" in match.groupdict():
        assert int(match["line"]) in item["lines"]
    loaded = [
        d.isoformat()
        for (d,) in con.execute("SELECT delivery_date FROM raw._deliveries").fetchall()
    ]
    assert len(loaded) == 1 and LAST not in loaded, "nothing of the bad delivery is loaded"
    assert con.execute(
        f"SELECT count(*) FROM raw._load_manifest WHERE delivery_date = '{LAST}'"
    ).fetchone() == (0,)
    _reconciled(con)
    # Once the file is fixed, the next run loads the delivery.
    fixed = generate(BASE, landing.parent / "fixed", landing.parent / "truth2")
    assert fixed["injected"] == []
    bad_file = landing / LAST / item["file"]
    bad_file.write_bytes((landing.parent / "fixed" / LAST / item["file"]).read_bytes())
    report = load_landing_zone(con, landing, "run-2")
    assert [d.isoformat() for d in report.loaded] == [LAST]


@pytest.mark.parametrize("kind", sorted(QUARANTINED))
def test_bad_rows_are_quarantined_with_their_reason_file_and_line(landing_with, kind):
    landing, item, con = landing_with(kind)
    report = load_landing_zone(con, landing, "run-1")
    assert [d.isoformat() for d in report.loaded][-1] == LAST
    table = item["table"]
    rows = con.execute(
        f"SELECT _line, _reason_code, _reason, _source_file FROM raw.{table}__quarantine "
        "ORDER BY _line"
    ).fetchall()
    expected_lines = set(item["lines"])
    if kind == "duplicate_key":  # every copy of a duplicated key is held back
        assert len(rows) == 2 * len(expected_lines)
    else:
        assert {r[0] for r in rows} == expected_lines
    assert {r[1] for r in rows} == {QUARANTINED[kind]}
    assert {r[3] for r in rows} == {f"{LAST}/{table}.csv"}
    assert all(item["column"] in r[2] for r in rows), rows
    load = next(t for d, t in report.tables if d.isoformat() == LAST and t.table == table)
    assert load.input_records == load.loaded + load.quarantined
    _reconciled(con)


def test_a_delivery_without_success_is_not_loaded(landing_with):
    landing, _, con = landing_with("no_success")
    report = load_landing_zone(con, landing, "run-1")
    assert [d.isoformat() for d in report.skipped_incomplete] == [LAST]
    assert LAST not in [d.isoformat() for d in report.loaded]
    _reconciled(con)


@pytest.mark.parametrize("kind", sorted(LOADED_AS_IS))
def test_bom_crlf_and_extra_columns_load_in_full(landing_with, kind):
    landing, item, con = landing_with(kind)
    report = load_landing_zone(con, landing, "run-1")
    load = next(t for d, t in report.tables if d.isoformat() == LAST and t.table == item["table"])
    assert load.quarantined == 0 and load.loaded == load.input_records > 0
    if kind == "extra_column":
        regions = con.execute(
            f"SELECT DISTINCT json_extract_string(_extra, '$.region') FROM raw.crm_accounts "
            f"WHERE _delivery_date = '{LAST}'"
        ).fetchall()
        assert sorted(r[0] for r in regions) == ["amer", "emea"]
    else:
        ids = con.execute(
            f"SELECT count(*) FROM raw.crm_accounts WHERE _delivery_date = '{LAST}' "
            "AND (account_id LIKE '%\ufeff%' OR updated_at IS NULL)"
        ).fetchone()
        assert ids == (0,)
    _reconciled(con)


# Loads a landing zone with DuckDB held to 64 MB; prints rows loaded and the peak RSS.
LOAD_SMALL = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from upsell.ingest.loader import load_landing_zone
    from upsell.warehouse import connect
    con = connect(Path(sys.argv[1]), memory_limit="64MB")
    report = load_landing_zone(con, Path(sys.argv[2]), "large")
    (load,) = [t for _, t in report.tables]
    # VmHWM, not ru_maxrss: on Linux a child's ru_maxrss starts from its parent's peak
    status = Path("/proc/self/status").read_text()
    peak = int(status.split("VmHWM:")[1].split()[0]) * 1024
    print(json.dumps([load.input_lines, load.loaded, load.quarantined, peak]))
    """
)


def test_a_file_larger_than_memory_allows_to_read_at_once_loads_in_blocks(tmp_path):
    """400 MB of CSV, loaded by a process that never holds it whole: CSV is parsed in blocks
    into a Parquet spill beside the warehouse, and DuckDB streams that into its table."""
    day = tmp_path / "landing" / LAST
    day.mkdir(parents=True)
    rows = 400_000
    duckdb.connect().execute(
        "COPY (SELECT 'A' || lpad(i::VARCHAR, 7, '0') AS account_id, 'Company ' || i AS "
        "account_name, 'retail' AS industry, 'DE' AS country, 'smb' AS segment, "
        "10 AS employee_count, 'EUR' AS billing_currency, "
        "'2025-01-01T00:00:00Z' AS created_at, '2025-01-01T00:00:00Z' AS updated_at, "
        f"repeat(chr(CAST(97 + i % 26 AS INTEGER)), 1000) AS notes FROM range({rows}) t(i)) "
        f"TO '{day}/crm_accounts.csv' (HEADER)"
    )
    (day / "_SUCCESS").write_bytes(b"")
    size = (day / "crm_accounts.csv").stat().st_size
    assert size > 400e6
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", LOAD_SMALL, str(tmp_path / "w.duckdb"), str(tmp_path / "landing")],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    lines, loaded, quarantined, peak = json.loads(done.stdout)
    assert (lines, loaded, quarantined) == (rows, rows, 0)
    assert peak < size, f"peak RSS {peak / 1e6:.0f} MB for a {size / 1e6:.0f} MB file"
