"""``upsell extract hubspot``: HubSpot's companies, contacts, deals, calls, emails, meetings,
tickets and survey responses as contract rows (``crm_accounts``, ``crm_contacts``,
``crm_opportunities``, ``crm_activities``, ``crm_support_tickets``, ``crm_survey_responses``).

Every extraction is a CRM search per object type on its last-modified date, oldest first: the
first (or ``--full``) takes everything modified up to its start, a later one what was modified
since the previous extraction's. A search reaches 10,000 results at most, so a longer one
goes on in a new query from the last modification date it reached.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from upsell.connectors import hubspot_api, hubspot_map
from upsell.connectors.common import ApiSettings, Prepared, Secret, State
from upsell.errors import UpsellError

SOURCE = "hubspot"
SETTINGS = ("UPSELL_HUBSPOT_TOKEN", "UPSELL_HUBSPOT_BASE_URL")
DEFAULT_BASE_URL = "https://api.hubapi.com"
# HubSpot's search index trails writes by a few seconds to minutes: an extraction stops this
# far before its start so that what was written just before is taken by the next one.
INDEX_LAG = timedelta(minutes=5)
_STAMPS = ["createdate", "hs_lastmodifieddate"]


@dataclass(frozen=True)
class ObjectType:
    modified: str  # the last-modified property searches filter and sort on
    properties: tuple[str, ...]
    associations: tuple[str, ...]  # the object types whose associations are fetched


OBJECTS = {  # in the order fetched: contacts before what finds its company through them
    "companies": ObjectType(
        "hs_lastmodifieddate",
        ("name", "domain", "industry", "country", "numberofemployees", "upsell_segment", *_STAMPS),
        (),
    ),
    "contacts": ObjectType(
        "lastmodifieddate",  # contacts keep their own name for it
        ("email", "firstname", "lastname", "jobtitle", "createdate", "lastmodifieddate"),
        ("companies",),
    ),
    "deals": ObjectType(
        "hs_lastmodifieddate",
        (
            *("amount", "dealstage", "pipeline", "dealtype", "upsell_opportunity_type"),
            *("hs_is_closed", "hs_is_closed_won", "deal_currency_code", "closedate", *_STAMPS),
        ),
        ("companies",),
    ),
    **{
        kind: ObjectType(
            "hs_lastmodifieddate",
            ("hs_timestamp", "hs_lastmodifieddate"),
            ("companies", "contacts"),
        )
        for kind in ("calls", "emails", "meetings")
    },
    "tickets": ObjectType(
        "hs_lastmodifieddate",
        ("hs_ticket_priority", "closed_date", *_STAMPS),
        ("companies", "contacts"),
    ),
    "feedback_submissions": ObjectType(
        "hs_lastmodifieddate",
        (
            *("hs_survey_type", "hs_value", "hs_submission_timestamp"),
            *("hs_createdate", "hs_lastmodifieddate"),
        ),
        ("contacts",),
    ),
}


class HubSpotSettings(ApiSettings):
    SECRET = "UPSELL_HUBSPOT_TOKEN"
    BASE_URL = "UPSELL_HUBSPOT_BASE_URL"
    DEFAULT_BASE_URL = DEFAULT_BASE_URL


def prepare(env, state: State, fallback_currency: str, now: datetime, full: bool) -> Prepared:
    settings = HubSpotSettings.from_env(env)
    committed = state.committed()
    plan, resumed = state.resume_or_start(full, lambda: _plan(committed, now, full))
    api = hubspot_api.client(settings.secret, settings.base_url)
    _fetch(api, settings.secret, state, plan)
    rows, left_out, contacts = _map(state, plan, committed, fallback_currency)
    rows = {table: r for table, r in rows.items() if r}
    new_state = {"cursor": plan["until"], "contact_accounts": contacts}
    return Prepared(SOURCE, plan["mode"], rows, left_out, new_state, resumed)


def _plan(committed: dict, now: datetime, full: bool) -> dict:
    until = int((now - INDEX_LAG).timestamp() * 1000)
    since = committed.get("cursor")
    if full or since is None:
        return {"mode": "full", "until": until, "since": None, "pages": {}}
    if since >= until:
        raise UpsellError(
            f"the previous HubSpot extraction reached {since} ms since 1970, later than now "
            "less five minutes: wait, or check the machine's clock"
        )
    return {"mode": "changes", "until": until, "since": since + 1, "pages": {}}


def _fetch(api, token: Secret, state: State, plan: dict) -> None:
    """Every page not staged yet, each checkpointed once written."""
    for name, kind in OBJECTS.items():
        progress = plan["pages"].setdefault(
            name, {"since": plan["since"], "after": None, "done": False}
        )
        while not progress["done"]:
            pages = hubspot_api.search_pages(
                api,
                name,
                kind.modified,
                list(kind.properties),
                progress["since"],
                plan["until"],
                progress["after"],
                token,
            )
            for objects, after in pages:
                _associate(api, token, name, kind, objects)
                state.append(name, objects)
                if after is not None and _offset(after) + hubspot_api.PAGE_SIZE > (
                    hubspot_api.SEARCH_LIMIT
                ):
                    _move_window(progress, name, objects, kind.modified)
                    state.save_checkpoint(plan)
                    break
                progress.update(after=after, done=after is None)
                state.save_checkpoint(plan)


def _offset(after: str) -> int:
    return int(after) if after.isdigit() else 0


def _move_window(progress: dict, name: str, objects: list[dict], modified: str) -> None:
    """A new query from the last modification date reached (its objects come again; the
    mapping keeps one of each)."""
    last = hubspot_map.millis(objects[-1], modified, name)
    if progress["since"] is not None and last <= progress["since"]:
        raise UpsellError(
            f"more than {hubspot_api.SEARCH_LIMIT:,} HubSpot {name} share the modification "
            f"time {objects[-1]['properties'][modified]}: a search cannot page past them; "
            "ask HubSpot support, or extract with an export instead"
        )
    progress.update(since=last, after=None)


def _associate(api, token: Secret, name: str, kind: ObjectType, objects: list[dict]) -> None:
    ids = [hubspot_map.object_id(o, name) for o in objects]
    for to in kind.associations if ids else ():
        found = hubspot_api.associations(api, name, to, ids, token)
        for obj in objects:
            obj.setdefault("associations", {})[to] = found.get(obj["id"], [])


def _latest(state: State, name: str) -> list[dict]:
    """Each object once, as last staged (pages come oldest change first)."""
    return list({o["id"]: o for o in state.staged(name)}.values())


def _map(state: State, plan: dict, committed: dict, fallback_currency: str):
    """Contract rows of the staged objects, what was left out and why, and each contact's
    account (kept: a later survey response or call finds its account through its contact)."""
    full = plan["mode"] == "full"
    accounts = {} if full else dict(committed.get("contact_accounts", {}))
    left_out: list[str] = []

    def kept(pairs):
        rows = []
        for row, why in pairs:
            if row is None:
                left_out.append(why)
            else:
                rows.append(row)
        return rows

    contacts = kept(hubspot_map.contact_row(c) for c in _latest(state, "contacts"))
    accounts.update({c["contact_id"]: c["account_id"] for c in contacts})
    activities = [(kind, e) for kind in hubspot_map.ACTIVITY_TYPES for e in _latest(state, kind)]
    rows = {
        "crm_accounts": [
            hubspot_map.account_row(c, fallback_currency) for c in _latest(state, "companies")
        ],
        "crm_contacts": contacts,
        "crm_opportunities": kept(
            hubspot_map.opportunity_row(d, fallback_currency) for d in _latest(state, "deals")
        ),
        "crm_activities": kept(hubspot_map.activity_row(k, e, accounts) for k, e in activities),
        "crm_support_tickets": kept(
            hubspot_map.ticket_row(t, accounts) for t in _latest(state, "tickets")
        ),
        "crm_survey_responses": kept(
            hubspot_map.survey_row(s, accounts) for s in _latest(state, "feedback_submissions")
        ),
    }
    return rows, left_out, accounts
