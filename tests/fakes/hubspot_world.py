"""A small HubSpot portal for the connector's tests, and the marts' figures worked out by hand.

Three companies, four contacts, four deals, three engagements, three tickets and five survey
responses before the first extraction (FIRST); by the second (SECOND), one deal closed won,
one ticket resolved, a new ticket and a new NPS response.

By hand, from the rows below (kpi_voice_of_customer_monthly: NPS = 100 x (promoters -
detractors) / NPS responses; CSAT = 100 x share of 4-5):
  2026-09: NPS 9 (alice, promoter) and 3 (carol, detractor)   -> (1 - 1) / 2 x 100 = 0
  2026-10: NPS 10 (dan, promoter); CSAT 5 (bob)                -> NPS 100, CSAT 100;
           CES 4 (805) is neither NPS nor CSAT: left out
  2026-11: NPS 7 (carol, passive; second extraction)           -> (0 - 0) / 1 x 100 = 0
customer_360 after both extractions, at SECOND:
  open tickets: Acme 703 (701 resolved, 705 resolved in the second) -> 1; Globex 702 -> 1;
               Initech 704 (second) -> 1
  open expansion opportunities (open, upsell or cross_sell): Acme 301 closed won in the
               second -> 0; Globex 304 (cross_sell override) -> 1; Initech -> 0
"""

from __future__ import annotations

from datetime import UTC, datetime

from tests.fakes.hubspot_server import FakeHubSpot

FIRST = datetime(2026, 10, 20, 6, tzinfo=UTC)
SECOND = datetime(2026, 11, 10, 6, tzinfo=UTC)
TYPES = ("companies", "contacts", "deals", "calls", "emails", "meetings", "tickets")
TYPES += ("feedback_submissions",)
MODIFIED = {"contacts": "lastmodifieddate"}  # every other type: hs_lastmodifieddate

NPS = {"2026-09": 0.0, "2026-10": 100.0, "2026-11": 0.0}
NPS_RESPONSES = {"2026-09": 2, "2026-10": 1, "2026-11": 1}
CSAT = {"2026-10": 100.0}
OPEN_TICKETS = {"101": 1, "102": 1, "103": 1}
OPEN_EXPANSION = {"101": 0, "102": 1, "103": 0}


def at(text: str) -> str:
    return f"{text}.000Z"


