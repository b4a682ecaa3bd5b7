"""``upsell extract shopify``: a Shopify shop's customers, products (their variants) and orders
as landing-zone rows (``crm_accounts``, ``shop_products``, ``shop_orders``,
``shop_order_items``).

The first extraction lists every object updated up to its start; later ones list those
updated since the previous extraction's start (``updated_at_min``, inclusive: an object
updated at that very second comes again, which the contract's versions absorb). Orders are
listed with ``status=any`` (open, closed and cancelled).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from upsell.connectors import crm_in_use, shopify_api, shopify_map
from upsell.connectors.common import Prepared, Secret, State, base_url_setting, secret_setting
from upsell.errors import UpsellError

SOURCE = "shopify"
SETTINGS = ("UPSELL_SHOPIFY_SHOP", "UPSELL_SHOPIFY_TOKEN", "UPSELL_SHOPIFY_BASE_URL")
RESOURCES = {  # resource: list parameters besides the updated_at window, in fetch order
    "customers": {},
    "products": {},
    "orders": {"status": "any"},
}


@dataclass(frozen=True)
class ShopifySettings:
    token: Secret
    base_url: str

    @classmethod
    def from_env(cls, env) -> ShopifySettings:
        shop = env.get("UPSELL_SHOPIFY_SHOP", "").strip()
        given = {k: v for k, v in env.items() if k == "UPSELL_SHOPIFY_BASE_URL" and v}
        if not given and not shop:
            raise UpsellError(
                "UPSELL_SHOPIFY_SHOP is not set: give the shop's domain, such as acme.myshopify.com"
            )
        default = f"https://{shop}" if shop else ""
        if shop and ("/" in shop or ":" in shop):
            raise UpsellError(
                f"UPSELL_SHOPIFY_SHOP={shop!r}: give the domain alone, such as acme.myshopify.com"
            )
        return cls(
            secret_setting(env, "UPSELL_SHOPIFY_TOKEN"),
            base_url_setting(given, "UPSELL_SHOPIFY_BASE_URL", default),
        )


def prepare(env, state: State, fallback_currency: str, now: datetime, full: bool) -> Prepared:
    settings = ShopifySettings.from_env(env)
    api = shopify_api.Client(settings.token, settings.base_url)
    committed = state.committed()
    plan, resumed = state.resume_or_start(full, lambda: _plan(api, committed, now, full))
    _fetch(api, state, plan)
    linked_elsewhere = crm_in_use(env) is not None
    rows, left_out, accounts = _map(state, plan, committed, linked_elsewhere)
    rows = {table: r for table, r in rows.items() if r}
    new_state = {"accounts": accounts, "cursor": plan["until"]}
    return Prepared(SOURCE, plan["mode"], rows, left_out, new_state, resumed)


def _plan(api: shopify_api.Client, committed: dict, now: datetime, full: bool) -> dict:
    until = now.astimezone(UTC).replace(microsecond=0).isoformat()
    since = committed.get("cursor")
    shop, _ = api.get("shop", {})
    currency = shopify_map.get(shop, "shop.currency", str, "shop").upper()
    if full or since is None:
        return {"mode": "full", "until": until, "since": None, "currency": currency, "pages": {}}
    if datetime.fromisoformat(since) >= datetime.fromisoformat(until):
        raise UpsellError(
            f"the previous Shopify extraction reached {since}, later than now: check the "
            "machine's clock"
        )
    return {"mode": "changes", "until": until, "since": since, "currency": currency, "pages": {}}


def _fetch(api: shopify_api.Client, state: State, plan: dict) -> None:
    """Every page not staged yet, each checkpointed once written."""
    window = {"updated_at_max": plan["until"]}
    if plan["since"]:
        window["updated_at_min"] = plan["since"]
    for name, params in RESOURCES.items():
        progress = plan["pages"].setdefault(name, {"page_info": None, "done": False})
        if progress["done"]:
            continue
        # a page_info (resuming) carries the filters of the first page
        for objects, page_info in api.pages(name, {**params, **window}, progress["page_info"]):
            state.append(name, objects)
            progress.update(page_info=page_info, done=page_info is None)
            state.save_checkpoint(plan)


def _latest(state: State, resource: str) -> list[dict]:
    """Each staged object once, its latest version (a page fetched twice repeats some)."""
    latest: dict[int, tuple[str, dict]] = {}
    for obj in state.staged(resource):
        oid = shopify_map.get(obj, "id", int, resource.removesuffix("s"))
        at = shopify_map.ts(shopify_map.get(obj, "updated_at", str, resource), resource)
        if oid not in latest or at >= latest[oid][0]:
            latest[oid] = (at, obj)
    return [obj for _, obj in latest.values()]


def _map(state: State, plan: dict, committed: dict, linked_elsewhere: bool):
    """Contract rows of the staged objects, the objects left out, and each customer's account
    id (kept: an order of a later run names a customer of an earlier one). With a CRM
    connected, a customer linked to its account (tag ``upsell_account_id:<id>``) is the CRM's
    account: only unlinked customers are accounts of the shop's own."""
    currency = plan["currency"]
    accounts = {} if plan["mode"] == "full" else dict(committed.get("accounts", {}))
    customers = _latest(state, "customers")
    for customer in customers:
        accounts[str(customer["id"])] = shopify_map.account_id(customer)
    rows: dict[str, list[dict]] = {
        "crm_accounts": [
            shopify_map.account_row(c, currency)
            for c in customers
            if not (linked_elsewhere and shopify_map.linked(c))
        ],
        "shop_products": [
            r for p in _latest(state, "products") for r in shopify_map.product_rows(p, currency)
        ],
        "shop_orders": [],
        "shop_order_items": [],
    }
    left_out = []
    for order in _latest(state, "orders"):
        customer = shopify_map.get(order, "customer", dict, "order", optional=True)
        cid = str(shopify_map.get(customer, "id", int, "order customer")) if customer else None
        if cid is None or cid not in accounts:
            left_out.append(
                f"Shopify order {order['id']}: "
                + ("no customer (a guest checkout)" if cid is None else f"customer {cid} unknown")
                + ": not an account's order"
            )
            continue
        rows["shop_orders"].append(shopify_map.order_row(order, accounts[cid]))
        items, skipped = shopify_map.item_rows(order)
        rows["shop_order_items"] += items
        left_out += skipped
    return rows, left_out, accounts
