"""A small threaded HTTP server base: routes, request recording and fault injection."""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit


@dataclass
class Recorded:
    """One request the fake received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def param(self, name: str) -> str | None:
        """First value of a query parameter (or form field for form bodies)."""
        values = self.query.get(name) or self.form().get(name)
        return values[0] if values else None

    def form(self) -> dict[str, list[str]]:
        """The body parsed as application/x-www-form-urlencoded."""
        try:
            return parse_qs(self.body.decode("utf-8"))
        except UnicodeDecodeError:
            return {}


@dataclass
class Reply:
    """What a route answers."""

    status: int = 200
    body: bytes | str | dict | list | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to sleep before answering (timeouts)
    drop: bool = False  # close the connection without an answer

    def encoded(self) -> tuple[bytes, str]:
        if isinstance(self.body, (dict, list)):
            return json.dumps(self.body).encode(), "application/json; charset=utf-8"
        if isinstance(self.body, str):
            return self.body.encode(), self.headers.get("Content-Type", "application/json; charset=utf-8")
        return self.body or b"", self.headers.get("Content-Type", "application/octet-stream")


Handler = Callable[[Recorded], Reply]


class FakeServer:
    """Start with `with FakeServer() as fake:`; `fake.url` is its base URL.

    Subclasses (or tests) add routes with `route(method, path_prefix, handler)`. Faults queued with
    `fail_next(path_prefix, reply, times)` are served before the normal route answers.
    """

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._routes: list[tuple[str, str, Handler]] = []
        self._faults: deque[tuple[str, Reply]] = deque()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- set-up ---------------------------------------------------------------------------
    def route(self, method: str, path: str, handler: Handler, *, exact: bool = False) -> None:
        """Answer `method path…` (prefix match unless exact) with `handler`; later routes win."""
        self._routes.insert(0, (method.upper(), ("=" if exact else "") + path, handler))

    def fail_next(self, path_prefix: str, reply: Reply, times: int = 1) -> None:
        """Serve `reply` for the next `times` requests whose path starts with `path_prefix`."""
        with self._lock:
            for _ in range(times):
                self._faults.append((path_prefix, reply))

    @property
    def url(self) -> str:
        assert self._server is not None, "server not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def requests_to(self, path_prefix: str) -> list[Recorded]:
        """Recorded requests whose path starts with `path_prefix`."""
        with self._lock:
            return [r for r in self.requests if r.path.startswith(path_prefix)]

    # -- life cycle -------------------------------------------------------------------------
    def start(self) -> "FakeServer":
        fake = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out as two writes: avoid 40 ms delayed-ACK stalls

            def log_message(self, *args: Any) -> None:  # silence
                return

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                rec = Recorded(self.command, parts.path, parse_qs(parts.query), dict(self.headers.items()), body)
                with fake._lock:
                    fake.requests.append(rec)
                reply = fake._dispatch(rec)
                if reply.delay:
                    import time

                    time.sleep(reply.delay)
                if reply.drop:
                    self.close_connection = True
                    try:
                        self.connection.shutdown(2)
                    except OSError:
                        pass
                    return
                payload, ctype = reply.encoded()
                try:
                    self.send_response(reply.status)
                    headers = {"Content-Type": ctype, **reply.headers}
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(payload)))
                    if self.close_connection:  # the client sent `Connection: close` (prawcore's token call does)
                        self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        # A short poll interval: shutdown() waits for it, once per fake per test (0.5 s by default).
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "FakeServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- dispatch ---------------------------------------------------------------------------
    def _dispatch(self, rec: Recorded) -> Reply:
        with self._lock:
            for index, (prefix, reply) in enumerate(self._faults):
                if rec.path.startswith(prefix):
                    del self._faults[index]
                    return reply
            routes = list(self._routes)
        for method, path, handler in routes:
            exact = path.startswith("=")
            target = path[1:] if exact else path
            if method in (rec.method, "*") and (rec.path == target if exact else rec.path.startswith(target)):
                try:
                    return handler(rec)
                except Exception as exc:  # a bug in a fake must be visible, not a hang
                    return Reply(500, {"error": f"fake server error: {exc!r}"})
        return Reply(404, {"error": "not found", "path": rec.path})
