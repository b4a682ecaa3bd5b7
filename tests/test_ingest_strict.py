"""Reading and typing landing files strictly: a value is taken as the contract spells it or its
row is quarantined with the reason, never bent into another value; one key has one spelling;
odd but legal files load; every broken file is refused with one line in words."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from upsell.contract import SUCCESS_MARKER, TABLES
from upsell.ingest import values
from upsell.ingest.files import LandingFileError
from upsell.ingest.loader import load_landing_zone
from upsell.warehouse import connect

DAY = "2026-11-01"
Q = "quarantined"

# One valid row per FK-free table; each case below changes one of its values.
BASE = {
    "crm_accounts": {
        "account_id": "A",
        "account_name": "Acme",
        "industry": "retail",
        "country": "DE",
        "segment": "smb",
        "employee_count": "10",
        "billing_currency": "EUR",
        "created_at": "2025-01-01T00:00:00Z",
        "updated_at": "2025-01-02T00:00:00Z",
    },
    "shop_products": {
        "product_id": "P",
        "product_name": "Seat pack",
        "category": "addon",
        "is_addon": "true",
        "currency": "EUR",
        "list_price": "9.99",
    },
    "ref_fx_rates": {"rate_date": None, "currency": None, "rate_to_reporting": "0.92"},
}
KEY = {"crm_accounts": "account_id", "shop_products": "product_id"}
UTC0 = datetime(2025, 1, 1)
MICRO = UTC0.replace(microsecond=123456)

# (table, column, text as written, the value it loads as or Q)
CASES = [
    # integer: digits, a zero fraction or an exact exponent; nothing that would round or guess
    ("crm_accounts", "employee_count", "12", 12),
    ("crm_accounts", "employee_count", "+12", 12),
    ("crm_accounts", "employee_count", "007", 7),
    ("crm_accounts", "employee_count", "2.0", 2),
    ("crm_accounts", "employee_count", "2.000", 2),
    ("crm_accounts", "employee_count", "1e3", 1000),
    ("crm_accounts", "employee_count", "2.5", Q),
    ("crm_accounts", "employee_count", "2.01", Q),
    ("crm_accounts", "employee_count", "0x0A", Q),
    ("crm_accounts", "employee_count", "1_000", Q),
    ("crm_accounts", "employee_count", "1,000", Q),
    ("crm_accounts", "employee_count", " 5", Q),
    ("crm_accounts", "employee_count", "5 ", Q),
    ("crm_accounts", "employee_count", "1.5e0", Q),
    ("crm_accounts", "employee_count", "9223372036854775808", Q),
    ("crm_accounts", "employee_count", "NaN", Q),
    ("crm_accounts", "employee_count", "inf", Q),
    ("crm_accounts", "employee_count", "ten", Q),
    # decimal(18, 4): never rounded
    ("shop_products", "list_price", "9.99", Decimal("9.99")),
    ("shop_products", "list_price", "9.9900000", Decimal("9.99")),
    ("shop_products", "list_price", ".5", Decimal("0.5")),
    ("shop_products", "list_price", "12", Decimal("12")),
    ("shop_products", "list_price", "5e-3", Decimal("0.005")),
    ("shop_products", "list_price", "1.2345e1", Decimal("12.345")),
    ("shop_products", "list_price", "1.23456", Q),
    ("shop_products", "list_price", "0.00001", Q),
    ("shop_products", "list_price", "1.23456e-1", Q),
    ("shop_products", "list_price", "1e-30", Q),
    ("shop_products", "list_price", "1e999", Q),
    ("shop_products", "list_price", "123456789012345", Q),
    ("shop_products", "list_price", "$5", Q),
    ("shop_products", "list_price", "5,00", Q),
    ("shop_products", "list_price", "Infinity", Q),
    # rate: eight digits after the point
    ("ref_fx_rates", "rate_to_reporting", "0.12345678", Decimal("0.12345678")),
    ("ref_fx_rates", "rate_to_reporting", "5.7e-05", Decimal("0.000057")),
    ("ref_fx_rates", "rate_to_reporting", "0.123456789", Q),
    # boolean: true or false, any case
    ("shop_products", "is_addon", "true", True),
    ("shop_products", "is_addon", "FALSE", False),
    ("shop_products", "is_addon", "True", True),
    ("shop_products", "is_addon", "t", Q),
    ("shop_products", "is_addon", "f", Q),
    ("shop_products", "is_addon", "yes", Q),
    ("shop_products", "is_addon", "1", Q),
    ("shop_products", "is_addon", "0", Q),
    ("shop_products", "is_addon", " true", Q),
    # timestamp: ISO-8601 / RFC 3339, an offset honoured, none = UTC
    ("crm_accounts", "created_at", "2025-01-01T00:00:00Z", UTC0),
    ("crm_accounts", "created_at", "2025-01-01T02:00:00+02:00", UTC0),
    ("crm_accounts", "created_at", "2025-01-01T02:00:00+0200", UTC0),
    ("crm_accounts", "created_at", "2024-12-31T19:00:00-05", UTC0),
    ("crm_accounts", "created_at", "2025-01-01 00:00:00", UTC0),
    ("crm_accounts", "created_at", "2025-01-01T00:00", UTC0),
    ("crm_accounts", "created_at", "2025-01-01t00:00:00z", UTC0),
    ("crm_accounts", "created_at", "2025-01-01T00:00:00.123456Z", MICRO),
    (
        "crm_accounts",
        "created_at",
        "2025-01-01T00:00:00.1234560Z",
        UTC0.replace(microsecond=123456),
    ),
    ("crm_accounts", "created_at", "2025-01-01T00:00:00.1234567Z", Q),
    ("crm_accounts", "created_at", "epoch", Q),
    ("crm_accounts", "created_at", "infinity", Q),
    ("crm_accounts", "created_at", "-infinity", Q),
    ("crm_accounts", "created_at", "now", Q),
    ("crm_accounts", "created_at", "2025-01-01", Q),
    ("crm_accounts", "created_at", "1735689600", Q),
    ("crm_accounts", "created_at", "2025-01-01T24:00:00Z", Q),
    ("crm_accounts", "created_at", "2025-01-01T23:59:60Z", Q),
    ("crm_accounts", "created_at", "2025-02-30T00:00:00Z", Q),
    ("crm_accounts", "created_at", "01/02/2025 00:00", Q),
    ("crm_accounts", "created_at", "2025-01-01T00:00:00 Z", Q),
    ("crm_accounts", "created_at", " 2025-01-01T00:00:00Z", Q),
    # date: YYYY-MM-DD only, a real day
    ("ref_fx_rates", "rate_date", "2024-02-29", date(2024, 2, 29)),
    ("ref_fx_rates", "rate_date", "2026-02-29", Q),
    ("ref_fx_rates", "rate_date", "2026-2-28", Q),
    ("ref_fx_rates", "rate_date", "2026-02-28T00:00:00Z", Q),
    ("ref_fx_rates", "rate_date", " 2026-02-28", Q),
    ("ref_fx_rates", "rate_date", "2026-02-28 ", Q),
    ("ref_fx_rates", "rate_date", "20260228", Q),
    ("ref_fx_rates", "rate_date", "28.02.2026", Q),
    # currency codes: ISO 4217, compared and stored in capitals
    ("ref_fx_rates", "currency", "USD", "USD"),
    ("ref_fx_rates", "currency", "usd", "USD"),
    ("ref_fx_rates", "currency", "US", Q),
    ("ref_fx_rates", "currency", "USD ", Q),
    ("shop_products", "currency", "eur", "EUR"),
    ("crm_accounts", "billing_currency", "Eur", "EUR"),
    # keys: as written, but never with edge whitespace or control characters
    ("crm_accounts", "account_id", "A-1 b", "A-1 b"),
    ("crm_accounts", "account_id", " A1", Q),
    ("crm_accounts", "account_id", "A1 ", Q),
    ("crm_accounts", "account_id", "A1\u00a0", Q),
    ("crm_accounts", "account_id", "A\x001", Q),
    ("crm_accounts", "account_id", "A\t1", Q),
    ("crm_accounts", "account_id", "A\n1", Q),
    # other text: as written (quoted with commas, quotes, line breaks), except NUL
    ("crm_accounts", "account_name", "  Acme, Inc. \t", "  Acme, Inc. \t"),
    ("crm_accounts", "account_name", 'He said "hi",\r\nthen "', 'He said "hi",\r\nthen "'),
    ("crm_accounts", "account_name", '""', '""'),
    ("crm_accounts", "account_name", "5'10\" tall", "5'10\" tall"),
    ("crm_accounts", "account_name", "Ac\x00me", Q),
]


def _row(case: int, table: str, column: str, text: str) -> dict[str, str | None]:
    row = dict(BASE[table])
    if table == "ref_fx_rates":  # a key of its own per case: (date, currency)
        row["rate_date"] = (date(2020, 1, 1) + timedelta(days=case)).isoformat()
        row["currency"] = "Q" + chr(65 + case // 26 % 26) + chr(65 + case % 26)
    else:
        row[KEY[table]] = f"{row[KEY[table]]}{case}"
    row[column] = text
    return row


def _csv(rows: list[dict]) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode()


def _jsonl(rows: list[dict]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


def land(root: Path, files: dict[str, bytes], day: str = DAY) -> Path:
    """A landing zone with one complete delivery of ``files`` (name -> content)."""
    folder = root / "landing" / day
    folder.mkdir(parents=True)
    for name, content in files.items():
        (folder / name).write_bytes(content)
    (folder / SUCCESS_MARKER).write_bytes(b"")
    return root / "landing"


def reconciled(con) -> None:
    unbalanced = con.execute(
        "SELECT source_file FROM raw._load_manifest "
        "WHERE input_records <> loaded_rows + quarantined_rows"
    ).fetchall()
    assert unbalanced == []


@pytest.fixture(scope="module", params=["csv", "jsonl"])
def typed_cases(request, tmp_path_factory):
    """Every case loaded once, as CSV and as JSON Lines with each value a JSON string:
    {case number: (loaded value or None, quarantine reason or None)}."""
    fmt = request.param
    root = tmp_path_factory.mktemp(fmt)
    rows = {t: [] for t in BASE}
    for i, (table, column, text, _) in enumerate(CASES):
        rows[table].append((i, _row(i, table, column, text)))
    write = _csv if fmt == "csv" else _jsonl
    landing = land(root, {f"{t}.{fmt}": write([r for _, r in rows[t]]) for t in rows})
    con = connect(root / "w.duckdb")
    load_landing_zone(con, landing, "run")
    reconciled(con)
    results = {}
    for table, numbered in rows.items():
        line = 2 if fmt == "csv" else 1
        for i, row in numbered:
            column = CASES[i][1]
            got = con.execute(
                f"SELECT {column} FROM raw.{table} WHERE _line = ?", [line]
            ).fetchall()
            why = con.execute(
                f"SELECT _reason FROM raw.{table}__quarantine WHERE _line = ?", [line]
            ).fetchall()
            assert len(got) + len(why) == 1, (CASES[i], got, why)
            results[i] = (got[0][0] if got else None, why[0][0] if why else None)
            # a line break inside a CSV value moves the lines after it
            line += 1 + (sum(str(v).count("\n") for v in row.values()) if fmt == "csv" else 0)
    con.close()
    return results


@pytest.mark.parametrize("case", range(len(CASES)), ids=[f"{c[1]}={c[2]!r}" for c in CASES])
def test_a_value_loads_as_written_or_its_row_is_quarantined_with_the_reason(typed_cases, case):
    _, column, text, expected = CASES[case]
    value, reason = typed_cases[case]
    if expected == Q:
        assert value is None and reason is not None, f"{text!r} loaded as {value!r}"
        assert column in reason
    else:
        assert reason is None, reason
        assert value == expected and type(value) is type(expected)


def test_parquet_typed_columns_arrive_as_the_values_they_hold(tmp_path):
    """Parquet's int64, float64 (pandas' integer columns with nulls), bool, timestamp and a
    date written as a midnight timestamp load as those values; a float that is not an exact
    value of the column is quarantined, never rounded."""
    accounts = pa.table(
        {
            "account_id": ["A1", "A2", "A3", "A4"],
            "account_name": ["a", "b", "c", "d"],
            "industry": ["x"] * 4,
            "country": ["DE"] * 4,
            "segment": ["smb"] * 4,
            "employee_count": pa.array([2.0, 2.5, None, 1e300], pa.float64()),
            "billing_currency": ["EUR"] * 4,
            "created_at": pa.array([UTC0] * 4, pa.timestamp("ns")),
            "updated_at": pa.array([UTC0] * 4, pa.timestamp("us", tz="UTC")),
        }
    )
    products = pa.table(
        {
            "product_id": ["P1", "P2", "P3"],
            "product_name": ["a", "b", "c"],
            "category": ["x"] * 3,
            "is_addon": [True, False, True],
            "currency": ["EUR"] * 3,
            "list_price": pa.array([19.99, 0.1 + 0.2, 1234567.5], pa.float64()),
        }
    )
    rates = pa.table(
        {
            "rate_date": pa.array(
                [datetime(2026, 1, 1), datetime(2026, 1, 2), datetime(2026, 1, 3, 12)],
                pa.timestamp("ns"),
            ),
            "currency": ["IDR", "IDR", "IDR"],
            "rate_to_reporting": pa.array([5.7e-05, 0.5, 0.25], pa.float64()),
        }
    )
    usage = pa.table(
        {
            "account_id": ["A1"],
            "usage_date": pa.array([date(2026, 1, 1)], pa.date32()),
            "active_users": pa.array([3], pa.int64()),
            "events": pa.array([7], pa.int32()),
            "feature_limit_hits": pa.array([0], pa.int8()),
        }
    )
    folder = tmp_path / "landing" / DAY
    folder.mkdir(parents=True)
    for name, table in (
        ("crm_accounts", accounts),
        ("shop_products", products),
        ("ref_fx_rates", rates),
        ("usage_daily", usage),
    ):
        pq.write_table(table, folder / f"{name}.parquet")
    (folder / SUCCESS_MARKER).write_bytes(b"")
    con = connect(tmp_path / "w.duckdb")
    load_landing_zone(con, tmp_path / "landing", "run")
    reconciled(con)
    assert con.execute(
        "SELECT account_id, employee_count, created_at, updated_at FROM raw.crm_accounts"
    ).fetchall() == [("A1", 2, UTC0, UTC0)]
    assert _reasons(con, "crm_accounts") == {
        2: "unparseable",
        3: "missing_value",
        4: "unparseable",
    }
    assert con.execute(
        "SELECT product_id, is_addon, list_price FROM raw.shop_products ORDER BY 1"
    ).fetchall() == [("P1", True, Decimal("19.99")), ("P3", True, Decimal("1234567.5"))]
    assert _reasons(con, "shop_products") == {2: "unparseable"}
    assert con.execute(
        "SELECT rate_date, rate_to_reporting FROM raw.ref_fx_rates ORDER BY 1"
    ).fetchall() == [(date(2026, 1, 1), Decimal("0.000057")), (date(2026, 1, 2), Decimal("0.5"))]
    assert _reasons(con, "ref_fx_rates") == {3: "unparseable"}  # noon is not a date
    assert con.execute(
        "SELECT usage_date, active_users, events, feature_limit_hits FROM raw.usage_daily"
    ).fetchall() == [(date(2026, 1, 1), 3, 7, 0)]


def _reasons(con, table: str) -> dict[int, str]:
    return dict(con.execute(f"SELECT _line, _reason_code FROM raw.{table}__quarantine").fetchall())


SPELLINGS = st.sampled_from(["", " ", "T00:00:00", "T00:00:00Z", " 00:00", "+00", "\t"])


@settings(max_examples=300, deadline=None)
@given(
    st.from_regex(r"\A[ 0-9T:+Z.-]{8,25}\Z")
    | st.builds(lambda a, d, b: a + d.isoformat() + b, SPELLINGS, st.dates(), SPELLINGS)
)
def test_an_accepted_date_has_one_spelling(text):
    """A date key compares by its text in the duplicate check, so an accepted text must be the
    date's one spelling: parsed and written back, it is the same text."""
    col = TABLES["usage_daily"].column("usage_date")
    got = duckdb.execute(
        f"SELECT strftime({values.parse(col, '$t')}, '%Y-%m-%d')", {"t": text}
    ).fetchone()[0]
    assert got is None or got == text


