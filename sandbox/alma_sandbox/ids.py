"""Deterministic ObjectId-like ids, seeded random streams and Alma's date formats."""

import hashlib
import random
from datetime import UTC, date, datetime


def _digest(*key: object) -> bytes:
    return hashlib.blake2b("|".join(map(str, key)).encode(), digest_size=8).digest()


def make_id(ts: int, *key: object) -> str:
    """24 lowercase hex: the first 8 are the unix time `ts` (as in MongoDB ObjectIds), the rest a hash."""
    return f"{ts & 0xFFFFFFFF:08x}{_digest(*key).hex()}"


def unit(*key: object) -> float:
    """A deterministic number in [0, 1) from the key."""
    return int.from_bytes(_digest(*key), "big") / 2**64


def rng(*key: object) -> random.Random:
    # A str seed is hashed with SHA-512 by `random`, so this is stable across processes (unlike hash()).
    return random.Random("|".join(map(str, key)))


def ts_of(day: date, seconds: int = 0) -> int:
    """Unix time of `day` at midnight UTC plus `seconds`."""
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()) + seconds


def fmt_ts(ts: int) -> str:
    """Alma's timestamp format: 2024-03-06T17:30:46+00:00."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def fmt_date(day: date) -> str:
    return day.isoformat()
