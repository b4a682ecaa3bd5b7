"""HubSpot CRM objects (v3 search results, as JSON) to contract rows.

A HubSpot object is ``{"id", "properties": {name: text or null}, ...}``; the fetch adds
``"associations": {object type: [{"id", "labels"}]}`` from the v4 associations API. Every
property read is checked: one of another type stops the extraction with the object, the
property and what came instead. Properties not read are ignored. docs/connectors.md gives the
mapping field by field and the reasons.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime

import pycountry

from upsell.errors import UpsellError

DEAL_TYPES = {"newbusiness": "new_business", "existingbusiness": "upsell"}
PRIORITIES = {"LOW": "low", "MEDIUM": "normal", "HIGH": "high", "URGENT": "urgent"}
SURVEY_TYPES = {"NPS": "nps", "CSAT": "csat"}
ACTIVITY_TYPES = {"calls": "call", "emails": "email", "meetings": "meeting"}
PRIMARY = "Primary"  # the label HubSpot gives an object's primary company association


def prop(obj: dict, name: str, what: str, optional: bool = False) -> str | None:
    """The text of property ``name``; None when empty and ``optional``."""
    props = obj.get("properties")
    if not isinstance(props, dict):
        raise _changed(obj, what, "properties", "an object", props)
    value = props.get(name)
    if value is None or value == "":
        if optional:
            return None
        raise UpsellError(
            f"HubSpot {what} {obj.get('id', '?')}: property {name} is empty; fill it in "
            "HubSpot (or grant the token the scope that shows it) and extract again"
        )
    if not isinstance(value, str):
        raise _changed(obj, what, f"properties.{name}", "text", value)
    return value


def _changed(obj: dict, what: str, field: str, expected: str, got) -> UpsellError:
    shown = "nothing" if got is None else f"{type(got).__name__} {got!r:.40}"
    return UpsellError(
        f"HubSpot {what} {obj.get('id', '?')}: field {field} should be {expected} but is "
        f"{shown}; the API's answer has changed shape: nothing was delivered"
    )


def object_id(obj: dict, what: str) -> str:
    value = obj.get("id")
    if not isinstance(value, str) or not value:
        raise _changed(obj, what, "id", "text", value)
    return value


def ts(obj: dict, name: str, what: str, optional: bool = False) -> str | None:
    """A HubSpot datetime (ISO 8601, or milliseconds since 1970) as the contract's UTC text."""
    value = prop(obj, name, what, optional)
    if value is None:
        return None
    try:
        moment = (
            datetime.fromtimestamp(int(value) / 1000, UTC)
            if value.isdigit()
            else datetime.fromisoformat(value)
        )
    except (ValueError, OverflowError):
        raise _changed(obj, what, f"properties.{name}", "a date and time", value) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def millis(obj: dict, name: str, what: str) -> int:
    """A datetime property as milliseconds since 1970: how search filters compare them."""
    text = ts(obj, name, what)
    return int(datetime.fromisoformat(text).timestamp() * 1000)


def whole(obj: dict, name: str, what: str, default: str | None = None) -> str | None:
    """A number property as a whole number's text (HubSpot numbers may read ``12.0``)."""
    value = prop(obj, name, what, optional=default is not None)
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        return value  # passed on: the ingest quarantines the row and says why
    return str(int(number)) if number.is_integer() else value


def country(text: str | None) -> str:
    """ISO alpha-2 of a country code or name (HubSpot's country is free text); text that is
    neither is passed on for the ingest to quarantine with its reason."""
    if text is None:
        return "ZZ"  # unknown region (CLDR)
    try:
        return pycountry.countries.lookup(text.strip()).alpha_2
    except LookupError:
        return text


def associated(obj: dict, to: str) -> list[dict]:
    return (obj.get("associations") or {}).get(to) or []


def primary_company(obj: dict) -> str | None:
    """The company an object's association labels Primary, else its first company."""
    companies = associated(obj, "companies")
    for company in companies:
        if PRIMARY in company["labels"]:
            return company["id"]
    return companies[0]["id"] if companies else None


def segment(company: dict, employees: str) -> str:
    """``upsell_segment`` when set (a value outside the contract's is passed on for the ingest
    to quarantine); else by head count: under 200 smb, under 1,000 mid-market, else enterprise."""
    given = prop(company, "upsell_segment", "company", optional=True)
    if given is not None:
        return given.strip().lower()
    try:
        count = int(employees)
    except ValueError:
        return "smb"
    return "smb" if count < 200 else "mid_market" if count < 1000 else "enterprise"


def account_row(company: dict, fallback_currency: str) -> dict:
    what = "company"
    cid = object_id(company, what)
    employees = whole(company, "numberofemployees", what, default="0")
    industry = prop(company, "industry", what, optional=True)
    return {
        "account_id": cid,
        "account_name": prop(company, "name", what, optional=True)
        or prop(company, "domain", what, optional=True)
        or cid,
        "industry": industry.lower() if industry else "unknown",
        "country": country(prop(company, "country", what, optional=True)),
        "segment": segment(company, employees),
        "employee_count": employees,
        # HubSpot companies carry no currency: the account's is the reporting currency
        "billing_currency": fallback_currency.upper(),
        "created_at": ts(company, "createdate", what),
        "updated_at": ts(company, "hs_lastmodifieddate", what),
    }