def at_(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def obj(kind: str, oid: str, created: str, modified: str | None = None, **props) -> dict:
    modified = modified or created
    stamps = {"createdate": at(created), MODIFIED.get(kind, "hs_lastmodifieddate"): at(modified)}
    if kind == "feedback_submissions":
        stamps["hs_createdate"] = stamps.pop("createdate")
    properties = {**stamps, "hs_object_id": oid, **props}
    return {
        "id": oid,
        "properties": properties,
        "createdAt": at(created),
        "updatedAt": at(modified),
        "archived": False,
    }


def first_world() -> dict:
    """type -> objects, and (from type, to type) -> {id: [(to id, label)]}."""
    companies = [
        obj("companies", "101", "2026-06-01T09:00:00", name="Acme GmbH", country="DE",
            numberofemployees="250", industry="COMPUTER_SOFTWARE"),
        obj("companies", "102", "2026-06-02T09:00:00", name="Globex", country="France",
            numberofemployees="5000", upsell_segment="enterprise"),
        obj("companies", "103", "2026-06-03T09:00:00", name="Initech", country="United States",
            numberofemployees="40"),
    ]  # fmt: skip
    contacts = [
        obj("contacts", "201", "2026-06-05T10:00:00", email="alice@acme.example",
            firstname="Alice", lastname="Adler", jobtitle="CTO"),
        obj("contacts", "202", "2026-06-05T11:00:00", email="bob@acme.example", firstname="Bob"),
        obj("contacts", "203", "2026-06-06T10:00:00", email="carol@globex.example",
            firstname="Carol", lastname="Chen"),
        obj("contacts", "204", "2026-06-07T10:00:00", email="dan@initech.example"),
    ]  # fmt: skip
    deals = [
        obj("deals", "301", "2026-09-01T12:00:00", amount="5000", dealtype="existingbusiness",
            dealstage="appointmentscheduled", hs_is_closed="false", hs_is_closed_won="false",
            deal_currency_code="EUR"),
        obj("deals", "302", "2026-06-10T12:00:00", "2026-07-01T12:00:00", amount="12000",
            dealtype="newbusiness", dealstage="closedwon", hs_is_closed="true",
            hs_is_closed_won="true", closedate=at("2026-07-01T12:00:00")),
        obj("deals", "303", "2026-06-11T12:00:00", "2026-07-15T12:00:00", amount="3000",
            dealtype="newbusiness", dealstage="closedlost", closedate=at("2026-07-15T12:00:00")),
        obj("deals", "304", "2026-10-01T12:00:00", amount="2000", dealtype="existingbusiness",
            upsell_opportunity_type="cross_sell", dealstage="qualifiedtobuy",
            hs_is_closed="false", hs_is_closed_won="false"),
        obj("deals", "305", "2026-10-02T12:00:00", dealtype="newbusiness",
            dealstage="qualifiedtobuy", hs_is_closed="false", hs_is_closed_won="false"),
    ]  # fmt: skip
    tickets = [
        obj("tickets", "701", "2026-09-05T09:00:00", "2026-09-07T09:00:00",
            hs_ticket_priority="HIGH", closed_date=at("2026-09-07T09:00:00")),
        obj("tickets", "702", "2026-10-02T09:00:00", hs_ticket_priority="URGENT"),
        obj("tickets", "703", "2026-10-10T09:00:00", hs_ticket_priority="LOW"),
        obj("tickets", "705", "2026-10-11T09:00:00"),
    ]  # fmt: skip
    feedback = [
        obj("feedback_submissions", "801", "2026-09-10T09:00:00", hs_survey_type="NPS",
            hs_value="9"),
        obj("feedback_submissions", "802", "2026-09-20T09:00:00", hs_survey_type="NPS",
            hs_value="3"),
        obj("feedback_submissions", "803", "2026-10-05T09:00:00", hs_survey_type="NPS",
            hs_value="10"),
        obj("feedback_submissions", "804", "2026-10-06T09:00:00", hs_survey_type="CSAT",
            hs_value="5", hs_submission_timestamp=at("2026-10-06T08:55:00")),
        obj("feedback_submissions", "805", "2026-10-07T09:00:00", hs_survey_type="CES",
            hs_value="4"),
    ]  # fmt: skip
    objects = {
        "companies": companies,
        "contacts": contacts,
        "deals": deals,
        "calls": [
            obj("calls", "401", "2026-10-03T08:00:00", hs_timestamp=at("2026-10-03T08:00:00"))
        ],
        "emails": [  # HubSpot also gives datetimes as milliseconds
            obj("emails", "401", "2026-10-04T08:00:00", hs_timestamp="1791100800000")
        ],
        "meetings": [
            obj("meetings", "601", "2026-10-05T08:00:00", hs_timestamp=at("2026-10-05T08:00:00"))
        ],
        "tickets": tickets,
        "feedback_submissions": feedback,
    }
    links = {
        ("contacts", "companies"): {
            "201": [("101", "Primary")],
            "202": [("101", None)],
            "203": [("102", "Primary")],
            "204": [("103", "Primary")],
        },
        ("deals", "companies"): {
            "301": [("101", "Primary")],
            "302": [("102", "Primary")],
            "303": [("103", "Primary")],
            "304": [("102", "Primary")],
            "305": [("103", "Primary")],
        },
        ("calls", "companies"): {"401": [("101", "Primary")]},
        ("calls", "contacts"): {"401": [("201", None)]},
        ("emails", "companies"): {},
        ("emails", "contacts"): {"401": [("203", None)]},  # its company through Carol's
        ("meetings", "companies"): {"601": [("103", "Primary")]},
        ("meetings", "contacts"): {},
        ("tickets", "companies"): {
            "701": [("101", "Primary")],
            "702": [("102", "Primary")],
            "703": [("101", "Primary")],
            "705": [("101", "Primary")],
        },
        ("tickets", "contacts"): {},
        ("feedback_submissions", "contacts"): {
            "801": [("201", None)],
            "802": [("203", None)],
            "803": [("204", None)],
            "804": [("202", None)],
            "805": [("202", None)],
        },
    }
    return {"objects": objects, "links": links}


def second_changes(world: dict) -> None:
    """What changed in HubSpot between FIRST and SECOND."""
    objects, links = world["objects"], world["links"]
    deal = next(d for d in objects["deals"] if d["id"] == "301")
    deal["properties"].update(
        dealstage="closedwon",
        hs_is_closed="true",
        hs_is_closed_won="true",
        closedate=at("2026-11-01T12:00:00"),
        hs_lastmodifieddate=at("2026-11-01T12:00:00"),
    )
    ticket = next(t for t in objects["tickets"] if t["id"] == "705")
    ticket["properties"].update(
        closed_date=at("2026-11-02T09:00:00"), hs_lastmodifieddate=at("2026-11-02T09:00:00")
    )
    objects["tickets"].append(
        obj("tickets", "704", "2026-11-03T09:00:00", hs_ticket_priority="MEDIUM")
    )
    links[("tickets", "companies")]["704"] = [("103", "Primary")]
    objects["feedback_submissions"].append(
        obj(
            "feedback_submissions", "806", "2026-11-04T09:00:00", hs_survey_type="NPS", hs_value="7"
        )
    )
    links[("feedback_submissions", "contacts")]["806"] = [("203", None)]


def load(fake: FakeHubSpot, world: dict) -> None:
    """Serve ``world``: the fake holds its lists, so later changes to them are served too."""
    fake.objects = world["objects"]
    fake.links = world["links"]
