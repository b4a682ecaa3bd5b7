"""The shop: add-on orders (repeat buyers buy the complement of what they have), add-ons
bought because an offer converted, and service orders."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from upsell.sample_data import catalog as cat
from upsell.sample_data.simulate.accounts import Accounts
from upsell.sample_data.simulate.campaigns import Offers
from upsell.sample_data.simulate.common import Month, Rows


@dataclass
class Shop:
    n: int
    orders: Rows = field(default_factory=lambda: Rows("acc ts product"))

    def __post_init__(self) -> None:
        self.last_addon = np.full(self.n, -1)
        self.n_addon_orders = np.zeros(self.n, np.int64)


def place_orders(
    month: Month,
    acc: Accounts,
    shop: Shop,
    live: np.ndarray,
    customer_start: np.ndarray,
    new: np.ndarray,
    offers: Offers,
    h_addon: np.ndarray,
) -> None:
    rng, n = month.rng, month.n
    buys = customer_start & live & (rng.random(n) < h_addon)
    last = shop.last_addon
    nxt = np.where(last >= 0, cat.PRODUCT_NEXT[np.maximum(last, 0)], -1)
    random_addon = cat.ADDON_IDS[rng.integers(0, len(cat.ADDON_IDS), n)]
    product = np.where((nxt >= 0) & (rng.random(n) < 0.6), nxt, random_addon)
    conv_addon = offers.converted & (offers.kind == 2)
    product = np.where(conv_addon, offers.addon, product)
    buys |= conv_addon
    order_ts = np.where(conv_addon, offers.conv_ts, month.at(0, 28))
    idx = np.flatnonzero(buys)
    shop.orders.add(acc=idx, ts=order_ts[idx], product=product[idx])
    shop.last_addon = np.where(buys, product, last)
    shop.n_addon_orders += buys
    services = (new & (rng.random(n) < 0.35)) | (live & (rng.random(n) < 0.01))
    idx = np.flatnonzero(services)
    svc = cat.SERVICE_IDS[rng.integers(0, len(cat.SERVICE_IDS), n)]
    shop.orders.add(acc=idx, ts=np.maximum(month.at(0, 28), acc.pay_s)[idx], product=svc[idx])
