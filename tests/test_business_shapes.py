"""End to end on tiny hand-written landing zones: each business shape a real company sends
builds the marts its data supports (with hand-computed numbers) and leaves the others empty;
an amount no FX rate converts, or a reporting currency the FX table does not convert into,
stops the run before dbt with one line that names the currencies."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.dbt.runs import dbt_resource
from orchestration.defs.ingest import landing_zone_ingest
from orchestration.defs.raw_checks import fx_coverage, raw_suites
from orchestration.defs.transform import dbt_models
from orchestration.resources import Installation

DELIVERY = "2026-03-31"
KPI_MARTS = ("kpi_saas_monthly", "kpi_commerce_monthly", "kpi_voice_of_customer_monthly")


def _ts(day: str) -> str:
    return f"{day}T09:00:00Z"


def _accounts(*ids: str) -> list[dict]:
    return [
        {
            "account_id": a,
            "account_name": f"Company {a}",
            "industry": "software",
            "country": "DE",
            "segment": "smb",
            "employee_count": 20,
            "billing_currency": "EUR",
            "created_at": _ts("2025-12-01"),
            "updated_at": _ts("2025-12-01"),
        }
        for a in ids
    ]


def _plan(plan_id: str, tier: int, price: str, currency: str = "EUR") -> dict:
    return {
        "plan_id": plan_id,
        "plan_name": f"Plan {plan_id}",
        "tier": tier,
        "billing_interval_months": 1,
        "currency": currency,
        "unit_price": price,
    }


def _event(event_id, sub, account, kind, day, plan, quantity) -> dict:
    return {
        "event_id": event_id,
        "subscription_id": sub,
        "account_id": account,
        "event_type": kind,
        "effective_at": _ts(day),
        "plan_id": plan,
        "quantity": quantity,
        "discount_pct": 0,
        "recorded_at": _ts(day),
    }


def _invoice(invoice_id, sub, account, day, amount, status="paid", currency="EUR") -> dict:
    return {
        "invoice_id": invoice_id,
        "subscription_id": sub,
        "account_id": account,
        "issued_at": _ts(day),
        "due_at": _ts(day),
        "amount": amount,
        "currency": currency,
        "status": status,
        "paid_at": _ts(day) if status == "paid" else "",
    }


# A SaaS company billing in EUR only. A1: 2 seats at 10 from January, 2 seats at 25 from
# February (+30 expansion). A2: 1 seat at 10 from January, cancelled in March (-10 churn).
SAAS = {
    "crm_accounts": _accounts("A1", "A2"),
    "sub_plans": [_plan("P1", 1, "10.00"), _plan("P2", 2, "25.00")],
    "sub_subscription_events": [
        _event("E1", "S1", "A1", "created", "2026-01-10", "P1", 2),
        _event("E2", "S1", "A1", "plan_changed", "2026-02-15", "P2", 2),
        _event("E3", "S2", "A2", "created", "2026-01-20", "P1", 1),
        _event("E4", "S2", "A2", "cancelled", "2026-03-05", "P1", 1),
    ],
    "sub_invoices": [
        _invoice("I1", "S1", "A1", "2026-01-10", "20.00"),
        _invoice("I2", "S1", "A1", "2026-02-15", "50.00"),
        _invoice("I3", "S2", "A2", "2026-01-20", "10.00", status="open"),
    ],
}
REPORTING_AT_1 = [{"rate_date": "2026-01-01", "currency": "EUR", "rate_to_reporting": "1"}]
# The same company with a customer in USD from February, and an FX file that lists only USD:
# 0.90 until 0.80 from 15 March, so A3's 10 USD are 9 EUR in February and 8 in March.
WITH_USD = SAAS | {
    "crm_accounts": _accounts("A1", "A2", "A3"),
    "sub_plans": [*SAAS["sub_plans"], _plan("P3", 1, "10.00", currency="USD")],
    "sub_subscription_events": [
        *SAAS["sub_subscription_events"],
        _event("E5", "S3", "A3", "created", "2026-02-01", "P3", 1),
    ],
    "sub_invoices": [
        *SAAS["sub_invoices"],
        _invoice("I4", "S3", "A3", "2026-02-01", "10.00", currency="USD"),
    ],
    "ref_fx_rates": [
        {"rate_date": "2026-01-01", "currency": "USD", "rate_to_reporting": "0.90"},
        {"rate_date": "2026-03-15", "currency": "USD", "rate_to_reporting": "0.80"},
    ],
}


def _order(order_id, account, day, total, status="completed") -> dict:
    return {
        "order_id": order_id,
        "account_id": account,
        "ordered_at": _ts(day),
        "status": status,
        "currency": "EUR",
        "order_total": total,
        "updated_at": _ts(day),
    }


def _item(item_id, order, product, quantity, price) -> dict:
    return {
        "order_item_id": item_id,
        "order_id": order,
        "product_id": product,
        "quantity": quantity,
        "unit_price": price,
        "discount_amount": "0.00",
    }


# A web shop in EUR, no subscriptions, no FX file. January: B1 80 (2 widgets), B2 55 (a widget
# and a 15 add-on). February: B1 again 40 (returning), B2's order cancelled. March: nothing.
SHOP = {
    "crm_accounts": _accounts("B1", "B2"),
    "shop_products": [
        {
            "product_id": "W",
            "product_name": "Widget",
            "category": "hardware",
            "is_addon": "false",
            "currency": "EUR",
            "list_price": "40.00",
        },
        {
            "product_id": "X",
            "product_name": "Extra",
            "category": "addon",
            "is_addon": "true",
            "currency": "EUR",
            "list_price": "15.00",
        },
    ],
    "shop_orders": [
        _order("O1", "B1", "2026-01-05", "80.00"),
        _order("O2", "B2", "2026-01-20", "55.00"),
        _order("O3", "B1", "2026-02-10", "40.00"),
        _order("O4", "B2", "2026-02-11", "40.00", status="cancelled"),
    ],
    "shop_order_items": [
        _item("L1", "O1", "W", 2, "40.00"),
        _item("L2", "O2", "W", 1, "40.00"),
        _item("L3", "O2", "X", 1, "15.00"),
        _item("L4", "O3", "W", 1, "40.00"),
        _item("L5", "O4", "W", 1, "40.00"),
    ],
}


def _response(response_id, account, contact, kind, score, day) -> dict:
    return {
        "response_id": response_id,
        "account_id": account,
        "contact_id": contact,
        "survey_type": kind,
        "score": score,
        "responded_at": _ts(day),
    }


# CRM only: accounts, contacts, surveys. February: a promoter and a detractor (NPS 0);
# March: one satisfied CSAT answer (100).
CRM = {
    "crm_accounts": _accounts("C1", "C2"),
    "crm_contacts": [
        {
            "contact_id": f"K{n}",
            "account_id": f"C{n}",
            "email": f"k{n}@example.com",
            "full_name": f"Contact {n}",
            "job_title": "",
            "is_primary": "true",
            "created_at": _ts("2025-12-01"),
            "updated_at": _ts("2025-12-01"),
        }
        for n in (1, 2)
    ],
    "crm_survey_responses": [
        _response("R1", "C1", "K1", "nps", 10, "2026-02-03"),
        _response("R2", "C2", "K2", "nps", 5, "2026-02-05"),
        _response("R3", "C1", "K1", "csat", 5, "2026-03-01"),
    ],
}


def write_landing(root: Path, tables: dict[str, list[dict]]) -> Path:
    """One complete delivery of CSV files, one per table given."""
    folder = root / "landing" / DELIVERY
    folder.mkdir(parents=True)
    for table, rows in tables.items():
        with (folder / f"{table}.csv").open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    (folder / "_SUCCESS").touch()
    return root / "landing"


def run(root: Path, tables: dict[str, list[dict]], reporting: str = "EUR"):
    landing = write_landing(root, tables)
    warehouse = root / "warehouse.duckdb"
    result = dg.materialize(
        [landing_zone_ingest, raw_suites, fx_coverage, dbt_models],
        resources={
            "installation": Installation(
                path=str(warehouse), landing_dir=str(landing), reporting_currency=reporting
            ),
            "dbt": dbt_resource(),
        },
        raise_on_error=False,
    )
    return result, warehouse


def query(warehouse: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def non_empty(warehouse: Path, *marts: str) -> list[str]:
    return [m for m in marts if query(warehouse, f"SELECT count(*) FROM marts.{m}")[0][0]]


def failed_dbt_tests(result) -> list[str]:
    return [
        c.check_name
        for c in result.get_asset_check_evaluations()
        if not c.passed and c.severity == dg.AssetCheckSeverity.ERROR
    ]


@pytest.fixture(scope="module")
def saas(tmp_path_factory):
    return run(tmp_path_factory.mktemp("saas"), SAAS)


@pytest.fixture(scope="module")
def saas_with_fx(tmp_path_factory):
    return run(tmp_path_factory.mktemp("saas_fx"), SAAS | {"ref_fx_rates": REPORTING_AT_1})


@pytest.fixture(scope="module")
def saas_usd(tmp_path_factory):
    return run(tmp_path_factory.mktemp("saas_usd"), WITH_USD)


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    return run(tmp_path_factory.mktemp("shop"), SHOP)


@pytest.fixture(scope="module")
def crm(tmp_path_factory):
    return run(tmp_path_factory.mktemp("crm"), CRM)


def test_a_saas_company_without_fx_file_builds_its_mrr_by_hand(saas):
    result, warehouse = saas
    assert result.success, failed_dbt_tests(result)
    assert failed_dbt_tests(result) == []
    kpis = query(
        warehouse,
        "SELECT month::VARCHAR, mrr, new_mrr, expansion_mrr, churned_mrr, active_accounts "
        "FROM marts.kpi_saas_monthly ORDER BY month",
    )
    assert kpis == [
        ("2026-01-01", Decimal("30.00"), Decimal("30.00"), 0, 0, 2),
        ("2026-02-01", Decimal("60.00"), 0, Decimal("30.00"), 0, 2),
        ("2026-03-01", Decimal("50.00"), 0, 0, Decimal("10.00"), 1),
    ]
    revenue = query(
        warehouse,
        "SELECT account_id, lifetime_revenue, status FROM marts.customer_360 ORDER BY 1",
    )
    assert revenue == [("A1", Decimal("70.00"), "active"), ("A2", 0, "churned")]
    assert non_empty(warehouse, "kpi_commerce_monthly", "kpi_voice_of_customer_monthly") == []


def test_an_fx_file_listing_only_the_reporting_currency_changes_nothing(saas, saas_with_fx):
    (result, without), (result_fx, with_fx) = saas, saas_with_fx
    assert result.success and result_fx.success, failed_dbt_tests(result_fx)
    for mart in ("fct_mrr_movements", "kpi_saas_monthly", "customer_360"):
        columns = "* EXCLUDE (model_version)" if mart == "customer_360" else "*"
        sql = f"SELECT {columns} FROM marts.{mart} ORDER BY ALL"
        assert query(without, sql) == query(with_fx, sql) != []


def test_an_fx_file_listing_only_foreign_currencies_converts_them_and_not_the_reporting_one(
    saas_usd,
):
    result, warehouse = saas_usd
    assert result.success, failed_dbt_tests(result)
    kpis = query(
        warehouse,
        "SELECT month::VARCHAR, mrr, new_mrr, churned_mrr, fx_adjustment_mrr "
        "FROM marts.kpi_saas_monthly ORDER BY month",
    )
    assert kpis == [
        ("2026-01-01", Decimal("30.00"), Decimal("30.00"), 0, 0),
        ("2026-02-01", Decimal("69.00"), Decimal("9.00"), 0, 0),
        ("2026-03-01", Decimal("58.00"), 0, Decimal("10.00"), Decimal("-1.00")),
    ]
    assert query(
        warehouse, "SELECT account_id, lifetime_revenue FROM marts.customer_360 ORDER BY 1"
    ) == [("A1", Decimal("70.00")), ("A2", 0), ("A3", Decimal("9.00"))]


def test_a_web_shop_without_subscriptions_or_fx_builds_every_order_month(shop):
    result, warehouse = shop
    assert result.success, failed_dbt_tests(result)
    kpis = query(
        warehouse,
        "SELECT month::VARCHAR, orders, revenue, buyers, returning_buyer_rate, addon_revenue "
        "FROM marts.kpi_commerce_monthly ORDER BY month",
    )
    assert kpis == [
        ("2026-01-01", 2, Decimal("135.00"), 2, 0.0, Decimal("15.00")),
        ("2026-02-01", 1, Decimal("40.00"), 1, 1.0, 0),
        ("2026-03-01", 0, 0, 0, None, 0),
    ]
    assert query(
        warehouse, "SELECT account_id, lifetime_revenue FROM marts.customer_360 ORDER BY 1"
    ) == [("B1", Decimal("120.00")), ("B2", Decimal("55.00"))]
    assert (
        non_empty(
            warehouse, "kpi_saas_monthly", "fct_mrr_movements", "kpi_voice_of_customer_monthly"
        )
        == []
    )


def test_a_crm_only_company_builds_customer_360_and_voice_of_customer(crm):
    result, warehouse = crm
    assert result.success, failed_dbt_tests(result)
    voice = query(
        warehouse,
        "SELECT month::VARCHAR, nps_responses, nps, csat_responses, csat "
        "FROM marts.kpi_voice_of_customer_monthly ORDER BY month",
    )
    assert voice == [("2026-02-01", 2, 0.0, 0, None), ("2026-03-01", 0, None, 1, 100.0)]
    assert query(
        warehouse, "SELECT account_id, latest_nps, status FROM marts.customer_360 ORDER BY 1"
    ) == [("C1", 10, "never_paid"), ("C2", 5, "never_paid")]
    assert (
        non_empty(warehouse, "kpi_saas_monthly", "kpi_commerce_monthly", "fct_mrr_movements") == []
    )


def _fx_check(result) -> dg.AssetCheckEvaluation:
    (check,) = [c for c in result.get_asset_check_evaluations() if c.check_name == "fx_coverage"]
    return check


def _dbt_ran(result) -> bool:
    return any(e.asset_key.path[0] != "raw" for e in result.get_asset_materialization_events())


def test_a_paid_invoice_in_a_currency_without_rates_stops_the_run_before_dbt(tmp_path):
    tables = SAAS | {
        "sub_invoices": [
            *SAAS["sub_invoices"],
            _invoice("I4", "S1", "A1", "2026-03-01", "60.00", currency="USD"),
        ]
    }
    result, _ = run(tmp_path, tables)
    assert not result.success
    check = _fx_check(result)
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert check.description == (
        "1 amount(s) in USD (sub_invoices) dated on 2026-03-01 have no rate on or before their "
        "date in ref_fx_rates: send rates for USD in ref_fx_rates from 2026-03-01 on"
    )
    assert not _dbt_ran(result)


def test_a_reporting_currency_the_fx_table_does_not_convert_into_stops_the_run(tmp_path):
    rates = [
        *REPORTING_AT_1,
        {"rate_date": "2026-01-01", "currency": "USD", "rate_to_reporting": "0.92"},
    ]
    result, _ = run(tmp_path, SAAS | {"ref_fx_rates": rates}, reporting="USD")
    assert not result.success
    check = _fx_check(result)
    assert not check.passed
    assert "UPSELL_REPORTING_CURRENCY is USD" in check.description
    assert "converts into EUR" in check.description
    assert not _dbt_ran(result)
