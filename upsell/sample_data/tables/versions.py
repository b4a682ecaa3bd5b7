"""Rows that change get one row per version: the first export and a later one."""

from __future__ import annotations

import pandas as pd


def versions(first: pd.DataFrame, second: pd.DataFrame, end_s: int) -> pd.DataFrame:
    """Stack a first version and a later one, keeping what was exported by the end date."""
    both = pd.concat([first.assign(_v=0), second.assign(_v=1)], ignore_index=True)
    return both[both._arrival <= end_s].reset_index(drop=True)
