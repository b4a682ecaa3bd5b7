"""Which deliveries and files the loader takes, and that it says so for the rest: a path it
does not take is a warning naming it and why; what it cannot take safely (a table it cannot
read, a delivery it cannot date, one from the future, a link out of the landing zone) stops
the load before anything is written, with one line saying what to do."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import dagster as dg
import pytest
from hypothesis import given
from hypothesis import strategies as st

from orchestration.defs.ingest import (
    NOTHING_IGNORED,
    landing_zone_ingest,
    new_delivery_sensor,
    raw_key,
)
from orchestration.resources import Installation
from upsell.contract import SUCCESS_MARKER
from upsell.ingest.deliveries import delivery_day, find_deliveries, latest_possible_day
from upsell.ingest.files import LandingFileError
from upsell.ingest.loader import load_landing_zone
from upsell.warehouse import connect

HEADER = "account_id,account_name,industry,country,segment,employee_count,billing_currency,"
ACCOUNTS = (
    f"{HEADER}created_at,updated_at\n"
    "A1,Acme,retail,DE,smb,10,EUR,2025-01-01T00:00:00Z,2025-01-01T00:00:00Z\n"
)
DAY = "2026-10-31"
NOW = datetime(2026, 11, 2, 12, tzinfo=UTC)


def deliver(landing: Path, name: str, files=None, complete: bool = True) -> Path:
    folder = landing / name
    folder.mkdir(parents=True)
    for file_name, text in (files if files is not None else {"crm_accounts.csv": ACCOUNTS}).items():
        (folder / file_name).write_text(text)
    if complete:
        (folder / SUCCESS_MARKER).write_bytes(b"")
    return folder


@pytest.fixture
def landing(tmp_path) -> Path:
    path = tmp_path / "landing"
    path.mkdir()
    return path


@pytest.fixture
def warehouse(tmp_path):
    con = connect(tmp_path / "warehouse.duckdb")
    yield con
    con.close()


def loaded(con) -> list[str]:
    return [str(d) for (d,) in con.execute("SELECT delivery_date FROM raw._deliveries").fetchall()]


def refused_by_loader(con, landing: Path) -> str:
    """The loader's one line per refused path; and proof that nothing was written."""
    with pytest.raises(LandingFileError) as error:
        load_landing_zone(con, landing, "run-1")
    assert loaded(con) == []
    assert con.execute("SELECT count(*) FROM raw.crm_accounts").fetchone() == (0,)
    return str(error.value)


def ignored(landing: Path) -> dict[str, str]:
    found = find_deliveries(landing, NOW)
    every = [*found.ignored, *(f for d in found.deliveries for f in d.ignored)]
    return {f.where(landing): f.why for f in every}


def refused(landing: Path) -> dict[str, str]:
    return {f.where(landing): f.why for f in find_deliveries(landing, NOW).refused}


# --- files inside a delivery ----------------------------------------------------------------


def test_stray_files_and_folders_are_ignored_by_name_and_the_delivery_loads(landing, warehouse):
    folder = deliver(landing, DAY, {"crm_accounts.csv": ACCOUNTS, "notes.txt": "hi"})
    (folder / ".DS_Store").write_bytes(b"\0")
    (folder / "extras").mkdir()
    (folder / "crm_accounts_old.csv").write_text(ACCOUNTS)
    (landing / "README").mkdir()
    (landing / "notes.txt").write_text("about these exports")
    deliver(landing, "2026-11-01", complete=False)
    why = ignored(landing)
    assert set(why) == {
        f"{DAY}/notes.txt",
        f"{DAY}/.DS_Store",
        f"{DAY}/extras",
        f"{DAY}/crm_accounts_old.csv",
        "README",
        "notes.txt",
        "2026-11-01",
    }
    assert "not a delivery folder" in why["README"]
    assert "no _SUCCESS yet" in why["2026-11-01"]
    assert refused(landing) == {}
    report = load_landing_zone(warehouse, landing, "run-1")
    assert loaded(warehouse) == [DAY]
    assert {f.where(landing) for f in report.ignored} == set(why)


