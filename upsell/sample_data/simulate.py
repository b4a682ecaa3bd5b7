"""Month-by-month simulation of a B2B SaaS company's customers, vectorised over accounts.

The loop runs once per month (24 iterations by default), never once per row. Each month it
moves every account's latent state (users, feature need, health), draws what happens from
hazards computed at the previous month end, and appends the resulting rows to buffers.
The hazards are the ground truth: an account near its seat or feature limits, growing and
happy expands more; an unhappy, under-used one churns more.

Output rows carry integer codes and epoch seconds; ``tables.py`` turns them into the contract's
strings with DuckDB. Every row also carries ``_arrival``: when the source system exported it,
which decides the delivery it lands in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from upsell.contract import enum
from upsell.sample_data import catalog as cat

DAY = 86_400
P_OFFER = 0.05  # monthly chance that a paying account receives a campaign offer
LATE_EVENT_SHARE = 0.03  # subscription events recorded weeks after they took effect
# Event codes: the position of each event type in the contract.
EVENT = {name: code for code, name in enumerate(enum("sub_subscription_events", "event_type"))}


@dataclass(frozen=True)
class Options:
    accounts: int = 5000
    months: int = 24
    seed: int = 7
    end_date: date = date(2026, 10, 31)
    deliveries: int = 0
    reporting_currency: str = "EUR"


@dataclass
class Simulation:
    tables: dict[str, pd.DataFrame]
    truth_expansion: pd.DataFrame
    truth_campaigns: pd.DataFrame
    fx: pd.DataFrame
    month_start_s: np.ndarray
    end_s: int


class _Rows:
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


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _campaigns(rng: np.random.Generator, months: int) -> pd.DataFrame:
    """A/B(/C) campaigns spread over the history; some variants truly convert better."""
    rows = []
    n_campaigns = max(3, months // 3)
    for k in range(n_campaigns):
        start = int(k * months / n_campaigns)
        variants = ("A", "B", "C") if k % 3 == 2 else ("A", "B")
        base = rng.uniform(0.06, 0.14)
        effects = rng.choice([1.0, 1.6, 0.7, 1.3], size=len(variants))
        effects[0] = 1.0
        # One campaign has a broken splitter (sample-ratio mismatch), as happens in practice.
        alloc = np.full(len(variants), 1 / len(variants))
        if k == 1:
            alloc = np.array([0.58, 0.42])
        for v, name in enumerate(variants):
            rows.append(
                {
                    "campaign": k,
                    "campaign_id": f"CMP-{k + 1:03d}",
                    "variant": name,
                    "variant_idx": v,
                    "offer_type": k % 3,
                    "addon_product": int(cat.ADDON_IDS[k % len(cat.ADDON_IDS)]),
                    "start_m": start,
                    "end_m": min(months, start + 4 + k % 3),
                    "true_conversion_rate": round(float(base * effects[v]), 4),
                    "allocation_share": float(alloc[v]),
                }
            )
    return pd.DataFrame(rows)


def _fx(rng: np.random.Generator, first_day: np.datetime64, end: np.datetime64, reporting: str):
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


def simulate(opts: Options) -> Simulation:
    rng = np.random.default_rng(opts.seed)
    n, n_months = opts.accounts, opts.months
    end = np.datetime64(opts.end_date, "D")
    month0 = end.astype("datetime64[M]") - (n_months - 1)
    bounds = (month0 + np.arange(n_months + 1)).astype("datetime64[D]")
    ms_all = bounds.astype("datetime64[s]").astype(np.int64)
    mlen = np.diff(ms_all)
    end_s = int((end + 1).astype("datetime64[s]").astype(np.int64)) - 1

    # --- accounts and their latent drivers -------------------------------------------------
    seg = rng.choice(3, n, p=cat.SEGMENT_SHARE)
    country = rng.choice(len(cat.COUNTRIES), n, p=cat.COUNTRY_SHARE)
    cur = cat.COUNTRY_CURRENCY[country]
    industry = rng.integers(0, len(cat.INDUSTRIES), n)
    employees = np.maximum(1, np.round(cat.EMPLOYEES_MEDIAN[seg] * rng.lognormal(0, 0.7, n)))
    growth_weight = 1 + np.arange(n_months) / n_months  # the company grows: more sign-ups later
    signup_m = rng.choice(n_months, n, p=growth_weight / growth_weight.sum())
    signup_s = ms_all[signup_m] + (rng.random(n) * mlen[signup_m]).astype(np.int64)
    pay_s = signup_s + rng.integers(0, 14 * DAY, n)
    payer = (rng.random(n) < 0.85) & (pay_s <= end_s)
    start_m = np.searchsorted(ms_all, pay_s, side="right") - 1
    health = rng.normal(0, 1, n)
    growth = rng.normal(0.015, 0.035, n)
    intensity = rng.lognormal(0, 0.45, n) * cat.TIER_CAPACITY[np.minimum(seg + 1, 3)] * 0.45
    cap = np.maximum(1.0, employees * rng.uniform(0.15, 0.9, n))
    users = np.minimum(cap, np.maximum(1.0, employees * rng.uniform(0.05, 0.4, n)))
    tier_pick = (rng.random(n)[:, None] > cat.TIER_BY_SEGMENT.cumsum(1)[seg]).sum(1) + 1
    annual_pick = rng.random(n) < cat.ANNUAL_SHARE[seg]
    has_discount = rng.random(n) < 0.3
    disc_pick = np.where(has_discount, rng.choice([10, 15, 20, 25], n), 0)
    disc_len = np.where(rng.random(n) < 0.7, rng.choice([3, 6, 12], n), 10_000)

    campaigns = _campaigns(rng, n_months)
    seat_mrr = cat.plan_mrr_per_seat()

    # --- subscription state (main subscription, and one optional extra subscription) --------
    live = np.zeros(n, bool)
    live_x = np.zeros(n, bool)
    had_x = np.zeros(n, bool)
    ever_paid = np.zeros(n, bool)
    tier = np.ones(n, np.int64)
    annual = np.zeros(n, bool)
    seats = np.ones(n, np.int64)
    disc = np.zeros(n, np.int64)
    saved_disc = np.zeros(n, np.int64)  # discount to restore after a 100 % service credit
    disc_end_m = np.full(n, -1)
    anniv_m = np.zeros(n, np.int64)
    tier_x = np.ones(n, np.int64)
    seats_x = np.ones(n, np.int64)
    last_addon = np.full(n, -1)
    n_addon_orders = np.zeros(n, np.int64)
    h_exp = np.zeros(n)
    h_churn = np.zeros(n)
    h_addon = np.zeros(n)

    events = _Rows("acc kind etype eff tier annual seats disc")
    invoices = _Rows("acc kind issued amount annual")
    usage = _Rows("acc month first last u0 u1 hits intensity")
    orders = _Rows("acc ts product")
    offers = _Rows("acc campaign variant offer_type item_plan item_product channel sent")
    opps = _Rows("acc otype stage created closed amount")
    tickets = _Rows("acc opened unhappy")
    surveys = _Rows("acc ts health nps")
    activities = _Rows("acc ts")
    truth = _Rows("acc m p")

    def emit(mask, kind, etype, ts, t=None, a=None, s=None, d=None):
        idx = np.flatnonzero(mask)
        if idx.size == 0:
            return

        def pick(v, default):
            return (default if v is None else np.broadcast_to(v, n))[idx]

        events.add(
            acc=idx,
            kind=np.int8(kind),
            etype=np.int8(etype),
            eff=np.broadcast_to(ts, n)[idx],
            tier=pick(t, tier_x if kind else tier),
            annual=pick(a, np.zeros(n, bool) if kind else annual),
            seats=pick(s, seats_x if kind else seats),
            disc=pick(d, np.zeros(n, np.int64) if kind else disc),
        )

    for m in range(n_months):
        ms, ml = ms_all[m], mlen[m]

        def at(lo_day, hi_day, ms=ms):
            return ms + rng.integers(lo_day * DAY, hi_day * DAY, n)

        live_start = live | live_x  # a customer at the start of the month
        customer_start = live.copy()

        # New paying customers.
        new = payer & (start_m == m)
        live |= new
        ever_paid |= new
        tier = np.where(new, tier_pick, tier)
        annual = np.where(new, annual_pick, annual)
        seats = np.where(new, np.maximum(1, np.ceil(users * rng.uniform(1.0, 1.4, n))), seats)
        disc = np.where(new, disc_pick, disc)
        disc_end_m = np.where(new & (disc_pick > 0), m + disc_len, disc_end_m)
        anniv_m = np.where(new, m, anniv_m)
        emit(new, 0, EVENT["created"], pay_s)

        # Latent drift of those already paying.
        users = np.where(
            customer_start,
            np.clip(users * np.exp(growth + rng.normal(0, 0.07, n)), 1.0, cap),
            users,
        )
        intensity *= np.exp(rng.normal(0.008, 0.02, n))
        health = 0.97 * health + rng.normal(0, 0.18, n)
        users_month_start = users.copy()

        # Day one: discounts that end and service credits that are lifted.
        credit_end = customer_start & (disc == 100)
        disc = np.where(credit_end, saved_disc, disc)
        disc_ends = customer_start & (disc_end_m == m) & (disc > 0)
        disc = np.where(disc_ends, 0, disc)
        emit(
            credit_end | disc_ends, 0, EVENT["discount_changed"], ms + rng.integers(0, 6 * 3600, n)
        )

        # Campaign offers, and whether they convert.
        active = campaigns[(campaigns.start_m <= m) & (campaigns.end_m > m)]
        offered = np.zeros(n, bool)
        converted = np.zeros(n, bool)
        conv_ts = np.zeros(n, np.int64)
        offer_kind = np.full(n, -1)
        offer_addon = np.full(n, -1)
        if len(active):
            ids = active.campaign.unique()
            chosen = ids[rng.integers(0, len(ids), n)]
            offered = customer_start & (rng.random(n) < P_OFFER)
            kind_of = campaigns.groupby("campaign").offer_type.first().to_numpy()[chosen]
            offered &= ~((kind_of == 0) & (tier >= 4))  # no upgrade offer past the top tier
            u = rng.random(n)
            rate = np.zeros(n)
            variant = np.zeros(n, np.int64)
            for c in ids:
                rows = campaigns[campaigns.campaign == c]
                cum = rows.allocation_share.cumsum().to_numpy()
                sel = chosen == c
                v = np.minimum((u[sel, None] > cum).sum(1), len(cum) - 1)
                variant[sel] = rows.variant_idx.to_numpy()[v]
                rate[sel] = rows.true_conversion_rate.to_numpy()[v]
            converted = offered & (rng.random(n) < rate)
            sent = at(0, 15)
            conv_ts = sent + rng.integers(DAY, 13 * DAY, n)
            offer_kind = np.where(offered, kind_of, -1)
            offer_addon = campaigns.groupby("campaign").addon_product.first().to_numpy()[chosen]
            idx = np.flatnonzero(offered)
            offers.add(
                acc=idx,
                campaign=chosen[idx],
                variant=variant[idx],
                offer_type=kind_of[idx],
                item_plan=cat.plan_index(np.minimum(tier + (kind_of == 0), 4), annual, cur)[idx],
                item_product=offer_addon[idx],
                channel=rng.integers(0, 3, idx.size),
                sent=sent[idx],
            )

        # The month's main change to the main subscription, drawn from last month's hazards.
        eligible = customer_start & live & (disc < 100)
        util = users / (seats + live_x * seats_x)
        pressure = intensity / cat.TIER_CAPACITY[tier - 1]
        anniversary = (m - anniv_m) % 12 == 0
        churn_p = np.where(annual, np.where(anniversary, np.minimum(1, h_churn * 9), 0), h_churn)
        conv_sub = converted & (offer_kind <= 1)
        churn = eligible & ~conv_sub & (rng.random(n) < churn_p)
        organic = eligible & ~conv_sub & ~churn & (rng.random(n) < h_exp)
        contract = eligible & ~conv_sub & ~churn & ~organic & (util < 0.65) & (rng.random(n) < 0.07)
        credit = eligible & ~conv_sub & ~churn & ~organic & ~contract & (rng.random(n) < 0.002)
        act_ts = np.where(conv_sub, conv_ts, at(1, 28))

        # What kind of expansion: upgrade when the plan's limits bite, seats when full, else
        # an extra subscription for another team.
        upgrade = (organic & (tier < 4) & (pressure > 0.9) & (pressure - 0.9 > util - 0.9)) | (
            conv_sub & (offer_kind == 0)
        )
        add_seats = (organic & ~upgrade & ((util > 0.85) | had_x)) | (conv_sub & (offer_kind == 1))
        extra = organic & ~upgrade & ~add_seats
        tier = np.where(upgrade, tier + 1, tier)
        seats = np.where(
            add_seats, np.maximum(seats + 1, np.ceil(users * rng.uniform(1.1, 1.4, n))), seats
        )
        emit(upgrade, 0, EVENT["plan_changed"], act_ts)
        emit(add_seats, 0, EVENT["quantity_changed"], act_ts)
        live_x |= extra
        had_x |= extra  # one extra subscription per account, never re-created
        tier_x = np.where(extra, tier, tier_x)
        seats_x = np.where(
            extra, np.maximum(1, np.round(seats * rng.uniform(0.2, 0.5, n))), seats_x
        )
        emit(extra, 1, EVENT["created"], act_ts)
        # Sales works some expansions as opportunities, opened weeks before they close.
        won = (upgrade | add_seats | extra) & (rng.random(n) < 0.4)
        idx = np.flatnonzero(won)
        opened = act_ts - rng.integers(10 * DAY, 45 * DAY, n)
        opps.add(
            acc=idx,
            otype=np.where(extra, 2, 1)[idx],
            stage=np.int8(1),
            created=np.maximum(opened, signup_s)[idx],
            closed=act_ts[idx],
            amount=(12 * seats * seat_mrr[cat.plan_index(tier, annual, cur)] * 0.2)[idx],
        )

        new_seats = np.maximum(1, np.ceil(users * 1.15))
        downgrade = contract & (pressure < 0.35) & (tier > 1)
        fewer = contract & ~downgrade & (new_seats < seats)
        tier = np.where(downgrade, tier - 1, tier)
        seats = np.where(fewer, new_seats, seats)
        emit(downgrade, 0, EVENT["plan_changed"], act_ts)
        emit(fewer, 0, EVENT["quantity_changed"], act_ts)

        saved_disc = np.where(credit, disc, saved_disc)
        disc = np.where(credit, 100, disc)
        emit(credit, 0, EVENT["discount_changed"], act_ts)

        emit(churn, 0, EVENT["cancelled"], act_ts)
        emit(churn & live_x, 1, EVENT["cancelled"], act_ts)
        live &= ~churn
        live_x &= ~churn
        drop_x = live_x & ~extra & (rng.random(n) < 0.015)  # not the one just created
        emit(drop_x, 1, EVENT["cancelled"], at(1, 28))
        live_x &= ~drop_x

        # A seat added and removed again inside the month: nets out in a month-end snapshot.
        wobble = eligible & ~conv_sub & ~churn & ~organic & ~contract & ~credit
        wobble &= rng.random(n) < 0.005
        t1 = at(1, 14)
        emit(wobble, 0, EVENT["quantity_changed"], t1, s=seats + 2)
        emit(wobble, 0, EVENT["quantity_changed"], t1 + rng.integers(DAY, 13 * DAY, n))

        # Win-back of churned customers.
        back = ever_paid & ~live_start & ~live & ~new & (rng.random(n) < 0.02)
        seats = np.where(back, np.maximum(1, np.ceil(users * 1.1)), seats)
        disc = np.where(back, 0, disc)
        disc_end_m = np.where(back, -1, disc_end_m)
        anniv_m = np.where(back, m, anniv_m)
        live |= back
        emit(back, 0, EVENT["reactivated"], at(1, 28))

        # Add-on orders (repeat buyers buy the complement of what they have), service orders,
        # and add-ons bought because an offer converted.
        buys = customer_start & live & (rng.random(n) < h_addon)
        nxt = np.where(last_addon >= 0, cat.PRODUCT_NEXT[np.maximum(last_addon, 0)], -1)
        random_addon = cat.ADDON_IDS[rng.integers(0, len(cat.ADDON_IDS), n)]
        product = np.where((nxt >= 0) & (rng.random(n) < 0.6), nxt, random_addon)
        conv_addon = converted & (offer_kind == 2)
        product = np.where(conv_addon, offer_addon, product)
        buys |= conv_addon
        order_ts = np.where(conv_addon, conv_ts, at(0, 28))
        idx = np.flatnonzero(buys)
        orders.add(acc=idx, ts=order_ts[idx], product=product[idx])
        last_addon = np.where(buys, product, last_addon)
        n_addon_orders += buys
        services = (new & (rng.random(n) < 0.35)) | (live & (rng.random(n) < 0.01))
        idx = np.flatnonzero(services)
        svc = cat.SERVICE_IDS[rng.integers(0, len(cat.SERVICE_IDS), n)]
        orders.add(acc=idx, ts=np.maximum(at(0, 28), pay_s)[idx], product=svc[idx])

        # --- month end: MRR, invoices, usage, CRM life, next month's hazards, truth ----------
        mrr = live * seats * seat_mrr[cat.plan_index(tier, annual, cur)] * (1 - disc / 100)
        mrr += live_x * seats_x * seat_mrr[cat.plan_index(tier_x, 0, cur)]
        issue = ms + rng.integers(0, 3 * 3600, n)
        bill_main = live & (disc < 100) & (~annual | anniversary | new | back)
        for kind, mask, t, a, _s, d in (
            (0, bill_main, tier, annual, seats, disc),
            (1, live_x, tier_x, np.zeros(n, bool), seats_x, np.zeros(n)),
        ):
            idx = np.flatnonzero(mask)
            price = seats_x if kind else seats
            amount = price * cat.plan_mrr_per_seat()[cat.plan_index(t, a, cur)] * (1 - d / 100)
            amount *= np.where(a, 12, 1)
            invoices.add(
                acc=idx,
                kind=np.int8(kind),
                issued=np.maximum(issue, pay_s)[idx],
                amount=np.round(amount[idx], 2),
                annual=a[idx],
            )

        in_use = live_start | live
        idx = np.flatnonzero(in_use)
        limit_hits_day = 3.0 * np.clip(pressure - 0.6, 0, None) * users / 10 + 0.02
        usage.add(
            acc=idx,
            month=np.int16(m),
            first=np.where(new, pay_s, ms)[idx],
            last=np.where(churn, act_ts, ms + ml - 1)[idx],
            u0=np.where(new, users, users_month_start)[idx].astype(np.float32),
            u1=users[idx].astype(np.float32),
            hits=limit_hits_day[idx].astype(np.float32),
            intensity=intensity[idx].astype(np.float32),
        )

        # CRM life of customers (never dated before they became one).
        customers = np.flatnonzero(in_use)
        k_tickets = rng.poisson(0.12 * (1 + seg) * np.exp(-0.5 * health))[customers]
        idx = np.repeat(customers, k_tickets)
        tickets.add(
            acc=idx,
            opened=np.maximum(at(0, 28), pay_s)[idx] + rng.integers(0, DAY, idx.size),
            unhappy=np.float32(-health[idx] + rng.normal(0, 1, idx.size)),
        )
        k_surveys = (rng.random(n) < 0.09)[customers] + (rng.random(n) < 0.05)[customers]
        idx = np.repeat(customers, k_surveys)
        surveys.add(
            acc=idx,
            ts=np.maximum(at(0, 28), pay_s)[idx],
            health=np.float32(health[idx]),
            nps=rng.random(idx.size) < 0.6,
        )
        k_acts = rng.poisson(0.35 + 0.3 * seg + 0.8 * offered)[customers]
        idx = np.repeat(customers, k_acts)
        activities.add(
            acc=idx, ts=np.maximum(at(0, 28), pay_s)[idx] + rng.integers(0, DAY, idx.size)
        )

        util = users / np.maximum(1, seats + live_x * seats_x)
        pressure = intensity / cat.TIER_CAPACITY[tier - 1]
        h_exp = _sigmoid(
            -5.3
            + 4.5 * np.clip(util - 0.7, -0.5, 0.6)
            + 2.6 * np.clip(pressure - 0.8, -0.5, 1.0)
            + 0.75 * health
            + np.array([0.0, 0.3, 0.55])[seg]
            + 10.0 * np.clip(growth, -0.05, 0.1)
        )
        h_churn = _sigmoid(
            -4.7
            - 0.7 * health
            + 3.0 * np.clip(0.55 - util, 0, 0.5)
            + np.array([0.3, 0.0, -0.6])[seg]
        )
        h_addon = _sigmoid(
            -5.0 + 0.7 * health + 1.2 * (n_addon_orders > 0) + 1.2 * np.clip(pressure - 1, 0, 1)
        )
        nxt_active = campaigns[(campaigns.start_m <= m + 1) & (campaigns.end_m > m + 1)]
        p_offer_conv = P_OFFER * (nxt_active.true_conversion_rate.mean() if len(nxt_active) else 0)
        month_end_s = ms + ml - 1
        if month_end_s <= end_s:
            idx = np.flatnonzero(mrr > 0)
            stay = (1 - h_exp) * (1 - h_addon) * (1 - p_offer_conv)
            truth.add(acc=idx, m=np.int16(m), p=(1 - stay**3)[idx])

    tables = dict(
        events=events.frame(),
        invoices=invoices.frame(),
        usage=usage.frame(),
        orders=orders.frame(),
        offers=offers.frame(),
        opps=opps.frame(),
        tickets=tickets.frame(),
        surveys=surveys.frame(),
        activities=activities.frame(),
        accounts=pd.DataFrame(
            {
                "acc": np.arange(n),
                "seg": seg,
                "country": country,
                "cur": cur,
                "industry": industry,
                "employees": employees.astype(np.int64),
                "signup": signup_s,
                "payer": payer,
                "pay": pay_s,
                "stem": rng.integers(0, len(cat.NAME_STEMS), n),
                "suffix": rng.integers(0, len(cat.NAME_SUFFIXES), n),
            }
        ),
    )
    fx, currencies = _fx(rng, bounds[0], end, opts.reporting_currency)
    truth_frame = truth.frame()
    return Simulation(
        tables=tables,
        truth_expansion=truth_frame,
        truth_campaigns=campaigns,
        fx=fx.assign(currency=np.asarray(currencies)[fx.currency]),
        month_start_s=ms_all,
        end_s=end_s,
    )
