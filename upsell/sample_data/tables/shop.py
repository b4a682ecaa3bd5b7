"""The shop's tables: products, orders and their items."""

from __future__ import annotations

import numpy as np
import pandas as pd

from upsell.sample_data import catalog as cat
from upsell.sample_data.simulate import DAY
from upsell.sample_data.tables.versions import versions


def shop_products(start: int) -> pd.DataFrame:
    return pd.DataFrame(
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


def shop_orders_and_items(
    rng: np.random.Generator, od: pd.DataFrame, cur: np.ndarray, end_s: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Orders of the product bought, sometimes with what is usually bought with it; a few are
    cancelled within hours or refunded within weeks."""
    od = od[od.ts <= end_s].reset_index(drop=True)
    od = od.assign(order=np.arange(len(od)), cur=cur[od.acc])
    items = _order_items(rng, od)
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
    return versions(s1, s2, end_s), items.assign(_arrival=ts[items.order])


def _order_items(rng: np.random.Generator, od: pd.DataFrame) -> pd.DataFrame:
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
    return items.assign(item=np.arange(len(items)), qty=qty, price=price, discount=discount)
