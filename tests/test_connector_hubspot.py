"""The HubSpot connector against the fake HubSpot API (tests/fakes): search paging and its
10,000-result window, waiting out 429s, retrying 500s, shapes that changed, failures that
leave nothing, resuming, and the token kept out of every file and message."""

from __future__ import annotations

import json
import time

import pyarrow.parquet as pq
import pytest

from tests import hubspot_fake
from tests.connector_cli import extract_command
from tests.engine_runs import files_holding
from tests.fakes import hubspot_server, hubspot_world
from tests.hubspot_fake import TOKEN, env_of, run
from upsell.connectors import hubspot_api
from upsell.connectors import run as connectors_run
from upsell.connectors.hubspot import INDEX_LAG, HubSpotSettings
from upsell.errors import UpsellError

fake = hubspot_fake.fake  # the fixture
SEARCH = "/crm/v3/objects/{}/search"


@pytest.fixture(autouse=True)
def small_pages(monkeypatch):
    monkeypatch.setattr(hubspot_api, "PAGE_SIZE", 2)  # every search takes several pages
    monkeypatch.setattr(hubspot_api, "BACKOFF", 0.05)  # a 500 retried without long waits


def rows(delivery, table):
    return {r[pq.read_schema(delivery / f"{table}.parquet").names[0]]: r for r in
            pq.read_table(delivery / f"{table}.parquet").to_pylist()}  # fmt: skip


def dated(landing):
    return sorted(p.name for p in landing.iterdir()) if landing.exists() else []


def millis(moment) -> str:
    return str(int(moment.timestamp() * 1000))


def filters(body) -> dict:
    return {f["operator"]: f["value"] for f in body["filterGroups"][0]["filters"]}


