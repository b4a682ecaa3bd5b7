"""Runtime configuration, read from ``UPSELL_*`` environment variables in this one place."""

from __future__ import annotations

import difflib
import importlib.util
import os
import re
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from upsell.compat.dagster_cron import is_valid_cron
from upsell.errors import UpsellError
from upsell.landing_store import BucketPath, is_url
from upsell.targets.dsn import libpq_env

DEFAULTS = {
    "UPSELL_LANDING_DIR": "data/landing",
    "UPSELL_LANDING_CACHE_DIR": "data/landing-cache",
    "UPSELL_WAREHOUSE": "data/warehouse.duckdb",
    "UPSELL_SERVING": "data/serving.duckdb",
    "UPSELL_MODEL_DIR": "models",
    "UPSELL_REPORTING_CURRENCY": "EUR",
    "UPSELL_BAD_ROW_THRESHOLD": "0.05",
    "UPSELL_DAILY_CRON": "0 6 * * *",
    "UPSELL_RETRAIN_CRON": "0 7 * * 1",
    "UPSELL_TIMEZONE": "UTC",
    "UPSELL_DUCKDB_MEMORY_LIMIT": "8GB",
    "UPSELL_DBT_THREADS": "2",
    "UPSELL_ALLOWED_ROOTS": ".",
    "UPSELL_TARGET": "duckdb",
    "UPSELL_POSTGRES_DSN": "postgresql://upsell@127.0.0.1:5432/upsell",
    "UPSELL_POSTGRES_READER": "upsell_reader",
    "UPSELL_SPARK_MASTER": "local[2]",
    "UPSELL_SPARK_WAREHOUSE": "data/spark-warehouse",
    "UPSELL_SPARK_SHUFFLE_PARTITIONS": "8",
    "UPSELL_CONNECTOR_STATE_DIR": "data/connectors",
    "UPSELL_CONNECTORS_CRON": "0 5 * * *",
    "UPSELL_STRIPE_BASE_URL": "https://api.stripe.com",
    "UPSELL_HUBSPOT_BASE_URL": "https://api.hubapi.com",
}
TARGETS = ("duckdb", "postgres", "spark")

# DuckDB expands globs even in bound parameters, and a path is later spliced into SQL by
# dbt profiles and COPY statements: allow only plain path characters.
_UNSAFE_PATH = re.compile(r"[*?\[\]{}'\"`;\x00-\x1f]")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# local, local[4], local[*], spark://host:7077, yarn, k8s://https://host:443 (no quotes or spaces)
_SPARK_MASTER = re.compile(r"^(local(\[(\d+|\*)\])?|yarn|(spark|k8s|mesos)://[^\s'\"`;]+)$")
_MEMORY = re.compile(r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$")
# Settings read elsewhere (dbt's profile, at run time) that a misspelling check must know.
# The connectors' secrets (upsell/connectors/), read only by the extraction that needs them.
# Shopify's base URL defaults to https://<UPSELL_SHOPIFY_SHOP>, and Salesforce's is the org's
# My Domain (https://<org>.my.salesforce.com), so neither has a fixed default.
OTHER_SETTINGS = (
    "UPSELL_PII_SALT",
    "UPSELL_STRIPE_API_KEY",
    "UPSELL_HUBSPOT_TOKEN",
    "UPSELL_SHOPIFY_TOKEN",
    "UPSELL_SHOPIFY_SHOP",
    "UPSELL_SHOPIFY_BASE_URL",
    "UPSELL_SALESFORCE_CLIENT_ID",
    "UPSELL_SALESFORCE_CLIENT_SECRET",
    "UPSELL_SALESFORCE_SESSION_ID",
    "UPSELL_SALESFORCE_BASE_URL",
)
PATHS = {
    "landing_dir": "UPSELL_LANDING_DIR",
    "warehouse": "UPSELL_WAREHOUSE",
    "serving": "UPSELL_SERVING",
    "model_dir": "UPSELL_MODEL_DIR",
}
# Paths read only by the commands that name them in ``from_env(paths=...)``.
OPTIONAL_PATHS = {"connector_state_dir": "UPSELL_CONNECTOR_STATE_DIR"}


def memory_limit(text: str) -> str:
    """A DuckDB memory size such as ``8GB``; anything else is refused (it is spliced into SQL)."""
    if not _MEMORY.match(text):
        raise UpsellError(f"UPSELL_DUCKDB_MEMORY_LIMIT={text!r} is not a size like 8GB or 512MB")
    return text


def _timezone(text: str) -> str:
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise UpsellError(
            f"UPSELL_TIMEZONE={text!r} is not an IANA time zone such as UTC or Europe/Berlin"
        ) from None
    return text


def _cron(name: str, text: str) -> str:
    if not is_valid_cron(text):
        raise UpsellError(
            f"{name}={text!r} is not a cron expression of five fields such as '0 6 * * *'"
        )
    return text


def _misspelt(env) -> None:
    """A mistyped setting name would silently leave the default in force."""
    known = [*DEFAULTS, *OTHER_SETTINGS]
    for name in env:
        if name.startswith("UPSELL_") and name not in known:
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.85)
            if close:
                raise UpsellError(f"{name} is not a setting; did you mean {close[0]}?")


