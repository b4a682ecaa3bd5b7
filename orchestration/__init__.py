"""Account Upsell data platform: the Dagster code location and the product's Python core."""
