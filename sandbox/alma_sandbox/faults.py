"""Faults on demand: which request fails, and how. Deterministic per URL and attempt number."""

import re
import threading
from collections import Counter
from dataclasses import dataclass, field

from alma_sandbox.ids import unit

KINDS = ("429", "500", "503", "404", "reset", "slow", "truncate", "stale_nonce")


@dataclass
class Fault:
    kind: str
    path: str | None = None  # regex searched in the request's path and query
    times: int | None = None  # the first N matching requests to EACH URL fail; None: no limit
    rate: float | None = None  # a seeded share of matching requests fail; None: all of them
    retry_after: int = 1  # seconds, sent with 429 and 503
    delay: float = 2.0  # seconds, for "slow"
    attempts: Counter[str] = field(default_factory=Counter, repr=False)

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "path": self.path,
            "times": self.times,
            "rate": self.rate,
            "retry_after": self.retry_after,
            "delay": self.delay,
        }


class Faults:
    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(
        self,
        kind: str | int,
        path: str | None = None,
        times: int | None = None,
        rate: float | None = None,
        retry_after: int = 1,
        delay: float = 2.0,
    ) -> Fault:
        kind = str(kind)
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {', '.join(KINDS)}")
        if path is not None:
            re.compile(path)  # fail here, not in the request thread
        if rate is not None and not 0 <= rate <= 1:
            raise ValueError("rate must be between 0 and 1")
        fault = Fault(kind, path, times, rate, retry_after, delay)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def list(self) -> list[dict[str, object]]:
        with self._lock:
            return [f.as_dict() for f in self._faults]

    def pick(self, target: str) -> Fault | None:
        """The first fault that fires for this request (path and query), counting the attempt."""
        with self._lock:
            for index, fault in enumerate(self._faults):
                if fault.path is not None and not re.search(fault.path, target):
                    continue
                attempt = fault.attempts[target]
                fault.attempts[target] += 1
                if fault.times is not None and attempt >= fault.times:
                    continue
                if fault.rate is not None and unit(self._seed, index, target, attempt) >= fault.rate:
                    continue
                return fault
        return None
