"""The Stripe connector against the fake Stripe API (tests/fakes): paging, waiting out a 429,
retrying a 500, shapes that changed, failures that leave nothing, and resuming."""

from __future__ import annotations

import json
import time

import pyarrow.parquet as pq
import pytest

from tests import stripe_fake
from tests.connector_cli import extract_command
from tests.engine_runs import files_holding
from tests.fakes import stripe_world
from tests.stripe_fake import KEY, env_of, run
from upsell.config import Settings
from upsell.connectors import run as connectors_run
from upsell.connectors import stripe_api
from upsell.connectors.stripe import StripeSettings
from upsell.contract import SUCCESS_MARKER
from upsell.errors import UpsellError

fake = stripe_fake.fake  # the fixture


@pytest.fixture(autouse=True)
def small_pages(monkeypatch):
    monkeypatch.setattr(stripe_api, "PAGE_SIZE", 2)  # every list takes several pages


def rows(delivery, table):
    return pq.read_table(delivery / f"{table}.parquet").to_pylist()


def dated(landing):
    return sorted(p.name for p in landing.iterdir()) if landing.exists() else []


def test_first_extraction_pages_waits_out_a_429_and_retries_a_500(fake, tmp_path):
    fake.fail("/v1/customers", 429, headers={"Retry-After": "1"})
    fake.fail("/v1/invoices", 500)
    started = time.monotonic()
    done = run(fake, tmp_path)
    assert time.monotonic() - started >= 1  # Retry-After was honoured
    assert done.mode == "full" and done.delivery.name == "2026-10-20"
    assert done.rows == {
        "crm_accounts": 3,
        "sub_plans": 3,
        "sub_subscription_events": 5,
        "sub_invoices": 10,
    }
    assert sorted(p.name for p in done.delivery.iterdir()) == [
        SUCCESS_MARKER,
        *(f"{t}.parquet" for t in sorted(done.rows)),
    ]
    customers = fake.asked("/v1/customers")
    assert len(customers) == 3  # the 429, then two pages of two
    assert customers[2]["starting_after"] == customers[1].get("starting_after", "cus_B")
    assert all(c["created"] == {"lte": str(int(stripe_world.FIRST.timestamp()))} for c in customers)
    lines = fake.asked("/v1/invoices/in_A3/lines")  # the lines beyond the embedded ones
    assert [p.get("starting_after") for p in lines] == [None, "il_A3b"]
    assert sorted(done.left_out) == [
        "invoice in_A5: a draft, or not a subscription's",
        "invoice in_X1: a draft, or not a subscription's",
        "price price_setup is a one-time price: not a plan",
        "price price_weekly bills every 1 week: not a whole number of months",
    ]
    events = {r["event_id"]: r for r in rows(done.delivery, "sub_subscription_events")}
    assert sorted((r["subscription_id"], r["event_type"], r["effective_at"][:10]) for r in
                  events.values()) == [
        ("si_A", "created", "2026-07-01"),
        ("si_A", "plan_changed", "2026-08-16"),  # the proration line's start
        ("si_B", "created", "2026-07-10"),
        ("si_B", "discount_changed", "2026-09-10"),
        ("si_C", "created", "2026-08-15"),  # after the trial
    ]  # fmt: skip
    assert events["si_B@1788998400:discount_changed"]["discount_pct"] == "20"
    accounts = {r["account_id"]: r for r in rows(done.delivery, "crm_accounts")}
    assert accounts["cus_A"]["segment"] == "mid_market" and accounts["cus_B"]["country"] == "ZZ"
    assert files_holding(tmp_path, KEY) == []


