"""The command line and the environment configuration."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from upsell import cli
from upsell.config import DEFAULTS, Settings, safe_path
from upsell.errors import UpsellError
from upsell.sample_data.deliveries import delivery_dates


def test_defaults_and_overrides(tmp_path):
    s = Settings.from_env({})
    assert s.landing_dir == Path(DEFAULTS["UPSELL_LANDING_DIR"]).resolve()
    assert s.reporting_currency == "EUR"
    s = Settings.from_env(
        {
            "UPSELL_WAREHOUSE": str(tmp_path / "w.duckdb"),
            "UPSELL_REPORTING_CURRENCY": "usd",
            "UPSELL_ALLOWED_ROOTS": f".:{tmp_path}",
        }
    )
    assert s.warehouse == tmp_path / "w.duckdb"
    assert s.reporting_currency == "USD"


@pytest.mark.parametrize("value", ["x", "1.5", "-0.1"])
def test_bad_row_threshold_must_be_a_share(value):
    with pytest.raises(UpsellError, match="UPSELL_BAD_ROW_THRESHOLD"):
        Settings.from_env({"UPSELL_BAD_ROW_THRESHOLD": value})
    assert Settings.from_env({"UPSELL_BAD_ROW_THRESHOLD": "0.2"}).bad_row_threshold == 0.2


@pytest.mark.parametrize("value", ["0", "x", "1.5", "-1", "65"])
def test_dbt_threads_must_be_a_small_whole_number(value):
    with pytest.raises(UpsellError, match="UPSELL_DBT_THREADS"):
        Settings.from_env({"UPSELL_DBT_THREADS": value})
    assert Settings.from_env({"UPSELL_DBT_THREADS": "1"}).dbt_threads == 1


@pytest.mark.parametrize("bad", ["data/*.duckdb", "data/../etc", "a'b", "x[1]", "", "a;b"])
def test_unsafe_paths_are_refused(bad):
    with pytest.raises(UpsellError):
        safe_path(bad, "UPSELL_WAREHOUSE")


@given(st.text(min_size=1), st.sampled_from("*?[]{}'\";"))
def test_any_path_with_a_glob_or_quote_character_is_refused(text, char):
    with pytest.raises(UpsellError):
        safe_path(text + char, "path")


@given(st.integers(0, 60), st.dates())
def test_delivery_dates_are_consecutive_and_end_on_the_end_date(n, end):
    from datetime import timedelta

    if end.toordinal() <= 61:
        return
    dates = delivery_dates(end, n)
    assert len(dates) == n + 1 and dates[-1] == end
    assert all(b - a == timedelta(days=1) for a, b in itertools.pairwise(dates))


def test_bad_currency_is_one_clear_error(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("UPSELL_REPORTING_CURRENCY", "euro")
    assert cli.main(["generate", "--out", str(tmp_path / "l")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "upsell generate: error: UPSELL_REPORTING_CURRENCY='EURO' is not a three-letter "
        "ISO 4217 code"
    ]


def test_generate_refuses_to_overwrite_a_delivery(capsys, tmp_path):
    args = [
        "generate",
        "--accounts",
        "50",
        "--months",
        "2",
        "--out",
        str(tmp_path / "l"),
        "--truth-out",
        str(tmp_path / "t"),
    ]
    assert cli.main(args) == 0
    assert "wrote 1 deliveries" in capsys.readouterr().out
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert "already exists" in err and err.count("\n") == 1


def test_truth_must_lie_outside_the_landing_zone(capsys, tmp_path):
    args = [
        "generate",
        "--accounts",
        "50",
        "--out",
        str(tmp_path / "l"),
        "--truth-out",
        str(tmp_path / "l" / "truth"),
    ]
    assert cli.main(args) == 2
    assert "outside the landing zone" in capsys.readouterr().err


@pytest.mark.parametrize("command", [[], ["generate"]])
def test_help(command):
    done = subprocess.run(
        [sys.executable, "-m", "upsell.cli", *command, "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0
    assert "usage: upsell" in done.stdout
