"""HubSpot's CRM API through the official client (``hubspot-api-client``): pages of a search,
the associations of a page of objects, errors in words.

The client sends the private app's token as a Bearer header and hands its urllib3 pool a
``Retry`` that waits out 429s (honouring ``Retry-After``; without it, backing off) and 5xx;
an answer still failing after the retries comes back as the client's ``ApiException``, said
here in words. Answers are read raw (``_preload_content=False``) and parsed here, so a body
that is not JSON or not the shape expected is said in words instead of as a model error.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import urllib3
from hubspot import HubSpot
from hubspot.crm.associations.v4 import (
    BatchInputPublicFetchAssociationsBatchRequest,
    PublicFetchAssociationsBatchRequest,
)
from hubspot.crm.associations.v4.exceptions import ApiException as AssociationsError
from hubspot.crm.objects import Filter, FilterGroup, PublicObjectSearchRequest
from hubspot.crm.objects.exceptions import ApiException as ObjectsError
from urllib3.util.retry import Retry

from upsell.connectors.common import Secret
from upsell.errors import UpsellError

PAGE_SIZE = 200  # the search endpoint's largest page
SEARCH_LIMIT = 10_000  # a search query reaches no further than this many results
BATCH_SIZE = 1000  # the associations batch read's largest input
RETRIES = 5
BACKOFF = 0.5  # seconds, doubling, when a 429 or 5xx comes without Retry-After
LONGEST_WAIT = 60.0  # a longer Retry-After is cut to this
RETRIED = (429, 500, 502, 503, 504)
API_ERRORS = (ObjectsError, AssociationsError)  # each API package of the client has its own


class _Retry(Retry):
    """urllib3's retry, with HubSpot's ``Retry-After`` cut to ``LONGEST_WAIT``."""

    def get_retry_after(self, response):
        wait = super().get_retry_after(response)
        return None if wait is None else min(max(wait, 0.0), LONGEST_WAIT)


def client(token: Secret, base_url: str) -> HubSpot:
    retry = _Retry(
        total=RETRIES,
        backoff_factor=BACKOFF,
        backoff_max=LONGEST_WAIT,
        status_forcelist=RETRIED,
        allowed_methods=None,  # searches are POSTs, and read-only: safe to repeat
        respect_retry_after_header=True,
        raise_on_status=False,  # the last answer comes back, to be said in words here
    )
    return HubSpot(access_token=token.reveal(), retry=retry, host=base_url)


def search_pages(
    api: HubSpot,
    object_type: str,
    modified: str,
    properties: list[str],
    since_ms: int | None,
    until_ms: int,
    after: str | None,
    token: Secret,
) -> Iterator[tuple[list[dict], str | None]]:
    """Each page of the objects modified in [since, until], oldest first, from ``after`` on,
    with the ``after`` to resume from (None at the end of this query)."""
    filters = [Filter(property_name=modified, operator="LTE", value=str(until_ms))]
    if since_ms is not None:
        filters.append(Filter(property_name=modified, operator="GTE", value=str(since_ms)))
    while True:
        request = PublicObjectSearchRequest(
            filter_groups=[FilterGroup(filters=filters)],
            sorts=[{"propertyName": modified, "direction": "ASCENDING"}],
            properties=properties,
            limit=PAGE_SIZE,
            after=after,
        )
        answer = call(
            lambda r=request: api.crm.objects.search_api.do_search(
                object_type, r, _preload_content=False
            ),
            f"the search of {object_type}",
            token,
        )
        results = _field(answer, "results", list, object_type)
        after = ((answer.get("paging") or {}).get("next") or {}).get("after")
        if after is not None and not isinstance(after, str):
            raise UpsellError(
                f"HubSpot's search of {object_type}: paging.next.after should be text but is "
                f"{after!r:.40}; the API's answer has changed shape: nothing was delivered"
            )
        yield results, after
        if after is None:
            return


def associations(
    api: HubSpot, from_type: str, to_type: str, ids: list[str], token: Secret
) -> dict[str, list[dict]]:
    """``{id: [{"id": to_id, "labels": [...]}, ...]}`` for the objects ``ids``; an object with
    more associations than one answer holds is asked again from its ``paging.next.after``."""
    found: dict[str, list[dict]] = {i: [] for i in ids}
    pending = [(i, None) for i in ids]
    while pending:
        batch, pending = pending[:BATCH_SIZE], pending[BATCH_SIZE:]
        request = BatchInputPublicFetchAssociationsBatchRequest(
            inputs=[PublicFetchAssociationsBatchRequest(id=i, after=a) for i, a in batch]
        )
        answer = call(
            lambda r=request: api.crm.associations.v4.batch_api.get_page(
                from_type, to_type, r, _preload_content=False
            ),
            f"the {from_type} to {to_type} associations",
            token,
        )
        for result in _field(answer, "results", list, f"{from_type} associations"):
            source = str(_field(_field(result, "from", dict, "association"), "id", str, "from"))
            for to in _field(result, "to", list, f"{from_type} {source} association"):
                labels = [t.get("label") for t in to.get("associationTypes") or []]
                target = _field(to, "toObjectId", int, f"{from_type} {source} association")
                found.setdefault(source, []).append(
                    {"id": str(target), "labels": [x for x in labels if x]}
                )
            after = ((result.get("paging") or {}).get("next") or {}).get("after")
            if after:
                pending.append((source, after))
    return found


def call(request, what: str, token: Secret) -> dict:
    """``request()`` (a raw urllib3 answer) as its JSON object; any failure an
    ``UpsellError`` in one line, the token masked."""
    try:
        response = request()
    except urllib3.exceptions.HTTPError as exc:
        raise UpsellError(token.scrub(f"cannot reach HubSpot for {what}: {exc}")) from None
    except API_ERRORS as exc:
        if not exc.status:  # the client could not open a connection
            reason = getattr(exc, "reason", "") or type(exc).__name__
            raise UpsellError(token.scrub(f"cannot reach HubSpot for {what}: {reason}")) from None
        body = exc.body.decode("utf-8", "replace") if isinstance(exc.body, bytes) else exc.body
        raise UpsellError(token.scrub(_words(exc.status, body or "", what))) from None
    body = response.data.decode("utf-8", "replace")
    status = response.status  # 2xx: the client raised for any other
    try:
        answer = json.loads(body)
    except json.JSONDecodeError as exc:
        raise UpsellError(
            f"HubSpot's answer to {what} (HTTP {status}) is not JSON: invalid at line "
            f"{exc.lineno} column {exc.colno} ({exc.msg}); nothing was delivered"
        ) from None
    if not isinstance(answer, dict):
        raise UpsellError(
            f"HubSpot's answer to {what} is a JSON {type(answer).__name__}, not an object: "
            "nothing was delivered"
        )
    return answer


def _field(obj: dict, name: str, kind: type, what: str):
    value = obj.get(name) if isinstance(obj, dict) else None
    if not isinstance(value, kind):
        raise UpsellError(
            f"HubSpot's answer for {what}: field {name} should be {kind.__name__} but is "
            f"{type(value).__name__} {value!r:.40}; the API's answer has changed shape: "
            "nothing was delivered"
        )
    return value


def _words(status: int, body: str, what: str) -> str:
    """What went wrong, said for the person who runs the extraction."""
    try:
        message = str(json.loads(body).get("message") or "").strip()
    except (json.JSONDecodeError, AttributeError):
        message = ""
    message = message or body.strip()[:200] or "no message"
    if status == 401:
        return f"HubSpot refused the token (HTTP 401): check UPSELL_HUBSPOT_TOKEN ({message})"
    if status == 403:
        return (
            f"the HubSpot token may not read {what} (HTTP 403: {message}); give the private "
            "app the read scopes docs/connectors.md lists"
        )
    if status == 429:
        return (
            f"HubSpot kept refusing {what} for too many requests (HTTP 429) after {RETRIES} "
            f"retries ({message}): run the extraction again later; it resumes"
        )
    if status >= 500:
        return (
            f"HubSpot failed on {what} (HTTP {status}) after {RETRIES} retries ({message}): "
            "run the extraction again later; it resumes"
        )
    return f"HubSpot answered HTTP {status} to {what}: {message}"
