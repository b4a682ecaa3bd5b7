"""The contract's columns from the coded frames, as DuckDB SQL: ids, enum names and
timestamps are formatted here, which is much faster than in Python."""

from __future__ import annotations

from upsell.contract import enum
from upsell.sample_data import catalog as cat


def ts(col: str) -> str:
    """Epoch seconds to TIMESTAMP; the generator codes a missing timestamp as -1."""
    return f"CASE WHEN {col} >= 0 THEN make_timestamp(({col})::BIGINT * 1000000) END"


def _enum(values: tuple[str, ...], col: str) -> str:
    quoted = ("'" + v.replace("'", "''") + "'" for v in values)
    return "[" + ", ".join(quoted) + f"][{col} + 1]"


CUR = _enum(cat.CURRENCIES, "cur")
NPS, CSAT = enum("crm_survey_responses", "survey_type")
PRODUCT_IDS = tuple(p[0] for p in cat.PRODUCTS)
CONTRACT_SQL = {
    "crm_accounts": f"""
        SELECT printf('A%07d', acc + 1) AS account_id,
               {_enum(cat.NAME_STEMS, "stem")} || ' ' || {_enum(cat.NAME_SUFFIXES, "suffix")}
                 || {_enum(cat.LEGAL_FORM, "country")} AS account_name,
               {_enum(cat.INDUSTRIES, "industry")} AS industry,
               {_enum(cat.COUNTRIES, "country")} AS country,
               {_enum(cat.SEGMENTS, "seg")} AS segment,
               employees::BIGINT AS employee_count,
               {CUR} AS billing_currency,
               {ts("signup")} AS created_at, {ts("updated")} AS updated_at""",
    "crm_contacts": f"""
        SELECT printf('C%08d', contact + 1) AS contact_id, printf('A%07d', acc + 1) AS account_id,
               lower(replace({_enum(cat.FIRST_NAMES, "first")}, ' ', '')) || '.'
                 || lower(replace(replace({_enum(cat.LAST_NAMES, "last")}, ' ', ''), '''', ''))
                 || '.' || (contact + 1) || '@customer' || (acc + 1) || '.example' AS email,
               {_enum(cat.FIRST_NAMES, "first")} || ' ' || {_enum(cat.LAST_NAMES, "last")}
                 AS full_name,
               {_enum(cat.JOB_TITLES, "title")} AS job_title,
               "primary" AS is_primary,
               {ts("created")} AS created_at, {ts("updated")} AS updated_at""",
    "crm_opportunities": f"""
        SELECT printf('O%08d', opp + 1) AS opportunity_id, printf('A%07d', acc + 1) AS account_id,
               {_enum(enum("crm_opportunities", "opportunity_type"), "otype")}
                 AS opportunity_type,
               {_enum(enum("crm_opportunities", "stage"), "stage")} AS stage,
               amount::DECIMAL(18, 2) AS amount, {CUR} AS currency,
               {ts("created")} AS created_at, {ts("closed")} AS closed_at,
               {ts("updated")} AS updated_at""",
    "crm_activities": f"""
        SELECT printf('V%09d', activity + 1) AS activity_id, printf('A%07d', acc + 1) AS account_id,
               CASE WHEN contact >= 0 THEN printf('C%08d', contact + 1) END AS contact_id,
               {_enum(enum("crm_activities", "activity_type"), "atype")} AS activity_type,
               {ts("ts")} AS occurred_at""",
    "crm_support_tickets": f"""
        SELECT printf('T%08d', ticket + 1) AS ticket_id, printf('A%07d', acc + 1) AS account_id,
               {_enum(enum("crm_support_tickets", "priority"), "prio")} AS priority,
               {ts("opened")} AS opened_at, {ts("resolved")} AS resolved_at,
               {ts("updated")} AS updated_at""",
    "crm_survey_responses": f"""
        SELECT printf('R%08d', response + 1) AS response_id,
               printf('A%07d', acc + 1) AS account_id, printf('C%08d', contact + 1) AS contact_id,
               CASE WHEN nps THEN '{NPS}' ELSE '{CSAT}' END AS survey_type,
               score::BIGINT AS score, {ts("ts")} AS responded_at""",
    "crm_upsell_offers": f"""
        SELECT printf('U%08d', offer + 1) AS offer_id, printf('A%07d', acc + 1) AS account_id,
               printf('CMP-%03d', campaign + 1) AS campaign_id,
               ['A', 'B', 'C'][variant + 1] AS variant,
               {_enum(enum("crm_upsell_offers", "offer_type"), "offer_type")} AS offer_type,
               CASE WHEN offer_type = 2 THEN {_enum(PRODUCT_IDS, "item_product")}
                    ELSE (SELECT list(plan_id) FROM plans)[item_plan + 1] END AS offered_item,
               {_enum(enum("crm_upsell_offers", "channel"), "channel")} AS channel,
               {ts("sent")} AS sent_at""",
    "sub_plans": """
        SELECT plan_id, plan_name, tier::BIGINT AS tier,
               billing_interval_months::BIGINT AS billing_interval_months, currency,
               unit_price::DECIMAL(18, 2) AS unit_price""",
    "sub_subscription_events": f"""
        SELECT printf('E%09d', event + 1) AS event_id,
               printf('S%08d', acc * 2 + kind + 1) AS subscription_id,
               printf('A%07d', acc + 1) AS account_id,
               {_enum(enum("sub_subscription_events", "event_type"), "etype")}
                 AS event_type,
               {ts("eff")} AS effective_at,
               (SELECT list(plan_id) FROM plans)[plan + 1] AS plan_id,
               seats::BIGINT AS quantity, disc::DECIMAL(5, 2) AS discount_pct,
               {ts("recorded")} AS recorded_at""",
    "sub_invoices": f"""
        SELECT printf('I%09d', invoice + 1) AS invoice_id,
               printf('S%08d', acc * 2 + kind + 1) AS subscription_id,
               printf('A%07d', acc + 1) AS account_id,
               {ts("issued")} AS issued_at, {ts("due")} AS due_at,
               amount::DECIMAL(18, 2) AS amount, {CUR} AS currency,
               {_enum(enum("sub_invoices", "status"), "status")} AS status,
               {ts("paid_at")} AS paid_at""",
    "shop_products": """
        SELECT product_id, product_name, category, is_addon, currency,
               list_price::DECIMAL(18, 2) AS list_price""",
    "shop_orders": f"""
        SELECT printf('W%08d', "order" + 1) AS order_id, printf('A%07d', acc + 1) AS account_id,
               {ts("ts")} AS ordered_at,
               {_enum(enum("shop_orders", "status"), "status")} AS status,
               {CUR} AS currency, total::DECIMAL(18, 2) AS order_total,
               {ts("updated")} AS updated_at""",
    "shop_order_items": f"""
        SELECT printf('L%09d', item + 1) AS order_item_id, printf('W%08d', "order" + 1) AS order_id,
               {_enum(PRODUCT_IDS, "product")} AS product_id,
               qty::BIGINT AS quantity, price::DECIMAL(18, 2) AS unit_price,
               discount::DECIMAL(18, 2) AS discount_amount""",
    "ref_fx_rates": """
        SELECT rate_date::DATE AS rate_date, currency,
               rate_to_reporting::DECIMAL(18, 6) AS rate_to_reporting""",
}

