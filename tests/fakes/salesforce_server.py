"""A fake Salesforce org on 127.0.0.1, serving the documented REST API v62.0 shapes: the OAuth
2.0 client-credentials token (``/services/oauth2/token``), an object's describe, and SOQL
queries (``/query?q=``) answered as ``{totalSize, done, records, nextRecordsUrl}`` with each
record's ``attributes``, continued at ``nextRecordsUrl`` (``/query/<locator>-<offset>``);
errors as Salesforce's list of ``{message, errorCode}``.

It understands the queries the connector sends (``SELECT <fields> FROM <object> [WHERE
SystemModstamp >[=] <dateTime>] ORDER BY SystemModstamp, Id``) and nothing else. Faults can be
queued per object (a 429 with ``Retry-After``, a 500, REQUEST_LIMIT_EXCEEDED, a body that is
not JSON) and every request is recorded.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from tests.fakes import http_server
from tests.fakes.http_server import Fault, Faults, Request

VERSION = "62.0"
DATA = f"/services/data/v{VERSION}"
QUERY = re.compile(
    r"SELECT (?P<fields>[\w, ]+) FROM (?P<object>\w+)"
    r"(?: WHERE SystemModstamp (?P<op>>=?) (?P<since>[\d\-T:.]+Z))? ORDER BY SystemModstamp, Id"
)


@dataclass
class FakeSalesforce:
    client_id: str
    client_secret: str
    token: str = "00Dfake!AQ0AQfakeaccesstoken"
    page_size: int = 2000  # Salesforce's default batch
    world: dict = field(default_factory=dict)  # object -> [record]
    extra_fields: dict = field(default_factory=dict)  # object -> field names beyond the records'
    faults: Faults = field(default_factory=Faults)  # by object
    requests: list = field(default_factory=list)  # (method, path, query)
    queries: dict = field(default_factory=dict)  # locator -> (object, rows)
    url: str = ""

    def fail(
        self,
        sobject: str,
        status: int,
        code: str = "",
        body: str | None = None,
        page: int | None = None,
        **kw,
    ):
        """Queue a fault for ``sobject``'s queries; ``page``: only that page (0: the query, 1:
        the first query_more...)."""
        headers = kw.pop("headers", {})
        if status == 429 and "Retry-After" not in headers:
            headers["Retry-After"] = "0"
        message = {"REQUEST_LIMIT_EXCEEDED": "TotalRequests Limit exceeded."}.get(code, "fake")
        text = body if body is not None else json.dumps([{"message": message, "errorCode": code}])
        if page is not None:
            kw["when"] = lambda asked: asked == page
        self.faults.add(sobject, Fault(status, text, headers, **kw))

    def expire_locators(self) -> None:
        """Salesforce drops a query locator unused for 15 minutes."""
        self.queries.clear()

    def soql(self) -> list[str]:
        return [
            parse_qs(q)["q"][0] for m, p, q in self.requests if p.rstrip("/") == f"{DATA}/query"
        ]

    # -- answering ----------------------------------------------------------------------
    def answer(self, request: Request):
        method, path, query = request.method, request.path, request.query
        auth = request.headers.get("Authorization")
        self.requests.append((method, path, query))
        if path == "/services/oauth2/token" and method == "POST":
            form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
            if form.get("grant_type") != "client_credentials":
                return 400, json.dumps({"error": "unsupported_grant_type"}), {}
            if (form.get("client_id"), form.get("client_secret")) != (
                self.client_id,
                self.client_secret,
            ):
                error = {
                    "error": "invalid_client",
                    "error_description": "invalid client credentials",
                }
                return 400, json.dumps(error), {}
            return (
                200,
                json.dumps(
                    {
                        "access_token": self.token,
                        "instance_url": self.url,
                        "id": f"{self.url}/id/00Dfake/005fake",
                        "token_type": "Bearer",
                        "issued_at": "1764662400000",
                        "signature": "fakesignature=",
                    }
                ),
                {},
            )
        if auth != f"Bearer {self.token}":
            return 401, errors("Session expired or invalid", "INVALID_SESSION_ID"), {}
        if method != "GET" or not path.startswith(DATA):
            return 404, errors("The requested resource does not exist", "NOT_FOUND"), {}
        rest = path[len(DATA) :].strip("/").split("/")
        if len(rest) == 3 and rest[0] == "sobjects" and rest[2] == "describe":
            return self._describe(rest[1])
        if rest == ["query"]:
            return self._query(parse_qs(query).get("q", [""])[0])
        if len(rest) == 2 and rest[0] == "query":
            return self._more(rest[1])
        return 404, errors("The requested resource does not exist", "NOT_FOUND"), {}

    def _fault(self, sobject: str, page: int):
        fault = self.faults.take(sobject, page)
        return (fault.status, fault.body, fault.headers) if fault else None

    def _describe(self, sobject: str):
        if sobject not in self.world:
            return 404, errors(f"The requested resource does not exist: {sobject}", "NOT_FOUND"), {}
        names = {"Id", "IsDeleted", "SystemModstamp", *self.extra_fields.get(sobject, ())}
        for record in self.world[sobject]:
            names |= {k for k in record if k != "attributes"}
        fields = [{"name": n, "type": "string"} for n in sorted(names)]
        return 200, json.dumps({"name": sobject, "queryable": True, "fields": fields}), {}

    def _query(self, soql: str):
        match = QUERY.fullmatch(soql)
        if not match:
            return 400, errors(f"fake cannot parse {soql!r}", "MALFORMED_QUERY"), {}
        sobject = match["object"]
        fault = self._fault(sobject, 0)
        if fault:
            return fault
        wanted = [f.strip() for f in match["fields"].split(",")]
        since = match["since"]
        rows = [
            r
            for r in self.world[sobject]
            if not r.get("IsDeleted")
            and (
                since is None
                or _instant(r["SystemModstamp"]) > since
                or (match["op"] == ">=" and _instant(r["SystemModstamp"]) == since)
            )
        ]
        rows.sort(key=lambda r: (_instant(r["SystemModstamp"]), r["Id"]))
        records = [
            {
                "attributes": {"type": sobject, "url": f"{DATA}/sobjects/{sobject}/{r['Id']}"},
                **{f: r.get(f) for f in wanted},
            }
            for r in rows
        ]
        locator = f"01gFAKE{len(self.queries):08d}"
        self.queries[locator] = (sobject, records)
        return 200, json.dumps(self._page(locator, 0)), {}

    def _more(self, token: str):
        locator, _, offset = token.rpartition("-")
        if locator not in self.queries or not offset.isdigit():
            return 400, errors("invalid query locator", "INVALID_QUERY_LOCATOR"), {}
        sobject, _ = self.queries[locator]
        fault = self._fault(sobject, int(offset) // self.page_size)
        if fault:
            return fault
        return 200, json.dumps(self._page(locator, int(offset))), {}

    def _page(self, locator: str, offset: int) -> dict:
        _, records = self.queries[locator]
        end = offset + self.page_size
        page = {
            "totalSize": len(records),
            "done": end >= len(records),
            "records": records[offset:end],
        }
        if end < len(records):
            page["nextRecordsUrl"] = f"{DATA}/query/{locator}-{end}"
        return page


def _instant(stamp: str) -> str:
    """``2026-01-05T10:00:00.000+0000`` as the connector's literal ``...000Z`` (both UTC)."""
    return stamp.replace("+0000", "Z")


def errors(message: str, code: str) -> str:
    return json.dumps([{"message": message, "errorCode": code}])


def serve(fake: FakeSalesforce):
    """Start ``fake`` on a free port of 127.0.0.1; returns the server (``shutdown()`` it)."""
    return http_server.start(
        fake,
        content_type="application/json;charset=UTF-8",
        always=lambda: {"Sforce-Limit-Info": f"api-usage={len(fake.requests)}/15000"},
    )
