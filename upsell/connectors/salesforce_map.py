"""Salesforce records (REST API v62.0 query results, as JSON) to contract rows.

Every field read is checked (``common.checked``): a missing field or one of another type stops
the extraction naming the object, the record, the field and what came instead. A record the
contract cannot hold (a contact without an account, a task that is neither an email nor a
call, ...) is left out with its reason. docs/connectors.md gives the mapping field by field.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from upsell.connectors.common import checked

DEFAULT_SEGMENT = "smb"  # no Upsell_Segment__c in the org, or empty on the account
CONTACT_PREFIX = "003"  # key prefix of Contact ids: a Task's WhoId may also be a Lead (00Q)
OPPORTUNITY_TYPES = {
    "New Customer": "new_business",  # the standard picklist's value
    "New Business": "new_business",
    "Existing Customer - Upgrade": "upsell",
    "Existing Customer - Replacement": "renewal",
    "Existing Customer - Downgrade": "renewal",  # kept the customer, at a lower value
    "Renewal": "renewal",
    "Cross-Sell": "cross_sell",
    "Cross Sell": "cross_sell",
}
TASK_TYPES = {"Email": "email", "Call": "call"}
PRIORITIES = {
    "Low": "low",
    "Medium": "normal",
    "High": "high",
    "Critical": "urgent",  # custom values common in service orgs
    "Urgent": "urgent",
}
# The fields each object is read with; OPTIONAL ones are read only where the org has them
# (state and country picklists, multi-currency, this project's custom fields).
FIELDS = {
    "Account": ("Id", "Name", "Industry", "BillingCountry", "NumberOfEmployees", "CreatedDate"),
    "Contact": ("Id", "AccountId", "Email", "Name", "Title", "CreatedDate"),
    "Opportunity": (
        *("Id", "AccountId", "Type", "IsClosed", "IsWon", "Amount", "CloseDate"),
        "CreatedDate",
    ),
    "Task": ("Id", "AccountId", "WhoId", "TaskSubtype", "CreatedDate"),
    "Event": (
        *("Id", "AccountId", "WhoId", "IsAllDayEvent", "ActivityDateTime", "ActivityDate"),
        "CreatedDate",
    ),
    "Case": ("Id", "AccountId", "Priority", "IsClosed", "ClosedDate", "CreatedDate"),
}
OPTIONAL = {
    "Account": ("BillingCountryCode", "CurrencyIsoCode", "Upsell_Segment__c"),
    "Contact": ("Upsell_Primary__c",),
    "Opportunity": ("CurrencyIsoCode",),
}
CURSOR_FIELD = "SystemModstamp"


def _get(record: dict, name: str, kind, optional=False):
    sobject = (record.get("attributes") or {}).get("type", "record")
    return checked(record, name, kind, "Salesforce", sobject, optional)


def ts(value: str) -> str:
    """A Salesforce dateTime (``2024-05-01T09:30:00.000+0000``) as ISO 8601 in UTC."""
    moment = datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z").astimezone(UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _datetime(record: dict, name: str, optional=False) -> str | None:
    value = _get(record, name, str, optional)
    if value is None:
        return None
    try:
        return ts(value)
    except ValueError:
        _get(record, name, datetime)  # raises, naming the record and the field
        raise


def _date(record: dict, name: str, optional=False) -> str | None:
    value = _get(record, name, str, optional)
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").strftime("%Y-%m-%dT00:00:00Z")
    except ValueError:
        _get(record, name, datetime)
        raise


def _account(record: dict, what: str) -> tuple[str | None, str | None]:
    account = _get(record, "AccountId", str, optional=True)
    rid = _get(record, "Id", str)
    return account, None if account else f"{what} {rid} has no account: the contract needs one"


def _of_an_account(what: str):
    """A row builder ``build(record, account, ...)`` as ``row(record, ...)``, which says why
    the record has no row where it names no account."""

    def wrap(build: Callable[..., tuple[dict | None, str | None]]):
        @functools.wraps(build)
        def row(record: dict, *args) -> tuple[dict | None, str | None]:
            account, why = _account(record, what)
            if why:
                return None, why
            return build(record, account, *args)

        return row

    return wrap


def account_row(record: dict, fallback_currency: str) -> dict:
    segment = _get(record, "Upsell_Segment__c", str, optional=True) or DEFAULT_SEGMENT
    employees = _get(record, "NumberOfEmployees", int, optional=True)
    return {
        "account_id": _get(record, "Id", str),
        "account_name": _get(record, "Name", str),
        "industry": _get(record, "Industry", str, optional=True) or "unknown",
        # ZZ: unknown region (CLDR); a free-text country is passed on for the ingest to judge
        "country": _get(record, "BillingCountryCode", str, optional=True)
        or _get(record, "BillingCountry", str, optional=True)
        or "ZZ",
        "segment": segment.strip().lower().replace("-", "_").replace(" ", "_"),
        "employee_count": employees if employees is not None else 0,
        "billing_currency": _get(record, "CurrencyIsoCode", str, optional=True)
        or fallback_currency,
        "created_at": _datetime(record, "CreatedDate"),
        "updated_at": _datetime(record, CURSOR_FIELD),
    }


@_of_an_account("contact")
def contact_row(record: dict, account: str) -> tuple[dict | None, str | None]:
    email = _get(record, "Email", str, optional=True)
    if not email:
        return None, f"contact {record['Id']} has no email: the contract needs one"
    return {
        "contact_id": record["Id"],
        "account_id": account,
        "email": email,
        "full_name": _get(record, "Name", str),
        "job_title": _get(record, "Title", str, optional=True),
        "is_primary": bool(_get(record, "Upsell_Primary__c", bool, optional=True)),
        "created_at": _datetime(record, "CreatedDate"),
        "updated_at": _datetime(record, CURSOR_FIELD),
    }, None


@_of_an_account("opportunity")
def opportunity_row(
    record: dict, account: str, fallback_currency: str
) -> tuple[dict | None, str | None]:
    rid = record["Id"]
    kind = _get(record, "Type", str, optional=True)
    if kind not in OPPORTUNITY_TYPES:
        return None, f"opportunity {rid} has Type {kind!r}, which names no opportunity type"
    amount = _get(record, "Amount", (int, float), optional=True)
    if amount is None:
        return None, f"opportunity {rid} has no Amount"
    closed = _get(record, "IsClosed", bool)
    won = _get(record, "IsWon", bool)
    return {
        "opportunity_id": rid,
        "account_id": account,
        "opportunity_type": OPPORTUNITY_TYPES[kind],
        "stage": "open" if not closed else "closed_won" if won else "closed_lost",
        "amount": format(Decimal(str(amount)), "f"),
        "currency": _get(record, "CurrencyIsoCode", str, optional=True) or fallback_currency,
        "created_at": _datetime(record, "CreatedDate"),
        "closed_at": _date(record, "CloseDate") if closed else None,
        "updated_at": _datetime(record, CURSOR_FIELD),
    }, None


@_of_an_account("task")
def task_row(record: dict, account: str) -> tuple[dict | None, str | None]:
    subtype = _get(record, "TaskSubtype", str, optional=True)
    if subtype not in TASK_TYPES:
        return None, f"task {record['Id']} is a {subtype or 'plain'} task: neither email nor call"
    return _activity(record, account, TASK_TYPES[subtype], _datetime(record, "CreatedDate")), None


@_of_an_account("event")
def event_row(record: dict, account: str) -> tuple[dict | None, str | None]:
    # Salesforce keeps an all-day event's day in ActivityDate and any other event's start in
    # ActivityDateTime (object reference, Event)
    field = "ActivityDate" if _get(record, "IsAllDayEvent", bool) else "ActivityDateTime"
    start = (_date if field == "ActivityDate" else _datetime)(record, field, optional=True)
    if start is None:
        return None, f"event {record['Id']} has no {field}: the contract needs when it was"
    return _activity(record, account, "meeting", start), None


def _activity(record: dict, account: str, kind: str, at: str) -> dict:
    who = _get(record, "WhoId", str, optional=True)
    return {
        "activity_id": record["Id"],
        "account_id": account,
        "contact_id": who if who and who.startswith(CONTACT_PREFIX) else None,
        "activity_type": kind,
        "occurred_at": at,
    }


@_of_an_account("case")
def case_row(record: dict, account: str) -> tuple[dict | None, str | None]:
    priority = _get(record, "Priority", str, optional=True)
    if priority not in PRIORITIES:
        return None, f"case {record['Id']} has Priority {priority!r}, which names no priority"
    closed = _get(record, "IsClosed", bool)
    return {
        "ticket_id": record["Id"],
        "account_id": account,
        "priority": PRIORITIES[priority],
        "opened_at": _datetime(record, "CreatedDate"),
        "resolved_at": _datetime(record, "ClosedDate") if closed else None,
        "updated_at": _datetime(record, CURSOR_FIELD),
    }, None