# ---- one key, one spelling ------------------------------------------------------------------

ACCOUNTS = (
    "account_id,account_name,industry,country,segment,employee_count,billing_currency,"
    "created_at,updated_at\n"
    "A1,Acme,retail,DE,smb,10,EUR,2025-01-01T00:00:00Z,2025-01-01T00:00:00Z\n"
)
USAGE_HEADER = "account_id,usage_date,active_users,events,feature_limit_hits\n"


def test_one_usage_key_spelled_twice_in_one_file_is_one_row(tmp_path):
    usage = (
        USAGE_HEADER + "A1,2026-02-28,1,1,0\n"
        "A1,2026-02-28T00:00:00Z,2,2,0\n"
        "A1, 2026-02-28,3,3,0\n"
        " A1,2026-02-28,4,4,0\n"
        "A1\x00,2026-02-28,5,5,0\n"
    )
    landing = land(
        tmp_path, {"crm_accounts.csv": ACCOUNTS.encode(), "usage_daily.csv": usage.encode()}
    )
    con = connect(tmp_path / "w.duckdb")
    load_landing_zone(con, landing, "run")
    assert con.execute("SELECT account_id, usage_date, events FROM raw.usage_daily").fetchall() == [
        ("A1", date(2026, 2, 28), 1)
    ]
    assert _reasons(con, "usage_daily") == {
        3: "unparseable",
        4: "unparseable",
        5: "bad_key",
        6: "bad_key",
    }
    reconciled(con)