@pytest.mark.parametrize(
    "name, says",
    [
        ("crm_accounts.csv.gz", "compressed (.gz), which the loader does not read: decompress "
         "it to crm_accounts.csv"),
        ("crm_accounts.parquet.zst", "compressed (.zst)"),
        ("crm_accounts.jsonl.bz2", "decompress it to crm_accounts.jsonl"),
        ("crm_accounts.zip", "decompress it to crm_accounts.csv, .parquet or .jsonl"),
        ("crm_accounts.CSV", "file names are lower case; rename it crm_accounts.csv"),
        ("CRM_Accounts.csv", "rename it crm_accounts.csv"),
        ("Crm_Accounts.Parquet", "rename it crm_accounts.parquet"),
        ("crm_accounts.tsv", "it is not crm_accounts.csv, .parquet or .jsonl"),
        ("crm_accounts.xlsx", "it is not crm_accounts.csv, .parquet or .jsonl"),
        ("crm_accounts", "it is not crm_accounts.csv, .parquet or .jsonl"),
    ],
)  # fmt: skip
def test_a_table_file_the_loader_cannot_read_refuses_the_load(landing, warehouse, name, says):
    folder = deliver(landing, DAY, {})
    (folder / name).write_bytes(ACCOUNTS.encode())
    assert list(refused(landing)) == [f"{DAY}/{name}"]
    message = refused_by_loader(warehouse, landing)
    assert message.count("\n") == 0, message
    assert message.startswith(f"{folder / name}: ") and says in message
    assert message.endswith("nothing was loaded")


def test_a_variant_beside_the_tables_own_file_is_only_ignored(landing, warehouse):
    folder = deliver(landing, DAY)
    for name in ("crm_accounts.csv.gz", "crm_accounts.csv.bak", "CRM_ACCOUNTS.CSV"):
        (folder / name).write_text(ACCOUNTS)
    assert refused(landing) == {}
    assert set(ignored(landing)) == {
        f"{DAY}/crm_accounts.csv.gz",
        f"{DAY}/crm_accounts.csv.bak",
        f"{DAY}/CRM_ACCOUNTS.CSV",
    }
    assert all("crm_accounts.csv is the table's file" in w for w in ignored(landing).values())
    load_landing_zone(warehouse, landing, "run-1")
    assert loaded(warehouse) == [DAY]


def test_a_table_sent_twice_or_as_a_folder_or_a_pipe_is_refused(landing, warehouse):
    folder = deliver(landing, DAY, {"crm_accounts.csv": ACCOUNTS, "crm_accounts.jsonl": ""})
    (folder / "usage_daily.parquet").mkdir()  # as Spark writes a table
    os.mkfifo(folder / "sub_plans.csv")  # reading it would wait forever
    why = refused(landing)
    assert (
        "comes twice (crm_accounts.csv and crm_accounts.jsonl)" in why[f"{DAY}/crm_accounts.jsonl"]
    )
    assert "is a folder: table usage_daily would be missing" in why[f"{DAY}/usage_daily.parquet"]
    assert "is not a regular file" in why[f"{DAY}/sub_plans.csv"]
    assert refused_by_loader(warehouse, landing).count("\n") == 2  # one line per path


# --- delivery folders ----------------------------------------------------------------------


def other_spellings(day: date) -> list[str]:
    year, week, weekday = day.isocalendar()
    return [day.strftime("%Y%m%d"), f"{year}-W{week:02d}-{weekday}", f"{year}W{week:02d}{weekday}"]


FOLDER_NAMES = st.one_of(
    st.text(alphabet="0123456789-W\n\u0663\uff12", max_size=12),
    st.dates(min_value=date(1000, 1, 1)).flatmap(lambda d: st.sampled_from(other_spellings(d))),
)


@given(FOLDER_NAMES)
def test_a_folder_is_dated_only_by_its_strict_yyyy_mm_dd_name(name):
    day = delivery_day(name)
    assert day is None or day.isoformat() == name  # one spelling per day, never two


@given(st.dates(min_value=date(1000, 1, 1)))
def test_every_real_day_in_its_iso_spelling_is_a_delivery_date(day):
    assert delivery_day(day.isoformat()) == day
    assert all(delivery_day(name) is None for name in other_spellings(day))


