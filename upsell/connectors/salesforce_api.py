"""Salesforce's REST API through ``simple-salesforce``: the token, a SOQL query page by page,
retries, errors in words.

``simple_salesforce.Salesforce`` sends the token and builds the query URLs for a pinned API
version. Its client-credentials login posts to ``https://<domain>.salesforce.com`` and cannot
be pointed elsewhere, so the one token request (OAuth 2.0 client credentials against the org's
My Domain) is made here with the same ``requests`` session, and the client is given the token
and instance URL it answered. The session carries a urllib3 ``Retry``: 429 and 5xx retried with
backoff, ``Retry-After`` respected. Pages are fetched one at a time (``query`` then
``query_more`` with the query locator of ``nextRecordsUrl``) so that each can be checkpointed.
"""

from __future__ import annotations

from collections.abc import Iterator

import requests
import simple_salesforce
from requests.adapters import HTTPAdapter
from simple_salesforce.exceptions import SalesforceError
from urllib3.util.retry import Retry

from upsell.connectors.common import Secret
from upsell.errors import UpsellError

API_VERSION = "62.0"  # Winter '25: the shapes upsell/connectors/salesforce_map.py reads
RETRIES = 5
BACKOFF = 0.5  # seconds, doubling; a Retry-After header overrides it
LONGEST_WAIT = 60.0
TIMEOUT = 120  # seconds per request: a query page of 2,000 records can take a while


class ExpiredLocator(UpsellError):
    """A query locator Salesforce no longer keeps (15 minutes unused, or a newer cursor of the
    user's closed it): the query must be started again."""


def session() -> requests.Session:
    retry = Retry(
        total=RETRIES,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=None,  # every method: the token POST and the query GETs change nothing
        backoff_factor=BACKOFF,
        backoff_max=LONGEST_WAIT,
        respect_retry_after_header=True,
        raise_on_status=False,  # the last answer reaches the error handling below, in words
    )
    http = requests.Session()
    http.mount("https://", HTTPAdapter(max_retries=retry))
    http.mount("http://", HTTPAdapter(max_retries=retry))
    return http


def token(http: requests.Session, base_url: str, client_id: Secret, secret: Secret) -> tuple:
    """The client-credentials flow: an access token and the instance URL to query."""
    secrets = (client_id, secret)
    try:
        answer = http.post(
            f"{base_url}/services/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": client_id.reveal(),
                "client_secret": secret.reveal(),
            },
            timeout=TIMEOUT,
        )
    except requests.RequestException as exc:
        raise UpsellError(
            _scrub(f"cannot reach Salesforce at {base_url}: {exc}", secrets)
        ) from None
    if answer.status_code in (400, 401):
        raise UpsellError(
            f"Salesforce refused the client credentials (HTTP {answer.status_code}: "
            f"{_scrub(_error_code(answer), secrets)}): check UPSELL_SALESFORCE_CLIENT_ID and "
            "UPSELL_SALESFORCE_CLIENT_SECRET, and that the connected app enables the client "
            "credentials flow with a run-as user"
        )
    if answer.status_code != 200:
        raise UpsellError(f"Salesforce's token endpoint answered HTTP {answer.status_code}")
    try:
        body = answer.json()
        return Secret(body["access_token"]), body.get("instance_url") or base_url
    except (ValueError, KeyError, TypeError):
        raise UpsellError(
            "Salesforce's token answer is not the JSON expected (no access_token)"
        ) from None


def client(
    http: requests.Session, instance_url: str, access: Secret
) -> simple_salesforce.Salesforce:
    sf = simple_salesforce.Salesforce(
        instance_url=instance_url, session_id=access.reveal(), version=API_VERSION, session=http
    )
    # The client builds https URLs from the host alone; this keeps the port and the scheme
    # (plain http only to this machine, which base_url_setting has checked).
    sf.base_url = f"{instance_url.rstrip('/')}/services/data/v{API_VERSION}/"
    return sf