@pytest.mark.parametrize("months, reason", [(1, None), (3, None), (6, None), (12, None),
                                            (5, "out_of_range"), (7, "out_of_range")])  # fmt: skip
def test_a_plan_bills_a_whole_number_of_times_a_year(tmp_path, months, reason):
    header = "plan_id,plan_name,tier,billing_interval_months,currency,unit_price\n"
    plans = header + f"P,Pro,1,{months},EUR,10\n"
    landing = land(tmp_path, {"sub_plans.csv": plans.encode()})
    con = connect(tmp_path / "w.duckdb")
    load_landing_zone(con, landing, "run")
    assert _reasons(con, "sub_plans") == ({} if reason is None else {2: reason})
    reconciled(con)


def test_a_currency_in_two_letter_cases_in_one_file_is_one_duplicated_key(tmp_path):
    rates = "rate_date,currency,rate_to_reporting\n2026-02-28,usd,0.8\n2026-02-28,USD,0.9\n"
    landing = land(tmp_path, {"ref_fx_rates.csv": rates.encode()})
    con = connect(tmp_path / "w.duckdb")
    load_landing_zone(con, landing, "run")
    assert con.execute("SELECT count(*) FROM raw.ref_fx_rates").fetchone()[0] == 0
    assert _reasons(con, "ref_fx_rates") == {2: "duplicate_key", 3: "duplicate_key"}
    reconciled(con)


