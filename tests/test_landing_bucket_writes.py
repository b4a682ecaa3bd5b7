"""Connectors writing to a landing zone in a bucket: ``_SUCCESS`` last, a written delivery
never changed, a folder left by another writer refused, this source's own crashed upload
overwritten on resuming; and the settings of a bucket's URL."""

from __future__ import annotations

from datetime import date

import pyarrow.parquet as pq
import pytest

from tests import s3_server, stripe_fake
from tests.fakes.stripe_world import FIRST
from tests.stripe_fake import env_of
from upsell.config import Settings
from upsell.connectors import common
from upsell.connectors import run as connectors_run
from upsell.connectors.common import remove_partial_deliveries, write_delivery
from upsell.contract import TABLES
from upsell.errors import UpsellError
from upsell.landing_store import BucketPath

s3_endpoint, bucket = s3_server.s3_endpoint, s3_server.bucket
DAY = date(2026, 10, 20)


@pytest.fixture
def rows():
    """Two tables of one row (the upload does not read the values)."""
    return {t: [dict.fromkeys(TABLES[t].column_names, "x")] for t in ("crm_accounts", "sub_plans")}


def dies_after_one(write_table):
    """``write_table`` that writes one table, then fails as a dropped connection does."""
    written = []

    def write(table, out):
        if written:
            raise ConnectionResetError(104, "Connection reset by peer")
        written.append(write_table(table, out))

    return write


def test_a_delivery_is_written_success_last_and_never_again(bucket, rows):
    url, fs = bucket
    root = url.removeprefix("s3://")
    calls = []
    written = write_delivery(
        BucketPath(url), DAY, rows, started=lambda: calls.append(fs.find(root))
    )
    assert written == BucketPath(f"{url}/2026-10-20") and calls == [[]]  # before any byte
    assert sorted(fs.ls(f"{root}/2026-10-20")) == [
        f"{root}/2026-10-20/_SUCCESS",
        f"{root}/2026-10-20/crm_accounts.parquet",
        f"{root}/2026-10-20/sub_plans.parquet",
    ]
    with fs.open(f"{root}/2026-10-20/sub_plans.parquet", "rb") as f:
        assert pq.read_table(f).column_names == TABLES["sub_plans"].column_names
    with pytest.raises(UpsellError) as caught:
        write_delivery(BucketPath(url), DAY, rows, resuming=True)
    assert str(caught.value) == (
        f"delivery folder {url}/2026-10-20 already exists; a delivery is never changed once "
        "written: extract again on a later day"
    )


def test_a_crashed_upload_has_no_success_and_is_overwritten_only_by_its_own_run(
    bucket, rows, monkeypatch
):
    url, fs = bucket
    root = url.removeprefix("s3://")
    monkeypatch.setattr(common.pq, "write_table", dies_after_one(common.pq.write_table))
    with pytest.raises(UpsellError, match="it has no _SUCCESS, so nothing was delivered"):
        write_delivery(BucketPath(url), DAY, rows)
    monkeypatch.undo()
    assert fs.ls(f"{root}/2026-10-20") == [f"{root}/2026-10-20/crm_accounts.parquet"]

    with pytest.raises(UpsellError) as caught:  # not known to be ours: another writer's
        write_delivery(BucketPath(url), DAY, rows)
    assert str(caught.value) == (
        f"{url}/2026-10-20 exists without _SUCCESS: another writer is delivering it; nothing "
        "was delivered; extract again once that delivery is complete or removed"
    )
    write_delivery(BucketPath(url), DAY, rows, resuming=True)
    assert fs.exists(f"{root}/2026-10-20/_SUCCESS")


