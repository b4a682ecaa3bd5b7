"""Does ``raw.ref_fx_rates`` convert every amount the marts report, and into the configured
reporting currency? Checked on the raw tables, before dbt converts anything.

The reporting currency converts at 1 whether or not the table lists it, and a day without a
rate uses the latest earlier one (``int_fx_rates_daily``). So an amount lacks a rate only when
its currency is another one and has no rate on or before the amount's date. The amounts are
those the marts convert: every web-shop order (``int_orders``), every paid invoice
(``customer_360``) and every subscription event's plan price (MRR, offer revenue).

The table's own rate-1 currency (what its rates convert into) disagrees with the configured
reporting currency when the reporting currency is listed with a rate other than 1, or when it
is not listed at all and another currency has every one of its rates exactly 1. A currency
pegged 1:1 to the reporting one would look like the second case: listing the reporting
currency at 1 beside it says which is which.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

AMOUNTS_SQL = """
    SELECT upper(currency) AS currency, CAST(ordered_at AS DATE) AS amount_date,
        'shop_orders' AS source
    FROM raw.shop_orders
    UNION ALL
    SELECT upper(currency), CAST(issued_at AS DATE), 'sub_invoices'
    FROM raw.sub_invoices WHERE status = 'paid'
    UNION ALL
    SELECT upper(plans.currency), CAST(events.effective_at AS DATE), 'sub_subscription_events'
    FROM raw.sub_subscription_events AS events
    JOIN raw.sub_plans AS plans ON events.plan_id = plans.plan_id
"""


@dataclass(frozen=True)
class RateGap:
    """Amounts in ``currency`` dated before its first rate (or with no rate at all)."""

    currency: str
    first_date: date
    last_date: date
    amounts: int
    sources: tuple[str, ...]

    def describe(self) -> str:
        dates = (
            f"on {self.first_date}"
            if self.first_date == self.last_date
            else f"from {self.first_date} to {self.last_date}"
        )
        return (
            f"{self.amounts} amount(s) in {self.currency} ({', '.join(self.sources)}) dated "
            f"{dates} have no rate on or before their date in ref_fx_rates: send rates for "
            f"{self.currency} in ref_fx_rates from {self.first_date} on"
        )


def rate_gaps(con: duckdb.DuckDBPyConnection, reporting: str) -> list[RateGap]:
    """Per currency, the amounts no rate converts, by currency."""
    rows = con.execute(
        f"""
        WITH amounts AS ({AMOUNTS_SQL}),
        first_rates AS (
            SELECT upper(currency) AS currency, min(rate_date) AS first_rate
            FROM raw.ref_fx_rates GROUP BY 1
        )
        SELECT amounts.currency, min(amount_date), max(amount_date), count(*),
            list(DISTINCT source ORDER BY source)
        FROM amounts LEFT JOIN first_rates ON amounts.currency = first_rates.currency
        WHERE amounts.currency != $reporting
            AND (first_rates.first_rate IS NULL OR amount_date < first_rates.first_rate)
        GROUP BY amounts.currency
        ORDER BY amounts.currency
        """,
        {"reporting": reporting},
    ).fetchall()
    return [RateGap(cur, first, last, n, tuple(src)) for cur, first, last, n, src in rows]


def currency_mismatch(con: duckdb.DuckDBPyConnection, reporting: str) -> str | None:
    """One line when the table's rates convert into another currency than ``reporting``."""
    listed = con.execute(
        "SELECT rate_date, rate_to_reporting FROM raw.ref_fx_rates "
        "WHERE upper(currency) = $reporting AND rate_to_reporting != 1 "
        "ORDER BY rate_date LIMIT 1",
        {"reporting": reporting},
    ).fetchone()
    at_one = [
        row[0]
        for row in con.execute(
            "SELECT upper(currency) FROM raw.ref_fx_rates GROUP BY 1 "
            "HAVING bool_and(rate_to_reporting = 1) AND upper(currency) != $reporting "
            "ORDER BY 1",
            {"reporting": reporting},
        ).fetchall()
    ]
    reporting_listed = con.execute(
        "SELECT count(*) > 0 FROM raw.ref_fx_rates WHERE upper(currency) = $reporting",
        {"reporting": reporting},
    ).fetchone()[0]
    if listed is None and (reporting_listed or not at_one):
        return None
    base = " or ".join(at_one) if at_one else "another currency"
    why = (
        f"lists {reporting} at {float(listed[1]):g} on {listed[0]}"
        if listed
        else f"lists {base} at exactly 1 on every date and {reporting} not at all"
    )
    fix = (
        f"UPSELL_REPORTING_CURRENCY={at_one[0]}"
        if at_one
        else "UPSELL_REPORTING_CURRENCY to the currency its rates convert into"
    )
    return (
        f"UPSELL_REPORTING_CURRENCY is {reporting} but ref_fx_rates converts into {base}: it "
        f"{why}; set {fix} or send rates into {reporting} (with {reporting} at 1)"
    )


def fx_problems(con: duckdb.DuckDBPyConnection, reporting: str) -> list[str]:
    """Every reason the amounts could not be converted into ``reporting``, one line each."""
    mismatch = currency_mismatch(con, reporting)
    return ([mismatch] if mismatch else []) + [gap.describe() for gap in rate_gaps(con, reporting)]