def test_one_key_spelled_differently_in_a_later_delivery_does_not_add_a_row(tmp_path):
    rates = "rate_date,currency,rate_to_reporting\n"
    landing = land(
        tmp_path,
        {
            "crm_accounts.csv": ACCOUNTS.encode(),
            "usage_daily.csv": (USAGE_HEADER + "A1,2026-02-28,1,1,0\n").encode(),
            "ref_fx_rates.csv": (rates + "2026-02-28,USD,0.9\n").encode(),
        },
    )
    land(
        tmp_path,
        {
            "usage_daily.csv": (USAGE_HEADER + "A1,2026-02-28T00:00:00Z,2,2,0\n").encode(),
            "ref_fx_rates.csv": (rates + "2026-02-28,usd,0.8\n2026-02-28 ,USD,0.7\n").encode(),
        },
        day="2026-11-02",
    )
    land(
        tmp_path,
        {"usage_daily.csv": (USAGE_HEADER + "A1,2026-02-28,3,3,0\n").encode()},
        day="2026-11-03",
    )
    con = connect(tmp_path / "w.duckdb")
    load_landing_zone(con, landing, "run")
    assert con.execute("SELECT usage_date, events FROM raw.usage_daily").fetchall() == [
        (date(2026, 2, 28), 3)
    ]
    # `usd` is USD's key: the later delivery's rate replaces the first (a correction)
    assert con.execute(
        "SELECT rate_date, currency, rate_to_reporting FROM raw.ref_fx_rates"
    ).fetchall() == [(date(2026, 2, 28), "USD", Decimal("0.8"))]
    assert con.execute("SELECT _reason_code FROM raw.ref_fx_rates__quarantine").fetchall() == [
        ("unparseable",)
    ]
    reconciled(con)


