"""The HTTP server: Alma's routes behind Digest auth, with latency and faults applied on the way."""

import contextlib
import json
import socket
import struct
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from alma_sandbox import control
from alma_sandbox.digest import Verdict
from alma_sandbox.encoding import encode
from alma_sandbox.faults import Fault

if TYPE_CHECKING:
    from alma_sandbox.data import SandboxData
    from alma_sandbox.sandbox import Sandbox

# Per-school routes: template -> how to read the payload from SandboxData.
_SCHOOL_ROUTES: dict[str, Callable[["SandboxData", str, str | None, str | None], Any]] = {
    "school-years": lambda d, school, year, _: d.raw_school_years(school),
    "grade-levels": lambda d, school, year, _: d.raw_grade_levels(school, year),
    "students": lambda d, school, year, _: d.raw_students(school, year),
    "students/grade-levels": lambda d, school, year, _: d.raw_student_grade_levels(school, year),
    "students/{id}/attendance": lambda d, school, year, sid: d.raw_attendance(school, sid or "", year),
    "attendance-codes": lambda d, school, year, _: d.raw_attendance_codes(school, year),
}
_STATUS_TITLES = {
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def match_route(path: str) -> tuple[str, str, str | None]:
    """(route template, slug, student id) for /v2/{slug}/...; the template is "unknown" if none fits."""
    parts = path.split("/")
    if len(parts) < 4 or parts[0] != "" or parts[1] != "v2" or not parts[2]:
        return "unknown", "", None
    slug, rest = parts[2], parts[3:]
    if len(rest) == 3 and rest[0] == "students" and rest[2] == "attendance" and rest[1]:
        return "students/{id}/attendance", slug, unquote(rest[1])
    template = "/".join(rest)
    known = template in _SCHOOL_ROUTES or template in ("ping", "district/schools")
    return (template if known else "unknown"), slug, None


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, sandbox: "Sandbox") -> None:
        self.sandbox = sandbox
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        # Loopback only: the sandbox has fixed, public credentials.
        super().__init__(("127.0.0.1", port), Handler)

    def track(self, conn: socket.socket, alive: bool) -> None:
        with self._connections_lock:
            (self._connections.add if alive else self._connections.discard)(conn)

    def close_connections(self) -> None:
        """End idle keep-alive connections so their handler threads exit when the sandbox stops."""
        with self._connections_lock:
            for conn in list(self._connections):
                with contextlib.suppress(OSError):  # already closed by the client
                    conn.shutdown(socket.SHUT_RDWR)


class Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 with Content-Length on every answer: clients keep the connection (and the nonce) alive.
    protocol_version = "HTTP/1.1"
    server_version = "alma-sandbox"
    sys_version = ""
    timeout = 120  # idle keep-alive connections are dropped after this
    server: SandboxServer

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without this, Nagle plus delayed ACKs add ~40 ms each.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: tests and benchmarks read counters instead

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.request_body = self.rfile.read(length) if length else b""
        split = urlsplit(self.path)
        if split.path.startswith("/_sandbox/"):
            control.handle(self, split)
            return
        sb = self.server.sandbox
        if sb.latency_ms:
            time.sleep(sb.latency_ms / 1000)
        route, slug, student_id = match_route(split.path)
        if self.command != "GET":
            self.problem(
                route, 405, f"{self.command} is not supported: the API is read-only", {"Allow": "GET"}
            )
            return
        verdict = sb.auth.check("GET", self.path, self.headers.get("Authorization"))
        if verdict is not Verdict.OK:
            self.challenge(route, stale=verdict is Verdict.STALE)
            return
        fault = sb.faults.pick(self.path)
        if fault is not None and self._fault(route, fault):
            return
        year = parse_qs(split.query).get("schoolYearId", [None])[0]
        self._answer(route, slug, student_id, year, truncate=fault is not None and fault.kind == "truncate")

    def _answer(
        self, route: str, slug: str, student_id: str | None, year: str | None, truncate: bool
    ) -> None:
        data = self.server.sandbox.data
        if route == "unknown":
            self.problem(route, 404, f"no such resource: {urlsplit(self.path).path}")
            return
        if route == "ping":
            self.send(route, 200, encode(self._ping()))
            return
        if slug == data.district:
            if route != "district/schools":
                self.problem(route, 404, f"{route} is served per school, not on the district slug")
                return
            with data.lock:
                body = encode({"response": data.drifted(route, data.raw_district_schools())})
        elif not data.has_school(slug):
            self.problem(route, 404, f"unknown school or district {slug!r}")
            return
        elif route == "district/schools":
            self.problem(route, 404, "district/schools is served on the district slug")
            return
        else:
            try:
                with data.lock:
                    payload = _SCHOOL_ROUTES[route](data, slug, year, student_id)
                    body = encode({"response": data.drifted(route, payload)})
            except KeyError as exc:
                self.problem(route, 404, str(exc.args[0]))
                return
        if truncate:
            body = body[: max(1, len(body) // 2)]  # still a 200 with a matching Content-Length
        self.send(route, 200, body)

    def _ping(self) -> dict[str, Any]:
        return {
            "ack": int(time.time()),
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "method": self.command,
            "_links": {"rel": "self", "href": "/ping"},
        }

    def _fault(self, route: str, fault: Fault) -> bool:
        """Answer with the fault; False when the request should still be answered (slow, truncate)."""
        kind = fault.kind
        if kind == "slow":
            time.sleep(fault.delay)
            return False
        if kind == "truncate":
            return False
        if kind == "reset":
            self.server.sandbox.counters.record(route, "reset")
            # Linger 0: closing sends a TCP reset instead of a response.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return True
        if kind == "stale_nonce":
            self.challenge(route, stale=True)
            return True
        status = int(kind)
        headers = {"Retry-After": str(fault.retry_after)} if status in (429, 503) else {}
        self.problem(route, status, f"sandbox fault {kind}", headers)
        return True

    def challenge(self, route: str, stale: bool = False) -> None:
        header = self.server.sandbox.auth.challenge(stale=stale)
        self.problem(route, 401, "digest authentication required", {"WWW-Authenticate": header})

    def problem(self, route: str, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        """An RFC 7807 problem body (what Alma's `Accept: application/problem+json` suggests)."""
        body = {
            "type": "about:blank",
            "title": _STATUS_TITLES.get(status, "Error"),
            "status": status,
            "detail": detail,
        }
        self.send(route, status, encode(body), headers, "application/problem+json")

    def send(
        self,
        route: str | None,
        status: int,
        body: bytes,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
    ) -> None:
        if route is not None:
            self.server.sandbox.counters.record(route, status)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_json(self, status: int, payload: Any) -> None:
        """Control-route answers: plain JSON, not counted."""
        self.send(None, status, json.dumps(payload).encode())