def test_first_extraction_pages_waits_out_429s_and_retries_a_500(fake, tmp_path):
    fake.fail(SEARCH.format("companies"), 429, headers={"Retry-After": "1"})
    fake.fail(SEARCH.format("deals"), 429)  # HubSpot's own signal only: backed off on our own
    fake.fail(SEARCH.format("tickets"), 500)
    fake.fail("/crm/v4/associations/contacts/companies/batch/read", 502)
    started = time.monotonic()
    done = run(fake, tmp_path)
    assert time.monotonic() - started >= 1  # Retry-After was honoured
    assert done.mode == "full" and done.delivery.name == "2026-10-20"
    assert done.rows == {
        "crm_accounts": 3,
        "crm_contacts": 4,
        "crm_opportunities": 4,
        "crm_activities": 3,
        "crm_support_tickets": 4,
        "crm_survey_responses": 4,
    }
    assert sorted(done.left_out) == [
        "deal 305 has no amount",
        "feedback submission 805 answers a CES survey: neither NPS nor CSAT",
    ]
    companies = fake.asked(SEARCH.format("companies"))
    assert [c.get("after") for c in companies] == [None, None, "2"]  # the 429, two pages of two
    until = millis(hubspot_world.FIRST - INDEX_LAG)
    assert all(filters(c) == {"LTE": until} for c in companies)
    assert companies[0]["sorts"] == [
        {"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}
    ]
    assert filters(fake.asked(SEARCH.format("contacts"))[0]) == {"LTE": until}
    assert fake.asked(SEARCH.format("contacts"))[0]["filterGroups"][0]["filters"][0][
        "propertyName"] == "lastmodifieddate"  # fmt: skip
    assert len(fake.asked(SEARCH.format("tickets"))) == 3  # the 500, then two pages
    accounts = rows(done.delivery, "crm_accounts")
    assert [(a["country"], a["segment"]) for a in accounts.values()] == [
        ("DE", "mid_market"),  # 250 employees
        ("FR", "enterprise"),  # "France"; upsell_segment
        ("US", "smb"),  # "United States"; 40 employees
    ]
    contacts = rows(done.delivery, "crm_contacts")
    assert {c: (r["account_id"], r["is_primary"]) for c, r in contacts.items()} == {
        "201": ("101", "true"),
        "202": ("101", "false"),  # an unlabelled association
        "203": ("102", "true"),
        "204": ("103", "true"),
    }
    deals = rows(done.delivery, "crm_opportunities")
    assert {d: (r["opportunity_type"], r["stage"], r["closed_at"]) for d, r in deals.items()} == {
        "301": ("upsell", "open", None),
        "302": ("new_business", "closed_won", "2026-07-01T12:00:00Z"),
        "303": ("new_business", "closed_lost", "2026-07-15T12:00:00Z"),  # by its stage id
        "304": ("cross_sell", "open", None),  # upsell_opportunity_type
    }
    activities = rows(done.delivery, "crm_activities")
    assert activities["email-401"]["account_id"] == "102"  # through Carol's company
    assert activities["email-401"]["occurred_at"] == "2026-10-04T08:00:00Z"  # from milliseconds
    tickets = rows(done.delivery, "crm_support_tickets")
    assert [t["priority"] for t in tickets.values()] == ["high", "urgent", "low", "normal"]
    surveys = rows(done.delivery, "crm_survey_responses")
    assert surveys["804"] == {
        "response_id": "804",
        "account_id": "101",
        "contact_id": "202",
        "survey_type": "csat",
        "score": "5",
        "responded_at": "2026-10-06T08:55:00Z",  # hs_submission_timestamp
    }
    assert files_holding(tmp_path, TOKEN) == []
    assert all(f"Bearer {TOKEN}" not in json.dumps(b) for _, b in fake.requests)


def test_the_incremental_extraction_searches_what_changed_since_the_first(fake, tmp_path):
    run(fake, tmp_path)
    hubspot_world.second_changes(fake.world)
    fake.requests.clear()
    done = run(fake, tmp_path, now=hubspot_world.SECOND)
    assert done.mode == "changes" and done.delivery.name == "2026-11-10"
    first, second = (millis(d - INDEX_LAG) for d in (hubspot_world.FIRST, hubspot_world.SECOND))
    asked = fake.asked(SEARCH.format("deals"))
    assert filters(asked[0]) == {"GTE": str(int(first) + 1), "LTE": second}
    assert done.rows == {
        "crm_opportunities": 1,
        "crm_support_tickets": 2,
        "crm_survey_responses": 1,
    }
    deal = rows(done.delivery, "crm_opportunities")["301"]
    assert (deal["stage"], deal["closed_at"]) == ("closed_won", "2026-11-01T12:00:00Z")
    tickets = rows(done.delivery, "crm_support_tickets")
    assert tickets["705"]["resolved_at"] == "2026-11-02T09:00:00Z"
    assert (tickets["704"]["account_id"], tickets["704"]["priority"]) == ("103", "normal")
    # the new response's contact was delivered the first time: its company is remembered
    assert rows(done.delivery, "crm_survey_responses")["806"]["account_id"] == "102"
    state = json.loads((tmp_path / "state/hubspot/state.json").read_text())
    assert state["cursor"] == int(second)


def test_a_search_past_10000_results_goes_on_from_the_last_modification_date(
    fake, tmp_path, monkeypatch
):
    monkeypatch.setattr(hubspot_api, "SEARCH_LIMIT", 4)
    monkeypatch.setattr(hubspot_server, "SEARCH_LIMIT", 4)  # the fake refuses past it
    done = run(fake, tmp_path)
    asked = fake.asked(SEARCH.format("deals"))
    # by modification: 302, 303 | 301, 304 | the cap: again from 304's date: 304, 305
    assert [(a.get("after"), filters(a).get("GTE")) for a in asked] == [
        (None, None),
        ("2", None),
        (None, millis(hubspot_world.at_("2026-10-01T12:00:00"))),
    ]
    assert done.rows["crm_opportunities"] == 4  # 304 fetched twice, delivered once


def test_an_objects_associations_are_paged_and_a_long_retry_after_is_cut(
    fake, tmp_path, monkeypatch
):
    monkeypatch.setattr(hubspot_server, "ASSOCIATIONS_PAGE", 1)
    monkeypatch.setattr(hubspot_api, "LONGEST_WAIT", 0.2)
    # Bob's first company is a former employer; his primary one comes on the second page
    fake.world["links"][("contacts", "companies")]["202"] = [("103", None), ("101", "Primary")]
    fake.fail(SEARCH.format("companies"), 429, headers={"Retry-After": "3600"})
    started = time.monotonic()
    done = run(fake, tmp_path)
    assert time.monotonic() - started < 30  # not an hour
    contact = rows(done.delivery, "crm_contacts")["202"]
    assert (contact["account_id"], contact["is_primary"]) == ("101", "true")
    asked = fake.asked("/crm/v4/associations/contacts/companies/batch/read")
    assert {"id": "202", "after": "1"} in [i for a in asked for i in a["inputs"]]


def test_malformed_json_is_reported_in_words_and_leaves_nothing(fake, tmp_path):
    fake.fail(SEARCH.format("deals"), 200, body='{"results": [{"id": "301", ')
    with pytest.raises(UpsellError) as raised:
        run(fake, tmp_path)
    assert str(raised.value) == (
        "HubSpot's answer to the search of deals (HTTP 200) is not JSON: invalid at line 1 "
        "column 28 (Expecting property name enclosed in double quotes); nothing was delivered"
    )
    assert dated(tmp_path / "landing") == []
    assert not (tmp_path / "state/hubspot/state.json").exists()  # the cursor did not move


def test_a_changed_field_is_reported_in_words_and_leaves_nothing(fake, tmp_path):
    fake.world["objects"]["deals"][0]["properties"]["amount"] = 5000  # was text
    with pytest.raises(UpsellError) as raised:
        run(fake, tmp_path)
    assert str(raised.value) == (
        "HubSpot deal 301: field properties.amount should be text but is int 5000; the API's "
        "answer has changed shape: nothing was delivered"
    )
    assert dated(tmp_path / "landing") == []
    assert not (tmp_path / "state/hubspot/state.json").exists()
    # the staged objects are what HubSpot sent: the next run maps them again, and says so again
    with pytest.raises(UpsellError, match=r"properties\.amount should be text but is int 5000"):
        run(fake, tmp_path)
    fake.fail(SEARCH.format("tickets"), 200, body=json.dumps({"results": {"id": "701"}}))
    with pytest.raises(UpsellError, match=r"tickets: field results should be list but is dict"):
        run(fake, tmp_path / "elsewhere")


def test_a_hard_failure_is_resumed_after_the_last_page_fetched(fake, tmp_path):
    fake.fail(SEARCH.format("tickets"), 400, times=-1, after="2")  # the second page, for good
    with pytest.raises(UpsellError, match="HubSpot answered HTTP 400 to the search of tickets"):
        run(fake, tmp_path)
    assert dated(tmp_path / "landing") == []  # neither a delivery nor a partial folder
    assert not (tmp_path / "state/hubspot/state.json").exists()
    fake.clear_faults()
    fake.requests.clear()
    done = run(fake, tmp_path)
    assert done.resumed and done.rows["crm_support_tickets"] == 4
    searched = [p for p, _ in fake.requests if p.endswith("/search")]
    assert searched[0] == SEARCH.format("tickets")  # companies to deals were not fetched again
    assert fake.asked(SEARCH.format("tickets"))[0]["after"] == "2"
    assert not (tmp_path / "state/hubspot/run").exists()  # the staged run is gone once delivered


def test_a_lasting_500_is_given_up_in_words_after_the_retries(fake, tmp_path):
    fake.fail(SEARCH.format("companies"), 503, times=-1)
    with pytest.raises(UpsellError) as raised:
        run(fake, tmp_path)
    assert str(raised.value) == (
        "HubSpot failed on the search of companies (HTTP 503) after 5 retries (fake failure "
        "503): run the extraction again later; it resumes"
    )
    assert len(fake.asked(SEARCH.format("companies"))) == 1 + hubspot_api.RETRIES


def test_a_missing_scope_is_said_in_words(fake, tmp_path):
    body = json.dumps({"status": "error", "category": "MISSING_SCOPES",
                       "message": "This app hasn't been granted all required scopes"})  # fmt: skip
    fake.fail(SEARCH.format("feedback_submissions"), 403, body=body)
    with pytest.raises(UpsellError, match=r"may not read the search of feedback_submissions \(HTT"):
        run(fake, tmp_path)


def test_settings_refuse_clear_text_to_other_hosts_and_never_show_the_token():
    with pytest.raises(UpsellError, match="UPSELL_HUBSPOT_TOKEN is not set"):
        HubSpotSettings.from_env({})
    bad = {"UPSELL_HUBSPOT_TOKEN": TOKEN, "UPSELL_HUBSPOT_BASE_URL": "http://hubspot.example"}
    with pytest.raises(UpsellError, match="plain http is allowed only to this machine"):
        HubSpotSettings.from_env(bad)
    settings = HubSpotSettings.from_env({"UPSELL_HUBSPOT_TOKEN": TOKEN})
    assert settings.base_url == "https://api.hubapi.com" and TOKEN not in repr(settings)


def test_the_command_says_a_refused_token_in_one_line_and_exits_2(fake, tmp_path):
    done = extract_command("hubspot", env_of(fake, token="pat-eu1-wrong-0000"), tmp_path)
    assert done.returncode == 2
    assert done.stderr == (
        "upsell extract: error: HubSpot refused the token (HTTP 401): check "
        "UPSELL_HUBSPOT_TOKEN (Authentication credentials not found.)\n"
    )
    assert "wrong-0000" not in done.stdout + done.stderr


def test_with_stripe_one_delivery_holds_both_and_linked_customers_are_hubspots_accounts(
    fake, tmp_path
):
    from tests.fakes import stripe_world
    from tests.fakes.stripe_server import FakeStripe
    from tests.fakes.stripe_server import serve as serve_stripe

    stripe = FakeStripe(key="sk_test_fake_hs_pair_1")
    stripe_world.load(stripe, stripe_world.first_world())
    acme = next(c for c in stripe.world["customers"] if c["id"] == "cus_A")
    acme["metadata"] = {**acme["metadata"], "upsell_account_id": "101"}  # HubSpot's Acme
    server = serve_stripe(stripe)
    try:
        env = env_of(fake) | {
            "UPSELL_STRIPE_API_KEY": stripe.key,
            "UPSELL_STRIPE_BASE_URL": stripe.url,
        }
        done = connectors_run.extract(
            ["hubspot", "stripe"], env, tmp_path / "landing", tmp_path / "state", "EUR",
            now=hubspot_world.FIRST,
        )  # fmt: skip
    finally:
        server.shutdown()
        server.server_close()
    assert [d.delivery.name for d in done] == ["2026-10-20", "2026-10-20"]
    accounts = rows(done[0].delivery, "crm_accounts")
    assert {"101", "102", "103"} <= set(accounts) and "cus_A" not in accounts
    assert accounts["101"]["account_name"] == "Acme GmbH"  # HubSpot's row, not Stripe's
    invoices = rows(done[0].delivery, "sub_invoices").values()
    assert {i["account_id"] for i in invoices if i["invoice_id"].startswith("in_A")} == {"101"}
    assert files_holding(tmp_path, TOKEN, stripe.key) == []


def test_the_hubspot_asset_in_dagster_writes_a_delivery_and_keeps_the_token_out(
    fake, tmp_path, monkeypatch
):
    import dagster as dg

    from orchestration.defs.connectors import CONNECTOR_ASSETS, connector_key
    from orchestration.resources import Installation

    for name, value in env_of(fake).items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("UPSELL_SALESFORCE_CLIENT_SECRET", raising=False)
    monkeypatch.delenv("UPSELL_SALESFORCE_SESSION_ID", raising=False)
    monkeypatch.setenv("UPSELL_CONNECTOR_STATE_DIR", str(tmp_path / "state"))
    installation = Installation(path=str(tmp_path / "w.duckdb"), landing_dir=str(tmp_path / "l"))
    result = dg.materialize(
        CONNECTOR_ASSETS,
        selection=[connector_key("hubspot")],
        resources={"installation": installation},
        raise_on_error=False,
    )
    assert result.success
    [event] = result.get_asset_materialization_events()
    metadata = event.materialization.metadata
    assert metadata["rows"].value["crm_survey_responses"] == 4
    assert metadata["left_out"].value == 2 and TOKEN not in str(metadata)
    assert files_holding(tmp_path, TOKEN) == []


def test_hubspot_out_of_reach_is_said_in_words(tmp_path):
    import socket

    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    env = {"UPSELL_HUBSPOT_TOKEN": TOKEN, "UPSELL_HUBSPOT_BASE_URL": f"http://127.0.0.1:{port}"}
    with pytest.raises(UpsellError, match=r"^cannot reach HubSpot for the search of companies: "):
        connectors_run.extract(
            ["hubspot"], env, tmp_path / "landing", tmp_path / "state", "EUR",
            now=hubspot_world.FIRST,
        )  # fmt: skip
    assert dated(tmp_path / "landing") == []


def company(**props):
    stamps = {"createdate": "2026-06-01T09:00:00.000Z", "hs_lastmodifieddate": "1780304400000"}
    return {"id": "9", "properties": {**stamps, **props}}


@pytest.mark.parametrize(
    "props, column, expected",
    [
        ({"country": "de"}, "country", "DE"),
        ({"country": "Deutschland"}, "country", "Deutschland"),  # passed on: quarantined
        ({}, "country", "ZZ"),
        ({"numberofemployees": "999.0"}, "segment", "mid_market"),
        ({"numberofemployees": "999.0"}, "employee_count", "999"),
        ({"numberofemployees": "1000"}, "segment", "enterprise"),
        ({"upsell_segment": "Whale"}, "segment", "whale"),  # passed on: quarantined
        ({}, "updated_at", "2026-06-01T09:00:00Z"),  # from milliseconds
    ],
)
def test_the_company_mapping_reads_hubspots_free_text(props, column, expected):
    from upsell.connectors import hubspot_map

    assert hubspot_map.account_row(company(**props), "eur")[column] == expected


def test_an_unreadable_date_is_said_in_words():
    from upsell.connectors import hubspot_map

    with pytest.raises(UpsellError) as raised:
        hubspot_map.account_row(company(createdate="yesterday"), "EUR")
    assert str(raised.value) == (
        "HubSpot company 9: field properties.createdate should be a date and time but is str "
        "'yesterday'; the API's answer has changed shape: nothing was delivered"
    )