def test_the_incremental_extraction_reads_the_events_since_the_first(fake, tmp_path):
    run(fake, tmp_path)
    fake.world["events"] += stripe_world.second_events()
    done = run(fake, tmp_path, now=stripe_world.SECOND)
    assert done.mode == "changes" and done.delivery.name == "2026-11-10"
    [*_, asked] = fake.asked("/v1/events")
    first, second = (str(int(d.timestamp())) for d in (stripe_world.FIRST, stripe_world.SECOND))
    assert asked["created"] == {"gt": first, "lte": second}
    assert "customer.subscription.deleted" in asked["types"]
    events = rows(done.delivery, "sub_subscription_events")
    assert sorted((r["subscription_id"], r["event_type"], r["quantity"]) for r in events) == [
        ("si_A", "quantity_changed", "8"),
        ("si_B", "cancelled", "3"),  # at period end, 10 Nov
        ("si_D", "created", "1"),
    ]
    accounts = {r["account_id"]: r for r in rows(done.delivery, "crm_accounts")}
    assert accounts["cus_A"]["account_name"] == "Acme GmbH"
    assert accounts["cus_A"]["updated_at"] == "2026-11-02T00:00:00Z"  # the event's time
    invoices = {r["invoice_id"]: r for r in rows(done.delivery, "sub_invoices")}
    assert invoices["in_B4"]["status"] == "paid"  # sent again: its status changed
    assert not (done.delivery / "sub_plans.parquet").exists()  # nothing changed in it


def test_nothing_changed_writes_no_delivery_but_moves_the_cursor(fake, tmp_path):
    run(fake, tmp_path)
    done = run(fake, tmp_path, now=stripe_world.SECOND)
    assert done.delivery is None and dated(tmp_path / "landing") == ["2026-10-20"]
    state = json.loads((tmp_path / "state/stripe/state.json").read_text())
    assert state["cursor"] == int(stripe_world.SECOND.timestamp())


def test_malformed_json_is_reported_in_words_and_leaves_nothing(fake, tmp_path):
    fake.fail("/v1/prices", 200, body='{"object": "list", "data": [')
    with pytest.raises(UpsellError, match=r"not the JSON expected: invalid JSON at line 1 col"):
        run(fake, tmp_path)
    assert dated(tmp_path / "landing") == []
    assert not (tmp_path / "state/stripe/state.json").exists()  # the cursor did not move


def test_a_changed_field_is_reported_in_words_and_leaves_nothing(fake, tmp_path):
    fake.world["invoices"][0]["total"] = "50.00"  # was an integer of cents
    with pytest.raises(UpsellError) as raised:
        run(fake, tmp_path)
    assert str(raised.value) == (
        "Stripe invoice in_A1: field total should be int but is str '50.00'; the API's answer "
        "has changed shape: nothing was delivered"
    )
    assert dated(tmp_path / "landing") == []
    assert not (tmp_path / "state/stripe/state.json").exists()


def test_a_hard_failure_is_resumed_after_the_last_page_fetched(fake, tmp_path):
    newest_first = sorted(fake.world["invoices"], key=lambda o: (o["created"], o["id"]))[::-1]
    broken_after = newest_first[3]["id"]  # the third page of invoices fails for good
    fake.fail("/v1/invoices", 400, times=-1, after=broken_after)
    with pytest.raises(UpsellError, match="Stripe answered HTTP 400: fake failure 400"):
        run(fake, tmp_path)
    assert dated(tmp_path / "landing") == []  # neither a delivery nor a partial folder
    assert not (tmp_path / "state/stripe/state.json").exists()
    fake.clear_faults()
    fake.requests.clear()
    done = run(fake, tmp_path)
    assert done.resumed and done.rows["sub_invoices"] == 10
    assert [p for p, _ in fake.requests if p != "/v1/invoices/in_A3/lines"] == ["/v1/invoices"] * 4
    assert fake.asked("/v1/invoices")[0]["starting_after"] == broken_after
    assert not (tmp_path / "state/stripe/run").exists()  # the staged run is gone once delivered


def test_a_delivery_that_fails_half_written_leaves_nothing_and_is_written_on_resuming(
    fake, tmp_path, monkeypatch
):
    from upsell.connectors import common

    written = []

    def disk_full_at_the_second_table(table, path):
        if written:
            raise OSError(28, "No space left on device")
        written.append(path)
        real_write(table, path)

    real_write = common.pq.write_table
    monkeypatch.setattr(common.pq, "write_table", disk_full_at_the_second_table)
    with pytest.raises(UpsellError, match=r"cannot write the delivery .* \(No space left on"):
        run(fake, tmp_path)
    assert written and not written[0].exists()  # the first table's file went with its folder
    assert sorted(p.name for p in (tmp_path / "landing").iterdir()) == []
    assert not (tmp_path / "state/stripe/state.json").exists()
    monkeypatch.setattr(common.pq, "write_table", real_write)
    fake.requests.clear()
    done = run(fake, tmp_path)
    assert done.resumed and fake.requests == []  # everything was staged: nothing fetched again
    assert dated(tmp_path / "landing") == ["2026-10-20"]


