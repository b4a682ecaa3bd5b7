"""Turn a simulation into the landing contract's tables, one version per row change.

Each function returns a coded frame; ``CONTRACT_SQL`` maps it to the contract's columns in
DuckDB (ids, enum names and timestamps are formatted there, which is much faster than in
Python). Tables whose rows change (an opportunity closes, an invoice is paid, an order is
refunded) get one row per version; ``_arrival`` is when that version was exported.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from upsell.contract import enum
from upsell.sample_data import catalog as cat
from upsell.sample_data.simulate import DAY, LATE_EVENT_SHARE, Simulation


def _versions(first: pd.DataFrame, second: pd.DataFrame, end_s: int) -> pd.DataFrame:
    """Stack a first version and a later one, keeping what was exported by the end date."""
    both = pd.concat([first.assign(_v=0), second.assign(_v=1)], ignore_index=True)
    return both[both._arrival <= end_s].reset_index(drop=True)


def build(sim: Simulation, seed: int) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng([seed, 1])
    end_s = sim.end_s
    t = sim.tables
    acc = t["accounts"]
    n = len(acc)
    out: dict[str, pd.DataFrame] = {}

    # crm_accounts: created at sign-up; some re-sent later with a new head count, some re-sent
    # unchanged with a newer updated_at (exporters do that).
    base = acc.assign(updated=acc.signup, _arrival=acc.signup)
    later = acc.signup + rng.integers(20 * DAY, 500 * DAY, n)
    changed = rng.random(n) < 0.2
    touched = rng.random(n) < 0.03
    v2 = acc.assign(
        employees=np.where(
            changed,
            np.maximum(1, np.round(acc.employees * rng.uniform(0.8, 1.5, n))),
            acc.employees,
        ),
        updated=later,
        _arrival=later,
    )[changed | touched]
    out["crm_accounts"] = _versions(base, v2, end_s)

    # crm_contacts: a primary contact at sign-up, more for larger segments.
    k = 1 + rng.poisson(np.array([0.4, 1.8, 4.0])[acc.seg])
    c_acc = np.repeat(np.arange(n), k)
    first_of = np.r_[0, np.cumsum(k)[:-1]]
    primary = np.zeros(len(c_acc), bool)
    primary[first_of] = True
    created = acc.signup.to_numpy()[c_acc] + np.where(
        primary, 0, rng.integers(0, 120 * DAY, len(c_acc))
    )
    contacts = pd.DataFrame(
        {
            "contact": np.arange(len(c_acc)),
            "acc": c_acc,
            "first": rng.integers(0, len(cat.FIRST_NAMES), len(c_acc)),
            "last": rng.integers(0, len(cat.LAST_NAMES), len(c_acc)),
            "title": rng.integers(0, len(cat.JOB_TITLES), len(c_acc)),
            "primary": primary,
            "created": created,
        }
    )
    contacts = contacts[contacts.created <= end_s]
    c1 = contacts.assign(updated=contacts.created, _arrival=contacts.created)
    moved = rng.random(len(contacts)) < 0.1
    when = contacts.created + rng.integers(30 * DAY, 400 * DAY, len(contacts))
    c2 = contacts.assign(
        title=(contacts.title + 1) % len(cat.JOB_TITLES), updated=when, _arrival=when
    )[moved]
    out["crm_contacts"] = _versions(c1, c2, end_s)
    k_live = np.bincount(contacts.acc, minlength=n)
    first_live = np.r_[0, np.cumsum(k_live)[:-1]]
    contact_ids = contacts.contact.to_numpy()

    contact_created = contacts.created.to_numpy()

    def some_contact(accounts: np.ndarray, when: np.ndarray) -> np.ndarray:
        """A contact of each account that existed at ``when`` (else the primary one)."""
        pick = first_live[accounts] + (rng.random(accounts.size) * k_live[accounts]).astype(int)
        pick = np.where(contact_created[pick] <= when, pick, first_live[accounts])
        return contact_ids[pick]

    # crm_opportunities: new business at sign-up; sales-led expansions (won); lost pitches;
    # renewals of annual plans. Each is open first, closed in a later version.
    inv = t["invoices"]
    renewals = inv[(inv.kind == 0) & inv.annual & (inv.issued > acc.pay.to_numpy()[inv.acc])]
    lost_acc = np.repeat(np.arange(n), rng.poisson(0.25, n) * acc.payer.to_numpy())
    lost_open = acc.pay.to_numpy()[lost_acc] + rng.integers(30 * DAY, 600 * DAY, lost_acc.size)
    cur = acc.cur.to_numpy()
    parts = [
        pd.DataFrame(
            {
                "acc": np.arange(n),
                "otype": 0,
                "stage": np.where(acc.payer, 1, 2),
                "created": acc.signup,
                "closed": np.where(
                    acc.payer, acc.pay, acc.signup + rng.integers(10 * DAY, 60 * DAY, n)
                ),
                "amount": np.round(acc.employees * rng.uniform(20, 60, n), -1),
            }
        ),
        t["opps"],
        pd.DataFrame(
            {
                "acc": lost_acc,
                "otype": rng.integers(1, 3, lost_acc.size),
                "stage": 2,
                "created": lost_open,
                "closed": lost_open + rng.integers(20 * DAY, 90 * DAY, lost_acc.size),
                "amount": np.round(rng.lognormal(7, 0.8, lost_acc.size), 0),
            }
        ),
        pd.DataFrame(
            {
                "acc": renewals.acc,
                "otype": 3,
                "stage": 1,
                "created": renewals.issued - 45 * DAY,
                "closed": renewals.issued,
                "amount": renewals.amount,
            }
        ),
    ]
    opps = pd.concat(parts, ignore_index=True)
    opps = opps.assign(opp=np.arange(len(opps)), cur=cur[opps.acc], amount=opps.amount.round(2))
    opps = opps[opps.created <= end_s]
    o1 = opps.assign(stage=0, closed=-1, updated=opps.created, _arrival=opps.created)
    o2 = opps.assign(updated=opps.closed, _arrival=opps.closed)
    out["crm_opportunities"] = _versions(o1, o2, end_s)

    a = t["activities"]
    a = a.assign(
        activity=np.arange(len(a)),
        atype=rng.choice(3, len(a), p=[0.6, 0.25, 0.15]),
        contact=np.where(
            rng.random(len(a)) < 0.8, some_contact(a.acc.to_numpy(), a.ts.to_numpy()), -1
        ),
        _arrival=a.ts,
    )
    out["crm_activities"] = a[a.ts <= end_s]

    tk = t["tickets"]
    prio = np.searchsorted([-0.6, 0.9, 2.0], tk.unhappy.to_numpy())  # low..urgent
    resolved = tk.opened + (rng.lognormal(np.log(20 * 3600), 1.0, len(tk)) / (1 + prio)).astype(
        np.int64
    )
    tk = tk.assign(ticket=np.arange(len(tk)), prio=prio, resolved=resolved)
    tk = tk[tk.opened <= end_s]
    t1 = tk.assign(resolved=-1, updated=tk.opened, _arrival=tk.opened)
    t2 = tk.assign(updated=tk.resolved, _arrival=tk.resolved)[rng.random(len(tk)) > 0.02]
    out["crm_support_tickets"] = _versions(t1, t2, end_s)

    sv = t["surveys"]
    h = sv.health.to_numpy()
    noise = rng.normal(0, 1, len(sv))
    score = np.where(
        sv.nps,
        np.clip(np.round(7.0 + 1.8 * h + 1.3 * noise), 0, 10),
        np.clip(np.round(3.9 + 0.8 * h + 0.7 * noise), 1, 5),
    )
    sv = sv.assign(
        response=np.arange(len(sv)),
        contact=some_contact(sv.acc.to_numpy(), sv.ts.to_numpy()),
        score=score.astype(np.int64),
        _arrival=sv.ts,
    )
    out["crm_survey_responses"] = sv[sv.ts <= end_s]

    of = t["offers"]
    of = of.assign(offer=np.arange(len(of)), _arrival=of.sent)
    out["crm_upsell_offers"] = of[of.sent <= end_s]

    # Subscription events: most are recorded within the hour, a few weeks late.
    ev = t["events"].sort_values(["eff", "acc", "kind", "etype"], kind="stable")
    ev = ev[ev.eff <= end_s].reset_index(drop=True)
    lag = rng.exponential(1800, len(ev)).astype(np.int64) + 60
    late = rng.integers(15 * DAY, 75 * DAY, len(ev))
    is_late = (rng.random(len(ev)) < LATE_EVENT_SHARE) & (ev.eff + late <= end_s)
    recorded = np.minimum(ev.eff + np.where(is_late, late, lag), end_s)
    out["sub_subscription_events"] = ev.assign(
        event=np.arange(len(ev)),
        plan=cat.plan_index(ev.tier, ev.annual, cur[ev.acc]),
        recorded=recorded,
        _arrival=recorded,
    )

    inv = inv[inv.issued <= end_s].reset_index(drop=True)
    inv = inv.assign(
        invoice=np.arange(len(inv)),
        cur=cur[inv.acc],
        due=inv.issued + np.where(inv.annual, 30, 14) * DAY,
    )
    u = rng.random(len(inv))
    paid = inv.issued + rng.integers(3600, 20 * DAY, len(inv))
    final = np.where(u < 0.015, 2, np.where(u < 0.03, 3, 0))  # void, uncollectible, paid
    settled = np.where(final == 0, paid, inv.due + 30 * DAY)
    i1 = inv.assign(status=1, paid_at=-1, _arrival=inv.issued)
    i2 = inv.assign(status=final, paid_at=np.where(final == 0, paid, -1), _arrival=settled)
    out["sub_invoices"] = _versions(i1, i2, end_s)

    # Orders: the product bought, sometimes with what is usually bought with it.
    od = t["orders"]
    od = od[od.ts <= end_s].reset_index(drop=True)
    od = od.assign(order=np.arange(len(od)), cur=cur[od.acc])
    second = cat.PRODUCT_NEXT[od["product"]]
    with_second = (second >= 0) & (rng.random(len(od)) < 0.3)
    items = pd.concat(
        [
            pd.DataFrame({"order": od.order, "product": od["product"], "line": 0}),
            pd.DataFrame(
                {"order": od.order[with_second], "product": second[with_second], "line": 1}
            ),
        ]
    ).sort_values(["order", "line"], kind="stable")
    ocur = od.cur.to_numpy()[items.order]
    price = np.round(cat.PRODUCT_PRICE_EUR[items["product"]] * cat.PRICE_FACTOR[ocur], 2)
    qty = np.where(cat.PRODUCT_PRICE_EUR[items["product"]] > 100, rng.integers(1, 4, len(items)), 1)
    discount = np.where(rng.random(len(items)) < 0.1, np.round(price * qty * 0.1, 2), 0.0)
    items = items.assign(item=np.arange(len(items)), qty=qty, price=price, discount=discount)
    total = (items.qty * items.price - items.discount).groupby(items.order).sum().round(2)
    ts = od.ts.to_numpy()
    u = rng.random(len(od))
    later_status = np.where(u < 0.03, 1, np.where(u < 0.08, 2, 0))  # cancelled, refunded, kept
    changed_at = ts + np.where(
        later_status == 1,
        rng.integers(600, 6 * 3600, len(od)),
        rng.integers(3 * DAY, 20 * DAY, len(od)),
    )
    od = od.assign(total=total.reindex(od.order).to_numpy())
    s1 = od.assign(status=0, updated=od.ts, _arrival=od.ts)
    s2 = od.assign(status=later_status, updated=changed_at, _arrival=changed_at)[later_status > 0]
    out["shop_orders"] = _versions(s1, s2, end_s)
    out["shop_order_items"] = items.assign(_arrival=ts[items.order])

    start = int(sim.month_start_s[0])
    out["sub_plans"] = pd.DataFrame(cat.plans()).assign(_arrival=start)
    out["shop_products"] = pd.DataFrame(
        {
            "product_id": [p[0] for p in cat.PRODUCTS],
            "product_name": [p[1] for p in cat.PRODUCTS],
            "category": [p[2] for p in cat.PRODUCTS],
            "is_addon": [p[3] for p in cat.PRODUCTS],
            "currency": "EUR",
            "list_price": cat.PRODUCT_PRICE_EUR,
            "_arrival": start,
        }
    )
    fx = sim.fx
    day_s = fx.rate_date.to_numpy().astype("datetime64[s]").astype(np.int64)
    out["ref_fx_rates"] = fx.assign(_arrival=day_s + DAY - 1)
    us = t["usage"].sort_values(["acc", "month"], kind="stable").reset_index(drop=True)
    out["usage_months"] = us[us["first"] <= end_s]
    return out


# Contract columns from the coded frames. {n} is the frame's registered name.
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
