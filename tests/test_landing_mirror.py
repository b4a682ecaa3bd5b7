"""The local mirror of a landing zone in a bucket (an S3-compatible server on localhost):
complete deliveries copied whole, everything else reported as for a local landing zone, a
changed delivery copied again, and never half a delivery in the mirror."""

from __future__ import annotations

import dagster as dg
import pytest
import s3fs

from orchestration.defs.ingest import new_delivery_sensor
from orchestration.resources import Installation
from tests import s3_server
from upsell.errors import UpsellError
from upsell.ingest.deliveries import find_deliveries
from upsell.ingest.loader import fingerprint
from upsell.ingest.mirror import mirror_landing
from upsell.landing_store import BucketPath

s3_endpoint, bucket = s3_server.s3_endpoint, s3_server.bucket
ACCOUNTS = b"account_id,name\nA1,Acme\n"


def put(fs, url: str, files: dict[str, bytes]) -> None:
    root = url.removeprefix("s3://")
    for rel, data in files.items():
        fs.pipe_file(f"{root}/{rel}", data)


def test_complete_deliveries_are_copied_and_the_rest_reported_as_locally(bucket, tmp_path):
    url, fs = bucket
    put(
        fs,
        url,
        {
            "2026-10-01/crm_accounts.csv": ACCOUNTS,
            "2026-10-01/_SUCCESS": b"",
            "2026-10-02/crm_accounts.csv": ACCOUNTS,  # still being written
            "notes.txt": b"stray",
            "20261003/crm_accounts.csv": ACCOUNTS,
            "20261003/_SUCCESS": b"",
        },
    )
    mirror = mirror_landing(BucketPath(url), tmp_path / "cache")
    assert (mirror / "2026-10-01" / "crm_accounts.csv").read_bytes() == ACCOUNTS
    assert list((mirror / "2026-10-02").iterdir()) == []  # not copied before its _SUCCESS
    found = find_deliveries(mirror)
    assert [(d.day.isoformat(), d.complete) for d in found.deliveries] == [
        ("2026-10-01", True),
        ("2026-10-02", False),
    ]
    ignored = {f.path.name: f.why for f in found.ignored}
    assert ignored["2026-10-02"].startswith("no _SUCCESS yet")
    assert ignored["notes.txt"] == "a file outside any delivery folder: not read"
    assert [f.path.name for f in found.refused] == ["20261003"]
    assert "rename it 2026-10-03" in found.refused[0].why
    assert (mirror / "notes.txt").read_bytes() == b""  # a stand-in: nothing of it is read

    put(fs, url, {"2026-10-02/_SUCCESS": b""})  # the exporter finishes
    fs.rm(url.removeprefix("s3://") + "/notes.txt")
    mirror_landing(BucketPath(url), tmp_path / "cache")
    assert (mirror / "2026-10-02" / "crm_accounts.csv").read_bytes() == ACCOUNTS
    assert not (mirror / "notes.txt").exists()
    assert [d.complete for d in find_deliveries(mirror).deliveries] == [True, True]


def test_a_delivery_changed_after_it_was_mirrored_is_copied_again(bucket, tmp_path):
    url, fs = bucket
    put(fs, url, {"2026-10-01/crm_accounts.csv": ACCOUNTS, "2026-10-01/_SUCCESS": b""})
    mirror = mirror_landing(BucketPath(url), tmp_path / "cache")
    before = fingerprint(find_deliveries(mirror).deliveries[0])
    unchanged = (mirror / "2026-10-01" / "crm_accounts.csv").stat().st_ino
    mirror_landing(BucketPath(url), tmp_path / "cache")
    assert (mirror / "2026-10-01" / "crm_accounts.csv").stat().st_ino == unchanged  # not again

    changed = b"account_id,name\nA1,Acme Corp\n"
    put(fs, url, {"2026-10-01/crm_accounts.csv": changed})
    mirror_landing(BucketPath(url), tmp_path / "cache")
    assert (mirror / "2026-10-01" / "crm_accounts.csv").read_bytes() == changed
    # what the loader compares with the fingerprint it recorded, and refuses in words
    assert fingerprint(find_deliveries(mirror).deliveries[0]) != before


