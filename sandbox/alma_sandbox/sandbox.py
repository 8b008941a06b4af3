"""Sandbox: the data, auth, faults and counters behind one server running in background threads."""

import threading
from typing import Any

from alma_sandbox import defaults
from alma_sandbox.counters import Counters
from alma_sandbox.data import SandboxData
from alma_sandbox.digest import DigestAuth
from alma_sandbox.faults import Faults
from alma_sandbox.server import SandboxServer


class Sandbox:
    """A running Alma stand-in. Use as a context manager, or call start() and stop()."""

    def __init__(
        self,
        seed: int = defaults.SEED,
        schools: int = defaults.SCHOOLS,
        students: int = defaults.STUDENTS,
        years: int = defaults.YEARS,
        days: int = defaults.DAYS,
        district: str = defaults.DISTRICT,
        api_key: str = defaults.SANDBOX_API_KEY,
        api_secret: str = defaults.SANDBOX_API_SECRET,
        latency_ms: float = defaults.LATENCY_MS,
        nonce_ttl: float = defaults.NONCE_TTL,
        port: int = defaults.PORT,
    ) -> None:
        self.district, self.api_key, self.api_secret = district, api_key, api_secret
        self.data = SandboxData(seed, schools, students, years, days, district)
        self.auth = DigestAuth(district, api_key, api_secret, nonce_ttl)
        self.faults = Faults(seed)
        self.counters = Counters()
        self.latency_ms = latency_ms
        self._port = port
        self._server: SandboxServer | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:  # never shows the secret
        return f"Sandbox(url={self.url!r}, district={self.district!r})"

    @property
    def nonce_ttl(self) -> float:
        return self.auth.nonce_ttl

    @nonce_ttl.setter
    def nonce_ttl(self, seconds: float) -> None:
        self.auth.nonce_ttl = seconds

    @property
    def port(self) -> int:
        return self._server.server_address[1] if self._server else self._port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def tap_config(self) -> dict[str, Any]:
        return {
            "api_key": self.api_key,
            "api_secret": self.api_secret,
            "district": self.district,
            "api_url": self.url,
        }

    def start(self) -> "Sandbox":
        if self._server is None:
            self._server = SandboxServer(self._port, self)
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.1},
                name="alma-sandbox",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._port = server.server_address[1]  # keep `url` meaningful after stop
        server.shutdown()
        server.server_close()
        server.close_connections()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> "Sandbox":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
