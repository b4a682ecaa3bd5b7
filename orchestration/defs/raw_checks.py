"""Great Expectations suites and the bad-row threshold, as blocking checks on the raw assets;
the FX coverage of the amounts; the freshness of the latest delivery, as a warning."""

from typing import TYPE_CHECKING

import dagster as dg

from orchestration.defs.ingest import raw_key
from orchestration.resources import Installation
from upsell.contract import TABLES
from upsell.quality.freshness import FRESH_DAYS, latest_delivery

if TYPE_CHECKING:  # gx_suites is imported when the check runs, not when the definitions load
    from upsell.quality.gx_suites import SuiteResult

CHECK = "gx_suite"
FRESHNESS_CHECK = "latest_delivery_is_fresh"


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(
            CHECK,
            asset=raw_key(table),
            blocking=True,
            description="The table's Great Expectations suite (columns, keys, enums, ranges, "
            "foreign keys) and the share of quarantined rows in its latest delivery.",
        )
        for table in TABLES
    ],
    can_subset=True,
    name="raw_suites",
)
def raw_suites(context: dg.AssetCheckExecutionContext, installation: Installation):
    from upsell.quality.gx_suites import validate_table

    selected = {key.asset_key for key in context.selected_asset_check_keys}
    with installation.connect(read_only=False) as con:
        shares = dict(
            con.execute(
                "SELECT table_name, arg_max(bad_share, delivery_date) FROM raw._load_manifest "
                "GROUP BY 1"
            ).fetchall()
        )
        for table in TABLES:
            if raw_key(table) in selected:
                result = validate_table(con, table)
                yield _check_result(table, result, shares.get(table, 0.0), installation)


def _check_result(
    table: str, result: "SuiteResult", share: float, installation: Installation
) -> dg.AssetCheckResult:
    """The table's suite result, failed too when the latest delivery quarantined more than the
    bad-row threshold allows."""
    threshold = installation.bad_row_threshold
    errors = list(result.failed_errors)
    if share > threshold:
        errors.append(
            {
                "expectation": "quarantined share of the latest delivery",
                "observed": f"{share:.2%} > {threshold:.2%}",
            }
        )
    return dg.AssetCheckResult(
        asset_key=raw_key(table),
        check_name=CHECK,
        passed=not errors and not result.failed_warnings,
        severity=dg.AssetCheckSeverity.ERROR if errors else dg.AssetCheckSeverity.WARN,
        description=_describe(errors, result.failed_warnings),
        metadata={
            "rows": result.rows,
            "rows_validated": result.validated_rows,
            "expectations_evaluated": result.evaluated,
            "errors": len(errors),
            "warnings": len(result.failed_warnings),
            "bad_share_latest_delivery": float(share),
            "failures": dg.MetadataValue.json(errors + result.failed_warnings),
        },
    )


def _describe(errors: list[dict], warnings: list[dict]) -> str:
    if not errors and not warnings:
        return "all expectations met"
    parts = []
    for f in errors + warnings:
        if f.get("unexpected_count") is not None:
            parts.append(
                f"{f['expectation']} on {f['column']}: {f['unexpected_count']} rows, "
                f"e.g. {', '.join(f['sample'][:3])}"
            )
        else:
            parts.append(f"{f['expectation']}: {f['observed']}")
    return "; ".join(parts)[:1000]


@dg.asset_check(
    asset=raw_key("ref_fx_rates"),
    name="fx_coverage",
    blocking=True,
    description="Every order, paid invoice and plan price has a rate into the reporting currency "
    "(UPSELL_REPORTING_CURRENCY, at 1 whether listed or not) on or before its date, and the "
    "table's rates convert into that currency.",
)
def fx_coverage(installation: Installation) -> dg.AssetCheckResult:
    from upsell.quality.fx_coverage import fx_problems

    reporting = installation.reporting_currency
    with installation.connect(read_only=True) as con:
        problems = fx_problems(con, reporting)
    return dg.AssetCheckResult(
        passed=not problems,
        severity=dg.AssetCheckSeverity.ERROR,
        description="; ".join(problems) or f"every amount converts into {reporting}",
        metadata={"reporting_currency": reporting, "problems": len(problems)},
    )


@dg.asset_check(
    asset=raw_key("_deliveries"),
    name=FRESHNESS_CHECK,
    description=f"The latest delivery loaded is at most {FRESH_DAYS} days old (a warning: the "
    "figures stay right as of that delivery's date).",
)
def latest_delivery_is_fresh(installation: Installation) -> dg.AssetCheckResult:
    with installation.connect(read_only=True) as con:
        freshness = latest_delivery(con)
    return dg.AssetCheckResult(
        passed=freshness.fresh,
        severity=dg.AssetCheckSeverity.WARN,
        description=freshness.describe(),
        metadata={
            "latest_delivery": str(freshness.latest),
            "fresh_since": str(freshness.fresh_since),
        },
    )