# ---- odd but legal files, and hostile ones --------------------------------------------------

RATES = "rate_date,currency,rate_to_reporting"


@pytest.mark.parametrize("content", [RATES, RATES + "\n", RATES + "\r\n", "\ufeff" + RATES])
def test_a_header_only_csv_loads_no_rows(tmp_path, content):
    landing = land(tmp_path, {"ref_fx_rates.csv": content.encode()})
    con = connect(tmp_path / "w.duckdb")
    report = load_landing_zone(con, landing, "run")
    (load,) = [t for _, t in report.tables]
    assert (load.input_records, load.loaded, load.quarantined) == (0, 0, 0)


@pytest.mark.parametrize(
    ("content", "line"),
    [
        (RATES + "\n2026-01-01,USD,1\n\n2026-01-02,USD,1\n", 3),
        (RATES + "\n\n2026-01-01,USD,1\n", 2),
        (RATES + "\n2026-01-01,USD,1\n\n", 3),
        (RATES + "\r\n2026-01-01,USD,1\r\n\r\n2026-01-02,USD,1\r\n", 3),
    ],
)
def test_a_blank_line_is_refused_naming_its_line(tmp_path, content, line):
    message = _refusal(tmp_path, {"ref_fx_rates.csv": content.encode()})
    assert f"{DAY}/ref_fx_rates.csv line {line} is blank" in message


