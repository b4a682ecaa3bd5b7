"""Great Expectations suites on the marts as blocking checks: a failure stops publishing."""

import dagster as dg

from orchestration.resources import Warehouse
from upsell.quality.gx_suites import load_suite, validate_frame
from upsell.quality.mart_suites import MART_QUERIES

CHECK = "gx_mart_suite"


def mart_key(mart: str) -> dg.AssetKey:
    return dg.AssetKey(["marts", mart])


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(
            CHECK,
            asset=mart_key(mart),
            blocking=True,
            description=f"Great Expectations suite `{suite}` on the mart, before it is published.",
        )
        for suite, (mart, _) in MART_QUERIES.items()
    ],
    can_subset=True,
    name="mart_suites",
)
def mart_suites(context: dg.AssetCheckExecutionContext, warehouse: Warehouse):
    selected = {key.asset_key for key in context.selected_asset_check_keys}
    with warehouse.connect() as con:
        accounts = con.execute("SELECT count(*) FROM staging.stg_crm__accounts").fetchone()[0]
        for suite, (mart, query) in MART_QUERIES.items():
            if mart_key(mart) not in selected:
                continue
            frame = con.execute(query).df()
            result = validate_frame(frame, load_suite(suite), {"accounts_in_crm": accounts}, mart)
            yield dg.AssetCheckResult(
                asset_key=mart_key(mart),
                check_name=CHECK,
                passed=result.passed,
                severity=dg.AssetCheckSeverity.ERROR,
                description="all expectations met"
                if result.passed
                else "; ".join(
                    f"{f['expectation']} on {f['column']}" for f in result.failed_errors
                ),
                metadata={
                    "rows": result.rows,
                    "expectations_evaluated": result.evaluated,
                    "failures": dg.MetadataValue.json(result.failed_errors),
                },
            )
