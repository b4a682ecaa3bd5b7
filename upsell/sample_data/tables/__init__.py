"""Turn a simulation into the landing contract's tables, one version per row change.

Each builder returns a coded frame; ``sql.CONTRACT_SQL`` maps it to the contract's columns in
DuckDB. Tables whose rows change (an opportunity closes, an invoice is paid, an order is
refunded) get one row per version; ``_arrival`` is when that version was exported. The
builders share one random generator, so ``build`` calls them in a fixed order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from upsell.sample_data.simulate import DAY, Simulation
from upsell.sample_data.tables.crm import (
    Contacts,
    crm_accounts,
    crm_activities,
    crm_opportunities,
    crm_upsell_offers,
)
from upsell.sample_data.tables.shop import shop_orders_and_items, shop_products
from upsell.sample_data.tables.subscriptions import (
    sub_invoices,
    sub_plans,
    sub_subscription_events,
)
from upsell.sample_data.tables.voice_of_customer import crm_support_tickets, crm_survey_responses


def build(sim: Simulation, seed: int) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng([seed, 1])
    end_s = sim.end_s
    t = sim.tables
    acc = t["accounts"]
    cur = acc.cur.to_numpy()
    out: dict[str, pd.DataFrame] = {}
    out["crm_accounts"] = crm_accounts(rng, acc, end_s)
    contacts = Contacts(rng, acc, end_s)
    out["crm_contacts"] = contacts.table
    out["crm_opportunities"] = crm_opportunities(rng, acc, t, end_s)
    out["crm_activities"] = crm_activities(rng, t["activities"], contacts, end_s)
    out["crm_support_tickets"] = crm_support_tickets(rng, t["tickets"], end_s)
    out["crm_survey_responses"] = crm_survey_responses(rng, t["surveys"], contacts, end_s)
    out["crm_upsell_offers"] = crm_upsell_offers(t["offers"], end_s)
    out["sub_subscription_events"] = sub_subscription_events(rng, t["events"], cur, end_s)
    out["sub_invoices"] = sub_invoices(rng, t["invoices"], cur, end_s)
    out["shop_orders"], out["shop_order_items"] = shop_orders_and_items(
        rng, t["orders"], cur, end_s
    )
    start = int(sim.month_start_s[0])
    out["sub_plans"] = sub_plans(start)
    out["shop_products"] = shop_products(start)
    fx = sim.fx
    day_s = fx.rate_date.to_numpy().astype("datetime64[s]").astype(np.int64)
    out["ref_fx_rates"] = fx.assign(_arrival=day_s + DAY - 1)
    us = t["usage"].sort_values(["acc", "month"], kind="stable").reset_index(drop=True)
    out["usage_months"] = us[us["first"] <= end_s]
    return out