def test_a_bad_value_in_json_lines_quarantines_its_row_only(tmp_path):
    lines = [
        {"rate_date": "2026-01-01", "currency": "USD", "rate_to_reporting": 0.9},
        {"rate_date": "2026-01-02", "currency": "USD", "rate_to_reporting": "n/a"},
        {"rate_date": "2026-01-03", "currency": "USD", "rate_to_reporting": 1.23456789012},
        {"rate_date": "2026-01-04", "currency": "USD", "rate_to_reporting": 2},
        {"rate_date": "2026-01-05", "currency": "USD", "rate_to_reporting": None},
        {"rate_date": "2026-01-06", "currency": "USD", "rate_to_reporting": True},
        {"rate_date": "2026-01-07", "currency": "USD"},
        {"rate_date": "2026-01-08", "currency": "USD", "rate_to_reporting": 5.7e-05},
        {"rate_date": "2026-01-09", "currency": "USD", "rate_to_reporting": 1.5e-09},
    ]
    landing = land(tmp_path, {"ref_fx_rates.jsonl": _jsonl(lines)})
    con = connect(tmp_path / "w.duckdb")
    load_landing_zone(con, landing, "run")
    assert con.execute(
        "SELECT _line, rate_to_reporting FROM raw.ref_fx_rates ORDER BY 1"
    ).fetchall() == [(1, Decimal("0.9")), (4, Decimal("2")), (8, Decimal("0.000057"))]
    assert _reasons(con, "ref_fx_rates") == {
        2: "unparseable",
        3: "unparseable",
        5: "missing_value",
        6: "unparseable",
        7: "missing_value",
        9: "unparseable",
    }
    reconciled(con)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"rate_date": "2026-01-01"}\n{"rate_date": \n', r"line 2, character \d+: not JSON"),
        (b'{"rate_date": "2026-01-01"}\n[1, 2]\n', "line 2: a JSON list where each line"),
        (b'{"rate_date": "2026-01-01", "rate_date": "2026-01-02"}\n', "line 1: the key"),
        (b'{"rate_date": {"day": 1}}\n', "line 1: 'rate_date' holds a JSON dict"),
        (b'{"rate_date": "2026-01-01"}\n\n{"rate_date": "2026-01-01"}\n', "line 2 is blank"),
        (b'{"rate_date": "\\ud800"}\n', "line 1: a \\\\u escape"),
        (b'{"rate_date": "2026-01-01"}\n{"rate_date": "\xff"}\n', r"line 2, byte \d+: not valid"),
    ],
)
def test_a_json_lines_file_that_is_not_json_objects_is_refused_naming_the_line(
    tmp_path, content, expected
):
    message = _refusal(tmp_path, {"ref_fx_rates.jsonl": content})
    assert f"{DAY}/ref_fx_rates.jsonl " in message
    assert re.search(expected, message), message


