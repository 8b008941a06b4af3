"""A local BigQuery emulator (local-bigquery) on 127.0.0.1, started and stopped by the warehouse tests.

`scripts/install-bigquery-emulator.sh` installs it into `.venv-bigquery-emulator/` (Python 3.13, with
DuckDB's extensions on disk so nothing is downloaded at run time). This module needs only the standard
library: it talks to the emulator over BigQuery's REST API, so the test venv needs no Google client.

    with BigQueryEmulator() as bq:
        subprocess.run([target], env=os.environ | bq.env(), ...)
        assert bq.row_count("alma_raw", "students") == 3
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple

REPO_ROOT = Path(__file__).resolve().parents[2]
EMULATOR_VENV = REPO_ROOT / ".venv-bigquery-emulator"
INSTALLER = "scripts/install-bigquery-emulator.sh"
# The DuckDB extensions the emulator loads; a missing file would make DuckDB try to download it.
EXTENSIONS = ("ducklake", "icu", "spatial")
# google-auth never refreshes a token whose expiry is this far off, so no call leaves the machine.
_OFFLINE_TOKEN_EXPIRY = "2999-12-31T23:59:59Z"


class EmulatorNotInstalledError(RuntimeError):
    """The emulator's venv is missing or incomplete."""


class EmulatorError(RuntimeError):
    """The emulator did not start, or answered a request with an error."""


class Column(NamedTuple):
    """One column of a table as BigQuery describes it."""

    name: str
    type: str  # STRING, INTEGER, TIMESTAMP, RECORD, ...
    mode: str  # NULLABLE, REQUIRED or REPEATED


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _check_installed(venv: Path) -> Path:
    """Return the emulator's HOME, or raise naming the installer."""
    home = venv / "home"
    server = venv / "bin" / "local-bigquery"
    missing = [] if server.exists() else [str(server)]
    missing += [
        f"{name}.duckdb_extension"
        for name in EXTENSIONS
        if not list(home.glob(f".duckdb/extensions/*/*/{name}.duckdb_extension"))
    ]
    if missing or not (venv / ".installed").exists():
        raise EmulatorNotInstalledError(
            f"the local BigQuery emulator is not installed in {venv} "
            f"(missing: {', '.join(missing) or 'the install stamp'}); run {INSTALLER} "
            "(make test runs it)"
        )
    return home


