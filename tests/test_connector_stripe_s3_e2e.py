"""End to end from Stripe through a bucket: both extractions written to ``s3://`` (an
S3-compatible server on localhost), the pipeline run with UPSELL_LANDING_DIR set to that
bucket, and the same marts figures as the local landing zone's run
(tests/test_connector_stripe_e2e.py)."""

from __future__ import annotations

from orchestration.resources import Installation
from tests import s3_server, stripe_fake
from tests.connector_pipeline import pipeline_run
from tests.fakes import stripe_world
from tests.stripe_fake import KEY, check_marts, env_of
from upsell.config import OPTIONAL_PATHS, PATHS, Settings
from upsell.connectors import extract

fake = stripe_fake.fake
s3_endpoint, bucket = s3_server.s3_endpoint, s3_server.bucket


def test_a_bucket_landing_zone_gives_the_mrr_worked_out_by_hand(fake, bucket, tmp_path):
    url, fs = bucket
    env = {
        **env_of(fake),
        "UPSELL_LANDING_DIR": url,
        "UPSELL_LANDING_CACHE_DIR": str(tmp_path / "cache"),
        "UPSELL_CONNECTOR_STATE_DIR": str(tmp_path / "state"),
        "UPSELL_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
        "UPSELL_SERVING": str(tmp_path / "serving.duckdb"),
        "UPSELL_MODEL_DIR": str(tmp_path / "models"),
        "UPSELL_ALLOWED_ROOTS": str(tmp_path),
    }
    # what `upsell extract stripe` does, at the fixture's two moments
    settings = Settings.from_env(env, paths=("landing_dir", *OPTIONAL_PATHS))
    [first] = extract(["stripe"], env, settings, now=stripe_world.FIRST)
    fake.world["events"] += stripe_world.second_events()
    [second] = extract(["stripe"], env, settings, now=stripe_world.SECOND)
    assert str(first.delivery) == f"{url}/2026-10-20" and second.delivery.name == "2026-11-10"
    bucket_name = url.removeprefix("s3://")
    assert sorted(fs.ls(f"{bucket_name}/2026-10-20")) == sorted(
        f"{bucket_name}/2026-10-20/{n}" for n in ["_SUCCESS", *(f"{t}.parquet" for t in first.rows)]
    )
    assert not (tmp_path / "cache").exists()  # the connectors write the bucket only

    settings = Settings.from_env(env, paths=tuple(PATHS))
    with pipeline_run(Installation.from_settings(settings)) as (result, con):
        assert sorted(p.name for p in (tmp_path / "cache" / "landing").iterdir()) == [
            "2026-10-20",
            "2026-11-10",
        ]
        check_marts(result, con)
    for path in tmp_path.rglob("*"):
        if path.is_file() and path.suffix in ("", ".json", ".jsonl", ".log", ".txt"):
            text = path.read_text(errors="replace")
            assert KEY not in text and s3_server.FAKE_SECRET not in text, path