def test_a_file_vanishing_mid_copy_leaves_nothing_half_mirrored(bucket, tmp_path, monkeypatch):
    url, fs = bucket
    root = url.removeprefix("s3://")
    put(fs, url, {"2026-10-01/crm_accounts.csv": ACCOUNTS, "2026-10-01/_SUCCESS": b""})
    mirror = mirror_landing(BucketPath(url), tmp_path / "cache")
    put(
        fs,
        url,
        {
            "2026-10-01/sub_plans.csv": b"plan_id\nP1\n",  # the old delivery gains a file
            "2026-10-02/crm_accounts.csv": ACCOUNTS,
            "2026-10-02/sub_plans.csv": b"plan_id\nP1\n",
            "2026-10-02/_SUCCESS": b"",
        },
    )
    mirrors_fs, _ = BucketPath(url).filesystem()  # fsspec hands out one instance per URL
    real = mirrors_fs.get_file
    copied = []

    def vanishing(rpath, lpath, **kw):
        copied.append(rpath)
        if rpath.endswith("2026-10-01/sub_plans.csv"):
            fs.rm(rpath)  # deleted between the listing and its copy
        return real(rpath, lpath, **kw)

    monkeypatch.setattr(mirrors_fs, "get_file", vanishing)
    with pytest.raises(UpsellError) as caught:
        mirror_landing(BucketPath(url), tmp_path / "cache")
    assert str(caught.value) == (
        f"{url}/2026-10-01/sub_plans.csv vanished while being copied: the delivery is "
        "being rewritten although it has _SUCCESS; nothing of it was mirrored; run again once "
        "its exporter has finished"
    )
    assert f"{root}/2026-10-01/crm_accounts.csv" in copied  # it was under way
    assert sorted(p.name for p in (mirror / "2026-10-01").iterdir()) == [
        "_SUCCESS",
        "crm_accounts.csv",
    ]  # the copy mirrored before, whole
    assert list((tmp_path / "cache" / "staging").iterdir()) == []
    monkeypatch.undo()
    mirror_landing(BucketPath(url), tmp_path / "cache")  # once the bucket is settled
    assert sorted(p.name for p in (mirror / "2026-10-02").iterdir()) == [
        "_SUCCESS",
        "crm_accounts.csv",
        "sub_plans.csv",
    ]
    assert fs.exists(f"{root}/2026-10-01/crm_accounts.csv")


def test_another_bucket_mirrored_into_the_same_cache_starts_afresh(bucket, tmp_path):
    url, fs = bucket
    put(fs, url, {"2026-10-01/crm_accounts.csv": ACCOUNTS, "2026-10-01/_SUCCESS": b""})
    mirror_landing(BucketPath(url), tmp_path / "cache")
    other = url.rsplit("/", 1)[0] + "/other"
    put(fs, other, {"2026-11-01/crm_accounts.csv": ACCOUNTS, "2026-11-01/_SUCCESS": b""})
    mirror = mirror_landing(BucketPath(other), tmp_path / "cache")
    assert [p.name for p in mirror.iterdir()] == ["2026-11-01"]


def test_a_missing_landing_zone_is_said(bucket, tmp_path):
    url, _ = bucket
    with pytest.raises(UpsellError, match=f"landing directory {url}/nowhere does not exist"):
        mirror_landing(BucketPath(f"{url}/nowhere"), tmp_path / "cache")


def test_the_sensor_looks_at_the_bucket_through_its_mirror(bucket, tmp_path):
    url, fs = bucket
    put(fs, url, {"2026-10-01/crm_accounts.csv": ACCOUNTS})
    resource = Installation(
        path=str(tmp_path / "w.duckdb"),
        landing_dir=url,
        landing_cache_dir=str(tmp_path / "cache"),
    )

    def sense(cursor=None):
        ctx = dg.build_sensor_context(
            instance=instance, cursor=cursor, resources={"installation": resource}
        )
        return new_delivery_sensor(ctx), ctx

    with dg.instance_for_test() as instance:
        skip, _ = sense()
        assert isinstance(skip, dg.SkipReason)  # not complete yet
        put(fs, url, {"2026-10-01/_SUCCESS": b""})
        request, ctx = sense()
        assert request.run_key == "delivery-2026-10-01" and ctx.cursor == "2026-10-01"
        put(fs, url, {"20261002/crm_accounts.csv": ACCOUNTS, "20261002/_SUCCESS": b""})
        request, _ = sense(cursor="2026-10-01")
        assert request.run_key.startswith("refused-")


def test_missing_credentials_are_said_in_words(bucket, tmp_path, monkeypatch):
    url, _ = bucket
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    s3fs.S3FileSystem.clear_instance_cache()  # the one made with the credentials
    with pytest.raises(UpsellError) as caught:
        mirror_landing(BucketPath(url), tmp_path / "cache")
    assert str(caught.value) == (
        f"cannot list the landing zone {url} (NoCredentialsError: Unable to locate "
        "credentials): check the address and the storage credentials (for S3: the AWS_* "
        "variables, AWS_ENDPOINT_URL, ~/.aws)"
    )


def test_any_fsspec_url_is_mirrored_the_same_way(tmp_path):
    remote = tmp_path / "export"
    (remote / "2026-10-01").mkdir(parents=True)
    (remote / "2026-10-01" / "crm_accounts.csv").write_bytes(ACCOUNTS)
    (remote / "2026-10-01" / "_SUCCESS").touch()
    (remote / "2026-10-02").mkdir()
    mirror = mirror_landing(BucketPath(f"file://{remote}"), tmp_path / "cache")
    found = find_deliveries(mirror)
    assert [(d.day.isoformat(), d.complete) for d in found.deliveries] == [
        ("2026-10-01", True),
        ("2026-10-02", False),
    ]
    assert found.deliveries[0].files["crm_accounts"].read_bytes() == ACCOUNTS
