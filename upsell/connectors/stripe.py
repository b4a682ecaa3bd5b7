"""``upsell extract stripe``: Stripe's customers, prices, subscriptions and invoices as one
landing-zone delivery (``crm_accounts``, ``sub_plans``, ``sub_subscription_events``,
``sub_invoices``).

The first extraction lists every object created up to its start and rebuilds the subscription
history from the invoices. Later ones read Stripe's event list from the previous extraction's
start on (objects created or changed since); Stripe keeps 30 days of events, so a gap longer
than that needs a full extraction again (``--full``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from upsell.connectors import crm_in_use, stripe_api, stripe_history, stripe_map
from upsell.connectors.common import ApiSettings, Prepared, Secret, State
from upsell.errors import UpsellError

SOURCE = "stripe"
SETTINGS = ("UPSELL_STRIPE_API_KEY", "UPSELL_STRIPE_BASE_URL")
DEFAULT_BASE_URL = "https://api.stripe.com"
EVENTS_KEPT = timedelta(days=30)  # Stripe's event list reaches back this far
MARGIN = timedelta(hours=1)
FULL = {  # resource: list parameters, in the order they are fetched
    "customers": {},
    "prices": {"expand": ["data.product"]},
    "subscriptions": {"status": "all"},
    "invoices": {},
}
EVENT_TYPES = [
    "customer.created",
    "customer.updated",
    "price.created",
    "price.updated",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "customer.subscription.paused",
    "customer.subscription.resumed",
    "invoice.created",
    "invoice.finalized",
    "invoice.paid",
    "invoice.updated",
    "invoice.voided",
    "invoice.marked_uncollectible",
]


class StripeSettings(ApiSettings):
    SECRET = "UPSELL_STRIPE_API_KEY"
    BASE_URL = "UPSELL_STRIPE_BASE_URL"
    DEFAULT_BASE_URL = DEFAULT_BASE_URL


def prepare(env, state: State, fallback_currency: str, now: datetime, full: bool) -> Prepared:
    settings = StripeSettings.from_env(env)
    committed = state.committed()
    plan, resumed = state.resume_or_start(full, lambda: _plan(committed, now, full))
    api = stripe_api.client(settings.secret, settings.base_url)
    _fetch(api, settings.secret, state, plan)
    linked_elsewhere = crm_in_use(env) is not None
    rows, left_out, new_state = _map(state, plan, committed, fallback_currency, linked_elsewhere)
    rows = {table: r for table, r in rows.items() if r}
    return Prepared(
        SOURCE, plan["mode"], rows, left_out, {**new_state, "cursor": plan["until"]}, resumed
    )


def _plan(committed: dict, now: datetime, full: bool) -> dict:
    until = int(now.timestamp())
    since = committed.get("cursor")
    if full or since is None:
        return {"mode": "full", "until": until, "since": None, "pages": {}}
    if since >= until:
        raise UpsellError(
            f"the previous Stripe extraction reached {stripe_map.ts(since)}, later than now: "
            "check the machine's clock"
        )
    if now - datetime.fromtimestamp(since, UTC) > EVENTS_KEPT - MARGIN:
        raise UpsellError(
            f"the previous Stripe extraction reached {stripe_map.ts(since)}, and Stripe keeps "
            "30 days of events: run `upsell extract stripe --full` to extract everything again"
        )
    return {"mode": "changes", "until": until, "since": since, "pages": {}}


def _fetch(api, key: Secret, state: State, plan: dict) -> None:
    """Every page not staged yet, each checkpointed once written."""
    until, since = plan["until"], plan["since"]
    if plan["mode"] == "full":
        lists = {
            name: (getattr(api.v1, name).list, {**params, "created": {"lte": until}})
            for name, params in FULL.items()
        }
    else:
        window = {"gt": since, "lte": until}
        lists = {"events": (api.v1.events.list, {"created": window, "types": EVENT_TYPES})}
    for name, (list_page, params) in lists.items():
        progress = plan["pages"].setdefault(name, {"after": None, "done": False})
        if progress["done"]:
            continue
        for objects, after in stripe_api.pages(list_page, params, progress["after"], key):
            state.append(name, [_complete(api, key, o) for o in objects])
            progress.update(after=after, done=after is None)
            state.save_checkpoint(plan)


def _complete(api, key: Secret, obj: dict) -> dict:
    """An object with what its list leaves out: an invoice's further lines, a price's
    product (events carry its id only)."""
    inner = obj["data"]["object"] if obj.get("object") == "event" else obj
    kind = inner.get("object")
    if kind == "invoice" and (inner.get("lines") or {}).get("has_more"):
        lines = api.v1.invoices.line_items.list
        params = {}
        data = []
        for page, _ in stripe_api.pages(lambda p: lines(inner["id"], p), params, None, key):
            data += page
        inner["lines"] = {**inner["lines"], "data": data, "has_more": False}
    if kind == "price" and isinstance(inner.get("product"), str):
        product = stripe_api.call(lambda: api.v1.products.retrieve(inner["product"]), key)
        inner["product"] = product.to_dict(for_json=True)
    return obj


def _map(state: State, plan: dict, committed: dict, fallback_currency: str, linked_elsewhere: bool):
    """Contract rows of the staged objects, the objects left out, and the state to keep.
    With a CRM connected, a customer linked to its account (``upsell_account_id``) is the
    CRM's account: only unlinked customers are accounts of Stripe's own."""
    accounts = dict(committed.get("accounts", {}))
    # A full extraction rebuilds every history from scratch (its event ids are those
    # delivered before for the same changes); one of changes goes on from the last state.
    full = plan["mode"] == "full"
    items = {} if full else {k: dict(v) for k, v in committed.get("items", {}).items()}
    trials = dict(committed.get("trial_ends", {}))
    objects = _staged_objects(state, plan)
    of = {kind: [(t, o) for t, o in objects if o["object"] == kind] for kind in KINDS}
    for _, customer in of["customer"]:
        accounts[customer["id"]] = stripe_map.account_id(customer)
    for _, sub in of["subscription"]:
        trial_end = stripe_map.get(sub, "trial_end", int, "subscription", optional=True)
        trials[sub["id"]] = trial_end or 0
    rows = {
        "crm_accounts": [
            stripe_map.account_row(c, t, fallback_currency)
            for t, c in of["customer"]
            if not (linked_elsewhere and stripe_map.linked(c))
        ],
        "sub_plans": [],
        "sub_subscription_events": _events(of, items, accounts, trials),
        "sub_invoices": [],
    }
    left_out = []
    for _, price in of["price"]:
        row, why = stripe_map.plan_row(price)
        if row:
            rows["sub_plans"].append(row)
        else:
            left_out.append(why)
    for _, invoice in of["invoice"]:
        row = stripe_map.invoice_row(invoice, accounts)
        if row:
            rows["sub_invoices"].append(row)
        else:
            left_out.append(f"invoice {invoice['id']}: a draft, or not a subscription's")
    return rows, left_out, {"accounts": accounts, "items": items, "trial_ends": trials}


KINDS = ("customer", "price", "subscription", "invoice")


def _staged_objects(state: State, plan: dict) -> list[tuple[int, dict]]:
    """Each staged object with the time it shows: a listed subscription's state is the one
    at the run's start; a listed object's otherwise its creation; an event's, the event's."""
    if plan["mode"] != "full":
        return _latest_of_events(state.staged("events"))
    at = plan["until"]
    snapshot = {o["id"]: (o.get("created", 0), o) for r in FULL for o in state.staged(r)}
    return [(at if o["object"] == "subscription" else t, o) for t, o in snapshot.values()]


def _events(of: dict, items: dict, accounts: dict, trials: dict) -> list[dict]:
    """The subscription events of the invoices' lines and the subscriptions' states."""
    billed = [s for _, inv in of["invoice"] for s in stripe_history.from_invoice(inv, trials)]
    seen = list(billed)
    for t, sub in of["subscription"]:
        known = {i for i, v in items.items() if v.get("subscription") == sub["id"]}
        seen += stripe_history.from_subscription(sub, t, known)
        seen += stripe_history.removed_items(billed, sub, t, known)
    return stripe_history.events(seen, items, accounts)


def _latest_of_events(events) -> list[tuple[int, dict]]:
    """Each object's latest snapshot of the events staged (subscriptions: every snapshot,
    since each can show a change), with its event's time."""
    latest: dict[str, tuple[int, str, dict]] = {}
    every = []
    for event in events:
        created = stripe_map.get(event, "created", int, "event")
        obj = stripe_map.get(event, "data.object", dict, "event")
        key = (created, event["id"])
        if obj.get("object") == "subscription":
            every.append((key, obj))
        elif obj["id"] not in latest or latest[obj["id"]][:2] < key:
            latest[obj["id"]] = (*key, obj)
    subs = [(k[0], o) for k, o in sorted(every, key=lambda x: x[0])]
    return [(c, o) for c, _, o in latest.values()] + subs
