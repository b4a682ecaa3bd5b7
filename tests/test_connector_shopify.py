"""The Shopify connector against the fake Shopify API (tests/fakes): Link-header paging, the
call-limit bucket, waiting out a 429, retrying a 500, shapes that changed, failures that leave
nothing, and resuming."""

from __future__ import annotations

import json
import time

import pyarrow.parquet as pq
import pytest

from tests import shopify_fake
from tests.connector_cli import extract_command
from tests.engine_runs import files_holding
from tests.fakes import shopify_world
from tests.shopify_fake import TOKEN, env_of, run
from upsell.connectors import shopify_api
from upsell.connectors.common import Secret
from upsell.connectors.shopify import ShopifySettings
from upsell.contract import SUCCESS_MARKER
from upsell.errors import UpsellError

fake = shopify_fake.fake  # the fixture


@pytest.fixture(autouse=True)
def small_pages(monkeypatch):
    monkeypatch.setattr(shopify_api, "PAGE_SIZE", 2)  # every list takes several pages
    monkeypatch.setattr(shopify_api, "BACKOFF", 0.05)


def rows(delivery, table):
    return pq.read_table(delivery / f"{table}.parquet").to_pylist()


def dated(landing):
    return sorted(p.name for p in landing.iterdir()) if landing.exists() else []


def test_first_extraction_pages_waits_out_a_429_and_retries_a_500(fake, tmp_path):
    fake.fail("customers", 429, headers={"Retry-After": "1.0"})
    fake.fail("orders", 500, when=lambda p: "page_info" in p)
    started = time.monotonic()
    done = run(fake, tmp_path)
    assert time.monotonic() - started >= 1  # Retry-After was honoured
    assert done.mode == "full" and done.delivery.name == "2026-10-20"
    assert done.rows == {
        "crm_accounts": 3,
        "shop_products": 3,
        "shop_orders": 4,
        "shop_order_items": 6,
    }
    assert sorted(p.name for p in done.delivery.iterdir()) == [
        SUCCESS_MARKER,
        *(f"{t}.parquet" for t in sorted(done.rows)),
    ]
    customers = fake.asked("customers")
    assert len(customers) == 3  # the 429, then two pages of two
    assert customers[0] == {"limit": "2", "updated_at_max": "2026-10-20T06:00:00+00:00"}
    assert set(customers[2]) == {"limit", "page_info"}  # with page_info, only limit
    orders = fake.asked("orders")
    assert orders[0]["status"] == "any" and len(orders) == 4  # 3 pages and the 500 retried
    assert done.left_out == [
        "Shopify order 405: no customer (a guest checkout): not an account's order"
    ]
    accounts = {r["account_id"]: r for r in rows(done.delivery, "crm_accounts")}
    assert sorted(accounts) == ["acc_B", "shopify-101", "shopify-103"]
    acme = accounts["shopify-101"]
    assert (acme["account_name"], acme["segment"], acme["country"]) == (
        "Acme GmbH", "mid_market", "DE"
    )  # fmt: skip
    assert accounts["shopify-103"]["created_at"] == "2026-07-03T14:00:00Z"  # -04:00 to UTC
    assert accounts["acc_B"]["billing_currency"] == "EUR"  # the shop's currency
    products = {r["product_id"]: r for r in rows(done.delivery, "shop_products")}
    assert products["302"]["product_name"] == "Widget - Large"
    assert products["303"]["product_name"] == "Support plan"  # its only variant's "Default Title"
    assert [products[p]["is_addon"] for p in ("301", "302", "303")] == ["false", "false", "true"]
    assert products["303"]["category"] == "Service" and products["302"]["list_price"] == "25.00"
    orders = {r["order_id"]: r for r in rows(done.delivery, "shop_orders")}
    assert {o: r["status"] for o, r in orders.items()} == {
        "401": "completed", "402": "completed", "403": "cancelled", "404": "completed"
    }  # fmt: skip
    assert orders["404"]["order_total"] == "60.00"  # after its partial refund
    assert orders["402"]["account_id"] == "acc_B" and orders["401"]["account_id"] == "shopify-101"
    items = {r["order_item_id"]: r for r in rows(done.delivery, "shop_order_items")}
    assert items["503"] == {
        "order_item_id": "503",
        "order_id": "402",
        "product_id": "302",
        "quantity": "1",
        "unit_price": "25.00",
        "discount_amount": "5.00",
    }
    assert files_holding(tmp_path, TOKEN) == []