LOADER_NAMES = ["_line", "_reason", "_extra", "_copies", "_hash", "_previous", "_x0", "_c0"]


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_export_columns_named_like_the_loaders_own_are_kept_as_extras(tmp_path, fmt):
    """Extra columns named like the loader's internal ones (or like DuckDB's row number) keep
    their values in _extra and change neither the line numbers nor the quarantine."""
    names = [*LOADER_NAMES, "file_row_number", "RATE_DATE"]
    rows = [
        {"rate_date": "2026-01-01", "currency": "USD", "rate_to_reporting": "0.9"},
        {"rate_date": "2026-01-01", "currency": "USD", "rate_to_reporting": "0.8"},
        {"rate_date": "2026-01-03", "currency": "USD", "rate_to_reporting": "x"},
        {"rate_date": "2026-01-04", "currency": "USD", "rate_to_reporting": "0.7"},
    ]
    rows = [r | {n: f"{n}-{i}" for n in names} for i, r in enumerate(rows)]
    if fmt == "parquet":
        content = io.BytesIO()
        pq.write_table(pa.Table.from_pylist(rows), content)
        data, first = content.getvalue(), 1
    else:
        data, first = (_csv(rows), 2) if fmt == "csv" else (_jsonl(rows), 1)
    landing = land(tmp_path, {f"ref_fx_rates.{fmt}": data})
    con = connect(tmp_path / "w.duckdb")
    load_landing_zone(con, landing, "run")
    assert _reasons(con, "ref_fx_rates") == {
        first: "duplicate_key",
        first + 1: "duplicate_key",
        first + 2: "unparseable",
    }
    loaded = con.execute("SELECT _line, rate_date, _extra FROM raw.ref_fx_rates").fetchall()
    assert [(line, day) for line, day, _ in loaded] == [(first + 3, date(2026, 1, 4))]
    assert json.loads(loaded[0][2]) == {n: f"{n}-3" for n in names}
    kept = con.execute("SELECT _extra FROM raw.ref_fx_rates__quarantine ORDER BY _line").fetchall()
    assert [json.loads(e)["_line"] for (e,) in kept] == ["_line-0", "_line-1", "_line-2"]
    reconciled(con)


def test_a_record_longer_than_a_read_block_loads(tmp_path):
    name = "N" * (3 << 20)
    accounts = ACCOUNTS.replace("Acme", f'"{name}, with a comma"')
    landing = land(tmp_path, {"crm_accounts.csv": accounts.encode()})
    con = connect(tmp_path / "w.duckdb")
    load_landing_zone(con, landing, "run")
    assert con.execute("SELECT length(account_name) FROM raw.crm_accounts").fetchone() == (
        len(f"{name}, with a comma"),
    )


# ---- every refusal in words -----------------------------------------------------------------


