"""The Salesforce connector against a fake org on 127.0.0.1: first and incremental extraction,
paging, retries, a hard failure resumed, bad answers said in words, secrets kept out."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from tests.fake_api import fake_fixture
from tests.fakes import salesforce_world as org
from tests.fakes.salesforce_server import FakeSalesforce, serve
from upsell.connectors import salesforce, salesforce_api, salesforce_map
from upsell.connectors.common import State
from upsell.errors import UpsellError

CLIENT_ID = "3MVG9fakeconsumerkey"
CLIENT_SECRET = "FAKESECRET0123456789ABCDEF"
NOW = datetime(2026, 11, 1, 9, tzinfo=UTC)


fake = fake_fixture(
    lambda: FakeSalesforce(CLIENT_ID, CLIENT_SECRET, page_size=2, world=org.world()), serve
)


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch):
    monkeypatch.setattr(salesforce_api, "BACKOFF", 0.001)


def env(fake):
    return {
        "UPSELL_SALESFORCE_CLIENT_ID": CLIENT_ID,
        "UPSELL_SALESFORCE_CLIENT_SECRET": CLIENT_SECRET,
        "UPSELL_SALESFORCE_BASE_URL": fake.url,
    }


def prepare(fake, state, full=False):
    return salesforce.prepare(env(fake), state, "EUR", NOW, full)


def by_id(rows, key):
    return {r[key]: r for r in rows}


def test_first_extraction_pages_and_retries_a_429_and_a_500(fake, tmp_path):
    fake.fail("Contact", 429, page=1)
    fake.fail("Opportunity", 500)
    state = State(tmp_path, salesforce.SOURCE)
    prepared = prepare(fake, state)
    assert (prepared.mode, prepared.resumed) == ("full", False)
    rows = prepared.rows
    assert {t: len(r) for t, r in rows.items()} == {
        "crm_accounts": 3,
        "crm_contacts": 3,
        "crm_opportunities": 4,
        "crm_activities": 5,  # 3 tasks (a plain one left out) and 2 events
        "crm_support_tickets": 3,
    }
    accounts = by_id(rows["crm_accounts"], "account_id")
    assert accounts[org.A1]["country"] == "DE" and accounts[org.A1]["segment"] == "mid_market"
    assert accounts[org.A2]["country"] == "GB" and accounts[org.A2]["billing_currency"] == "GBP"
    assert accounts[org.A3]["segment"] == "smb" and accounts[org.A3]["industry"] == "unknown"
    assert accounts[org.A3]["employee_count"] == 0
    assert accounts[org.A1]["updated_at"] == "2026-10-02T09:00:00Z"
    opps = by_id(rows["crm_opportunities"], "opportunity_id")
    first = opps[org.OPPORTUNITIES[0]["Id"]]
    assert (first["opportunity_type"], first["stage"], first["amount"]) == (
        "new_business",
        "closed_won",
        "12000.0",
    )
    assert first["closed_at"] == "2026-10-10T00:00:00Z"
    lost = opps[org.OPPORTUNITIES[3]["Id"]]
    assert (lost["opportunity_type"], lost["stage"]) == ("renewal", "closed_lost")
    assert opps[org.OPPORTUNITIES[1]["Id"]]["closed_at"] is None
    activities = by_id(rows["crm_activities"], "activity_id")
    assert activities["00TA00000000004AAA"]["contact_id"] is None  # a lead is no contact
    assert activities["00UA00000000002AAA"]["occurred_at"] == "2026-10-13T00:00:00Z"
    assert {a["activity_type"] for a in activities.values()} == {"call", "email", "meeting"}
    tickets = by_id(rows["crm_support_tickets"], "ticket_id")
    assert [tickets[c["Id"]]["priority"] for c in org.CASES] == ["high", "urgent", "normal"]
    contacts = by_id(rows["crm_contacts"], "contact_id")
    assert contacts[org.C1]["is_primary"] and not contacts[org.C2]["is_primary"]
    assert sorted(prepared.left_out) == sorted(
        [
            "contact 003A00000000004AAA has no account: the contract needs one",
            "opportunity 006A00000000005AAA has Type 'Partner Deal', which names no "
            "opportunity type",
            "task 00TA00000000003AAA is a Task task: neither email nor call",
        ]
    )
    # Six queries and the Opportunity one again after its 500, none filtered
    assert len(fake.soql()) == 7 and all("WHERE" not in q for q in fake.soql())
    # Pages of two: a query_more per further page (accounts 1, contacts 1 and its 429 again,
    # opportunities 2, tasks 1, events 0, cases 1)
    more = [p for m, p, q in fake.requests if p.startswith("/services/data/v62.0/query/0")]
    assert len(more) == 7
    assert prepared.state["cursor"]["Account"] == "2026-10-03T09:00:00.000Z"


def test_the_incremental_extraction_reads_what_changed_since_the_first(fake, tmp_path):
    state = State(tmp_path, salesforce.SOURCE)
    state.commit(prepare(fake, state).state)
    org.change(fake.world)
    fake.requests.clear()
    prepared = prepare(fake, state)
    assert prepared.mode == "changes"
    assert {t: len(r) for t, r in prepared.rows.items()} == {
        "crm_opportunities": 1,
        "crm_activities": 1,
        "crm_support_tickets": 1,
    }
    (won,) = prepared.rows["crm_opportunities"]
    assert (won["stage"], won["closed_at"]) == ("closed_won", "2026-11-10T00:00:00Z")
    (case,) = prepared.rows["crm_support_tickets"]
    assert case["resolved_at"] == "2026-11-10T09:00:00Z"
    assert "FROM Opportunity WHERE SystemModstamp > 2026-10-07T11:00:00.000Z" in " ".join(
        fake.soql()
    )
    state.commit(prepared.state)
    assert state.committed()["cursor"]["Case"] == "2026-11-10T09:00:00.000Z"
    # Nothing changed since: no rows, the cursor stays
    again = prepare(fake, state)
    assert again.rows == {} and again.state == prepared.state


def test_a_hard_failure_moves_no_cursor_and_is_resumed_at_the_next_page(fake, tmp_path):
    state = State(tmp_path, salesforce.SOURCE)
    fake.fail("Opportunity", 500, page=1, times=-1)
    with pytest.raises(UpsellError, match=r"Opportunity request \(HTTP 500\) after 5 retries"):
        prepare(fake, state)
    assert state.committed() == {}
    assert state.checkpoint()["pages"]["Account"]["done"]
    fake.faults.clear()
    fake.requests.clear()
    prepared = prepare(fake, state)
    assert prepared.resumed
    asked = " ".join(fake.soql())
    assert "FROM Account" not in asked and "FROM Contact" not in asked
    assert len(prepared.rows["crm_accounts"]) == 3
    assert len(prepared.rows["crm_opportunities"]) == 4


def test_a_run_resumed_after_its_locator_expired_queries_again_from_the_last_stamp(fake, tmp_path):
    state = State(tmp_path, salesforce.SOURCE)
    fake.fail("Opportunity", 500, page=1, times=-1)
    with pytest.raises(UpsellError):
        prepare(fake, state)
    fake.faults.clear()
    fake.expire_locators()
    fake.requests.clear()
    prepared = prepare(fake, state)
    assert any(
        "FROM Opportunity WHERE SystemModstamp >= 2026-10-06T11:00:00.000Z" in q
        for q in fake.soql()
    )
    # opportunities 2 and 3 share the stamp: fetched twice, delivered once each
    assert sorted(r["opportunity_id"] for r in prepared.rows["crm_opportunities"]) == sorted(
        o["Id"] for o in org.OPPORTUNITIES[:4]
    )


def test_malformed_json_is_reported_in_words(fake, tmp_path):
    fake.fail("Case", 200, body="<html>Service unavailable</html>")
    with pytest.raises(UpsellError, match=r"answer to the Case request is not JSON \(invalid at"):
        prepare(fake, State(tmp_path, salesforce.SOURCE))


def test_a_changed_field_is_reported_in_words(fake, tmp_path):
    fake.world["Opportunity"][0]["Amount"] = "12000"
    with pytest.raises(UpsellError) as err:
        prepare(fake, State(tmp_path, salesforce.SOURCE))
    assert str(err.value).startswith(
        "Salesforce Opportunity 006A00000000001AAA: field Amount should be int or float but "
        "is str '12000'"
    )


def test_the_orgs_request_limit_is_said_in_words(fake, tmp_path):
    fake.fail("Account", 403, code="REQUEST_LIMIT_EXCEEDED")
    with pytest.raises(UpsellError, match="used up its API requests"):
        prepare(fake, State(tmp_path, salesforce.SOURCE))


def test_refused_credentials_are_said_and_no_secret_is_anywhere(fake, tmp_path):
    state = State(tmp_path, salesforce.SOURCE)
    bad = {**env(fake), "UPSELL_SALESFORCE_CLIENT_SECRET": "WRONG" + CLIENT_SECRET}
    with pytest.raises(UpsellError, match="refused the client credentials") as err:
        salesforce.prepare(bad, state, "EUR", NOW, False)
    assert CLIENT_SECRET not in str(err.value)
    fake.fail("Contact", 500, page=1, times=-1)
    with pytest.raises(UpsellError) as err:
        prepare(fake, state)
    fake.faults.clear()
    prepared = prepare(fake, state)
    state.commit(prepared.state)
    written = " ".join(p.read_text() for p in tmp_path.rglob("*") if p.is_file())
    said = f"{err.value} {prepared} {written}"
    for secret in (CLIENT_SECRET, CLIENT_ID, fake.token):
        assert secret not in said


def test_an_existing_session_is_used_without_the_token_request(fake, tmp_path):
    session = {"UPSELL_SALESFORCE_SESSION_ID": fake.token, "UPSELL_SALESFORCE_BASE_URL": fake.url}
    prepared = salesforce.prepare(session, State(tmp_path, salesforce.SOURCE), "EUR", NOW, False)
    assert len(prepared.rows["crm_accounts"]) == 3
    assert not [p for m, p, q in fake.requests if p == "/services/oauth2/token"]


def test_client_credentials_need_the_orgs_my_domain():
    with pytest.raises(UpsellError, match="My Domain"):
        salesforce.SalesforceSettings.from_env(
            {"UPSELL_SALESFORCE_CLIENT_ID": CLIENT_ID, "UPSELL_SALESFORCE_CLIENT_SECRET": "x"}
        )


def test_the_command_delivers_and_says_refused_credentials_in_one_line(fake, tmp_path):
    given = {**os.environ, **env(fake)}
    given |= {
        "UPSELL_LANDING_DIR": str(tmp_path / "l"),
        "UPSELL_CONNECTOR_STATE_DIR": str(tmp_path),
    }
    wrong = {**given, "UPSELL_SALESFORCE_CLIENT_SECRET": "WRONGSECRET42"}
    command = [sys.executable, "-m", "upsell.cli", "extract", "salesforce"]
    refused = subprocess.run(command, env=wrong, capture_output=True, text=True, check=False)
    assert refused.returncode == 2
    assert refused.stderr.startswith(
        "upsell extract: error: Salesforce refused the client credentials (HTTP 400: "
        "invalid_client)"
    )
    assert refused.stderr.count("\n") == 1 and "WRONGSECRET42" not in refused.stderr
    assert not (tmp_path / "l").exists()
    done = subprocess.run(command, env=given, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    [delivery] = (tmp_path / "l").iterdir()
    assert (delivery / "_SUCCESS").exists() and (delivery / "crm_accounts.parquet").exists()
    written = b" ".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    for secret in (CLIENT_SECRET, fake.token):
        assert secret.encode() not in written + done.stdout.encode() + done.stderr.encode()


def test_a_query_salesforce_stopped_for_running_too_long_is_said_in_words(fake, tmp_path):
    fake.fail("Account", 400, code="QUERY_TIMEOUT")
    with pytest.raises(UpsellError, match=r"Account query: it ran longer .*QUERY_TIMEOUT"):
        prepare(fake, State(tmp_path, salesforce.SOURCE))


def test_an_all_day_event_is_dated_by_its_activity_date():
    record = {
        "attributes": {"type": "Event"},
        "Id": "00UA00000000009AAA",
        "AccountId": "001A00000000001AAA",
        "WhoId": None,
        "IsAllDayEvent": True,
        # Salesforce may fill ActivityDateTime too; an all-day event's day is ActivityDate
        "ActivityDateTime": "2026-10-11T22:00:00.000+0000",
        "ActivityDate": "2026-10-12",
    }
    row, why = salesforce_map.event_row(record)
    assert why is None and row["occurred_at"] == "2026-10-12T00:00:00Z"
    timed, _ = salesforce_map.event_row({**record, "IsAllDayEvent": False})
    assert timed["occurred_at"] == "2026-10-11T22:00:00Z"
    undated, why = salesforce_map.event_row(
        {**record, "IsAllDayEvent": False, "ActivityDateTime": None}
    )
    assert undated is None and "has no ActivityDateTime" in why
