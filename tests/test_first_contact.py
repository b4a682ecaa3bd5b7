"""A new user's first contact with the command line: every setting checked at start-up in one
line, no sample data unless asked for, failures as one line on stderr with the details in the
run's log, Ctrl-C as `interrupted`, a rerun with nothing new doing nothing, and CLI runs listed
under their job in the Dagster UI."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml

from upsell import cli
from upsell.config import Settings, folder_env
from upsell.errors import UpsellError

ROOT = Path(__file__).resolve().parents[1]


def _env(root: Path, **extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UPSELL_")}
    return {
        **env,
        **folder_env(root),
        "UPSELL_ALLOWED_ROOTS": str(root),
        "PYTHONPATH": str(ROOT),
        **extra,
    }


def _upsell(root: Path, *args: str, **extra) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "upsell.cli", *args],
        cwd=ROOT, env=_env(root, **extra), capture_output=True, text=True, timeout=900,
    )  # fmt: skip


@pytest.mark.parametrize(
    "name, value, says",
    [
        ("UPSELL_TIMEZONE", "Mars/Olympus_Mons", "not an IANA time zone"),
        ("UPSELL_TIMEZONE", "../../etc/passwd", "not an IANA time zone"),
        ("UPSELL_DAILY_CRON", "0 25 * * *", "not a cron expression"),
        ("UPSELL_RETRAIN_CRON", "every monday", "not a cron expression"),
        ("UPSELL_DUCKDB_MEMORY_LIMIT", "lots", "not a size"),
        ("UPSELL_DUCKDB_MEMORY_LIMIT", "8GB'; DROP TABLE x; --", "not a size"),
        ("UPSELL_LANDING_DIR", "", "set but empty"),
        ("UPSELL_WAREHOUSE", "  ", "set but empty"),
        ("UPSELL_LANDINGDIR", "data/landing", "did you mean UPSELL_LANDING_DIR"),
        ("UPSELL_REPORTING_CURENCY", "USD", "did you mean UPSELL_REPORTING_CURRENCY"),
    ],
)
def test_every_setting_is_checked_at_start_up_in_one_line(name, value, says, capsys, monkeypatch):
    with pytest.raises(UpsellError, match=says):
        Settings.from_env({name: value})
    monkeypatch.setenv(name, value)
    # `train` stops at the settings, before looking for a warehouse or loading Dagster
    assert cli.main(["train"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("upsell train: error: ") and says in err


def test_valid_settings_pass(tmp_path):
    s = Settings.from_env(
        {
            "UPSELL_TIMEZONE": "Europe/Berlin",
            "UPSELL_DAILY_CRON": "30 5 * * 1-5",
            "UPSELL_DUCKDB_MEMORY_LIMIT": "512MB",
            "UPSELL_PII_SALT": "",  # a setting that may be empty
        }
    )
    assert (s.timezone, s.daily_cron, s.duckdb_memory_limit) == (
        "Europe/Berlin",
        "30 5 * * 1-5",
        "512MB",
    )


def test_a_command_checks_only_the_paths_it_uses(tmp_path, capsys, monkeypatch):
    for name, path in folder_env(tmp_path).items():
        monkeypatch.setenv(name, path)
    monkeypatch.setenv("UPSELL_ALLOWED_ROOTS", str(tmp_path))
    monkeypatch.setenv("UPSELL_WAREHOUSE", "/etc/upsell/warehouse.duckdb")  # not generate's
    out = ["--out", str(tmp_path / "l"), "--truth-out", str(tmp_path / "t")]
    assert cli.main(["generate", "--accounts", "30", "--months", "2", *out]) == 0
    assert (tmp_path / "l").is_dir()
    assert cli.main(["train"]) == 2  # train uses the warehouse: refused, naming it
    assert "UPSELL_WAREHOUSE /etc/upsell/warehouse.duckdb is outside" in capsys.readouterr().err


def test_train_before_any_run_says_so_and_leaves_nothing(tmp_path):
    done = _upsell(tmp_path, "train")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"upsell train: error: no features yet ({tmp_path / 'warehouse.duckdb'} does not exist): "
        "run `upsell run` first"
    ]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("landing", ["missing", "mistyped/landing"])
def test_run_never_writes_sample_data_into_a_landing_zone(tmp_path, landing):
    done = _upsell(tmp_path, "run", UPSELL_LANDING_DIR=str(tmp_path / landing))
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"upsell run: error: landing directory {tmp_path / landing} does not exist"
    ]
    assert list(tmp_path.iterdir()) == []  # no landing zone, no warehouse, no serving file


def test_the_default_sample_ends_yesterday(tmp_path):
    """So that its freshness checks pass on the day it is made (same options, same bytes)."""
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    assert cli.build_parser().parse_args(["generate"]).end_date == yesterday


def test_exact_row_counts_in_the_summary(tmp_path):
    from orchestration.summary import _layer_rows

    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.t AS SELECT range AS x FROM range(1000)")
    con.execute("DELETE FROM marts.t WHERE x >= 10")
    con.execute("CHECKPOINT")
    estimated = con.execute("SELECT estimated_size FROM duckdb_tables()").fetchone()[0]
    assert _layer_rows(con) == [("marts", 1, 10)]
    assert estimated != 10  # what the summary printed before
    con.close()


def test_the_ui_location_is_the_one_the_cli_tags_its_runs_with():
    from orchestration.pipeline import IN_PROCESS, LOCATION, REPOSITORY_LABEL_TAG

    workspace = yaml.safe_load((ROOT / "workspace.yaml").read_text())
    assert [e["python_module"]["location_name"] for e in workspace["load_from"]] == [LOCATION]
    assert IN_PROCESS[REPOSITORY_LABEL_TAG] == f"__repository__@{LOCATION}"


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    """The sample made the way a newcomer makes it (default end date), run once, then again."""
    root = tmp_path_factory.mktemp("first-contact")
    made = _upsell(root, "generate", "--accounts", "300", "--months", "12",
                   "--truth-out", str(root / "truth"))  # fmt: skip
    assert made.returncode == 0, made.stderr
    first = _upsell(root, "run")
    serving = root / "serving.duckdb"
    before = serving.stat()
    again = _upsell(root, "run")
    return root, first, again, before, serving.stat()


def test_a_sample_run_ends_without_stale_warnings(sample_run):
    _, first, _, _, _ = sample_run
    assert first.returncode == 0, first.stderr
    assert first.stderr == ""
    assert "stale" not in first.stdout
    assert "landing_zone_ingest: done" in first.stdout  # progress, one line per step
    assert "START sql" not in first.stdout  # dbt's own lines are in the log


def test_a_run_with_nothing_new_says_so_and_republishes_nothing(sample_run):
    root, _, again, before, after = sample_run
    assert again.returncode == 0 and again.stderr == ""
    assert again.stdout.startswith(f"nothing new in {root / 'landing'}: every complete delivery")
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_cli_runs_are_listed_under_their_job_as_the_ui_lists_them(sample_run, monkeypatch):
    root = sample_run[0]
    monkeypatch.setenv("DAGSTER_HOME", str(root / "dagster"))
    from orchestration.pipeline import LOCATION, REPOSITORY_LABEL_TAG

    with dg.DagsterInstance.get() as instance:
        # the filter of the job page's Runs tab: job name and repository@location tag
        runs = instance.get_runs(
            filters=dg.RunsFilter(
                job_name="full_refresh",
                tags={REPOSITORY_LABEL_TAG: f"__repository__@{LOCATION}"},
            )
        )
    assert len(runs) == 1 and runs[0].status == dg.DagsterRunStatus.SUCCESS


def test_a_failed_run_is_one_line_on_stderr_with_the_details_in_its_log(sample_run, tmp_path):
    root = tmp_path / "failed"
    shutil.copytree(sample_run[0] / "landing", root / "landing")
    delivery = next((root / "landing").iterdir())
    accounts = delivery / "crm_accounts.csv"
    accounts.write_text(accounts.read_text() + '"never closed,x\n')
    done = _upsell(root, "run")
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("upsell run: error: landing_zone_ingest: delivery ")
    assert "crm_accounts.csv" in lines[0] and "Traceback" not in done.stdout + done.stderr
    log = Path(lines[0].rsplit("details in ", 1)[1])
    assert "STEP_FAILURE" in log.read_text()


def test_ctrl_c_says_interrupted_and_exits_130(sample_run, tmp_path):
    root = tmp_path / "interrupted"
    shutil.copytree(sample_run[0] / "landing", root / "landing")
    process = subprocess.Popen(
        [sys.executable, "-m", "upsell.cli", "run"], cwd=ROOT, env=_env(root),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    for line in process.stdout:
        if "dbt_models: started" in line:
            break
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=300)
    assert process.returncode == 130, out + err
    assert err.splitlines() == ["upsell run: interrupted"]


def test_a_failed_dbt_test_is_described_by_its_name_and_failing_rows():
    from types import SimpleNamespace

    from orchestration.pipeline import check_text

    dbt_test = SimpleNamespace(
        description=None,
        check_name="not_null_int_orders_revenue",
        metadata={"dagster_dbt/failed_row_count": dg.MetadataValue.int(3)},
    )
    assert check_text(dbt_test) == "dbt test not_null_int_orders_revenue failed: 3 failing rows"
    described = SimpleNamespace(description="stale: the latest delivery is 2026-01-01")
    assert check_text(described) == "stale: the latest delivery is 2026-01-01"
