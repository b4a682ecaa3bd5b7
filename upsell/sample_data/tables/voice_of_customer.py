"""The voice of the customer in the CRM: support tickets and survey responses."""

from __future__ import annotations

import numpy as np
import pandas as pd

from upsell.sample_data.tables.crm import Contacts
from upsell.sample_data.tables.versions import versions


def crm_support_tickets(rng: np.random.Generator, tk: pd.DataFrame, end_s: int) -> pd.DataFrame:
    """The unhappier the customer, the more urgent the ticket and the sooner it is resolved;
    a few are never resolved."""
    prio = np.searchsorted([-0.6, 0.9, 2.0], tk.unhappy.to_numpy())  # low..urgent
    resolved = tk.opened + (rng.lognormal(np.log(20 * 3600), 1.0, len(tk)) / (1 + prio)).astype(
        np.int64
    )
    tk = tk.assign(ticket=np.arange(len(tk)), prio=prio, resolved=resolved)
    tk = tk[tk.opened <= end_s]
    t1 = tk.assign(resolved=-1, updated=tk.opened, _arrival=tk.opened)
    t2 = tk.assign(updated=tk.resolved, _arrival=tk.resolved)[rng.random(len(tk)) > 0.02]
    return versions(t1, t2, end_s)


def crm_survey_responses(
    rng: np.random.Generator, sv: pd.DataFrame, contacts: Contacts, end_s: int
) -> pd.DataFrame:
    """NPS (0-10) or CSAT (1-5) scores that follow the account's health."""
    h = sv.health.to_numpy()
    noise = rng.normal(0, 1, len(sv))
    score = np.where(
        sv.nps,
        np.clip(np.round(7.0 + 1.8 * h + 1.3 * noise), 0, 10),
        np.clip(np.round(3.9 + 0.8 * h + 0.7 * noise), 1, 5),
    )
    sv = sv.assign(
        response=np.arange(len(sv)),
        contact=contacts.some_contact(sv.acc.to_numpy(), sv.ts.to_numpy()),
        score=score.astype(np.int64),
        _arrival=sv.ts,
    )
    return sv[sv.ts <= end_s]
