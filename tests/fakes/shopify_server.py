"""A fake Shopify REST Admin API (version 2026-10) on 127.0.0.1, serving the documented shapes:
``GET /admin/api/2026-10/{shop,customers,products,orders}.json`` as ``{"<resource>": ...}``,
the ``X-Shopify-Access-Token`` header, ``updated_at_min``/``updated_at_max`` and ``status``
filters, cursor pagination through the ``Link`` header (``rel="next"``/``rel="previous"``,
``page_info``, with which only ``limit`` may be sent), the
``X-Shopify-Shop-Api-Call-Limit`` header, and errors as ``{"errors": ...}``.

Faults can be queued per resource (a 429 with ``Retry-After``, a 500, a body that is not
JSON, a lasting error) and every request is recorded.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from tests.fakes import http_server
from tests.fakes.http_server import Fault, Faults, Recording, Request

VERSION = "2026-10"
LISTS = ("customers", "products", "orders")
TOO_MANY = (
    "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted "
    "service."
)


@dataclass
class FakeShopify(Recording):
    token: str
    shop: dict = field(default_factory=dict)
    world: dict = field(default_factory=lambda: {name: [] for name in LISTS})
    faults: Faults = field(default_factory=Faults)
    requests: list = field(default_factory=list)  # (resource, params)
    bucket: int = 1  # calls in the leaky bucket, as the call-limit header reports
    cursors: dict = field(default_factory=dict)  # page_info -> (resource, filters, offset)
    url: str = ""

    def fail(self, resource: str, status: int, body: str | None = None, **kw) -> None:
        errors = {"errors": TOO_MANY if status == 429 else "Internal Server Error"}
        if status == 429:
            kw.setdefault("headers", {"Retry-After": "1.0"})
        self.faults.add(resource, Fault(status, body or json.dumps(errors), **kw))

    def answer(self, request: Request):
        path, params, headers = request.path, request.params, request.headers
        prefix = f"/admin/api/{VERSION}/"
        resource = path.removeprefix(prefix).removesuffix(".json")
        self.requests.append((resource, params))
        limit = {"X-Shopify-Shop-Api-Call-Limit": f"{self.bucket}/40"}
        if headers.get("X-Shopify-Access-Token") != self.token:
            body = "[API] Invalid API key or access token (unrecognized login or wrong password)"
            return 401, json.dumps({"errors": body}), {}
        fault = self.faults.take(resource, params)
        if fault:
            return fault.status, fault.body, fault.headers
        if not path.startswith(prefix) or not path.endswith(".json"):
            return 404, json.dumps({"errors": "Not Found"}), {}
        if resource == "shop":
            return 200, json.dumps({"shop": self.shop}), limit
        if resource not in LISTS:
            return 404, json.dumps({"errors": "Not Found"}), {}
        return self._list(resource, params, limit)

    def _list(self, resource: str, params: dict, headers: dict):
        limit = int(params.get("limit", 50))
        if limit > 250:
            return 400, json.dumps({"errors": {"limit": "Limit must be <= 250"}}), {}
        if "page_info" in params:
            extra = set(params) - {"page_info", "limit"}
            if extra or params["page_info"] not in self.cursors:
                why = "page_info - Invalid value." if not extra else "page_info: only limit"
                return 400, json.dumps({"errors": {"page_info": why}}), {}
            _, filters, offset = self.cursors[params["page_info"]]
        else:
            filters, offset = params, 0
        rows = sorted(
            (o for o in self.world[resource] if _passes(o, resource, filters)),
            key=lambda o: o["id"],
        )
        page = rows[offset : offset + limit]
        links = []
        if offset + limit < len(rows):
            links.append(self._link(resource, filters, offset + limit, limit, "next"))
        if offset:
            links.append(self._link(resource, filters, max(offset - limit, 0), limit, "previous"))
        if links:
            headers = {**headers, "Link": ", ".join(links)}
        return 200, json.dumps({resource: page}), headers

    def _link(self, resource: str, filters: dict, offset: int, limit: int, rel: str) -> str:
        token = secrets.token_urlsafe(12)
        self.cursors[token] = (resource, filters, offset)
        url = f"{self.url}/admin/api/{VERSION}/{resource}.json?limit={limit}&page_info={token}"
        return f'<{url}>; rel="{rel}"'


def _passes(obj: dict, resource: str, filters: dict) -> bool:
    updated = datetime.fromisoformat(obj["updated_at"])
    if "updated_at_min" in filters and updated < datetime.fromisoformat(filters["updated_at_min"]):
        return False
    if "updated_at_max" in filters and updated > datetime.fromisoformat(filters["updated_at_max"]):
        return False
    if resource == "orders":
        # the default is status=open: closed and cancelled orders only with status=any
        status = filters.get("status", "open")
        is_open = obj.get("closed_at") is None and obj.get("cancelled_at") is None
        return status == "any" or (status == "open" and is_open)
    return True


def serve(fake: FakeShopify):
    """Start ``fake`` on a free port of 127.0.0.1; returns the server (``shutdown()`` it)."""
    return http_server.start(fake)
