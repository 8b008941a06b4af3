"""Bounded concurrent fan-out (one request per student) with progress and ETA logging."""

from __future__ import annotations

import time
import typing as t
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

if t.TYPE_CHECKING:
    import logging
    from collections.abc import Callable, Iterable, Iterator

T = t.TypeVar("T")
R = t.TypeVar("R")


def bounded_map(
    fn: Callable[[T], R],
    items: Iterable[T],
    *,
    pool: ThreadPoolExecutor,
    window: int,
) -> Iterator[tuple[T, R]]:
    """Yield `(item, fn(item))` as calls finish, keeping at most `window` calls submitted.

    The window bounds memory: results are handed back as soon as they finish instead of piling
    up for a whole district. An exception from any call cancels what has not started and is
    re-raised here, in the consuming thread.
    """
    pending: dict[Future[R], T] = {}
    source = iter(items)

    def refill() -> None:
        for item in source:
            pending[pool.submit(fn, item)] = item
            if len(pending) >= window:
                return

    try:
        refill()
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                item = pending.pop(future)
                yield item, future.result()
            refill()
    finally:
        for future in pending:
            future.cancel()
        wait(pending)  # let calls already running finish before the caller moves on


class Progress:
    """Logs `done/total` and an ETA at most every `interval` seconds (counts only, no ids)."""

    interval = 5.0

    def __init__(self, logger: logging.Logger, label: str, total: int) -> None:
        self.logger, self.label, self.total = logger, label, total
        self.done = 0
        self.records = 0
        self.started = self._last = time.monotonic()

    def tick(self, records: int) -> None:
        """Count one finished unit of work and its records; log when the interval has passed."""
        self.done += 1
        self.records += records
        now = time.monotonic()
        if now - self._last >= self.interval and self.done < self.total:
            self._last = now
            rate = self.done / max(now - self.started, 1e-9)
            eta = (self.total - self.done) / rate if rate else float("inf")
            self.logger.info(
                "%s: %d/%d students, %d records so far, ETA %.0fs",
                self.label,
                self.done,
                self.total,
                self.records,
                eta,
            )

    def finish(self) -> None:
        """Final summary line."""
        elapsed = time.monotonic() - self.started
        self.logger.info(
            "%s: %d/%d students, %d records in %.1fs",
            self.label,
            self.done,
            self.total,
            self.records,
            elapsed,
        )
