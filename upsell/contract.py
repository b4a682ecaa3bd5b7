"""The landing-zone contract (README, "Pointing it at your own exports") as data.

One definition serves the generator that writes the landing zone, the loader that reads it and
the Great Expectations suites that check it, so the three cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # string | integer | decimal | boolean | timestamp | date | rate
    nullable: bool = False
    enum: tuple[str, ...] | None = None
    min: float | None = None
    max: float | None = None
    references: str | None = None  # "table.column" of the parent key
    pii: bool = False
    code: str | None = None  # a string column holding codes of a standard, e.g. "currency"


@dataclass(frozen=True)
class Table:
    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    source: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "source", self.name.split("_", 1)[0])

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def has_updated_at(self) -> bool:
        return "updated_at" in self.column_names

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _s(name: str, **kw) -> Column:
    return Column(name, "string", **kw)


def _currency(name: str, **kw) -> Column:
    return Column(name, "string", code="currency", **kw)


def _ts(name: str, **kw) -> Column:
    return Column(name, "timestamp", **kw)


def _int(name: str, **kw) -> Column:
    return Column(name, "integer", min=kw.pop("min", 0), **kw)


def _money(name: str, **kw) -> Column:
    return Column(name, "decimal", min=0, **kw)


ACCOUNT_FK = "crm_accounts.account_id"

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "crm_accounts",
            ("account_id",),
            (
                _s("account_id"),
                _s("account_name"),
                _s("industry"),
                _s("country"),
                _s("segment", enum=("smb", "mid_market", "enterprise")),
                _int("employee_count"),
                _currency("billing_currency"),
                _ts("created_at"),
                _ts("updated_at"),
            ),
        ),
        Table(
            "crm_contacts",
            ("contact_id",),
            (
                _s("contact_id"),
                _s("account_id", references=ACCOUNT_FK),
                _s("email", pii=True),
                _s("full_name", pii=True),
                _s("job_title", nullable=True),
                Column("is_primary", "boolean"),
                _ts("created_at"),
                _ts("updated_at"),
            ),
        ),
        Table(
            "crm_opportunities",
            ("opportunity_id",),
            (
                _s("opportunity_id"),
                _s("account_id", references=ACCOUNT_FK),
                _s("opportunity_type", enum=("new_business", "upsell", "cross_sell", "renewal")),
                _s("stage", enum=("open", "closed_won", "closed_lost")),
                _money("amount"),
                _currency("currency"),
                _ts("created_at"),
                _ts("closed_at", nullable=True),
                _ts("updated_at"),
            ),
        ),
        Table(
            "crm_activities",
            ("activity_id",),
            (
                _s("activity_id"),
                _s("account_id", references=ACCOUNT_FK),
                _s("contact_id", nullable=True, references="crm_contacts.contact_id"),
                _s("activity_type", enum=("email", "call", "meeting")),
                _ts("occurred_at"),
            ),
        ),
        Table(
            "crm_support_tickets",
            ("ticket_id",),
            (
                _s("ticket_id"),
                _s("account_id", references=ACCOUNT_FK),
                _s("priority", enum=("low", "normal", "high", "urgent")),
                _ts("opened_at"),
                _ts("resolved_at", nullable=True),
                _ts("updated_at"),
            ),
        ),
        Table(
            "crm_survey_responses",
            ("response_id",),
            (
                _s("response_id"),
                _s("account_id", references=ACCOUNT_FK),
                _s("contact_id", references="crm_contacts.contact_id"),
                _s("survey_type", enum=("nps", "csat")),
                _int("score", max=10),
                _ts("responded_at"),
            ),
        ),
        Table(
            "crm_upsell_offers",
            ("offer_id",),
            (
                _s("offer_id"),
                _s("account_id", references=ACCOUNT_FK),
                _s("campaign_id"),
                _s("variant"),
                _s("offer_type", enum=("plan_upgrade", "seat_pack", "addon")),
                _s("offered_item"),
                _s("channel", enum=("email", "in_app", "sales")),
                _ts("sent_at"),
            ),
        ),
        Table(
            "sub_plans",
            ("plan_id",),
            (
                _s("plan_id"),
                _s("plan_name"),
                _int("tier", min=1),
                _int("billing_interval_months", min=1, max=12),
                _currency("currency"),
                _money("unit_price"),
            ),
        ),
        Table(
            "sub_subscription_events",
            ("event_id",),
            (
                _s("event_id"),
                _s("subscription_id"),
                _s("account_id", references=ACCOUNT_FK),
                _s(
                    "event_type",
                    enum=(
                        "created",
                        "plan_changed",
                        "quantity_changed",
                        "discount_changed",
                        "cancelled",
                        "reactivated",
                    ),
                ),
                _ts("effective_at"),
                _s("plan_id", references="sub_plans.plan_id"),
                _int("quantity", min=1),
                Column("discount_pct", "decimal", min=0, max=100),
                _ts("recorded_at"),
            ),
        ),
        Table(
            "sub_invoices",
            ("invoice_id",),
            (
                _s("invoice_id"),
                _s("subscription_id"),
                _s("account_id", references=ACCOUNT_FK),
                _ts("issued_at"),
                _ts("due_at"),
                _money("amount"),
                _currency("currency"),
                _s("status", enum=("paid", "open", "void", "uncollectible")),
                _ts("paid_at", nullable=True),
            ),
        ),
        Table(
            "shop_products",
            ("product_id",),
            (
                _s("product_id"),
                _s("product_name"),
                _s("category"),
                Column("is_addon", "boolean"),
                _currency("currency"),
                _money("list_price"),
            ),
        ),
        Table(
            "shop_orders",
            ("order_id",),
            (
                _s("order_id"),
                _s("account_id", references=ACCOUNT_FK),
                _ts("ordered_at"),
                _s("status", enum=("completed", "cancelled", "refunded")),
                _currency("currency"),
                _money("order_total"),
                _ts("updated_at"),
            ),
        ),
        Table(
            "shop_order_items",
            ("order_item_id",),
            (
                _s("order_item_id"),
                _s("order_id", references="shop_orders.order_id"),
                _s("product_id", references="shop_products.product_id"),
                _int("quantity", min=1),
                _money("unit_price"),
                _money("discount_amount"),
            ),
        ),
        Table(
            "usage_daily",
            ("account_id", "usage_date"),
            (
                _s("account_id", references=ACCOUNT_FK),
                Column("usage_date", "date"),
                _int("active_users"),
                _int("events"),
                _int("feature_limit_hits"),
            ),
        ),
        Table(
            "ref_fx_rates",
            ("rate_date", "currency"),
            (
                Column("rate_date", "date"),
                _currency("currency"),
                Column("rate_to_reporting", "rate", min=0),
            ),
        ),
    )
}


def enum(table: str, column: str) -> tuple[str, ...]:
    """The allowed values of an enumerated column, in the contract's order: the generator
    writes them by position, so the order is part of what it generates."""
    values = TABLES[table].column(column).enum
    if values is None:
        raise KeyError(f"{table}.{column} is not an enumerated column")
    return values


SUCCESS_MARKER = "_SUCCESS"
FORMATS = ("csv", "parquet", "jsonl")
