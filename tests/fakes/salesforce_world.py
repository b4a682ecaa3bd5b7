"""A small Salesforce org whose figures can be worked out by hand.

Three accounts (one without BillingCountryCode, to read BillingCountry), four contacts (one
without an account: left out), five opportunities (one of a Type that names none: left out),
four tasks (a call, an email, a plain task left out, one on a lead), two events, and three
cases. ``CHANGES`` are the records a second extraction sees: one opportunity won, one case
closed, one new task, every one with a later SystemModstamp.
"""

from __future__ import annotations

import copy

FIRST = "2026-11-01T09:00:00.000+0000"
SECOND = "2026-11-20T09:00:00.000+0000"


def _stamp(day: int, hour: int = 9) -> str:
    return f"2026-10-{day:02d}T{hour:02d}:00:00.000+0000"


ACCOUNTS = [
    {
        "Id": "001A00000000001AAA",
        "Name": "Acme GmbH",
        "Industry": "Manufacturing",
        "BillingCountry": "Germany",
        "BillingCountryCode": "DE",
        "NumberOfEmployees": 250,
        "CurrencyIsoCode": "EUR",
        "Upsell_Segment__c": "Mid-Market",
        "CreatedDate": _stamp(1),
        "SystemModstamp": _stamp(2),
    },
    {
        "Id": "001A00000000002AAA",
        "Name": "Globex Ltd",
        "Industry": "Technology",
        "BillingCountry": "GB",
        "BillingCountryCode": None,
        "NumberOfEmployees": 1200,
        "CurrencyIsoCode": "GBP",
        "Upsell_Segment__c": "Enterprise",
        "CreatedDate": _stamp(1),
        "SystemModstamp": _stamp(3),
    },
    {
        "Id": "001A00000000003AAA",
        "Name": "Initech",
        "Industry": None,
        "BillingCountry": None,
        "BillingCountryCode": "US",
        "NumberOfEmployees": None,
        "CurrencyIsoCode": "USD",
        "Upsell_Segment__c": None,
        "CreatedDate": _stamp(2),
        "SystemModstamp": _stamp(3),
    },
]
A1, A2, A3 = (a["Id"] for a in ACCOUNTS)


def _contact(n, account, email, primary, day):
    return {
        "Id": f"003A0000000000{n}AAA",
        "AccountId": account,
        "Email": email,
        "Name": f"Contact {n}",
        "Title": "CTO" if primary else None,
        "Upsell_Primary__c": primary,
        "CreatedDate": _stamp(day),
        "SystemModstamp": _stamp(day, 10),
    }


CONTACTS = [
    _contact(1, A1, "ada@acme.example", True, 3),
    _contact(2, A1, "bob@acme.example", False, 3),
    _contact(3, A2, "cy@globex.example", True, 4),
    _contact(4, None, "private@example.com", False, 4),  # a private contact: no account
]
C1, C2, C3, _ = (c["Id"] for c in CONTACTS)


def _opportunity(n, account, kind, closed, won, amount, day):
    return {
        "Id": f"006A0000000000{n}AAA",
        "AccountId": account,
        "Type": kind,
        "IsClosed": closed,
        "IsWon": won,
        "Amount": amount,
        "CloseDate": f"2026-10-{day + 5:02d}",
        "CurrencyIsoCode": "EUR" if account == A1 else "GBP" if account == A2 else "USD",
        "CreatedDate": _stamp(day),
        "SystemModstamp": _stamp(day, 11),
    }


OPPORTUNITIES = [
    _opportunity(1, A1, "New Customer", True, True, 12000.0, 5),
    _opportunity(2, A1, "Existing Customer - Upgrade", False, False, 5000.0, 6),
    _opportunity(3, A2, "Existing Customer - Upgrade", False, False, 20000.5, 6),
    _opportunity(4, A2, "Existing Customer - Replacement", True, False, 8000.0, 7),
    _opportunity(5, A3, "Partner Deal", False, False, 1000.0, 7),  # names no type: left out
]


def _activity(prefix, n, account, who, day, **fields):
    return {
        "Id": f"{prefix}A0000000000{n}AAA",
        "AccountId": account,
        "WhoId": who,
        "CreatedDate": _stamp(day),
        "SystemModstamp": _stamp(day, 12),
        **fields,
    }


TASKS = [
    _activity("00T", 1, A1, C1, 8, TaskSubtype="Call"),
    _activity("00T", 2, A1, C2, 9, TaskSubtype="Email"),
    _activity("00T", 3, A2, C3, 9, TaskSubtype="Task"),  # neither email nor call: left out
    _activity("00T", 4, A2, "00QA000000000001AAA", 10, TaskSubtype="Email"),  # on a lead
]
EVENTS = [
    _activity(
        *("00U", 1, A1, C1, 11),
        IsAllDayEvent=False,
        ActivityDateTime=_stamp(12, 14),
        ActivityDate="2026-10-12",
    ),
    # all day: Salesforce keeps its day in ActivityDate
    _activity(
        *("00U", 2, A2, None, 11),
        IsAllDayEvent=True,
        ActivityDateTime=None,
        ActivityDate="2026-10-13",
    ),
]


def _case(n, account, priority, closed, day):
    return {
        "Id": f"500A0000000000{n}AAA",
        "AccountId": account,
        "Priority": priority,
        "IsClosed": closed,
        "ClosedDate": _stamp(day + 2) if closed else None,
        "CreatedDate": _stamp(day),
        "SystemModstamp": _stamp(day + 2 if closed else day, 13),
    }


CASES = [
    _case(1, A1, "High", True, 14),
    _case(2, A1, "Critical", False, 15),
    _case(3, A2, "Medium", False, 16),
]


def world() -> dict:
    return copy.deepcopy(
        {
            "Account": ACCOUNTS,
            "Contact": CONTACTS,
            "Opportunity": OPPORTUNITIES,
            "Task": TASKS,
            "Event": EVENTS,
            "Case": CASES,
        }
    )


def change(org: dict) -> None:
    """What happens in the org between the first extraction and the second (November)."""
    later = "2026-11-10T09:00:00.000+0000"
    opp = next(o for o in org["Opportunity"] if o["Id"] == OPPORTUNITIES[1]["Id"])
    opp.update(IsClosed=True, IsWon=True, CloseDate="2026-11-10", SystemModstamp=later)
    case = next(c for c in org["Case"] if c["Id"] == CASES[2]["Id"])
    case.update(IsClosed=True, ClosedDate=later, SystemModstamp=later)
    org["Task"].append(
        {
            "Id": "00TA00000000005AAA",
            "AccountId": A2,
            "WhoId": C3,
            "TaskSubtype": "Call",
            "CreatedDate": later,
            "SystemModstamp": later,
        }
    )