@pytest.mark.parametrize(
    "name, fix",
    [
        ("20260301", "rename it 2026-03-01"),
        ("2026-13-01", "2026-13-01 is not a valid date"),
        ("2026-02-30", "2026-02-30 is not a valid date"),
        ("2026-3-1", "rename it to its date"),
        ("delivery-2026-03-01", "rename it to its date"),
        ("2026-W09-7", "rename it 2026-03-01"),
    ],
)
def test_a_complete_folder_that_cannot_be_dated_refuses_the_load(landing, warehouse, name, fix):
    deliver(landing, DAY)
    deliver(landing, name)
    assert list(refused(landing)) == [name]
    message = refused_by_loader(warehouse, landing)
    assert f"{landing / name}: holds _SUCCESS but its name is not a YYYY-MM-DD date" in message
    assert fix in message


def test_an_undatable_folder_without_success_is_only_ignored(landing, warehouse):
    deliver(landing, DAY)
    deliver(landing, "20261101", complete=False)
    assert "rename it 2026-11-01" in ignored(landing)["20261101"]
    load_landing_zone(warehouse, landing, "run-1")
    assert loaded(warehouse) == [DAY]


def test_two_spellings_of_one_date_are_not_two_deliveries(landing, warehouse):
    deliver(landing, "2026-03-01")
    deliver(landing, "20260301")
    assert [d.day for d in find_deliveries(landing).deliveries] == [date(2026, 3, 1)]
    assert "20260301: holds _SUCCESS" in refused_by_loader(warehouse, landing)


@pytest.mark.parametrize(
    "now, day, future",
    [
        # 09:59 UTC is 23:59 at UTC+14: the next day exists nowhere yet
        (datetime(2026, 3, 1, 9, 59, tzinfo=UTC), "2026-03-01", False),
        (datetime(2026, 3, 1, 9, 59, tzinfo=UTC), "2026-03-02", True),
        (datetime(2026, 3, 1, 10, 0, tzinfo=UTC), "2026-03-02", False),
        (datetime(2026, 3, 1, 10, 0, tzinfo=UTC), "2026-03-03", True),
        # the same instants given in another time zone
        (datetime(2026, 2, 28, 23, 59, tzinfo=timezone(timedelta(hours=-10))), "2026-03-02", True),
        (datetime(2026, 3, 1, 1, 0, tzinfo=timezone(timedelta(hours=-9))), "2026-03-02", False),
        (datetime(2026, 3, 1, 10, 0, tzinfo=UTC), "2099-01-01", True),
    ],
)
def test_a_delivery_dated_after_today_everywhere_is_refused(landing, now, day, future):
    deliver(landing, day)
    refusals = {f.where(landing): f.why for f in find_deliveries(landing, now).refused}
    assert bool(refusals) == future
    if future:
        assert f"is dated {day}, after today in every time zone" in refusals[day]
        assert f"(at most {latest_possible_day(now)})" in refusals[day]


def test_a_future_delivery_stops_the_load_of_every_other(landing, warehouse):
    deliver(landing, DAY)
    deliver(landing, "2099-01-01")
    assert "2099-01-01: is dated 2099-01-01, after today" in refused_by_loader(warehouse, landing)


def test_an_incomplete_delivery_is_refused_only_once_it_is_complete(landing, warehouse):
    deliver(landing, DAY)
    future = deliver(landing, "2099-01-01", {"crm_accounts.csv.gz": "x"}, complete=False)
    load_landing_zone(warehouse, landing, "run-1")
    assert loaded(warehouse) == [DAY]
    (future / SUCCESS_MARKER).write_bytes(b"")
    assert set(refused(landing)) == {"2099-01-01", "2099-01-01/crm_accounts.csv.gz"}


# --- links ---------------------------------------------------------------------------------


@pytest.fixture
def outside(tmp_path) -> Path:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "crm_accounts.csv").write_text(ACCOUNTS)
    (folder / SUCCESS_MARKER).write_bytes(b"")
    return folder


@pytest.mark.parametrize("name", ["crm_accounts.csv", "notes.txt", SUCCESS_MARKER])
def test_a_file_linked_from_outside_the_landing_zone_is_refused(landing, warehouse, outside, name):
    folder = deliver(landing, DAY, {} if name == "crm_accounts.csv" else None, complete=False)
    (folder / name).symlink_to(outside / "crm_accounts.csv")
    if name != SUCCESS_MARKER:
        (folder / SUCCESS_MARKER).write_bytes(b"")
    message = refused_by_loader(warehouse, landing)
    link = f"{folder / name}: is a link to {outside / 'crm_accounts.csv'}, outside the landing zone"
    assert link in message


