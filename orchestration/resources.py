"""Dagster resources: where the warehouse, the engine and the landing zone are."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from upsell.config import DEFAULTS, Settings, local_landing, safe_path, spark_env
from upsell.landing_store import BucketPath, is_url
from upsell.targets.engine import open_target
from upsell.warehouse import connect

# DuckDB allows one writing process per file: every asset that writes the warehouse runs in
# this Dagster concurrency pool (limit it to 1 in the instance settings; `make dev` does).
WAREHOUSE_POOL = "duckdb_warehouse"


class Installation(dg.ConfigurableResource):
    """Where this installation keeps its data and how it treats it: the DuckDB warehouse, the
    landing zone it loads, the model registry, the serving file, DuckDB's memory limit, the
    bad-row threshold and the reporting currency."""

    path: str
    landing_dir: str  # a folder, or a bucket's URL (s3://bucket/prefix)
    landing_cache_dir: str = ""  # a bucket's local mirror; default data/landing-cache
    bad_row_threshold: float = float(DEFAULTS["UPSELL_BAD_ROW_THRESHOLD"])
    model_dir: str = "models"
    memory_limit: str = DEFAULTS["UPSELL_DUCKDB_MEMORY_LIMIT"]  # per process, then it spills
    serving: str = ""  # the file BI tools read; default: serving.duckdb beside the warehouse
    reporting_currency: str = "EUR"  # what ref_fx_rates must convert into (fx_coverage check)
    target: str = DEFAULTS["UPSELL_TARGET"]  # the engine dbt builds in (upsell.targets)
    postgres_dsn: str = DEFAULTS["UPSELL_POSTGRES_DSN"]  # no password: libpq's own settings
    postgres_reader: str = DEFAULTS["UPSELL_POSTGRES_READER"]  # BI's read-only role
    spark_master: str = DEFAULTS["UPSELL_SPARK_MASTER"]
    spark_warehouse: str = ""  # Spark's tables and metastore; set when the target is Spark
    spark_shuffle_partitions: int = int(DEFAULTS["UPSELL_SPARK_SHUFFLE_PARTITIONS"])

    @classmethod
    def from_settings(cls, settings: Settings) -> Installation:
        return cls(
            path=str(settings.warehouse),
            landing_dir=str(settings.landing_dir),
            landing_cache_dir=str(settings.landing_cache_dir or ""),
            bad_row_threshold=settings.bad_row_threshold,
            model_dir=str(settings.model_dir),
            serving=str(settings.serving),
            memory_limit=settings.duckdb_memory_limit,
            reporting_currency=settings.reporting_currency,
            target=settings.target,
            postgres_dsn=settings.postgres_dsn,
            postgres_reader=settings.postgres_reader,
            spark_master=settings.spark_master,
            spark_warehouse=str(settings.spark_warehouse or ""),
            spark_shuffle_partitions=settings.spark_shuffle_partitions,
        )

    @property
    def landing(self) -> Path:
        """The local folder the loader reads; for a bucket, its mirror brought up to date."""
        return local_landing(self.delivery_target, self._cache)

    @property
    def delivery_target(self) -> Path | BucketPath:
        """Where the connectors write their deliveries."""
        if is_url(self.landing_dir):
            return BucketPath.setting("landing directory", self.landing_dir)
        return safe_path(self.landing_dir, "landing directory")

    @property
    def _cache(self) -> Path:
        return safe_path(
            self.landing_cache_dir or DEFAULTS["UPSELL_LANDING_CACHE_DIR"], "landing cache"
        )

    @property
    def serving_path(self) -> Path:
        if self.serving:
            return safe_path(self.serving, "serving file")
        return safe_path(self.path, "warehouse").with_name("serving.duckdb")

    @property
    def model_root(self) -> Path:
        return safe_path(self.model_dir, "model registry directory")

    @property
    def spark_settings(self) -> dict[str, str]:
        """UPSELL_SPARK_* as dbt's profile and the Python side's session read them."""
        warehouse = safe_path(self.spark_warehouse, "Spark warehouse") if self.spark else None
        return spark_env(self.spark_master, warehouse, self.spark_shuffle_partitions)

    @property
    def spark(self) -> bool:
        return self.target == "spark"

    @contextmanager
    def open_target(self, read_only: bool = False):
        """The engine dbt builds in (the warehouse file itself on DuckDB)."""
        with open_target(
            self.target,
            safe_path(self.path, "warehouse"),
            self.postgres_dsn,
            self.memory_limit,
            read_only=read_only,
            spark=self.spark_settings,
        ) as target:
            yield target

    def release_target(self) -> None:
        """Before dbt runs: on Spark, this process's session lets go of the metastore."""
        if self.spark:
            from upsell.targets import spark_session

            spark_session.release()

    def copy_to_target(self, con, tables: list[str], report=None) -> dict[str, int]:
        """Copy raw tables of the DuckDB warehouse ``con`` to the target, whole or not at all:
        ``tables``, and with a load ``report`` what its deliveries touched (or everything,
        when the target is behind; ``upsell.targets.raw_copy``). Nothing to do when the
        target is the warehouse file itself."""
        if self.target == "duckdb":
            return {}
        from upsell.targets import raw_copy

        with self.open_target() as target:
            if report is not None:
                tables = [*tables, *raw_copy.plan(con, target.delivered(), report)]
            raw = [("raw", t) for t in sorted(set(tables))]
            return target.copy_tables(con, raw) if raw else {}

    @contextmanager
    def connect(self, read_only: bool = False):
        con = connect(
            safe_path(self.path, "warehouse"), read_only=read_only, memory_limit=self.memory_limit
        )
        try:
            yield con
        finally:
            con.close()