def fields(sf, sobject: str, secrets) -> set[str]:
    """The field names ``sobject`` has in this org (custom and optional ones vary)."""
    described = call(lambda: sf.restful(f"sobjects/{sobject}/describe"), secrets, sobject)
    if not isinstance(described, dict) or not isinstance(described.get("fields"), list):
        raise UpsellError(
            f"Salesforce's describe of {sobject} has no list of fields: the API's answer has "
            "changed shape; nothing was delivered"
        )
    return {f.get("name") for f in described["fields"] if isinstance(f, dict)}


def pages(sf, soql: str, locator: str | None, sobject: str, secrets) -> Iterator[tuple]:
    """Each page of records of ``soql`` (from ``locator`` on, to resume), with the locator of
    the next page (None at the last)."""
    while True:
        if locator is None:
            page = call(lambda: sf.query(soql, timeout=TIMEOUT), secrets, sobject)
        else:
            page = call(
                lambda at=locator: sf.query_more(at, identifier_is_url=False, timeout=TIMEOUT),
                secrets,
                sobject,
            )
        if not isinstance(page, dict) or not isinstance(page.get("records"), list):
            raise UpsellError(
                f"Salesforce's answer to the {sobject} query has no list of records: the API's "
                "answer has changed shape; nothing was delivered"
            )
        following = page.get("nextRecordsUrl") if not page.get("done", True) else None
        locator = following.rstrip("/").rsplit("/", 1)[-1] if following else None
        yield page["records"], locator
        if locator is None:
            return


def call(request, secrets, what: str):
    """``request()``; a failure raised as an ``UpsellError`` in one line, the secrets masked."""
    try:
        return request()
    except SalesforceError as exc:
        if _content_code(exc.content) == "INVALID_QUERY_LOCATOR":
            raise ExpiredLocator(f"the {what} query's locator has expired") from None
        raise UpsellError(_scrub(_words(exc, what), secrets)) from None
    except requests.JSONDecodeError as exc:
        raise UpsellError(
            f"Salesforce's answer to the {what} request is not JSON (invalid at line "
            f"{exc.lineno} column {exc.colno}: {exc.msg}): a proxy or an outage page answered "
            "instead; nothing was delivered, run the extraction again later"
        ) from None
    except requests.RequestException as exc:
        raise UpsellError(_scrub(f"cannot reach Salesforce ({what}): {exc}", secrets)) from None


def _words(exc: SalesforceError, what: str) -> str:
    code = _content_code(exc.content)
    status = exc.status
    if code == "REQUEST_LIMIT_EXCEEDED":
        return (
            f"Salesforce refused the {what} request: the org has used up its API requests "
            "(REQUEST_LIMIT_EXCEEDED, the rolling 24-hour limit); run the extraction again "
            "when Setup > System Overview shows requests left"
        )
    if code == "QUERY_TIMEOUT":
        return (
            f"Salesforce stopped the {what} query: it ran longer than Salesforce allows "
            "(QUERY_TIMEOUT, HTTP 400); nothing more was delivered, run the extraction again "
            "when the org is less busy (it resumes at the page it reached)"
        )
    if status == 401:
        return (
            f"Salesforce refused the token (HTTP 401 {code}): check the connected app or "
            "UPSELL_SALESFORCE_SESSION_ID"
        )
    if code == "INVALID_TYPE" or code == "INSUFFICIENT_ACCESS" or status == 403:
        return (
            f"the Salesforce user may not read {what} (HTTP {status} {code}): give it API "
            "Enabled and read on the objects docs/connectors.md lists"
        )
    if status in (429,) or (status or 0) >= 500:
        return (
            f"Salesforce kept failing the {what} request (HTTP {status}) after {RETRIES} "
            "retries: nothing was delivered; run the extraction again later"
        )
    return f"Salesforce answered the {what} request with HTTP {status} {code}"


def _content_code(content) -> str:
    """Salesforce's errorCode: its errors are a list of {message, errorCode}."""
    if isinstance(content, list) and content and isinstance(content[0], dict):
        return str(content[0].get("errorCode", ""))
    if isinstance(content, dict):
        return str(content.get("errorCode") or content.get("error") or "")
    return ""


def _error_code(answer: requests.Response) -> str:
    try:
        return _content_code(answer.json()) or "no error code"
    except ValueError:
        return "no error code"


def _scrub(text: str, secrets) -> str:
    for secret in secrets:
        text = secret.scrub(text)
    return text
