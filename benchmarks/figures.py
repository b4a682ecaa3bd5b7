"""The figures of one benchmark repeat, from the timings its runs reported."""

from __future__ import annotations


def stages(full: dict, daily: dict | None, direct: dict | None, generated: float) -> dict:
    """The figures of one repeat, in seconds unless named otherwise (the direct-SQL and daily
    figures are left out of a ``--only-full`` run)."""
    steps, dbt = full["steps"], full["dbt"]
    dbt_wall = sum(v for k, v in steps.items() if k.startswith("dbt_models"))
    scored = full["scores"].get("dagster/row_count", 0)
    return (
        {
            "generate": generated,
            "ingest": steps.get("landing_zone_ingest", 0.0),
            "raw_checks": steps.get("raw_suites", 0.0),
            "dbt_build": dbt_wall,
            "dbt_elapsed": dbt.get("elapsed", 0.0),
            "dbt_overhead": dbt_wall - dbt.get("elapsed", 0.0),
            "dbt_threads_used": dbt.get("threads_used", 0.0),
            "features": dbt.get("features_model", 0.0) + full["model"]["seconds_loading_features"],
            "train": full["model"]["seconds_training_and_evaluating"],
            "score": full["scores"]["seconds_scoring"],
            "scoring_rows_per_second": scored / max(full["scores"]["seconds_scoring"], 1e-9),
            "publish": steps.get("serving__bi_duckdb", 0.0),
            "full_run": full["run_seconds"],
            "full_process": full["wall_seconds"],
            "full_peak_rss_gib": full["peak_rss_gib"],
        }
        | (direct_stages(direct, dbt.get("elapsed", 0.0), dbt_wall) if direct else {})
        | (daily_stages(daily, full) if daily else {})
    )


def direct_stages(direct: dict, dbt_elapsed: float, dbt_wall: float) -> dict:
    return {
        "direct_sql": direct["seconds"],
        "direct_sql_models": direct["models_seconds"],
        "direct_sql_tests": direct["tests_seconds"],
        "dbt_to_direct": dbt_elapsed / direct["seconds"],
        "dbt_step_to_direct": dbt_wall / direct["seconds"],
    }


def daily_stages(daily: dict, full: dict) -> dict:
    steps = daily["steps"]
    return {
        "daily_run": daily["run_seconds"],
        "daily_process": daily["wall_seconds"],
        "daily_share": daily["run_seconds"] / full["run_seconds"],
        "daily_peak_rss_gib": daily["peak_rss_gib"],
        "daily_ingest": steps.get("landing_zone_ingest", 0.0),
        "daily_raw_checks": steps.get("raw_suites", 0.0),
        "daily_dbt_build": sum(v for k, v in steps.items() if k.startswith("dbt_")),
        "daily_features_model": daily["dbt"].get("features_model", 0.0),
        "daily_score": daily["scores"]["seconds_scoring"],
    }