# What each engine's extra installs (pyproject.toml): checked at start-up, not mid-run.
ENGINE_MODULES = {
    "postgres": ("adbc_driver_postgresql", "dbt.adapters.postgres"),
    "spark": ("pyspark", "dbt.adapters.spark"),
}


def _extra_installed(target: str) -> None:
    for module in ENGINE_MODULES.get(target, ()):
        if importlib.util.find_spec(module) is None:
            raise UpsellError(
                f"UPSELL_TARGET={target} needs the {target} extra: "
                f"pip install -e '.[{target}]' -c constraints.txt"
            )


def safe_path(value: str | os.PathLike, what: str) -> Path:
    """Return ``value`` as an absolute path, or raise if it could be misread by DuckDB or SQL."""
    text = os.fspath(value)
    if not text:
        raise UpsellError(f"{what} is empty")
    if _UNSAFE_PATH.search(text):
        raise UpsellError(f"{what} {text!r} contains a glob, quote or control character")
    if ".." in Path(text).parts:
        raise UpsellError(f"{what} {text!r} contains '..'; give a direct path")
    return Path(text).expanduser().resolve()


def allowed_roots(text: str) -> list[Path]:
    """UPSELL_ALLOWED_ROOTS: folders (separated by ':') every configured path must lie in."""
    return [safe_path(p, "UPSELL_ALLOWED_ROOTS entry") for p in text.split(os.pathsep) if p]


def inside(path: Path, roots: list[Path], what: str) -> Path:
    """``path`` if it lies in one of ``roots``; a misconfigured path would otherwise let the
    pipeline read or overwrite files anywhere the process may write."""
    if not any(path.is_relative_to(root) for root in roots):
        listed = ", ".join(str(r) for r in roots)
        raise UpsellError(
            f"{what} {path} is outside the allowed roots ({listed}); move it there or add its "
            "folder to UPSELL_ALLOWED_ROOTS"
        )
    return path


def folder_env(root: Path) -> dict[str, str]:
    """The UPSELL_* paths (and Dagster home) of an installation kept in one folder."""
    return {
        "UPSELL_LANDING_DIR": str(root / "landing"),
        "UPSELL_WAREHOUSE": str(root / "warehouse.duckdb"),
        "UPSELL_SERVING": str(root / "serving.duckdb"),
        "UPSELL_MODEL_DIR": str(root / "models"),
        "UPSELL_SPARK_WAREHOUSE": str(root / "spark-warehouse"),
        "UPSELL_CONNECTOR_STATE_DIR": str(root / "connectors"),
        "DAGSTER_HOME": str(root / "dagster"),
    }


