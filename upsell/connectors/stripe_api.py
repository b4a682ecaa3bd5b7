"""Stripe's API through the official client: pages of a list, errors in words.

The client (``stripe.StripeClient``) sends the key, pins the API version the mapping was
written for, and retries connection errors, 409s and 5xx with backoff
(``max_network_retries``). It does not retry a 429, nor read ``Retry-After``: that is done
here. Pages are fetched one at a time (``starting_after`` the last id, while ``has_more``)
rather than with ``auto_paging_iter``, so that each page can be checkpointed and a failed
extraction resumed after its last page.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator

import stripe

from upsell.connectors.common import Secret
from upsell.errors import UpsellError

API_VERSION = "2026-10-28.endive"  # the shapes upsell/connectors/stripe_map.py reads
PAGE_SIZE = 100  # Stripe's largest page
NETWORK_RETRIES = 3  # connection errors, 409 and 5xx: the client's backoff (0.5 s doubling)
RATE_LIMIT_RETRIES = 5
LONGEST_WAIT = 60.0  # seconds; a longer Retry-After is cut to this


def client(key: Secret, base_url: str) -> stripe.StripeClient:
    return stripe.StripeClient(
        key.reveal(),
        stripe_version=API_VERSION,
        base_addresses={"api": base_url},
        max_network_retries=NETWORK_RETRIES,
    )


def pages(
    list_page: Callable[[dict], stripe.ListObject], params: dict, after: str | None, key: Secret
) -> Iterator[tuple[list[dict], str | None]]:
    """Each page of a list from ``after`` on, with the id to resume after (None at the end)."""
    while True:
        page_params = {**params, "limit": PAGE_SIZE}
        if after:
            page_params["starting_after"] = after
        page = call(lambda p=page_params: list_page(p), key)
        objects = [o.to_dict(for_json=True) for o in page.data]
        after = objects[-1]["id"] if objects and page.has_more else None
        yield objects, after
        if after is None:
            return


def call(request: Callable[[], object], key: Secret, sleep=time.sleep):
    """``request()``, waiting out a 429 as Stripe's ``Retry-After`` says; any other failure
    raised as an ``UpsellError`` in one line, with the key masked."""
    for attempt in range(RATE_LIMIT_RETRIES + 1):
        try:
            return request()
        except stripe.RateLimitError as exc:
            if attempt == RATE_LIMIT_RETRIES:
                raise UpsellError(key.scrub(_words(exc))) from None
            sleep(_retry_after(exc, attempt))
        except stripe.StripeError as exc:
            raise UpsellError(key.scrub(_words(exc))) from None
    raise AssertionError("not reached")


def _retry_after(exc: stripe.StripeError, attempt: int) -> float:
    value = (exc.headers or {}).get("Retry-After")
    try:
        wait = float(value)
    except (TypeError, ValueError):
        wait = 2.0**attempt  # no usable header: back off on our own
    return min(max(wait, 0.0), LONGEST_WAIT)


def _words(exc: stripe.StripeError) -> str:
    """What went wrong, said for the person who runs the extraction."""
    status = exc.http_status
    message = (exc.user_message or "").strip() or type(exc).__name__
    if isinstance(exc, stripe.AuthenticationError):
        return f"Stripe refused the API key (HTTP {status}): check UPSELL_STRIPE_API_KEY"
    if isinstance(exc, stripe.PermissionError):
        return (
            f"the Stripe API key may not read this (HTTP {status}: {message}); give the "
            "restricted key read access as docs/connectors.md lists"
        )
    if isinstance(exc, stripe.RateLimitError):
        return (
            f"Stripe kept refusing for too many requests (HTTP 429) after {RATE_LIMIT_RETRIES} "
            "waits: run the extraction again later"
        )
    if isinstance(exc, stripe.APIConnectionError):
        return f"cannot reach Stripe: {message}"
    body = exc.http_body
    if (status is not None and 200 <= status < 300) or message.startswith("Invalid response"):
        return f"Stripe's answer (HTTP {status}) is not the JSON expected: {_json_problem(body)}"
    return f"Stripe answered HTTP {status}: {message}"


def _json_problem(body) -> str:
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    try:
        json.loads(body or "")
    except json.JSONDecodeError as exc:
        return f"invalid JSON at line {exc.lineno} column {exc.colno} ({exc.msg})"
    return "a JSON value without Stripe's error object"