class BigQueryEmulator:
    """local-bigquery serving one project on free loopback ports, with its data in a temp dir."""

    def __init__(
        self,
        project: str = "local-proj",
        *,
        venv: Path = EMULATOR_VENV,
        start_timeout: float = 60.0,
    ) -> None:
        self.project = project
        self.venv = venv
        self.start_timeout = start_timeout
        self.port = 0
        self.grpc_port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._log_path: Path | None = None

    # ---- life cycle ---------------------------------------------------------------------------

    @property
    def host(self) -> str:
        """The REST endpoint, as BIGQUERY_EMULATOR_HOST wants it (with the scheme)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def tmp_dir(self) -> Path:
        if self._tmp is None:
            raise EmulatorError("the emulator is not started")
        return Path(self._tmp.name)

    @property
    def credentials_path(self) -> Path:
        return self.tmp_dir / "offline-authorized-user.json"

    def __enter__(self) -> BigQueryEmulator:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        home = _check_installed(self.venv)
        self._tmp = tempfile.TemporaryDirectory(prefix="bigquery-emulator-")
        self._write_credentials()
        try:
            # A free port can be taken between our probe and the emulator's bind: try a few.
            for attempt in range(3):
                self.port, self.grpc_port = _free_port(), _free_port()
                if self._launch(home, attempt):
                    return
            raise EmulatorError(f"local-bigquery did not start after 3 tries; its log:\n{self.log_tail()}")
        except BaseException:
            self.stop()
            raise

    def _launch(self, home: Path, attempt: int) -> bool:
        data_dir = self.tmp_dir / f"data-{attempt}"
        data_dir.mkdir()
        self._log_path = self.tmp_dir / f"local-bigquery-{attempt}.log"
        # Only what it needs: local-bigquery also reads settings (DATA_DIR, GROUPS, ...) from the env.
        env = {
            "HOME": str(home),  # where the extension files are; the emulator's alone
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "TMPDIR": str(self.tmp_dir),
            "PYTHONUNBUFFERED": "1",
        }
        command = [
            str(self.venv / "bin" / "local-bigquery"),
            "serve",
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--grpc-port", str(self.grpc_port),
            "--project", self.project,
            "--data-dir", str(data_dir),
        ]  # fmt: skip
        with self._log_path.open("wb") as log:
            self._process = subprocess.Popen(
                command,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so stop() reaches its children
            )
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self._process = None
                return False
            with contextlib.suppress(OSError, EmulatorError):
                self._request("GET", f"projects/{self.project}/datasets", timeout=2)
                return True
            time.sleep(0.1)
        raise EmulatorError(
            f"local-bigquery did not answer on {self.host} within {self.start_timeout:.0f} s; "
            f"its log:\n{self.log_tail()}"
        )

    def stop(self) -> None:
        """Stop the emulator and everything it started; remove its data."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def log_tail(self, lines: int = 40) -> str:
        if self._log_path is None or not self._log_path.exists():
            return "(no log)"
        return "\n".join(self._log_path.read_text(errors="replace").splitlines()[-lines:])

    def rss_kib(self) -> int:
        """Resident memory of the emulator's process (Linux), for reports."""
        if self._process is None:
            return 0
        for line in Path(f"/proc/{self._process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    # ---- what clients need --------------------------------------------------------------------

    def _write_credentials(self) -> None:
        # An authorized_user file with a token google-auth considers valid until 2999: the target's
        # google clients then send it as is and never call Google's token endpoint. Fake by design.
        credentials = {
            "type": "authorized_user",
            "client_id": "local-bigquery-emulator.invalid",
            "client_secret": "not-a-secret",
            "refresh_token": "not-a-refresh-token",
            "token": "offline-emulator-token",
            "expiry": _OFFLINE_TOKEN_EXPIRY,
            "quota_project_id": self.project,
        }
        self.credentials_path.write_text(json.dumps(credentials))
        self.credentials_path.chmod(0o600)

    def env(self) -> dict[str, str]:
        """Env vars for target-bigquery (or any google-cloud-bigquery client) to use this emulator.

        Leave the target's `credentials_path`/`credentials_json` unset so it falls back to
        GOOGLE_APPLICATION_CREDENTIALS.
        """
        return {
            "BIGQUERY_EMULATOR_HOST": self.host,
            "GOOGLE_APPLICATION_CREDENTIALS": str(self.credentials_path),
            "GOOGLE_CLOUD_PROJECT": self.project,
            # Never probe the GCE metadata server for credentials or a project.
            "NO_GCE_CHECK": "true",
        }

    def target_config(self, dataset: str) -> dict[str, Any]:
        """target-bigquery settings that load into this emulator (only streaming_insert does)."""
        return {
            "project": self.project,
            "dataset": dataset,
            "location": "US",
            "method": "streaming_insert",
            "denormalized": True,
            "upsert": True,
            "dedupe_before_upsert": True,
            "batch_size": 500,
            "fail_fast": True,
        }

    # ---- REST ---------------------------------------------------------------------------------

    def _request(
        self, method: str, path: str, body: dict[str, Any] | None = None, *, timeout: float = 60
    ) -> dict[str, Any]:
        url = f"{self.host}/bigquery/v2/{path}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        # Loopback only: never let an http_proxy variable route this elsewhere.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=timeout) as response:
                payload = response.read()
        except urllib.error.HTTPError as error:
            detail = error.read().decode(errors="replace")
            with contextlib.suppress(ValueError, KeyError, TypeError):
                detail = json.loads(detail)["error"]["message"]
            raise EmulatorError(f"{method} {path}: HTTP {error.code}: {detail}") from None
        result: dict[str, Any] = json.loads(payload) if payload else {}
        return result

    def query(self, sql: str, timeout: float = 60) -> list[dict[str, Any]]:
        """Run standard SQL; return the rows as dicts, values typed by the result's schema."""
        project = self.project
        response = self._request(
            "POST",
            f"projects/{project}/queries",
            {"query": sql, "useLegacySql": False, "timeoutMs": int(timeout * 1000)},
            timeout=timeout + 10,
        )
        job_id = response["jobReference"]["jobId"]
        location = urllib.parse.quote(response["jobReference"].get("location", "US"))
        deadline = time.monotonic() + timeout
        while not response.get("jobComplete"):
            if time.monotonic() > deadline:
                raise EmulatorError(f"query did not finish within {timeout:.0f} s: {sql}")
            time.sleep(0.2)
            response = self._request(
                "GET", f"projects/{project}/queries/{job_id}?location={location}&timeoutMs=10000"
            )
        fields = response.get("schema", {}).get("fields", [])
        rows = [_decode_row(fields, row) for row in response.get("rows", [])]
        pages = 0
        while response.get("pageToken") and pages < 10_000:
            pages += 1
            token = urllib.parse.quote(response["pageToken"])
            response = self._request(
                "GET", f"projects/{project}/queries/{job_id}?location={location}&pageToken={token}"
            )
            rows += [_decode_row(fields, row) for row in response.get("rows", [])]
        return rows

    def tables(self, dataset: str) -> list[str]:
        """Names of the tables (and views) in a dataset."""
        response = self._request("GET", f"projects/{self.project}/datasets/{dataset}/tables?maxResults=10000")
        return sorted(table["tableReference"]["tableId"] for table in response.get("tables", []))

    def columns(self, dataset: str, table: str) -> list[Column]:
        """The table's top-level columns, in order."""
        response = self._request("GET", f"projects/{self.project}/datasets/{dataset}/tables/{table}")
        return [
            Column(field["name"], field["type"], field.get("mode", "NULLABLE"))
            for field in response.get("schema", {}).get("fields", [])
        ]

    def row_count(self, dataset: str, table: str) -> int:
        rows = self.query(f"SELECT COUNT(*) AS n FROM `{self.project}.{dataset}.{table}`")
        return int(rows[0]["n"])


def _decode_value(field: dict[str, Any], value: Any) -> Any:
    if field.get("mode") == "REPEATED":
        return [_decode_scalar(field, item["v"]) for item in value or []]
    return _decode_scalar(field, value)


def _decode_scalar(field: dict[str, Any], value: Any) -> Any:
    if value is None:
        return None
    kind = field["type"]
    if kind in ("RECORD", "STRUCT"):
        return _decode_row(field.get("fields", []), value)
    if kind in ("INTEGER", "INT64"):
        return int(value)
    if kind in ("FLOAT", "FLOAT64"):
        return float(value)
    if kind in ("BOOLEAN", "BOOL"):
        return value in (True, "true", "TRUE")
    return value  # STRING, TIMESTAMP (epoch seconds as a string), NUMERIC, JSON, ...: as sent


def _decode_row(fields: list[dict[str, Any]], row: dict[str, Any]) -> dict[str, Any]:
    return {field["name"]: _decode_value(field, cell["v"]) for field, cell in zip(fields, row["f"], strict=True)}