def _of_a_company(what: str):
    """A row builder ``build(obj, id, account, ...)`` as ``row(obj, ...)``, which says why the
    object has no row where it is associated with no company."""

    def wrap(build: Callable[..., tuple[dict | None, str | None]]):
        @functools.wraps(build)
        def row(obj: dict, *args) -> tuple[dict | None, str | None]:
            oid = object_id(obj, what)
            account = primary_company(obj)
            if account is None:
                return None, f"{what} {oid} is associated with no company: no account to hold it"
            return build(obj, oid, account, *args)

        return row

    return wrap


@_of_a_company("contact")
def contact_row(contact: dict, cid: str, account: str) -> tuple[dict | None, str | None]:
    what = "contact"
    email = prop(contact, "email", what, optional=True)
    if email is None:
        return None, f"contact {cid} has no email address"
    names = [prop(contact, n, what, optional=True) for n in ("firstname", "lastname")]
    is_primary = any(
        PRIMARY in c["labels"] and c["id"] == account for c in associated(contact, "companies")
    )
    return {
        "contact_id": cid,
        "account_id": account,
        "email": email,
        "full_name": " ".join(n for n in names if n) or email,
        "job_title": prop(contact, "jobtitle", what, optional=True),
        "is_primary": is_primary,
        "created_at": ts(contact, "createdate", what),
        "updated_at": ts(contact, "lastmodifieddate", what),
    }, None


def stage(deal: dict) -> str:
    """Closed won / closed lost by HubSpot's own calculated flags, which hold for any pipeline
    (its stages' ``isClosed`` and probability); the default pipeline's stage ids otherwise."""
    what = "deal"
    won = prop(deal, "hs_is_closed_won", what, optional=True)
    closed = prop(deal, "hs_is_closed", what, optional=True)
    if won is not None and closed is not None:
        return "closed_won" if won == "true" else "closed_lost" if closed == "true" else "open"
    dealstage = prop(deal, "dealstage", what)
    return {"closedwon": "closed_won", "closedlost": "closed_lost"}.get(dealstage, "open")


@_of_a_company("deal")
def opportunity_row(
    deal: dict, did: str, account: str, fallback_currency: str
) -> tuple[dict | None, str | None]:
    what = "deal"
    amount = prop(deal, "amount", what, optional=True)
    if amount is None:
        return None, f"deal {did} has no amount"
    override = prop(deal, "upsell_opportunity_type", what, optional=True)
    dealtype = prop(deal, "dealtype", what, optional=True)
    kind = override or DEAL_TYPES.get(dealtype or "newbusiness", dealtype)
    deal_stage = stage(deal)
    return {
        "opportunity_id": did,
        "account_id": account,
        "opportunity_type": kind,
        "stage": deal_stage,
        "amount": amount,
        "currency": (
            prop(deal, "deal_currency_code", what, optional=True) or fallback_currency
        ).upper(),
        "created_at": ts(deal, "createdate", what),
        "closed_at": ts(deal, "closedate", what, optional=True) if deal_stage != "open" else None,
        "updated_at": ts(deal, "hs_lastmodifieddate", what),
    }, None


def activity_row(kind: str, engagement: dict, accounts: dict[str, str]):
    what = ACTIVITY_TYPES[kind]
    eid = object_id(engagement, what)
    contacts = associated(engagement, "contacts")
    contact = contacts[0]["id"] if contacts else None
    account = primary_company(engagement) or (accounts.get(contact) if contact else None)
    if account is None:
        return None, f"{what} {eid} is associated with no company nor a known contact's"
    return {
        # engagements of each kind number their own ids: the kind keeps them apart
        "activity_id": f"{what}-{eid}",
        "account_id": account,
        "contact_id": contact,
        "activity_type": what,
        "occurred_at": ts(engagement, "hs_timestamp", what),
    }, None


def ticket_row(ticket: dict, accounts: dict[str, str]) -> tuple[dict | None, str | None]:
    what = "ticket"
    tid = object_id(ticket, what)
    contacts = associated(ticket, "contacts")
    account = primary_company(ticket) or (accounts.get(contacts[0]["id"]) if contacts else None)
    if account is None:
        return None, f"ticket {tid} is associated with no company nor a known contact's"
    priority = prop(ticket, "hs_ticket_priority", what, optional=True)
    return {
        "ticket_id": tid,
        "account_id": account,
        # unset priority is HubSpot's default, shown as none: the contract's normal
        "priority": PRIORITIES.get(priority, priority) if priority else "normal",
        "opened_at": ts(ticket, "createdate", what),
        "resolved_at": ts(ticket, "closed_date", what, optional=True),
        "updated_at": ts(ticket, "hs_lastmodifieddate", what),
    }, None


def survey_row(submission: dict, accounts: dict[str, str]) -> tuple[dict | None, str | None]:
    what = "feedback submission"
    sid = object_id(submission, what)
    survey = prop(submission, "hs_survey_type", what)
    if survey not in SURVEY_TYPES:
        return None, f"feedback submission {sid} answers a {survey} survey: neither NPS nor CSAT"
    contacts = associated(submission, "contacts")
    if not contacts:
        return None, f"feedback submission {sid} is associated with no contact"
    contact = contacts[0]["id"]
    account = accounts.get(contact)
    if account is None:
        return None, f"feedback submission {sid}: its contact {contact} has no known company"
    return {
        "response_id": sid,
        "account_id": account,
        "contact_id": contact,
        "survey_type": SURVEY_TYPES[survey],
        "score": whole(submission, "hs_value", what),
        # the answer's own time; the record is made when HubSpot takes the answer in
        "responded_at": ts(submission, "hs_submission_timestamp", what, optional=True)
        or ts(submission, "hs_createdate", what),
    }, None