def _refusal(tmp_path: Path, files: dict[str, bytes]) -> str:
    landing = land(tmp_path, files)
    con = connect(tmp_path / "w.duckdb")
    with pytest.raises(LandingFileError) as error:
        load_landing_zone(con, landing, "run")
    message = str(error.value)
    assert "\n" not in message and message.startswith(f"delivery {DAY} rejected: {DAY}/")
    assert con.execute("SELECT count(*) FROM raw._deliveries").fetchone() == (0,)
    return message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (RATES + "\n2026-01-01,USD,1\r2026-01-02,USD,1\n", "line 2: a carriage return (CR)"),
        (RATES + "\r2026-01-01,USD,1\n", "line 1: a carriage return (CR)"),
        ("rate_date,,currency,rate_to_reporting\n2026-01-01,x,USD,1\n", "column 2: the column "),
        (RATES + ",\n2026-01-01,USD,1,\n", "column 4: the column has no name"),
        (RATES + ",currency\n2026-01-01,USD,1,USD\n", "column 4: the column name 'currency'"),
        (RATES + '\n2026-01-01,"US"D,1\n', "line 2: a quote inside a value, or text after"),
        (RATES + '\n2026-01-01,USD,1\n2026-01-02,U"SD,1\n', "line 3: a quote inside a value"),
        (RATES + '\n2026-01-01,"USD" ,1\n', "line 2: a quote inside a value"),
        (RATES + "\n2026-01-01,USD\n", "line 2: 2 fields where the header has 3"),
        (RATES + '\n2026-01-01,"USD,1\n', "line 2: a quoted field opened here is never closed"),
        (RATES + "\n2026-01-01,USD,\xff\n", "line 2, byte 16: not valid UTF-8"),
        ("\n" + RATES + "\n", "line 1 is blank"),
    ],
)
def test_a_broken_csv_is_refused_in_one_line_naming_file_and_line(tmp_path, content, expected):
    raw = content.encode("utf-8", "surrogateescape").replace(b"\xc3\xbf", b"\xff")
    message = _refusal(tmp_path, {"ref_fx_rates.csv": raw})
    assert f"{DAY}/ref_fx_rates.csv {expected}" in message, message


# ---- anything at all: loaded and reconciled, or refused in one line --------------------------

CSV_BITS = st.sampled_from(
    [",", '"', "\n", "\r", "\r\n", " ", "\x00", "\ufeff", "é", "2026-01-01", "USD", "1", "x", ""]
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.one_of(
        st.lists(CSV_BITS, max_size=40).map("".join).map(str.encode),
        st.binary(max_size=80),
    ),
    header=st.sampled_from(["", RATES, RATES + ",", RATES + ",_line", RATES + ",\r"]),
    fmt=st.sampled_from(["csv", "jsonl"]),
)
def test_any_file_loads_reconciled_or_is_refused_in_one_line(tmp_path_factory, body, header, fmt):
    root = tmp_path_factory.mktemp("any")
    if fmt == "csv" and header:
        body = (header + "\n").encode() + body
    landing = land(root, {f"ref_fx_rates.{fmt}": body})
    con = connect(root / "w.duckdb")
    try:
        report = load_landing_zone(con, landing, "run")
    except LandingFileError as exc:
        message = str(exc)
        assert "\n" not in message and message.startswith(f"delivery {DAY} rejected: {DAY}/")
        assert con.execute("SELECT count(*) FROM raw._deliveries").fetchone() == (0,)
    else:
        (load,) = [t for _, t in report.tables]
        assert load.input_records == load.loaded + load.quarantined
        stored = con.execute(
            "SELECT (SELECT count(*) FROM raw.ref_fx_rates) "
            "+ (SELECT count(*) FROM raw.ref_fx_rates__quarantine)"
        ).fetchone()[0]
        assert stored == load.input_records
    finally:
        con.close()


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["rate_date", "currency", "rate_to_reporting", "currency"], "column 4: the column name"),
        (["rate_date", "currency", "rate_to_reporting", ""], "column 4: the column has no name"),
    ],
)
def test_a_parquet_file_with_a_nameless_or_repeated_column_is_refused(tmp_path, names, expected):
    columns = [pa.array(["2026-01-01"]), pa.array(["USD"]), pa.array(["1"]), pa.array(["x"])]
    content = io.BytesIO()
    pq.write_table(pa.Table.from_arrays(columns, names=names), content)
    message = _refusal(tmp_path, {"ref_fx_rates.parquet": content.getvalue()})
    assert f"{DAY}/ref_fx_rates.parquet {expected}" in message, message
