"""Daily exchange rates into the reporting currency."""

from __future__ import annotations

import numpy as np
import pandas as pd

from upsell.sample_data import catalog as cat


def draw_fx(rng: np.random.Generator, first_day: np.datetime64, end: np.datetime64, reporting: str):
    """Daily rates as a random walk: one unit of each currency in the reporting currency."""
    days = np.arange(first_day, end + 1)
    steps = rng.normal(0, 0.004, size=(len(days), len(cat.CURRENCIES)))
    steps[:, 0] = 0.0  # EUR is the walk's numeraire
    eur_per_unit = cat.EUR_PER_UNIT_START * np.exp(np.cumsum(steps, axis=0))
    if reporting in cat.CURRENCIES:
        eur_per_unit = eur_per_unit / eur_per_unit[:, [cat.CURRENCIES.index(reporting)]]
        currencies = cat.CURRENCIES
    else:  # an unknown reporting currency gets a rate of its own, drifting against EUR
        own = 1.0 * np.exp(np.cumsum(rng.normal(0, 0.004, len(days))))
        eur_per_unit = np.column_stack([eur_per_unit, own]) / own[:, None]
        currencies = (*cat.CURRENCIES, reporting)
    frame = pd.DataFrame(
        {
            "rate_date": np.repeat(days, len(currencies)),
            "currency": np.tile(np.arange(len(currencies)), len(days)),
            "rate_to_reporting": np.round(eur_per_unit.ravel(), 6),
        }
    )
    return frame, currencies
