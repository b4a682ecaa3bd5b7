"""End to end from HubSpot: a first and an incremental extraction from the fake HubSpot API,
one pipeline run (ingest, raw checks, dbt build) on the two deliveries, and the marts' NPS,
CSAT, open tickets and open expansion opportunities against the figures worked out by hand in
tests/fakes/hubspot_world.py."""

from __future__ import annotations

import pytest

from tests import hubspot_fake
from tests.connector_pipeline import assert_clean_run, local_installation, pipeline_run
from tests.fakes import hubspot_world
from tests.hubspot_fake import run

fake = hubspot_fake.fake  # the fixture


@pytest.fixture
def built(fake, tmp_path):
    first = run(fake, tmp_path)
    hubspot_world.second_changes(fake.world)
    second = run(fake, tmp_path, now=hubspot_world.SECOND)
    with pipeline_run(local_installation(tmp_path)) as (result, con):
        yield result, con, (first, second)


def test_the_marts_hold_the_figures_worked_out_by_hand(built):
    result, con, (first, second) = built
    assert first.delivery.name == "2026-10-20" and second.delivery.name == "2026-11-10"
    assert_clean_run(result, con)
    voice = con.execute(
        "SELECT strftime(month, '%Y-%m'), nps_responses, nps, csat_responses, csat "
        "FROM marts.kpi_voice_of_customer_monthly ORDER BY month"
    ).fetchall()
    assert {m: (n, float(s)) for m, n, s, _, _ in voice if n} == {
        m: (hubspot_world.NPS_RESPONSES[m], hubspot_world.NPS[m]) for m in hubspot_world.NPS
    }
    assert {m: float(c) for m, *_, n, c in voice if n} == hubspot_world.CSAT
    accounts = con.execute(
        "SELECT account_id, open_tickets, open_expansion_opportunities FROM marts.customer_360 "
        "ORDER BY account_id"
    ).fetchall()
    assert {a: t for a, t, _ in accounts} == hubspot_world.OPEN_TICKETS
    assert {a: o for a, _, o in accounts} == hubspot_world.OPEN_EXPANSION
