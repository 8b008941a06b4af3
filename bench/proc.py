"""Run one measured child process: wall time, CPU and peak RSS of that process alone (`os.wait4`)."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass


@dataclass
class ChildResult:
    returncode: int
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    stderr_tail: str


def run_child(args: list[str], *, stdout: int | object = subprocess.DEVNULL, env: dict | None = None,
              timeout: float = 1800, cwd: str | None = None) -> ChildResult:
    """Start `args` fresh and reap it with wait4, so the rusage is this child's (not all children's)."""
    with open(os.devnull, "w") as devnull:  # noqa: PTH123
        err_path = f"/tmp/alma-bench-stderr-{os.getpid()}-{time.monotonic_ns()}.log"  # noqa: S108
        with open(err_path, "w+") as err:  # noqa: PTH123
            started = time.perf_counter()
            proc = subprocess.Popen(args, stdout=devnull if stdout is subprocess.DEVNULL else stdout,
                                    stderr=err, env=env, cwd=cwd)
            deadline = started + timeout
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                if time.perf_counter() > deadline:
                    proc.kill()
                    pid, status, usage = os.wait4(proc.pid, 0)
                    break
                time.sleep(0.01)
            wall = time.perf_counter() - started
            proc.returncode = os.waitstatus_to_exitcode(status)
            err.seek(0)
            tail = err.read()[-3000:]
        os.unlink(err_path)
    return ChildResult(proc.returncode, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, tail)
