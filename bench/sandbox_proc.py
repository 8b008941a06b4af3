"""The sandbox Alma in a separate process (`alma-sandbox --ready-file`), driven by its control routes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from alma_sandbox import defaults

BIN = Path(sys.executable).parent


class SandboxProcess:
    """`alma-sandbox` on a free loopback port; counters, latency and ground truth over HTTP."""

    def __init__(self, *, schools: int, students: int, years: int, days: int, seed: int = 1,
                 latency_ms: float = 0) -> None:
        self.options = {"seed": seed, "schools": schools, "students": students, "years": years, "days": days}
        self.latency_ms = latency_ms
        self.proc: subprocess.Popen | None = None
        self.url = ""
        self.district = ""
        self.api_key = defaults.SANDBOX_API_KEY
        self.api_secret = defaults.SANDBOX_API_SECRET
        self._control = requests.Session()

    def __enter__(self) -> SandboxProcess:
        self._dir = tempfile.TemporaryDirectory(prefix="alma-bench-sandbox-")
        ready = Path(self._dir.name) / "ready.json"
        args = [str(BIN / "alma-sandbox"), "--port", "0", "--latency-ms", str(self.latency_ms),
                "--ready-file", str(ready)]
        for key, value in self.options.items():
            args += [f"--{key}", str(value)]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while not ready.exists():
            if self.proc.poll() is not None:
                raise RuntimeError(f"alma-sandbox exited {self.proc.returncode}: {self.proc.stderr.read()[-2000:]}")
            if time.monotonic() > deadline:
                self.__exit__(None, None, None)
                raise RuntimeError("alma-sandbox did not become ready within 60 s")
            time.sleep(0.05)
        info = json.loads(ready.read_text())
        self.url, self.district = info["url"], info["district"]
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._control.close()
        self._dir.cleanup()

    def tap_config(self, **extra: object) -> dict:
        return {"api_key": self.api_key, "api_secret": self.api_secret, "district": self.district,
                "api_url": self.url, **extra}

    def counters(self) -> dict[str, int]:
        """Requests since the last reset: total, by status (`200`, `401`, ...) and attendance 200s."""
        body = self._control.get(f"{self.url}/_sandbox/counters", timeout=30).json()
        out: dict[str, int] = {"total": 0}
        for row in body["counters"]:
            out["total"] += row["count"]
            key = str(row["status"])
            out[key] = out.get(key, 0) + row["count"]
            if row["route"] == "students/{id}/attendance" and row["status"] == 200:
                out["attendance_200"] = out.get("attendance_200", 0) + row["count"]
        return out

    def reset_counters(self) -> None:
        self._control.post(f"{self.url}/_sandbox/counters/reset", timeout=30).raise_for_status()

    def set_latency(self, latency_ms: float) -> None:
        self._control.post(f"{self.url}/_sandbox/latency", json={"latency_ms": latency_ms},
                           timeout=30).raise_for_status()
        self.latency_ms = latency_ms

    def cpu_seconds(self) -> float:
        """The sandbox process's user+system CPU so far (Linux /proc)."""
        assert self.proc is not None
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ground_truth(options: dict, school_years: str = "all") -> dict[str, int]:
    """Records a correct extractor emits per stream, from the sandbox's own data (same seed and sizes)."""
    from alma_sandbox.data import SandboxData

    streams = ("schools", "school_years", "grade_levels", "students", "student_grade_levels",
               "attendance", "attendance_codes")
    data = SandboxData(**options)
    return {s: len(data.expected_records(s, school_years=school_years)) for s in streams}
