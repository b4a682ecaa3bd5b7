"""Dagster's own cron parser, so that a schedule in the settings is refused by ``upsell`` with
the same rule Dagster will apply when it loads the schedule, not later by the daemon.

Uses ``dagster._utils.schedules.is_valid_cron_string(text) -> bool`` (private). Imported inside
the function: the settings are read by code that must not import Dagster (``import upsell``).
Checked against dagster 1.13.27.
"""

from __future__ import annotations


def is_valid_cron(text: str) -> bool:
    from dagster._utils.schedules import is_valid_cron_string

    return is_valid_cron_string(text)