def test_a_gap_longer_than_stripes_events_needs_a_full_extraction(fake, tmp_path):
    first = run(fake, tmp_path)
    later = stripe_world.FIRST.replace(month=12)
    with pytest.raises(UpsellError, match=r"keeps 30 days of events: run `upsell extract stripe"):
        run(fake, tmp_path, now=later)
    again = run(fake, tmp_path, now=later, full=True)
    assert again.mode == "full" and again.delivery.name == "2026-12-20"
    ids = [sorted(r["event_id"] for r in rows(d, "sub_subscription_events")) for d in
           (first.delivery, again.delivery)]  # fmt: skip
    assert ids[0] == ids[1]  # the same changes, the same event ids: nothing counted twice


def test_settings_refuse_clear_text_to_other_hosts_and_never_show_the_key():
    with pytest.raises(UpsellError, match="UPSELL_STRIPE_API_KEY is not set"):
        StripeSettings.from_env({})
    bad = {"UPSELL_STRIPE_API_KEY": KEY, "UPSELL_STRIPE_BASE_URL": "http://stripe.example"}
    with pytest.raises(UpsellError, match="plain http is allowed only to this machine"):
        StripeSettings.from_env(bad)
    settings = StripeSettings.from_env({"UPSELL_STRIPE_API_KEY": KEY})
    assert settings.base_url == "https://api.stripe.com" and KEY not in repr(settings)


@pytest.mark.parametrize(
    "name, value, says",
    [
        ("UPSELL_STRIPE_APIKEY", KEY, "did you mean UPSELL_STRIPE_API_KEY"),
        ("UPSELL_CONNECTORS_CRON", "hourly", "not a cron expression"),
        ("UPSELL_CONNECTOR_STATE_DIR", "/etc/upsell", "is outside the allowed roots"),
    ],
)
def test_the_connector_settings_are_checked_at_start_up(name, value, says):
    with pytest.raises(UpsellError, match=says) as raised:
        Settings.from_env({name: value}, paths=("connector_state_dir",))
    assert KEY not in str(raised.value)


def test_the_command_says_a_refused_key_in_one_line_and_exits_2(fake, tmp_path):
    done = extract_command("stripe", env_of(fake, key="sk_test_wrong_9f3k"), tmp_path)
    assert done.returncode == 2
    assert done.stderr == (
        "upsell extract: error: Stripe refused the API key (HTTP 401): check "
        "UPSELL_STRIPE_API_KEY\n"
    )
    assert "wrong_9f3k" not in done.stdout + done.stderr
    assert not (tmp_path / "l").exists() or dated(tmp_path / "l") == []


def test_with_a_crm_connected_linked_customers_are_the_crms_accounts(fake, tmp_path):
    [gamma] = [c for c in fake.world["customers"] if c["id"] == "cus_C"]
    gamma["metadata"]["upsell_account_id"] = "0012C"
    environment = {**env_of(fake), "UPSELL_HUBSPOT_TOKEN": "pat-fake"}
    [done] = connectors_run.extract(
        ["stripe"], environment, tmp_path / "landing", tmp_path / "state", "EUR",
        now=stripe_world.FIRST,
    )  # fmt: skip
    accounts = {r["account_id"] for r in rows(done.delivery, "crm_accounts")}
    assert accounts == {"cus_A", "cus_B"}  # Gamma's row comes from the CRM
    events = rows(done.delivery, "sub_subscription_events")
    assert {r["account_id"] for r in events if r["subscription_id"] == "si_C"} == {"0012C"}
    alone = run(fake, tmp_path / "alone")  # without a CRM, the linked customer is an account too
    assert "0012C" in {r["account_id"] for r in rows(alone.delivery, "crm_accounts")}
