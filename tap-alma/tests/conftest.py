"""One loopback Alma sandbox for the whole session, and a helper that runs the tap in-process."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
from dataclasses import dataclass, field

import pytest
from alma_sandbox import Sandbox

from tap_alma.client import AlmaStream
from tap_alma.fanout import Progress
from tap_alma.tap import TapAlma

# Small on purpose: 2 schools x 2 years keeps every full sync well under a second.
SANDBOX_OPTIONS = {"seed": 11, "schools": 2, "students": 12, "years": 2, "days": 6}
CONFIG_ENV = "TAP_ALMA_TESTS_SANDBOX_CONFIG"  # read by test_tap_standard.py at import time

_SANDBOX: Sandbox | None = None


def pytest_configure(config: pytest.Config) -> None:
    """Start the sandbox before test modules are imported (the SDK suite needs its URL then)."""
    global _SANDBOX  # noqa: PLW0603
    if _SANDBOX is None:
        _SANDBOX = Sandbox(**SANDBOX_OPTIONS)
        _SANDBOX.__enter__()
        os.environ[CONFIG_ENV] = json.dumps({**_SANDBOX.tap_config(), "school_years": "all"})


def pytest_unconfigure(config: pytest.Config) -> None:
    global _SANDBOX  # noqa: PLW0603
    if _SANDBOX is not None:
        _SANDBOX.__exit__(None, None, None)
        _SANDBOX = None


@pytest.fixture
def sb(monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """The session sandbox with clean counters, no faults, no latency; retry waits shrunk."""
    assert _SANDBOX is not None
    monkeypatch.setattr(AlmaStream, "backoff_base_seconds", 0.01)
    monkeypatch.setattr(AlmaStream, "backoff_max_seconds", 0.05)
    monkeypatch.setattr(Progress, "interval", 0.0)
    _SANDBOX.faults.clear()
    _SANDBOX.latency_ms = 0
    _SANDBOX.counters.reset()
    yield _SANDBOX
    _SANDBOX.faults.clear()
    _SANDBOX.latency_ms = 0


@dataclass
class Run:
    """What one in-process sync wrote."""

    messages: list[dict]
    logs: list[logging.LogRecord] = field(default_factory=list)

    def records(self, stream: str) -> list[dict]:
        return [m["record"] for m in self.messages if m["type"] == "RECORD" and m["stream"] == stream]

    def schema_count(self, stream: str) -> int:
        return sum(1 for m in self.messages if m["type"] == "SCHEMA" and m["stream"] == stream)

    @property
    def state(self) -> dict:
        states = [m["value"] for m in self.messages if m["type"] == "STATE"]
        return states[-1] if states else {}

    def log_text(self, min_level: int = logging.INFO) -> str:
        return "\n".join(r.getMessage() for r in self.logs if r.levelno >= min_level)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def run_tap(sb: Sandbox):
    """Run a sync in-process: `run_tap(**config_overrides, state=...)` -> Run (raises on failure)."""

    def run(*, state: dict | None = None, **overrides: object) -> Run:
        config = {**sb.tap_config(), **overrides}
        handler = _Collect()
        root = logging.getLogger()
        old_level = root.level
        root.addHandler(handler)
        root.setLevel(logging.DEBUG)
        out = io.StringIO()
        run_result = Run(messages=[], logs=handler.records)
        try:
            with contextlib.redirect_stdout(out):
                TapAlma(config=config, state=state, parse_env_config=False).sync_all()
        finally:
            root.removeHandler(handler)
            root.setLevel(old_level)
            run_result.messages = [json.loads(line) for line in out.getvalue().splitlines() if line]
        return run_result

    return run
