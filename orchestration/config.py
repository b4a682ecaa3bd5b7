"""Runtime configuration, read from ``UPSELL_*`` environment variables in this one place."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from orchestration.errors import UpsellError

DEFAULTS = {
    "UPSELL_LANDING_DIR": "data/landing",
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
}

# DuckDB expands globs even in bound parameters, and a path is later spliced into SQL by
# dbt profiles and COPY statements: allow only plain path characters.
_UNSAFE_PATH = re.compile(r"[*?\[\]{}'\"`;\x00-\x1f]")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


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
        "DAGSTER_HOME": str(root / "dagster"),
    }


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    warehouse: Path
    serving: Path
    model_dir: Path
    reporting_currency: str
    bad_row_threshold: float = 0.05
    daily_cron: str = DEFAULTS["UPSELL_DAILY_CRON"]
    retrain_cron: str = DEFAULTS["UPSELL_RETRAIN_CRON"]
    timezone: str = DEFAULTS["UPSELL_TIMEZONE"]
    duckdb_memory_limit: str = DEFAULTS["UPSELL_DUCKDB_MEMORY_LIMIT"]
    dbt_threads: int = 2

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env

        def get(name: str) -> str:
            return env.get(name) or DEFAULTS[name]

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

        def path(name: str) -> Path:
            return inside(safe_path(get(name), name), roots, name)

        return cls(
            landing_dir=path("UPSELL_LANDING_DIR"),
            warehouse=path("UPSELL_WAREHOUSE"),
            serving=path("UPSELL_SERVING"),
            model_dir=path("UPSELL_MODEL_DIR"),
            reporting_currency=currency,
            bad_row_threshold=threshold,
            daily_cron=get("UPSELL_DAILY_CRON"),
            retrain_cron=get("UPSELL_RETRAIN_CRON"),
            timezone=get("UPSELL_TIMEZONE"),
            duckdb_memory_limit=get("UPSELL_DUCKDB_MEMORY_LIMIT"),
            dbt_threads=int(threads),
        )
