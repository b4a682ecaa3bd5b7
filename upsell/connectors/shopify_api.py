"""Shopify's REST Admin API through ``requests``: pages of a list, the call-limit bucket, errors
in words.

The official ``ShopifyAPI`` package wraps the same REST endpoints in ActiveResource objects
(global session state, no retry of a 429 or a 5xx, slow release cycle); a ``requests``
session with urllib3's ``Retry`` does what the extraction needs: it sends the token in the
``X-Shopify-Access-Token`` header, retries 429 (waiting as ``Retry-After`` says) and 5xx with
backoff, and leaves each page's ``Link`` header to us, so that every page is checkpointed and
a failed extraction resumes at the next one.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from urllib.parse import parse_qs, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util import Retry

from upsell.connectors.common import Secret
from upsell.errors import UpsellError

API_VERSION = "2026-10"  # the shapes upsell/connectors/shopify_map.py reads
PAGE_SIZE = 250  # Shopify's largest page
RETRIES = 5  # 429 and 5xx, then the answer is reported
BACKOFF = 0.5  # seconds, doubling between 5xx retries
LONGEST_WAIT = 60  # seconds; a longer Retry-After is cut to this
TIMEOUT = 60  # seconds for one request
LEAK_RATE = 2.0  # calls a second the standard plan's bucket drains
HEADROOM = 0.8  # above this share of the bucket, wait for it to drain
CALL_LIMIT = "X-Shopify-Shop-Api-Call-Limit"
_NEXT = re.compile(r'<([^>]+)>;\s*rel="?next"?')


class ShopifyRetry(Retry):
    """urllib3's Retry, reading Shopify's ``Retry-After: 2.0`` too: urllib3 accepts whole
    seconds or an HTTP date only, and fails the request on a decimal."""

    def parse_retry_after(self, retry_after: str) -> float:
        try:
            seconds = float(retry_after)
        except ValueError:
            return super().parse_retry_after(retry_after)
        return min(max(seconds, 0.0), float(self.retry_after_max))


class Client:
    """GETs of one shop's Admin API, each answer's JSON object returned."""

    def __init__(self, token: Secret, base_url: str, sleep: Callable[[float], None] = time.sleep):
        self.token = token
        self.root = f"{base_url}/admin/api/{API_VERSION}"
        self.sleep = sleep
        self.session = requests.Session()
        retry = ShopifyRetry(
            total=RETRIES,
            status_forcelist=(429, 500, 502, 503, 504),
            allowed_methods=("GET",),
            backoff_factor=BACKOFF,
            respect_retry_after_header=True,
            retry_after_max=LONGEST_WAIT,
            raise_on_status=False,
        )
        self.session.mount("http://", HTTPAdapter(max_retries=retry))
        self.session.mount("https://", HTTPAdapter(max_retries=retry))
        self.session.headers.update(
            {"X-Shopify-Access-Token": token.reveal(), "Accept": "application/json"}
        )

    def get(self, resource: str, params: dict) -> tuple[dict, str | None]:
        """The answer to ``GET <resource>.json`` and the ``page_info`` of the next page."""
        url = f"{self.root}/{resource}.json"
        try:
            response = self.session.get(url, params=params, timeout=TIMEOUT)
        except requests.RequestException as exc:
            raise UpsellError(
                self.token.scrub(f"cannot reach Shopify for {resource}: {_reason(exc)}")
            ) from None
        if response.status_code != 200:
            raise UpsellError(self.token.scrub(_words(resource, response)))
        try:
            body = response.json()
        except ValueError as exc:
            raise UpsellError(
                f"Shopify's answer to {resource} (HTTP 200) is not JSON ({_json_problem(exc)}): "
                "nothing was delivered; run the extraction again, and if it persists check "
                "UPSELL_SHOPIFY_BASE_URL points at the shop"
            ) from None
        if not isinstance(body, dict):
            raise UpsellError(
                f"Shopify's answer to {resource} is a JSON {type(body).__name__}, not an object: "
                "the API's answer has changed shape: nothing was delivered"
            )
        self._pace(response.headers.get(CALL_LIMIT))
        return body, next_page_info(response.headers.get("Link"))

    def pages(
        self, resource: str, params: dict, page_info: str | None
    ) -> Iterator[tuple[list[dict], str | None]]:
        """Each page of a list from ``page_info`` on (None: the first), with the page_info of
        the next page (None at the end). With page_info Shopify accepts only ``limit``."""
        key = resource.rsplit("/", 1)[-1]
        while True:
            query = {"limit": PAGE_SIZE}
            query.update({"page_info": page_info} if page_info else params)
            body, page_info = self.get(resource, query)
            objects = body.get(key)
            if not isinstance(objects, list):
                raise UpsellError(
                    f"Shopify's answer to {resource} has no list {key!r} (keys: "
                    f"{', '.join(sorted(body)) or 'none'}): the API's answer has changed shape: "
                    "nothing was delivered"
                )
            yield objects, page_info
            if page_info is None:
                return

    def _pace(self, call_limit: str | None) -> None:
        """Wait for the leaky bucket to drain when it is nearly full, rather than meet a 429."""
        match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", call_limit or "")
        if not match:
            return
        used, size = int(match[1]), int(match[2])
        if size and used >= HEADROOM * size:
            self.sleep((used - HEADROOM * size + 1) / LEAK_RATE)


def next_page_info(link: str | None) -> str | None:
    for url in _NEXT.findall(link or ""):
        values = parse_qs(urlsplit(url).query).get("page_info")
        if values:
            return values[0]
    return None


def _words(resource: str, response: requests.Response) -> str:
    status = response.status_code
    detail = _error_text(response)
    if status == 401:
        return "Shopify refused the access token (HTTP 401): check UPSELL_SHOPIFY_TOKEN"
    if status == 403:
        return (
            f"the Shopify access token may not read {resource} (HTTP 403: {detail}); give the "
            "custom app the scopes docs/connectors.md lists"
        )
    if status == 404:
        return (
            f"Shopify has no {resource} here (HTTP 404): check UPSELL_SHOPIFY_SHOP or "
            f"UPSELL_SHOPIFY_BASE_URL, and that API version {API_VERSION} is still supported"
        )
    if status == 429:
        return (
            f"Shopify kept refusing {resource} for too many requests (HTTP 429) after {RETRIES} "
            "waits: run the extraction again later"
        )
    if status >= 500:
        return (
            f"Shopify failed on {resource} (HTTP {status}) {RETRIES} times in a row: nothing was "
            "delivered; run the extraction again later, it resumes where it stopped"
        )
    return f"Shopify answered HTTP {status} to {resource}: {detail}"


def _error_text(response: requests.Response) -> str:
    """Shopify's ``{"errors": ...}`` as a short text."""
    try:
        errors = response.json().get("errors")
    except (ValueError, AttributeError):
        errors = None
    text = json.dumps(errors) if errors is not None and not isinstance(errors, str) else errors
    return (text or response.reason or "no detail")[:200]


def _reason(exc: requests.RequestException) -> str:
    return type(exc).__name__ if not str(exc) else str(exc)[:200]


def _json_problem(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
    return str(exc)[:200]
