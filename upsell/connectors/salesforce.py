"""``salesforce``: a Salesforce org's accounts, contacts, opportunities, tasks, events and cases
as the CRM tables of a landing-zone delivery.

Each object is read with one SOQL query ordered by ``SystemModstamp`` (the time Salesforce
last changed the record, by a user or by the system): the first extraction reads every record,
later ones those changed after the newest stamp the previous one saw (per object). Records in
the recycle bin are not read (``query``, not ``queryAll``): the contract has no deletions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from upsell.connectors import salesforce_api, salesforce_map
from upsell.connectors.common import (
    Prepared,
    Secret,
    State,
    base_url_setting,
    checked,
    secret_setting,
)
from upsell.errors import UpsellError

SOURCE = "salesforce"
SETTINGS = (
    "UPSELL_SALESFORCE_CLIENT_ID",
    "UPSELL_SALESFORCE_CLIENT_SECRET",
    "UPSELL_SALESFORCE_SESSION_ID",
    "UPSELL_SALESFORCE_BASE_URL",
)
DEFAULT_BASE_URL = "https://login.salesforce.com"
OBJECTS = {  # object: the contract table its records become, in the order they are read
    "Account": "crm_accounts",
    "Contact": "crm_contacts",
    "Opportunity": "crm_opportunities",
    "Task": "crm_activities",
    "Event": "crm_activities",
    "Case": "crm_support_tickets",
}


@dataclass(frozen=True)
class SalesforceSettings:
    base_url: str
    client_id: Secret | None
    client_secret: Secret | None
    session_id: Secret | None

    @classmethod
    def from_env(cls, env) -> SalesforceSettings:
        base_url = base_url_setting(env, "UPSELL_SALESFORCE_BASE_URL", DEFAULT_BASE_URL)
        if env.get("UPSELL_SALESFORCE_SESSION_ID"):
            return cls(base_url, None, None, secret_setting(env, "UPSELL_SALESFORCE_SESSION_ID"))
        client_id = secret_setting(env, "UPSELL_SALESFORCE_CLIENT_ID")
        client_secret = secret_setting(env, "UPSELL_SALESFORCE_CLIENT_SECRET")
        if base_url == DEFAULT_BASE_URL:
            raise UpsellError(
                "UPSELL_SALESFORCE_BASE_URL is not set: the client credentials flow runs "
                "against the org's My Domain, e.g. https://acme.my.salesforce.com"
            )
        return cls(base_url, client_id, client_secret, None)

    def secrets(self) -> tuple[Secret, ...]:
        return tuple(s for s in (self.client_id, self.client_secret, self.session_id) if s)


def prepare(env, state: State, fallback_currency: str, now: datetime, full: bool) -> Prepared:
    settings = SalesforceSettings.from_env(env)
    http = salesforce_api.session()
    if settings.session_id:
        access, instance = settings.session_id, settings.base_url
    else:
        access, instance = salesforce_api.token(
            http, settings.base_url, settings.client_id, settings.client_secret
        )
        # the token answer names the host to query: held to the base URL's rules (https)
        name = "the instance_url of Salesforce's token answer"
        instance = base_url_setting({name: instance}, name, settings.base_url)
    secrets = (*settings.secrets(), access)
    sf = salesforce_api.client(http, instance, access)
    committed = state.committed()
    plan = state.checkpoint()
    if plan is not None and full and plan["mode"] != "full":
        plan = None  # a failed run of changes, given up for a full extraction
    resumed = plan is not None
    if plan is None:
        plan = state.start(_plan(sf, secrets, committed, full))
    _fetch(sf, secrets, state, plan)
    rows, left_out = _map(state, fallback_currency)
    cursor = {o: plan["pages"][o]["top"] for o in OBJECTS}
    return Prepared(SOURCE, plan["mode"], rows, left_out, {"cursor": cursor}, resumed)


def _plan(sf, secrets, committed: dict, full: bool) -> dict:
    cursor = committed.get("cursor")
    since = {o: None if full or not cursor else cursor.get(o) for o in OBJECTS}
    present = {o: salesforce_api.fields(sf, o, secrets) for o in OBJECTS}
    for sobject, names in present.items():
        missing = [f for f in (*salesforce_map.FIELDS[sobject], "SystemModstamp") if f not in names]
        if missing:
            raise UpsellError(
                f"the Salesforce user cannot see {sobject}.{', '.join(missing)}: give it read "
                "access to the fields docs/connectors.md lists (field-level security)"
            )
    return {
        "mode": "full" if full or not cursor else "changes",
        "fields": {
            o: [
                *salesforce_map.FIELDS[o],
                *(f for f in salesforce_map.OPTIONAL.get(o, ()) if f in present[o]),
            ]
            for o in OBJECTS
        },
        "pages": {o: {"locator": None, "done": False, "top": since[o]} for o in OBJECTS},
        "since": since,
    }


def soql(sobject: str, names: list[str], since: str | None, op: str = ">") -> str:
    where = f" WHERE SystemModstamp {op} {since}" if since else ""
    return (
        f"SELECT {', '.join([*names, 'SystemModstamp'])} FROM {sobject}{where} "
        "ORDER BY SystemModstamp, Id"
    )


def _fetch(sf, secrets, state: State, plan: dict) -> None:
    """Every page not staged yet, each checkpointed once written."""
    for sobject in OBJECTS:
        progress = plan["pages"][sobject]
        names = plan["fields"][sobject]
        query = soql(sobject, names, plan["since"][sobject])
        while not progress["done"]:
            try:
                _pages(sf, secrets, state, plan, sobject, query)
            except salesforce_api.ExpiredLocator:
                if progress["locator"] is None:
                    raise
                # A run resumed after Salesforce let its locator go (15 minutes unused): the
                # query again from the newest stamp staged; records of that stamp come twice
                # and are mapped once (by Id).
                query = soql(sobject, names, progress["top"], ">=")
                progress["locator"] = None


def _pages(sf, secrets, state: State, plan: dict, sobject: str, query: str) -> None:
    progress = plan["pages"][sobject]
    for records, locator in salesforce_api.pages(sf, query, progress["locator"], sobject, secrets):
        state.append(sobject, records)
        if records:
            stamp = checked(records[-1], "SystemModstamp", str, "Salesforce", sobject)
            progress["top"] = _literal(stamp)
        progress.update(locator=locator, done=locator is None)
        state.save_checkpoint(plan)


def _literal(stamp: str) -> str:
    """A SystemModstamp as a SOQL dateTime literal (UTC, milliseconds kept)."""
    return salesforce_map.ts(stamp).replace("Z", f".{stamp[20:23]}Z")


def _map(state: State, fallback_currency: str) -> tuple[dict[str, list[dict]], list[str]]:
    rows: dict[str, list[dict]] = {table: [] for table in OBJECTS.values()}
    left_out: list[str] = []
    mappers = {
        "Account": lambda r: (salesforce_map.account_row(r, fallback_currency), None),
        "Contact": salesforce_map.contact_row,
        "Opportunity": lambda r: salesforce_map.opportunity_row(r, fallback_currency),
        "Task": salesforce_map.task_row,
        "Event": salesforce_map.event_row,
        "Case": salesforce_map.case_row,
    }
    for sobject, table in OBJECTS.items():
        # A page fetched twice (a crash before its checkpoint) holds the same records: the last
        # staged version of each is the newest.
        latest = {r.get("Id"): r for r in state.staged(sobject)}
        for record in latest.values():
            row, why = mappers[sobject](record)
            if row:
                rows[table].append(row)
            else:
                left_out.append(why)
    return {t: r for t, r in rows.items() if r}, left_out