def test_the_incremental_extraction_lists_what_was_updated_since_the_first(fake, tmp_path):
    run(fake, tmp_path)
    shopify_world.second_changes(fake.world)
    done = run(fake, tmp_path, now=shopify_world.SECOND)
    assert done.mode == "changes" and done.delivery.name == "2026-11-10"
    [first] = [p for p in fake.asked("orders") if p.get("updated_at_min")][:1]
    assert first["updated_at_min"] == "2026-10-20T06:00:00+00:00"
    assert first["updated_at_max"] == "2026-11-10T06:00:00+00:00"
    # 402's line item comes again with its order; no product changed
    assert done.rows == {"crm_accounts": 1, "shop_orders": 3, "shop_order_items": 3}
    orders = {r["order_id"]: r for r in rows(done.delivery, "shop_orders")}
    assert orders["402"]["status"] == "refunded" and orders["402"]["order_total"] == "20.00"
    assert orders["406"]["account_id"] == "acc_B"  # Beta, known from the first extraction
    assert orders["407"]["account_id"] == "shopify-104"
    assert orders["402"]["updated_at"] == "2026-11-02T09:00:00Z"


def test_a_linked_customer_is_left_to_the_crm_when_one_is_configured(fake, tmp_path):
    env = {**env_of(fake), "UPSELL_HUBSPOT_TOKEN": "pat-unused"}
    from upsell.connectors import shopify
    from upsell.connectors.common import State

    prepared = shopify.prepare(env, State(tmp_path, "shopify"), "EUR", shopify_world.FIRST, False)
    accounts = sorted(r["account_id"] for r in prepared.rows["crm_accounts"])
    assert accounts == ["shopify-101", "shopify-103"]  # Beta is the CRM's acc_B
    beta = [r for r in prepared.rows["shop_orders"] if r["order_id"] == "402"]
    assert beta[0]["account_id"] == "acc_B"


def test_nothing_changed_writes_no_delivery_but_moves_the_cursor(fake, tmp_path):
    run(fake, tmp_path)
    done = run(fake, tmp_path, now=shopify_world.SECOND)
    assert done.delivery is None and dated(tmp_path / "landing") == ["2026-10-20"]
    state = json.loads((tmp_path / "state/shopify/state.json").read_text())
    assert state["cursor"] == "2026-11-10T06:00:00+00:00"


def test_malformed_json_is_reported_in_words_and_leaves_nothing(fake, tmp_path):
    fake.fail("products", 200, body='{"products": [{"id": 1,')
    with pytest.raises(UpsellError, match=r"answer to products \(HTTP 200\) is not JSON \(invalid"):
        run(fake, tmp_path)
    assert dated(tmp_path / "landing") == []
    assert not (tmp_path / "state/shopify/state.json").exists()  # the cursor did not move


def test_a_changed_field_is_reported_in_words_and_leaves_nothing(fake, tmp_path):
    fake.world["orders"][0]["line_items"][0]["quantity"] = "2"  # was an integer
    with pytest.raises(UpsellError) as raised:
        run(fake, tmp_path)
    assert str(raised.value) == (
        "Shopify order 401 line item 501: field quantity should be int but is str '2'; the "
        "API's answer has changed shape: nothing was delivered"
    )
    assert dated(tmp_path / "landing") == []
    assert not (tmp_path / "state/shopify/state.json").exists()


def test_a_hard_failure_is_resumed_at_the_next_page(fake, tmp_path):
    fake.fail("orders", 500, times=-1, when=lambda p: "page_info" in p)
    with pytest.raises(UpsellError, match=r"Shopify failed on orders \(HTTP 500\) 5 times"):
        run(fake, tmp_path)
    assert dated(tmp_path / "landing") == []  # neither a delivery nor a partial folder
    assert not (tmp_path / "state/shopify/state.json").exists()
    broken = fake.asked("orders")[-1]["page_info"]
    fake.faults.clear()
    fake.requests.clear()
    done = run(fake, tmp_path)
    assert done.resumed and done.rows["shop_orders"] == 4
    assert [r for r, _ in fake.requests] == ["orders"] * 2  # the failed page and the last
    assert fake.asked("orders")[0] == {"limit": "2", "page_info": broken}
    assert not (tmp_path / "state/shopify/run").exists()  # the staged run is gone once delivered


