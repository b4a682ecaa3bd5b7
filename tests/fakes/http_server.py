"""A local HTTP server on 127.0.0.1 for fake vendor APIs: the fake answers each GET, faults
can be queued per path, and every request is recorded for the tests to read."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

# (method, path, params, headers) -> (status, body, headers)
Answer = Callable[[str, str, dict, dict], tuple[int, str, dict]]


@dataclass
class Fault:
    status: int
    body: str
    headers: dict = field(default_factory=dict)
    times: int = 1  # how many requests it answers; -1: until cleared
    when: Callable[[dict], bool] | None = None  # only requests whose params pass


@dataclass
class Faults:
    queued: dict = field(default_factory=dict)  # path -> [Fault]

    def add(self, path: str, fault: Fault) -> None:
        self.queued.setdefault(path, []).append(fault)

    def clear(self) -> None:
        self.queued.clear()

    def take(self, path: str, params: dict) -> Fault | None:
        for fault in self.queued.get(path, []):
            if fault.times and (fault.when is None or fault.when(params)):
                fault.times -= 1
                return fault
        return None


def serve(answer: Answer) -> tuple[ThreadingHTTPServer, str]:
    """Start a server answering with ``answer`` on a free port; returns it (``shutdown()``
    it) and its URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            parts = urlsplit(self.path)
            params = dict(parse_qsl(parts.query, keep_blank_values=True))
            status, body, headers = answer("GET", parts.path, params, dict(self.headers))
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            for name, value in headers.items():
                self.send_header(name, value)
            data = body.encode()
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):  # quiet: the tests read what the fake recorded
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"