def test_a_delivery_folder_linked_from_outside_is_refused(landing, warehouse, outside):
    deliver(landing, "2026-10-30")
    (landing / DAY).symlink_to(outside, target_is_directory=True)
    (landing / "latest").symlink_to(outside, target_is_directory=True)
    assert set(refused(landing)) == {DAY, "latest"}
    assert f"{landing / DAY}: is a link to {outside}, outside" in refused_by_loader(
        warehouse, landing
    )


def test_a_link_that_leaves_through_dots_or_another_link_is_refused(landing, outside):
    folder = deliver(landing, DAY, {})
    (folder / "crm_accounts.csv").symlink_to(Path("../../elsewhere/crm_accounts.csv"))
    (landing / "hop").symlink_to(outside, target_is_directory=True)
    (folder / "sub_plans.csv").symlink_to(landing / "hop" / "crm_accounts.csv")
    assert set(refused(landing)) == {"hop", f"{DAY}/crm_accounts.csv", f"{DAY}/sub_plans.csv"}


def test_links_inside_the_landing_zone_are_followed_and_only_links_out_refused(
    landing, warehouse, outside
):
    first = deliver(landing, "2026-10-30")
    second = deliver(landing, DAY, {})
    (second / "crm_accounts.csv").symlink_to(Path("../2026-10-30/crm_accounts.csv"))
    (landing / "2026-11-01").symlink_to(first, target_is_directory=True)
    assert refused(landing) == {}
    load_landing_zone(warehouse, landing, "run-1")
    assert loaded(warehouse) == ["2026-10-30", DAY, "2026-11-01"]
    third = deliver(landing, "2026-11-02", {})
    (third / "crm_accounts.csv").symlink_to(outside / "crm_accounts.csv")
    with pytest.raises(LandingFileError, match="outside the landing zone"):
        load_landing_zone(warehouse, landing, "run-2")
    assert loaded(warehouse) == ["2026-10-30", DAY, "2026-11-01"]


def test_a_broken_link_for_a_table_is_refused(landing, warehouse):
    folder = deliver(landing, DAY, {})
    (folder / "crm_accounts.csv").symlink_to(landing / "gone.csv")
    assert "is a broken link: table crm_accounts would be missing" in refused_by_loader(
        warehouse, landing
    )


# --- a landing directory set to the wrong folder -------------------------------------------


def test_a_landing_directory_set_to_a_delivery_says_so(landing, warehouse):
    folder = deliver(landing, DAY, {"crm_accounts.csv": ACCOUNTS, "usage_daily.parquet": "x"})
    message = refused_by_loader(warehouse, folder)
    assert message == (
        f"{folder} holds _SUCCESS, crm_accounts.csv and usage_daily.parquet but no dated "
        "delivery folder: is it a delivery itself? point UPSELL_LANDING_DIR at its parent"
    )


def test_a_landing_directory_set_to_the_parent_of_the_landing_zone_says_so(landing, warehouse):
    deliver(landing, DAY)
    message = refused_by_loader(warehouse, landing.parent)
    assert f"but landing holds dated delivery folders: point UPSELL_LANDING_DIR at {landing}" in (
        message
    )


def test_a_first_run_with_no_complete_delivery_says_what_it_found(landing, warehouse):
    assert "is empty: no delivery folder" in refused_by_loader(warehouse, landing)
    (landing / "README").mkdir()
    (landing / "export.log").write_text("")
    assert f"{landing} holds README and export.log but no delivery folder" in refused_by_loader(
        warehouse, landing
    )
    folder = deliver(landing, DAY, complete=False)
    assert f"holds {DAY}, but no delivery is complete (none has _SUCCESS)" in refused_by_loader(
        warehouse, landing
    )
    (folder / SUCCESS_MARKER).write_bytes(b"")
    assert load_landing_zone(warehouse, landing, "run-2").loaded == [date(2026, 10, 31)]
    # once something is loaded, a run that finds nothing new is not an error
    deliver(landing, "2026-11-01", complete=False)
    report = load_landing_zone(warehouse, landing, "run-3")
    assert report.loaded == [] and report.already_loaded == [date(2026, 10, 31)]


# --- in Dagster ----------------------------------------------------------------------------