def test_a_full_bucket_slows_the_client_down():
    waits = []
    client = shopify_api.Client(Secret(TOKEN), "http://127.0.0.1:9", sleep=waits.append)
    client._pace("39/40")
    client._pace("10/40")
    assert waits == [(39 - 32 + 1) / 2.0]  # past 80 % of 40, until it drained below


def test_the_next_page_info_is_read_from_the_link_header():
    link = (
        "<https://a.myshopify.com/admin/api/2026-10/orders.json?limit=2&page_info=p0>; "
        'rel="previous", <https://a.myshopify.com/admin/api/2026-10/orders.json?limit=2&'
        'page_info=p2>; rel="next"'
    )
    assert shopify_api.next_page_info(link) == "p2"
    assert shopify_api.next_page_info(link.split(", ")[0]) is None


def test_settings_refuse_clear_text_to_other_hosts_and_never_show_the_token():
    with pytest.raises(UpsellError, match="UPSELL_SHOPIFY_SHOP is not set"):
        ShopifySettings.from_env({"UPSELL_SHOPIFY_TOKEN": TOKEN})
    bad = {"UPSELL_SHOPIFY_TOKEN": TOKEN, "UPSELL_SHOPIFY_BASE_URL": "http://shop.example"}
    with pytest.raises(UpsellError, match="plain http is allowed only to this machine"):
        ShopifySettings.from_env(bad)
    settings = ShopifySettings.from_env(
        {"UPSELL_SHOPIFY_TOKEN": TOKEN, "UPSELL_SHOPIFY_SHOP": "acme.myshopify.com"}
    )
    assert settings.base_url == "https://acme.myshopify.com" and TOKEN not in repr(settings)


def test_the_command_says_a_refused_token_in_one_line_and_exits_2(fake, tmp_path):
    done = extract_command("shopify", env_of(fake, token="shpat_wrong_77x1"), tmp_path)
    assert done.returncode == 2
    assert done.stderr == (
        "upsell extract: error: Shopify refused the access token (HTTP 401): check "
        "UPSELL_SHOPIFY_TOKEN\n"
    )
    assert "wrong_77x1" not in done.stdout + done.stderr


def test_a_missing_scope_is_said_with_the_list_refused(fake, tmp_path):
    scope = "[API] This action requires merchant approval for read_orders scope."
    fake.fail("orders", 403, body=json.dumps({"errors": scope}))
    with pytest.raises(UpsellError) as raised:
        run(fake, tmp_path)
    assert str(raised.value) == (
        f"the Shopify access token may not read orders (HTTP 403: {scope}); give the custom "
        "app the scopes docs/connectors.md lists"
    )
    assert dated(tmp_path / "landing") == []


def test_stripe_and_shopify_extracted_together_share_one_delivery(fake, tmp_path):
    from tests.fakes.http_server import running
    from tests.fakes.stripe_server import serve
    from tests.stripe_fake import env_of as stripe_env
    from tests.stripe_fake import with_first_world
    from upsell.connectors import run as connectors_run

    with running(with_first_world(), serve) as stripe_side:
        env = {**env_of(fake), **stripe_env(stripe_side)}
        stripe, shopify = connectors_run.extract(
            ["stripe", "shopify"], env, tmp_path / "landing", tmp_path / "state", "EUR",
            now=shopify_world.FIRST,
        )  # fmt: skip
    assert stripe.delivery == shopify.delivery and dated(tmp_path / "landing") == ["2026-10-20"]
    accounts = [r["account_id"] for r in rows(shopify.delivery, "crm_accounts")]
    assert len(accounts) == stripe.rows["crm_accounts"] + shopify.rows["crm_accounts"]
    assert {"acc_B", "shopify-101"} <= set(accounts) and (
        shopify.delivery / "sub_plans.parquet"
    ).exists()
