"""A fake Stripe API on 127.0.0.1, serving the documented shapes of API version
2026-10-28.endive: list objects (``object``, ``data``, ``has_more``, ``url``) newest first,
``limit``/``starting_after`` paging, ``created`` range filters, ``types[]`` on events,
``expand[]=data.product`` on prices, ``status=all`` on subscriptions, an invoice's further
lines and a product by id; errors as Stripe's ``{"error": {...}}`` objects.

Faults can be queued per path (a 429 with ``Retry-After``, a 500, a body that is not JSON, a
lasting error) and every request is recorded, so the tests can say what was asked and when.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from tests.fakes import http_server
from tests.fakes.http_server import Fault, Faults, Recording, Request

LISTS = ("customers", "prices", "subscriptions", "invoices", "events")


@dataclass
class FakeStripe(Recording):
    key: str
    world: dict = field(default_factory=lambda: {name: [] for name in LISTS})
    products: dict = field(default_factory=dict)
    faults: Faults = field(default_factory=Faults)  # by path
    requests: list = field(default_factory=list)  # (path, params)
    url: str = ""

    def fail(
        self, path: str, status: int, body: str | None = None, after: str | None = None, **kw
    ) -> None:
        """Queue a fault for ``path``; ``after``: only for requests paging after that id."""
        error = {"error": {"type": "api_error", "message": f"fake failure {status}"}}
        if status == 429:
            error = {
                "error": {
                    "type": "invalid_request_error",
                    "code": "rate_limit",
                    "message": "Too many requests",
                }
            }
        if after is not None:
            kw["when"] = lambda params: params.get("starting_after") == after
        self.faults.add(path, Fault(status, body or json.dumps(error), **kw))

    def clear_faults(self) -> None:
        self.faults.clear()

    # -- answering ----------------------------------------------------------------------
    def answer(self, request: Request):
        path, auth = request.path, request.headers.get("Authorization")
        params = parse_params(request.query)
        self.requests.append((path, params))
        if request.method != "GET":
            return 405, error("invalid_request_error", "the fake serves GET only"), {}
        if auth != f"Bearer {self.key}":
            message = f"Invalid API Key provided: {(auth or '').removeprefix('Bearer ')}"
            return 401, error("invalid_request_error", message), {}
        fault = self.faults.take(path, params)
        if fault:
            return fault.status, fault.body, fault.headers
        parts = path.strip("/").split("/")
        if parts[:1] != ["v1"]:
            return 404, error("invalid_request_error", f"Unrecognized request URL ({path})"), {}
        if len(parts) == 2 and parts[1] in LISTS:
            return 200, json.dumps(self._list(parts[1], path, params)), {}
        if len(parts) == 4 and parts[1] == "invoices" and parts[3] == "lines":
            return 200, json.dumps(self._lines(parts[2], path, params)), {}
        if len(parts) == 3 and parts[1] == "products" and parts[2] in self.products:
            return 200, json.dumps(self.products[parts[2]]), {}
        return 404, error("invalid_request_error", f"No such object: {path}"), {}

    def _list(self, name: str, path: str, params: dict) -> dict:
        rows = [o for o in self.world[name] if in_range(o["created"], params.get("created"))]
        if name == "events" and "types" in params:
            rows = [o for o in rows if o["type"] in params["types"]]
        if name == "subscriptions" and params.get("status") != "all":
            rows = [o for o in rows if o["status"] != "canceled"]
        rows.sort(key=lambda o: (o["created"], o["id"]), reverse=True)  # newest first
        if name == "prices" and "data.product" in params.get("expand", []):
            rows = [{**o, "product": self.products[o["product"]]} for o in rows]
        return page(rows, path, params)

    def _lines(self, invoice_id: str, path: str, params: dict) -> dict:
        invoice = next(o for o in self.world["invoices"] if o["id"] == invoice_id)
        return page(invoice["all_lines"], path, params)


def page(rows: list[dict], url: str, params: dict) -> dict:
    limit = int(params.get("limit", 10))
    after = params.get("starting_after")
    if after:
        ids = [o["id"] for o in rows]
        rows = rows[ids.index(after) + 1 :]
    data = [{k: v for k, v in o.items() if k != "all_lines"} for o in rows[:limit]]
    return {"object": "list", "data": data, "has_more": len(rows) > limit, "url": url}


def in_range(value: int, bounds: dict | None) -> bool:
    tests = {"gt": value.__gt__, "gte": value.__ge__, "lt": value.__lt__, "lte": value.__le__}
    return all(tests[op](int(v)) for op, v in (bounds or {}).items())


def parse_params(query: str) -> dict:
    """Stripe's form encoding: ``a[b]=1`` is a dict, ``a[0]=x`` and ``a[]=x`` a list."""
    params: dict = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        match = re.fullmatch(r"(\w+)\[(\w*)\]", key)
        if not match:
            params[key] = value
        elif match[2] == "" or match[2].isdigit():
            params.setdefault(match[1], []).append(value)
        else:
            params.setdefault(match[1], {})[match[2]] = value
    return params


def error(kind: str, message: str) -> str:
    return json.dumps({"error": {"type": kind, "message": message}})


def serve(fake: FakeStripe):
    """Start ``fake`` on a free port of 127.0.0.1; returns the server (``shutdown()`` it)."""
    return http_server.start(
        fake,
        content_type="application/json",
        always=lambda: {"Request-Id": f"req_fake_{len(fake.requests)}"},
    )