def test_the_ingest_asset_warns_naming_each_path_it_did_not_take(tmp_path, landing):
    deliver(landing, DAY, {"crm_accounts.csv": ACCOUNTS, "notes.txt": "hi"})
    (landing / "README").mkdir()
    deliver(landing, "2026-11-01", complete=False)
    resource = Installation(path=str(tmp_path / "w.duckdb"), landing_dir=str(landing))
    result = dg.materialize([landing_zone_ingest], resources={"installation": resource})
    assert result.success
    (check,) = result.get_asset_check_evaluations()
    assert (check.asset_key, check.check_name) == (raw_key("_deliveries"), NOTHING_IGNORED)
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
    listed = check.metadata["ignored"].value
    assert [line.split(":")[0] for line in listed] == ["2026-11-01", "README", f"{DAY}/notes.txt"]
    assert f"{DAY}/notes.txt: not a contract file: not read" in check.description
    # the next run takes the completed delivery; what lies in a loaded one was said before
    (landing / "README").rmdir()
    (landing / "2026-11-01" / SUCCESS_MARKER).write_bytes(b"")
    again = dg.materialize([landing_zone_ingest], resources={"installation": resource})
    (check,) = again.get_asset_check_evaluations()
    assert check.passed, check.description


def test_the_ingest_asset_fails_with_the_refusal_and_loads_nothing(tmp_path, landing):
    deliver(landing, DAY)
    deliver(landing, "20261101")
    resource = Installation(path=str(tmp_path / "w.duckdb"), landing_dir=str(landing))
    result = dg.materialize(
        [landing_zone_ingest], resources={"installation": resource}, raise_on_error=False
    )
    assert not result.success
    (failure,) = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert "20261101: holds _SUCCESS" in failure.event_specific_data.error.message
    con = connect(tmp_path / "w.duckdb")
    assert loaded(con) == []
    con.close()


def _sense(landing: Path, instance, cursor: str | None = None):
    resource = Installation(path=str(landing.parent / "w.duckdb"), landing_dir=str(landing))
    ctx = dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"installation": resource}
    )
    return new_delivery_sensor(ctx), ctx


def test_the_sensor_requests_no_run_for_folders_that_are_not_deliveries(landing):
    (landing / "README").mkdir()
    deliver(landing, "20261101", complete=False)
    deliver(landing, DAY, complete=False)
    (landing / "notes.txt").write_text("")
    with dg.instance_for_test() as instance:
        assert isinstance(_sense(landing, instance)[0], dg.SkipReason)
        missing = landing.parent / "nowhere"
        skip, _ = _sense(missing, instance)
        assert isinstance(skip, dg.SkipReason) and "does not exist" in skip.skip_message


def test_the_sensor_asks_for_a_run_that_says_why_and_keeps_the_fixed_delivery_due(landing):
    deliver(landing, "2026-10-30")
    bad = deliver(landing, DAY, {"crm_accounts.csv.gz": "x"})
    with dg.instance_for_test() as instance:
        request, ctx = _sense(landing, instance, cursor="2026-10-30")
        assert isinstance(request, dg.RunRequest) and request.run_key.startswith("refused-")
        assert ctx.cursor == "2026-10-30"
        assert _sense(landing, instance, cursor="2026-10-30")[0].run_key == request.run_key
        (bad / "crm_accounts.csv.gz").rename(bad / "crm_accounts.csv")
        request, ctx = _sense(landing, instance, cursor="2026-10-30")
        assert request.run_key == f"delivery-{DAY}" and ctx.cursor == DAY


def test_the_sensor_asks_once_about_a_future_delivery_however_many_days_pass(landing, monkeypatch):
    from upsell.ingest import deliveries

    deliver(landing, DAY)
    deliver(landing, "2099-01-01")
    keys = set()
    with dg.instance_for_test() as instance:
        for days in (0, 1, 30):
            clock = NOW + timedelta(days=days)
            monkeypatch.setattr(
                deliveries, "datetime", type("Clock", (), {"now": lambda tz, at=clock: at})
            )
            request, _ = _sense(landing, instance, cursor=DAY)
            keys.add(request.run_key)
            assert f"(at most {latest_possible_day(clock)})" in str(
                find_deliveries(landing, clock).refused[0]
            )
    assert len(keys) == 1 and keys.pop().startswith("refused-")