@dataclass(frozen=True)
class Settings:
    """Every setting, validated at start-up. A path a command does not use is None (it is
    neither checked nor needed, see ``from_env(paths=...)``)."""

    landing_dir: Path | BucketPath | None  # a bucket: read through landing_cache_dir
    warehouse: Path | None
    serving: Path | None
    model_dir: Path | None
    reporting_currency: str
    bad_row_threshold: float = float(DEFAULTS["UPSELL_BAD_ROW_THRESHOLD"])
    daily_cron: str = DEFAULTS["UPSELL_DAILY_CRON"]
    retrain_cron: str = DEFAULTS["UPSELL_RETRAIN_CRON"]
    timezone: str = DEFAULTS["UPSELL_TIMEZONE"]
    duckdb_memory_limit: str = DEFAULTS["UPSELL_DUCKDB_MEMORY_LIMIT"]
    dbt_threads: int = int(DEFAULTS["UPSELL_DBT_THREADS"])
    target: str = DEFAULTS["UPSELL_TARGET"]
    postgres_dsn: str = DEFAULTS["UPSELL_POSTGRES_DSN"]
    postgres_reader: str = DEFAULTS["UPSELL_POSTGRES_READER"]
    spark_master: str = DEFAULTS["UPSELL_SPARK_MASTER"]
    spark_warehouse: Path | None = None  # read and checked only when the target is Spark
    spark_shuffle_partitions: int = int(DEFAULTS["UPSELL_SPARK_SHUFFLE_PARTITIONS"])
    connector_state_dir: Path | None = None  # the connectors' cursors and resumable runs
    connectors_cron: str = DEFAULTS["UPSELL_CONNECTORS_CRON"]
    landing_cache_dir: Path | None = None  # the local mirror of a landing zone in a bucket

    @classmethod
    def from_env(
        cls, env: dict[str, str] | None = None, paths: tuple[str, ...] = tuple(PATHS)
    ) -> Settings:
        """The settings of ``env`` (default: the process environment); of the four paths,
        only those named in ``paths`` are read and checked."""
        env = os.environ if env is None else env
        _misspelt(env)

        def get(name: str) -> str:
            value = env.get(name)
            if value is None:
                return DEFAULTS[name]
            if not value.strip():
                raise UpsellError(
                    f"{name} is set but empty; unset it for the default ({DEFAULTS[name]}) "
                    "or give a value"
                )
            return value

        currency = get("UPSELL_REPORTING_CURRENCY").upper()
        if not _CURRENCY.match(currency):
            raise UpsellError(
                f"UPSELL_REPORTING_CURRENCY={currency!r} is not a three-letter ISO 4217 code"
            )
        try:
            threshold = float(get("UPSELL_BAD_ROW_THRESHOLD"))
        except ValueError:
            threshold = -1.0
        if not 0 <= threshold <= 1:
            raise UpsellError(
                "UPSELL_BAD_ROW_THRESHOLD must be a share between 0 and 1 (0.05 = 5 %), got "
                f"{get('UPSELL_BAD_ROW_THRESHOLD')!r}"
            )
        threads = get("UPSELL_DBT_THREADS")
        if not threads.isdecimal() or not 1 <= int(threads) <= 64:
            raise UpsellError(
                f"UPSELL_DBT_THREADS must be a whole number of dbt threads from 1 to 64, got "
                f"{threads!r}"
            )
        roots = allowed_roots(get("UPSELL_ALLOWED_ROOTS"))
        target = get("UPSELL_TARGET")
        if target not in TARGETS:
            raise UpsellError(f"UPSELL_TARGET={target!r} is not one of {', '.join(TARGETS)}")
        dsn = get("UPSELL_POSTGRES_DSN")
        if target == "postgres":
            libpq_env(dsn)  # refuses a malformed DSN or one holding a password
            _extra_installed(target)
        reader = get("UPSELL_POSTGRES_READER")
        if not _ROLE.match(reader):
            raise UpsellError(
                f"UPSELL_POSTGRES_READER={reader!r} is not a plain role name (lower case "
                "letters, digits, _)"
            )

        master = get("UPSELL_SPARK_MASTER")
        if not _SPARK_MASTER.match(master):
            raise UpsellError(
                f"UPSELL_SPARK_MASTER={master!r} is not a Spark master URL such as local[2] or "
                "spark://host:7077"
            )
        partitions = get("UPSELL_SPARK_SHUFFLE_PARTITIONS")
        if not partitions.isdecimal() or not 1 <= int(partitions) <= 100_000:
            raise UpsellError(
                "UPSELL_SPARK_SHUFFLE_PARTITIONS must be a whole number of partitions from 1, "
                f"got {partitions!r}"
            )
        spark_warehouse = None
        if target == "spark":
            _extra_installed(target)
            if any(c in env.get("UPSELL_PII_SALT", "") for c in "'\\"):
                raise UpsellError(
                    "UPSELL_PII_SALT may not contain a quote or a backslash on Spark: its SQL "
                    "parser puts the value into the statement"
                )
            name = "UPSELL_SPARK_WAREHOUSE"
            spark_warehouse = inside(safe_path(get(name), name), roots, name)

        def path(field: str) -> Path | None:
            if field not in paths:
                return None
            name = {**PATHS, **OPTIONAL_PATHS}[field]
            return inside(safe_path(get(name), name), roots, name)

        fields = {
            field: path(field) for field in [*PATHS, *OPTIONAL_PATHS] if field != "landing_dir"
        }
        landing = get("UPSELL_LANDING_DIR") if "landing_dir" in paths else ""
        if is_url(landing):
            # the allowed roots are for local paths: the bucket's local mirror is one
            if _UNSAFE_PATH.search(landing):
                raise UpsellError(
                    f"UPSELL_LANDING_DIR {landing!r} contains a glob, quote or control character"
                )
            cache = "UPSELL_LANDING_CACHE_DIR"
            fields["landing_dir"] = BucketPath.setting("UPSELL_LANDING_DIR", landing)
            fields["landing_cache_dir"] = inside(safe_path(get(cache), cache), roots, cache)
        else:
            fields["landing_dir"] = path("landing_dir")
        return cls(
            **fields,
            connectors_cron=_cron("UPSELL_CONNECTORS_CRON", get("UPSELL_CONNECTORS_CRON")),
            reporting_currency=currency,
            bad_row_threshold=threshold,
            daily_cron=_cron("UPSELL_DAILY_CRON", get("UPSELL_DAILY_CRON")),
            retrain_cron=_cron("UPSELL_RETRAIN_CRON", get("UPSELL_RETRAIN_CRON")),
            timezone=_timezone(get("UPSELL_TIMEZONE")),
            duckdb_memory_limit=memory_limit(get("UPSELL_DUCKDB_MEMORY_LIMIT")),
            dbt_threads=int(threads),
            target=target,
            postgres_dsn=dsn,
            postgres_reader=reader,
            spark_master=master,
            spark_warehouse=spark_warehouse,
            spark_shuffle_partitions=int(partitions),
        )

    def spark_env(self) -> dict[str, str]:
        """The Spark settings as dbt's profile reads them (and the Python side's session)."""
        return spark_env(self.spark_master, self.spark_warehouse, self.spark_shuffle_partitions)


def spark_env(master: str, warehouse: Path | None, partitions: int) -> dict[str, str]:
    values = {"UPSELL_SPARK_MASTER": master, "UPSELL_SPARK_SHUFFLE_PARTITIONS": str(partitions)}
    if warehouse is not None:
        values["UPSELL_SPARK_WAREHOUSE"] = str(warehouse)
    return values


def local_landing(landing: Path | BucketPath, cache: Path | None) -> Path:
    """The local folder the loader reads: the landing zone itself, or a bucket's mirror in
    ``cache`` brought up to date (its complete deliveries copied, see upsell.ingest.mirror)."""
    if not isinstance(landing, BucketPath):
        return landing
    from upsell.ingest.mirror import mirror_landing

    if cache is None:
        raise UpsellError(f"the landing zone {landing} is a bucket: set UPSELL_LANDING_CACHE_DIR")
    return mirror_landing(landing, cache)
