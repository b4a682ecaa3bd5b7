"""The extraction run: several sources into one delivery, their cursors moved only after it,
a key delivered by two sources refused, one CRM at a time, and a source resumed after its
rows were delivered not delivering them twice."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pyarrow.parquet as pq
import pytest

from upsell import connectors
from upsell.connectors import Source, run
from upsell.connectors.common import State
from upsell.errors import UpsellError

NOW = datetime(2026, 11, 3, 6, 0, tzinfo=UTC)


def account(account_id: str) -> dict:
    return {
        "account_id": account_id,
        "account_name": f"Account {account_id}",
        "industry": "software",
        "country": "DE",
        "segment": "smb",
        "employee_count": 5,
        "billing_currency": "EUR",
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
    }


PLAN = {
    "plan_id": "p1",
    "plan_name": "Team",
    "tier": 1,
    "billing_interval_months": 1,
    "currency": "EUR",
    "unit_price": "10",
}


@pytest.fixture
def sources(monkeypatch):
    fixed = "tests.fakes.fixed_source"
    monkeypatch.setitem(
        connectors.SOURCES, "alpha", Source(fixed, ("ALPHA_KEY",), ("crm_accounts",), crm=True)
    )
    monkeypatch.setitem(
        connectors.SOURCES, "beta", Source(fixed, ("BETA_KEY",), ("crm_accounts", "sub_plans"))
    )
    monkeypatch.setitem(
        connectors.SOURCES, "gamma", Source(fixed, ("GAMMA_KEY",), ("crm_accounts",), crm=True)
    )


def env(**rows) -> dict[str, str]:
    return {f"FIXED_{name.upper()}_ROWS": json.dumps(tables) for name, tables in rows.items()}


def extract(tmp_path, names, environment, now=NOW):
    return run.extract(names, environment, tmp_path / "landing", tmp_path / "state", "EUR", now=now)


def test_two_sources_make_one_delivery_and_both_cursors_move(sources, tmp_path):
    environment = env(
        alpha={"crm_accounts": [account("A1")]},
        beta={"crm_accounts": [account("cus_B")], "sub_plans": [PLAN]},
    )
    alpha, beta = extract(tmp_path, ["alpha", "beta"], environment)
    assert alpha.delivery == beta.delivery == tmp_path / "landing" / "2026-11-03"
    assert alpha.rows == {"crm_accounts": 1} and beta.rows == {"crm_accounts": 1, "sub_plans": 1}
    accounts = pq.read_table(alpha.delivery / "crm_accounts.parquet").column("account_id")
    assert sorted(accounts.to_pylist()) == ["A1", "cus_B"]
    assert (alpha.delivery / "_SUCCESS").exists()
    for name in ("alpha", "beta"):
        state = State(tmp_path / "state", name)
        assert state.committed() == {"cursor": NOW.isoformat(), "runs": 1}
        assert state.checkpoint() is None  # the run's staging is gone


def test_a_key_from_two_sources_is_refused_and_nothing_moves(sources, tmp_path):
    environment = env(
        alpha={"crm_accounts": [account("A1")]}, beta={"crm_accounts": [account("A1")]}
    )
    with pytest.raises(
        UpsellError, match=r"crm_accounts row account_id=A1 comes from both alpha and beta"
    ):
        extract(tmp_path, ["alpha", "beta"], environment)
    assert not (tmp_path / "landing").exists() or not any((tmp_path / "landing").iterdir())
    assert State(tmp_path / "state", "alpha").committed() == {}


def test_a_failing_source_stops_the_delivery_and_the_other_resumes(sources, tmp_path):
    environment = env(alpha={"crm_accounts": [account("A1")]}) | {"FIXED_BETA_FAIL": "1"}
    with pytest.raises(UpsellError, match="beta is down"):
        extract(tmp_path, ["alpha", "beta"], environment)
    assert not (tmp_path / "landing").exists() or not any((tmp_path / "landing").iterdir())
    assert State(tmp_path / "state", "alpha").committed() == {}
    del environment["FIXED_BETA_FAIL"]
    alpha, beta = extract(tmp_path, ["alpha", "beta"], environment)
    assert alpha.resumed and not beta.resumed  # alpha's run was left staged
    assert alpha.delivery is not None and beta.delivery is None  # beta had no rows


def test_a_source_whose_rows_were_delivered_before_a_crash_is_not_delivered_again(
    sources, tmp_path
):
    environment = env(alpha={"crm_accounts": [account("A1")]})
    state = State(tmp_path / "state", "alpha")
    state.start({"mode": "full", "until": NOW.isoformat()})
    (tmp_path / "landing" / "2026-11-02").mkdir(parents=True)  # what the crashed run delivered
    state.mark_delivered("2026-11-02")
    [alpha] = extract(tmp_path, ["alpha"], environment)
    assert alpha.resumed and alpha.delivery == tmp_path / "landing" / "2026-11-02"
    assert sorted(p.name for p in (tmp_path / "landing").iterdir()) == ["2026-11-02"]
    assert state.committed()["runs"] == 1


def test_two_crms_are_refused_before_anything_is_fetched(sources, tmp_path):
    environment = env(alpha={"crm_accounts": [account("A1")]}) | {
        "ALPHA_KEY": "a",
        "GAMMA_KEY": "g",
    }
    with pytest.raises(
        UpsellError, match=r"^ALPHA_KEY and GAMMA_KEY are both set: the accounts come from one CRM"
    ):
        extract(tmp_path, ["alpha"], environment)
    assert not (tmp_path / "state" / "alpha" / "run").exists()
    assert connectors.crm_in_use({"ALPHA_KEY": "a", "BETA_KEY": "b"}) == "alpha"
    assert connectors.configured({"ALPHA_KEY": "a", "BETA_KEY": ""}) == ["alpha"]
