"""Request counters by route template and status, for tests and benchmarks. Thread-safe."""

import threading
from collections import Counter


class Counters:
    """Status is the HTTP status sent, or "reset" when the connection was dropped without one."""

    def __init__(self) -> None:
        self._counts: Counter[tuple[str, int | str]] = Counter()
        self._lock = threading.Lock()

    def record(self, route: str, status: int | str) -> None:
        with self._lock:
            self._counts[(route, status)] += 1

    def total(self, status: int | str | None = None, route: str | None = None) -> int:
        with self._lock:
            return sum(
                n
                for (r, s), n in self._counts.items()
                if (status is None or s == status) and (route is None or r == route)
            )

    def snapshot(self) -> dict[tuple[str, int | str], int]:
        with self._lock:
            return dict(self._counts)

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