def test_only_this_sources_own_partial_upload_is_removed(bucket):
    url, fs = bucket
    root = url.removeprefix("s3://")
    fs.pipe_file(f"{root}/2026-10-20/sub_plans.parquet", b"half")
    fs.pipe_file(f"{root}/2026-10-21/sub_plans.parquet", b"someone else's")
    fs.pipe_file(f"{root}/2026-10-19/sub_plans.parquet", b"done")
    fs.pipe_file(f"{root}/2026-10-19/_SUCCESS", b"")
    remove_partial_deliveries(BucketPath(url), own_uploads=["2026-10-20", None])
    remove_partial_deliveries(BucketPath(url), own_uploads=["2026-10-19"])  # complete: kept
    remove_partial_deliveries(BucketPath(url))
    assert sorted(p.rsplit("/", 1)[-1] for p in fs.ls(root)) == ["2026-10-19", "2026-10-21"]


def test_a_bucket_url_is_a_landing_zone_outside_the_allowed_roots(tmp_path):
    env = {
        "UPSELL_LANDING_DIR": "s3://acme-landing/upsell/",
        "UPSELL_ALLOWED_ROOTS": str(tmp_path),
        "UPSELL_LANDING_CACHE_DIR": str(tmp_path / "cache"),
    }
    settings = Settings.from_env(env, paths=("landing_dir",))
    assert settings.landing_dir == BucketPath("s3://acme-landing/upsell")
    assert settings.landing_cache_dir == tmp_path / "cache"
    with pytest.raises(UpsellError, match=r"UPSELL_LANDING_CACHE_DIR .* is outside the allowed"):
        Settings.from_env({**env, "UPSELL_LANDING_CACHE_DIR": "/var/cache"}, ("landing_dir",))


@pytest.mark.parametrize(
    ("url", "said"),
    [
        (
            f"s3://AKIA:{s3_server.FAKE_SECRET}@acme/landing",
            "UPSELL_LANDING_DIR: give the URL without credentials, query or fragment; "
            "credentials come from the storage library's own settings (for S3: AWS_* "
            "variables, ~/.aws)",
        ),
        (
            "nosuch://acme/landing",
            "UPSELL_LANDING_DIR='nosuch://acme/landing': nosuch:// is not a storage protocol "
            "fsspec knows",
        ),
        ("s3://acme/*", "UPSELL_LANDING_DIR 's3://acme/*' contains a glob, quote or control"),
    ],
)
def test_a_bad_bucket_url_is_refused_in_words(url, said, tmp_path):
    with pytest.raises(UpsellError) as caught:
        Settings.from_env({"UPSELL_LANDING_DIR": url}, paths=("landing_dir",))
    assert str(caught.value).startswith(said)
    assert s3_server.FAKE_SECRET not in str(caught.value)


fake = stripe_fake.fake


def test_a_stripe_extraction_killed_mid_upload_resumes_into_its_own_folder(
    fake, bucket, tmp_path, monkeypatch
):
    url, fs = bucket
    root = url.removeprefix("s3://")
    args = (env_of(fake), BucketPath(url), tmp_path / "state", "EUR", FIRST)
    monkeypatch.setattr(common.pq, "write_table", dies_after_one(common.pq.write_table))
    with pytest.raises(UpsellError, match="so nothing was delivered"):
        connectors_run.extract(["stripe"], *args)
    monkeypatch.undo()
    assert len(fs.ls(f"{root}/2026-10-20")) == 1  # one table, no _SUCCESS
    assert "uploading" in (tmp_path / "state" / "stripe" / "run" / "run.json").read_text()

    [done] = connectors_run.extract(["stripe"], *args)
    assert done.resumed and done.delivery == BucketPath(f"{url}/2026-10-20")
    assert sorted(p.rsplit("/", 1)[-1] for p in fs.ls(f"{root}/2026-10-20")) == sorted(
        ["_SUCCESS", *(f"{t}.parquet" for t in done.rows)]
    )


def test_the_sample_generator_writes_no_bucket(monkeypatch, capsys):
    from upsell.cli import main

    monkeypatch.setenv("UPSELL_LANDING_DIR", "s3://acme-landing/upsell")
    assert main(["generate"]) == 2
    assert capsys.readouterr().err == (
        "upsell generate: error: upsell generate writes a local folder, and UPSELL_LANDING_DIR "
        "is s3://acme-landing/upsell: give --out\n"
    )
