"""The FX coverage check on hand-written raw tables: which amounts no rate converts, and when
the table's rates convert into another currency than the configured one."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from upsell.ingest.loader import ensure_raw_schema
from upsell.quality.fx_coverage import RateGap, currency_mismatch, fx_problems, rate_gaps


@pytest.fixture
def con():
    con = duckdb.connect()
    ensure_raw_schema(con)
    yield con
    con.close()


def _rates(con, *rows):
    for day, currency, rate in rows:
        con.execute(
            "INSERT INTO raw.ref_fx_rates (rate_date, currency, rate_to_reporting) "
            "VALUES (?, ?, ?)",
            [day, currency, rate],
        )


def _order(con, order_id, day, currency, total="10"):
    con.execute(
        "INSERT INTO raw.shop_orders (order_id, account_id, ordered_at, status, currency, "
        "order_total, updated_at) VALUES (?, 'A1', ?, 'completed', ?, ?, ?)",
        [order_id, f"{day} 12:00:00", currency, total, f"{day} 12:00:00"],
    )


def _invoice(con, invoice_id, day, currency, status="paid"):
    con.execute(
        "INSERT INTO raw.sub_invoices (invoice_id, subscription_id, account_id, issued_at, "
        "due_at, amount, currency, status, paid_at) VALUES (?, 'S1', 'A1', ?, ?, 50, ?, ?, NULL)",
        [invoice_id, f"{day} 08:00:00", f"{day} 08:00:00", currency, status],
    )


def _subscription(con, day, currency):
    con.execute(
        "INSERT INTO raw.sub_plans (plan_id, plan_name, tier, billing_interval_months, currency, "
        "unit_price) VALUES ('P1', 'Pro', 1, 1, ?, 20)",
        [currency],
    )
    con.execute(
        "INSERT INTO raw.sub_subscription_events (event_id, subscription_id, account_id, "
        "event_type, effective_at, plan_id, quantity, discount_pct, recorded_at) "
        "VALUES ('E1', 'S1', 'A1', 'created', ?, 'P1', 1, 0, ?)",
        [f"{day} 00:00:00", f"{day} 00:00:00"],
    )


def test_the_reporting_currency_needs_no_rate_even_without_an_fx_table(con):
    _order(con, "O1", "2025-01-03", "EUR")
    _invoice(con, "I1", "2025-01-04", "eur")
    _subscription(con, "2025-01-01", "EUR")
    assert fx_problems(con, "EUR") == []


def test_a_day_without_a_rate_uses_the_latest_earlier_rate(con):
    _rates(con, ("2025-01-01", "USD", "0.9"))
    _order(con, "O1", "2025-03-15", "USD")
    assert rate_gaps(con, "EUR") == []


def test_amounts_before_a_currencys_first_rate_are_reported_with_dates_and_count(con):
    _rates(con, ("2025-02-01", "USD", "0.9"))
    _order(con, "O1", "2025-01-10", "USD")
    _order(con, "O2", "2025-01-20", "usd")
    _order(con, "O3", "2025-02-01", "USD")  # on the first rate's day: converted
    _invoice(con, "I1", "2025-01-05", "GBP")
    _invoice(con, "I2", "2025-01-06", "GBP", status="void")  # not reported anywhere
    assert rate_gaps(con, "EUR") == [
        RateGap("GBP", date(2025, 1, 5), date(2025, 1, 5), 1, ("sub_invoices",)),
        RateGap("USD", date(2025, 1, 10), date(2025, 1, 20), 2, ("shop_orders",)),
    ]


def test_a_plan_price_in_a_currency_without_rates_is_a_gap(con):
    _subscription(con, "2025-01-01", "CHF")
    assert rate_gaps(con, "EUR") == [
        RateGap("CHF", date(2025, 1, 1), date(2025, 1, 1), 1, ("sub_subscription_events",))
    ]


def test_the_message_names_currency_dates_count_and_what_to_send(con):
    _invoice(con, "I1", "2025-01-05", "USD")
    _invoice(con, "I2", "2025-03-07", "USD")
    (line,) = fx_problems(con, "EUR")
    assert line == (
        "2 amount(s) in USD (sub_invoices) dated from 2025-01-05 to 2025-03-07 have no rate on "
        "or before their date in ref_fx_rates: send rates for USD in ref_fx_rates from "
        "2025-01-05 on"
    )


def test_a_table_that_lists_the_reporting_currency_at_1_agrees(con):
    _rates(con, ("2025-01-01", "EUR", "1"), ("2025-01-01", "USD", "0.9"))
    assert currency_mismatch(con, "EUR") is None


def test_a_table_listing_only_foreign_currencies_agrees(con):
    _rates(con, ("2025-01-01", "USD", "0.9"), ("2025-01-02", "USD", "0.91"))
    assert currency_mismatch(con, "EUR") is None


def test_no_fx_table_at_all_agrees(con):
    assert currency_mismatch(con, "EUR") is None


def test_the_reporting_currency_at_another_rate_names_both_currencies(con):
    _rates(
        con,
        ("2025-01-01", "EUR", "1"),
        ("2025-01-01", "USD", "0.92"),
        ("2025-01-02", "EUR", "1"),
        ("2025-01-02", "USD", "0.93"),
    )
    line = currency_mismatch(con, "USD")
    assert "UPSELL_REPORTING_CURRENCY is USD" in line
    assert "converts into EUR" in line
    assert "lists USD at 0.92 on 2025-01-01" in line
    assert "UPSELL_REPORTING_CURRENCY=EUR" in line


def test_the_reporting_currency_off_1_with_no_other_at_1_is_refused(con):
    _rates(con, ("2025-01-01", "USD", "1.08"), ("2025-01-01", "GBP", "1.25"))
    line = currency_mismatch(con, "USD")
    assert line == (
        "UPSELL_REPORTING_CURRENCY is USD but ref_fx_rates converts into another currency: it "
        "lists USD at 1.08 on 2025-01-01; set UPSELL_REPORTING_CURRENCY to the currency its "
        "rates convert into or send rates into USD (with USD at 1)"
    )


def test_another_currency_at_exactly_1_with_the_reporting_one_unlisted_is_refused(con):
    _rates(con, ("2025-01-01", "EUR", "1"), ("2025-01-01", "GBP", "1.17"))
    line = currency_mismatch(con, "USD")
    assert "UPSELL_REPORTING_CURRENCY is USD" in line and "converts into EUR" in line
    assert fx_problems(con, "USD") == [line]


def test_a_peg_at_1_beside_the_listed_reporting_currency_is_not_a_mismatch(con):
    _rates(con, ("2025-01-01", "USD", "1"), ("2025-01-01", "BSD", "1"))
    assert currency_mismatch(con, "USD") is None


@settings(max_examples=40, deadline=None)
@given(
    first_rate=st.dates(date(2024, 1, 1), date(2024, 12, 31)),
    order_days=st.lists(st.dates(date(2024, 1, 1), date(2024, 12, 31)), min_size=1, max_size=8),
)
def test_a_gap_counts_exactly_the_orders_dated_before_the_first_rate(first_rate, order_days):
    con = duckdb.connect()
    ensure_raw_schema(con)
    _rates(con, (first_rate, "USD", "0.9"))
    for i, day in enumerate(order_days):
        _order(con, f"O{i}", day, "USD")
    early = sorted(d for d in order_days if d < first_rate)
    expected = [RateGap("USD", early[0], early[-1], len(early), ("shop_orders",))] if early else []
    assert rate_gaps(con, "EUR") == expected
    con.close()
