"""A local HTTP server on 127.0.0.1 for fake vendor APIs: the fake answers each GET and POST,
faults can be queued per key (a path, a resource, an object), and every request is recorded for
the tests to read."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: str  # as sent: vendors encode lists and dicts in it their own way
    headers: Message  # case-insensitive, as HTTP headers are
    body: bytes

    @property
    def params(self) -> dict:
        return dict(parse_qsl(self.query, keep_blank_values=True))


# request -> (status, body, headers)
Answer = Callable[[Request], tuple[int, str, dict]]


def reply(status: int, payload: Any, headers: dict | None = None) -> tuple[int, str, dict]:
    """An answer whose body is ``payload`` as JSON."""
    return status, json.dumps(payload), headers or {}


@dataclass
class Fault:
    status: int
    body: str
    headers: dict = field(default_factory=dict)
    times: int = 1  # how many requests it answers; -1: until cleared
    when: Callable[[Any], bool] | None = None  # only requests whose detail passes


@dataclass
class Faults:
    queued: dict = field(default_factory=dict)  # key -> [Fault]

    def add(self, key: str, fault: Fault) -> None:
        self.queued.setdefault(key, []).append(fault)

    def clear(self) -> None:
        self.queued.clear()

    def take(self, key: str, detail: Any) -> Fault | None:
        """The first queued fault for ``key`` that still answers and whose ``when`` passes
        ``detail`` (the params, the request body, the page: whatever the fake keys it on)."""
        for fault in self.queued.get(key, []):
            if fault.times and (fault.when is None or fault.when(detail)):
                fault.times -= 1
                return fault
        return None


class Recording:
    """For fakes whose ``requests`` holds ``(key, detail)`` pairs."""

    requests: list

    def asked(self, key: str) -> list:
        return [detail for k, detail in self.requests if k == key]


def serve(
    answer: Answer,
    content_type: str = "application/json; charset=utf-8",
    always: Callable[[], dict] | None = None,
    keep_alive: bool = False,
) -> tuple[ThreadingHTTPServer, str]:
    """Start a server answering with ``answer`` on a free port; returns it (``shutdown()``
    it) and its URL. ``always`` gives headers sent with every answer, after it was made."""

    class Handler(BaseHTTPRequestHandler):
        if keep_alive:
            protocol_version = "HTTP/1.1"  # as urllib3's pool expects of some vendors

        def _answer(self):
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            request = Request(self.command, parts.path, parts.query, self.headers, body)
            status, text, headers = answer(request)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            for name, value in {**(always() if always else {}), **headers}.items():
                self.send_header(name, value)
            data = text.encode()
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _answer

        def log_message(self, *args):  # quiet: the tests read what the fake recorded
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def start(fake, **options) -> ThreadingHTTPServer:
    """Serve ``fake.answer`` (``options`` as :func:`serve` takes them) and set ``fake.url``;
    returns the server (``shutdown()`` it)."""
    server, fake.url = serve(fake.answer, **options)
    return server


@contextmanager
def running(fake, start: Callable[[Any], ThreadingHTTPServer]) -> Iterator:
    """``fake`` served (``start`` serves it and returns the server) until the block ends."""
    server = start(fake)
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
