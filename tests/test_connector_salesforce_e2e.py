"""End to end from Salesforce: a first and an incremental extraction from the fake org, one
pipeline run (ingest, raw checks, dbt build) on the two deliveries, and customer_360's open
tickets, open expansion opportunities and last activity against figures worked out by hand
from tests/fakes/salesforce_world.py."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.connector_pipeline import assert_clean_run, local_installation, pipeline_run
from tests.fake_api import extract_alone
from tests.fakes import salesforce_world as org
from tests.fakes.http_server import running
from tests.fakes.salesforce_server import FakeSalesforce, serve

CLIENT_ID, CLIENT_SECRET = "3MVG9fakeconsumerkey", "FAKESECRET0123456789ABCDEF"
FIRST, SECOND = datetime(2026, 11, 1, 9, tzinfo=UTC), datetime(2026, 11, 20, 9, tzinfo=UTC)

# By hand, after both deliveries:
# open tickets (resolved_at null): Acme: case 1 closed, case 2 open -> 1; Globex: case 3,
#   open in the first delivery, closed in the second -> 0; Initech: no cases -> 0.
# open expansion opportunities (open, upsell or cross-sell): Acme: opportunity 2 (upgrade)
#   won in the second -> 0; Globex: opportunity 3 (upgrade, open) -> 1; Initech: its only
#   opportunity is a 'Partner Deal', left out -> 0.
# last activity: Acme: max(call 10-08 09:00, email 10-09 09:00, meeting 10-12 14:00) =
#   10-12 14:00 (the plain task is left out); Globex: max(email on a lead 10-10, all-day
#   meeting 10-13 00:00, the second delivery's call 11-10 09:00) = 11-10 09:00; Initech: none.
OPEN_TICKETS = {org.A1: 1, org.A2: 0, org.A3: 0}
OPEN_EXPANSION = {org.A1: 0, org.A2: 1, org.A3: 0}
LAST_ACTIVITY = {
    org.A1: datetime(2026, 10, 12, 14),
    org.A2: datetime(2026, 11, 10, 9),
    org.A3: None,
}


@pytest.fixture
def built(tmp_path):
    fake = FakeSalesforce(CLIENT_ID, CLIENT_SECRET, page_size=2, world=org.world())
    env = {
        "UPSELL_SALESFORCE_CLIENT_ID": CLIENT_ID,
        "UPSELL_SALESFORCE_CLIENT_SECRET": CLIENT_SECRET,
    }

    def extract(now):
        return extract_alone(
            "salesforce", {**env, "UPSELL_SALESFORCE_BASE_URL": fake.url}, tmp_path, now
        )

    with running(fake, serve):
        first = extract(FIRST)
        org.change(fake.world)
        second = extract(SECOND)
    with pipeline_run(local_installation(tmp_path)) as (result, con):
        yield result, con, (first, second)


def test_customer_360_holds_the_figures_worked_out_by_hand(built):
    result, con, (first, second) = built
    assert first.delivery.name == "2026-11-01" and second.delivery.name == "2026-11-20"
    assert (first.mode, second.mode) == ("full", "changes")
    assert second.rows == {"crm_opportunities": 1, "crm_activities": 1, "crm_support_tickets": 1}
    assert_clean_run(result, con)
    accounts = con.execute(
        "SELECT account_id, open_tickets, open_expansion_opportunities, last_activity_at "
        "FROM marts.customer_360 ORDER BY account_id"
    ).fetchall()
    assert {a: t for a, t, _, _ in accounts} == OPEN_TICKETS
    assert {a: o for a, _, o, _ in accounts} == OPEN_EXPANSION
    assert {a: last for a, _, _, last in accounts} == LAST_ACTIVITY