# Daily usage is expanded from account-months inside DuckDB: the noise comes from one hash of
# (seed, account, day), split into three uniforms, so it is deterministic and needs no Python
# loop. Rows come out in the account-months' order (sorted by account, month), so no sort.
USAGE_SQL = """
    WITH days AS (
        SELECT printf('A%07d', acc + 1) AS account_id, acc, u0, u1, hits, intensity,
               unnest(range("first" // 86400, "last" // 86400 + 1)) AS day,
               "first" // 86400 AS d0, "last" // 86400 AS d1
        FROM usage_months
        WHERE "last" >= $lo AND "first" <= $hi
    ), noisy AS (
        SELECT account_id, day, u0, u1, hits, intensity,
               hash($seed, acc, day) AS h,
               (h % 1000) / 1000.0 AS r1,
               ((h // 1000) % 1000) / 1000.0 AS r2,
               ((h // 1000000) % 1000) / 1000.0 AS r3,
               CASE WHEN (day + 4) % 7 IN (0, 6) THEN 0.35 ELSE 1.0 END AS week,
               CASE WHEN d1 > d0 THEN (day - d0) / (d1 - d0) ELSE 1.0 END AS frac
        FROM days
        WHERE day * 86400 + 86399 > $lo AND day * 86400 <= $hi
    )
    SELECT account_id,
           DATE '1970-01-01' + day::INTEGER AS usage_date,
           floor((u0 + (u1 - u0) * frac) * week * (0.8 + 0.3 * r1) + r2)::BIGINT AS active_users,
           floor((u0 + (u1 - u0) * frac) * week * intensity * (15 + 20 * r3) + r1)::BIGINT
             AS events,
           floor(hits * week * 2 * r3 + r2)::BIGINT AS feature_limit_hits
    FROM noisy
"""
