"""What every step of the simulation shares: time units, event codes, the month's clock and
the row buffers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from upsell.contract import enum

DAY = 86_400
LATE_EVENT_SHARE = 0.03  # subscription events recorded weeks after they took effect
# Event codes: the position of each event type in the contract.
EVENT = {name: code for code, name in enumerate(enum("sub_subscription_events", "event_type"))}


class Rows:
    """Collects column arrays month by month and concatenates them once at the end."""

    def __init__(self, columns: str) -> None:
        self._parts: dict[str, list[np.ndarray]] = {c: [] for c in columns.split()}

    def add(self, **cols: np.ndarray) -> None:
        size = min(np.size(v) for v in cols.values() if np.ndim(v))
        if size == 0:
            return
        for k, v in cols.items():
            self._parts[k].append(np.broadcast_to(v, size).copy())

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {k: np.concatenate(v) if v else np.zeros(0, np.int64) for k, v in self._parts.items()}
        )


@dataclass(frozen=True)
class Month:
    """One month of the simulation: its index, start and length in epoch seconds."""

    rng: np.random.Generator
    n: int
    m: int
    start: int
    length: int

    def at(self, lo_day: int, hi_day: int) -> np.ndarray:
        """A random time per account between two days of the month."""
        return self.start + self.rng.integers(lo_day * DAY, hi_day * DAY, self.n)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))
