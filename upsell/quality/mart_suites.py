"""Great Expectations suites on the marts, run before publishing: the figures BI users see
must add up (MRR bridge per month), stay in range (rates), be complete (one row per account,
no missing month)."""

from __future__ import annotations

from upsell.quality.gx_suites import _exp

# suite name -> (mart it checks, the query whose result the suite validates)
MART_QUERIES = {
    "marts_fct_mrr_movements": (
        "fct_mrr_movements",
        """SELECT month, count(*) AS accounts,
                  sum(starting_mrr + new_mrr + expansion_mrr + reactivation_mrr - contraction_mrr
                      - churned_mrr + fx_adjustment_mrr - ending_mrr) AS bridge_gap
           FROM marts.fct_mrr_movements GROUP BY month""",
    ),
    "marts_kpi_saas_monthly": (
        "kpi_saas_monthly",
        """SELECT month, mrr, logo_churn_rate, grr_1m, grr_12m, nrr_12m,
                  datediff('month', lag(month) OVER (ORDER BY month), month)
                      AS months_since_previous
           FROM marts.kpi_saas_monthly""",
    ),
    "marts_customer_360": (
        "customer_360",
        "SELECT account_id, status, mrr_now, upsell_propensity, propensity_decile "
        "FROM marts.customer_360",
    ),
}


def build_mart_suites() -> list[dict]:
    suites = {
        "marts_fct_mrr_movements": [
            _exp("expect_column_values_to_be_unique", column="month"),
            _exp(
                "expect_column_values_to_be_between", column="bridge_gap", min_value=0, max_value=0
            ),
        ],
        "marts_kpi_saas_monthly": [
            _exp("expect_column_values_to_be_unique", column="month"),
            _exp(
                "expect_column_values_to_be_in_set", column="months_since_previous", value_set=[1]
            ),
            _exp("expect_column_values_to_be_between", column="mrr", min_value=0),
            _exp(
                "expect_column_values_to_be_between",
                column="logo_churn_rate",
                min_value=0,
                max_value=1,
            ),
            _exp("expect_column_values_to_be_between", column="grr_1m", min_value=0, max_value=1),
            _exp("expect_column_values_to_be_between", column="grr_12m", min_value=0, max_value=1),
            _exp("expect_column_values_to_be_between", column="nrr_12m", min_value=0, max_value=5),
        ],
        "marts_customer_360": [
            _exp("expect_column_values_to_be_unique", column="account_id"),
            _exp("expect_column_values_to_not_be_null", column="account_id"),
            _exp("expect_table_row_count_to_equal", value={"$PARAMETER": "accounts_in_crm"}),
            _exp(
                "expect_column_values_to_be_in_set",
                column="status",
                value_set=["active", "churned", "never_paid"],
            ),
            _exp("expect_column_values_to_be_between", column="mrr_now", min_value=0),
            _exp(
                "expect_column_values_to_be_between",
                column="upsell_propensity",
                min_value=0,
                max_value=1,
            ),
            _exp(
                "expect_column_values_to_be_between",
                column="propensity_decile",
                min_value=1,
                max_value=10,
            ),
        ],
    }
    return [
        {
            "name": name,
            "id": None,
            "expectations": exps,
            "meta": {
                "checks": f"marts.{MART_QUERIES[name][0]}",
                "regenerate_with": "python -m upsell.quality.gx_suites",
            },
        }
        for name, exps in suites.items()
    ]
