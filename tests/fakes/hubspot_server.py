"""A fake HubSpot API on 127.0.0.1, serving the documented shapes of the CRM v3 search
(``POST /crm/v3/objects/{type}/search``: ``filterGroups`` of ``GTE``/``LTE``/``GT`` filters,
``sorts``, ``properties``, ``limit`` up to 200, ``after``; answers ``{"total", "results",
"paging": {"next": {"after"}}}``, with ``paging`` absent on the last page and a 400 past the
10,000th result) and the v4 associations batch read (``POST /crm/v4/associations/{from}/{to}/
batch/read``; an object's associations paged with ``paging.next.after``; 207 with
``NO_ASSOCIATIONS_FOUND`` errors for objects without any). Errors are
HubSpot's ``{"status": "error", "message", "category", "correlationId"}``; a 429 is its
``RATE_LIMIT`` error with its ``X-HubSpot-RateLimit-*`` headers.

Faults can be queued per path (a 429, a 500, a body that is not JSON, a lasting error) and
every request is recorded, so the tests can say what was asked.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from tests.fakes import http_server
from tests.fakes.http_server import Fault, Faults, Recording, Request

SEARCH_LIMIT = 10_000
ASSOCIATIONS_PAGE = 500  # associations of one object per answer; more: paging.next.after
OPERATORS = {
    "GT": lambda a, b: a > b,
    "GTE": lambda a, b: a >= b,
    "LT": lambda a, b: a < b,
    "LTE": lambda a, b: a <= b,
    "EQ": lambda a, b: a == b,
}


@dataclass
class FakeHubSpot(Recording):
    token: str
    objects: dict = field(default_factory=dict)  # type -> [object]
    links: dict = field(default_factory=dict)  # (from type, to type) -> {id: [(to id, label)]}
    faults: Faults = field(default_factory=Faults)  # by path
    requests: list = field(default_factory=list)  # (path, body)
    url: str = ""

    def fail(
        self, path: str, status: int, body: str | None = None, after: str | None = None, **kw
    ) -> None:
        """Queue a fault for ``path``; ``after``: only for searches paging from that ``after``."""
        if status == 429:
            payload = error("You have reached your secondly limit.", "RATE_LIMITS")
            payload = json.dumps({**json.loads(payload), "policyName": "SECONDLY"})
            kw.setdefault("headers", {}).update(
                {
                    "X-HubSpot-RateLimit-Secondly": "10",
                    "X-HubSpot-RateLimit-Secondly-Remaining": "0",
                }
            )
        else:
            payload = error(f"fake failure {status}", "INTERNAL_ERROR")
        if after is not None:
            kw["when"] = lambda request: request.get("after") == after
        self.faults.add(path, Fault(status, body or payload, **kw))

    def clear_faults(self) -> None:
        self.faults.clear()

    # -- answering ----------------------------------------------------------------------
    def answer(self, sent: Request):
        method, path, auth = sent.method, sent.path, sent.headers.get("Authorization")
        try:
            request = json.loads(sent.body or b"{}")
        except json.JSONDecodeError:
            return 400, error("Invalid input JSON", "VALIDATION_ERROR"), {}
        self.requests.append((path, request))
        if auth != f"Bearer {self.token}":
            return 401, error("Authentication credentials not found.", "INVALID_AUTHENTICATION"), {}
        if method != "POST":
            return 405, error("the fake serves POST only", "VALIDATION_ERROR"), {}
        fault = self.faults.take(path, request)
        if fault:
            return fault.status, fault.body, fault.headers
        parts = path.strip("/").split("/")
        if parts[:3] == ["crm", "v3", "objects"] and len(parts) == 5 and parts[4] == "search":
            return self._search(parts[3], request)
        if parts[:3] == ["crm", "v4", "associations"] and parts[5:] == ["batch", "read"]:
            return self._associations(parts[3], parts[4], request)
        return 404, error(f"Unable to route POST {path}", "OBJECT_NOT_FOUND"), {}

    def _search(self, kind: str, request: dict):
        if kind not in self.objects:
            return 400, error(f"Unable to infer object type from: {kind}", "VALIDATION_ERROR"), {}
        limit = int(request.get("limit", 10))
        offset = int(request.get("after") or 0)
        if limit > 200:
            return 400, error("limit must be 200 or less", "VALIDATION_ERROR"), {}
        if offset + limit > SEARCH_LIMIT:
            message = f"Cannot page beyond {SEARCH_LIMIT} results"
            return 400, error(message, "VALIDATION_ERROR"), {}
        rows = [o for o in self.objects[kind] if matches(o, request)]
        for sort in reversed(request.get("sorts") or []):
            name = sort["propertyName"] if isinstance(sort, dict) else sort.lstrip("-")
            descending = isinstance(sort, dict) and sort.get("direction") == "DESCENDING"
            rows.sort(key=lambda o, n=name: as_millis(o["properties"].get(n)), reverse=descending)
        wanted = set(request.get("properties") or [])
        page = [
            {**o, "properties": {k: v for k, v in o["properties"].items() if k in wanted}}
            for o in rows[offset : offset + limit]
        ]
        answer = {"total": len(rows), "results": page}
        if offset + limit < len(rows):
            after = str(offset + limit)
            answer["paging"] = {"next": {"after": after, "link": f"?after={after}"}}
        return 200, json.dumps(answer), {}

    def _associations(self, source: str, target: str, request: dict):
        links = self.links.get((source, target), {})
        results, errors = [], []
        for item in request.get("inputs", []):
            everything = links.get(item["id"], [])
            start = int(item.get("after") or 0)
            found = everything[start : start + ASSOCIATIONS_PAGE]
            if not found:
                errors.append(
                    {
                        "status": "error",
                        "category": "OBJECT_NOT_FOUND",
                        "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
                        "message": f"No {target} is associated with {source} {item['id']}.",
                        "context": {"fromObjectId": [item["id"]]},
                    }
                )
                continue
            results.append(
                {
                    "from": {"id": item["id"]},
                    "to": [
                        {
                            "toObjectId": int(to),
                            "associationTypes": [
                                {"category": "HUBSPOT_DEFINED", "typeId": 1, "label": label}
                            ],
                        }
                        for to, label in found
                    ],
                }
            )
            if start + ASSOCIATIONS_PAGE < len(everything):
                after = str(start + ASSOCIATIONS_PAGE)
                results[-1]["paging"] = {"next": {"after": after, "link": None}}
        now = "2026-10-20T06:00:00.000Z"
        answer = {"status": "COMPLETE", "results": results, "startedAt": now, "completedAt": now}
        if errors:
            answer |= {"numErrors": len(errors), "errors": errors}
        return (207 if errors else 200), json.dumps(answer), {}


def as_millis(value: str | None) -> int:
    if value is None or value == "":
        return -1
    if value.isdigit():
        return int(value)
    return int(datetime.fromisoformat(value).timestamp() * 1000)


def matches(obj: dict, request: dict) -> bool:
    groups = request.get("filterGroups") or [{"filters": []}]
    return any(
        all(
            OPERATORS[f["operator"]](
                as_millis(obj["properties"].get(f["propertyName"])), int(f["value"])
            )
            for f in group.get("filters", [])
        )
        for group in groups
    )


def error(message: str, category: str) -> str:
    return json.dumps(
        {
            "status": "error",
            "message": message,
            "correlationId": str(uuid.uuid4()),
            "category": category,
        }
    )


def serve(fake: FakeHubSpot):
    """Start ``fake`` on a free port of 127.0.0.1; returns the server (``shutdown()`` it)."""
    return http_server.start(fake, content_type="application/json;charset=utf-8", keep_alive=True)
