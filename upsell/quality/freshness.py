"""Whether the landing zone is fresh: the latest delivery loaded is at most ``FRESH_DAYS`` old.

One check for the whole landing zone, not one per raw table: a stale sample is one fact (no new
delivery), and it is a warning, since yesterday's figures are still right as of their date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import duckdb

FRESH_DAYS = 2  # the latest delivery may be this old before the freshness check warns


@dataclass(frozen=True)
class Freshness:
    latest: date | None  # the latest delivery loaded, None before the first
    today: date

    @property
    def fresh_since(self) -> date:
        return self.today - timedelta(days=FRESH_DAYS)

    @property
    def fresh(self) -> bool:
        return self.latest is not None and self.latest >= self.fresh_since

    def describe(self) -> str:
        if self.latest is None:
            return "no delivery loaded yet"
        age = (self.today - self.latest).days
        verdict = "fresh" if self.fresh else "stale"
        return (
            f"{verdict}: the latest delivery is {self.latest.isoformat()}, {age} days old "
            f"(at most {FRESH_DAYS} is fresh)"
        )


def latest_delivery(con: duckdb.DuckDBPyConnection, today: date | None = None) -> Freshness:
    """The freshness of the deliveries ``raw._deliveries`` records, as of ``today`` (UTC, as
    delivery dates and the sample's default end date are)."""
    [(latest,)] = con.execute("SELECT max(delivery_date) FROM raw._deliveries").fetchall()
    return Freshness(latest, today or datetime.now(UTC).date())
