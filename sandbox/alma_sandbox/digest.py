"""Server-side HTTP Digest auth (RFC 7616 subset Alma uses: MD5, qop=auth, opaque, reusable nonces)."""

import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from enum import Enum
from urllib.request import parse_http_list, parse_keqv_list


class Verdict(Enum):
    OK = "ok"
    DENIED = "denied"  # missing, malformed or wrong credentials
    STALE = "stale"  # a correct digest on an expired or unknown nonce: the client may retry at once


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


class DigestAuth:
    """Issues nonces and checks Authorization headers. Thread-safe."""

    def __init__(
        self,
        realm: str,
        username: str,
        password: str,
        nonce_ttl: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.realm, self.username, self.nonce_ttl = realm, username, nonce_ttl
        self._ha1 = _md5(f"{username}:{realm}:{password}")
        self._clock = clock
        self.opaque = secrets.token_hex(16)
        self._nonces: dict[str, tuple[float, set[int]]] = {}  # nonce -> (issued at, nc values seen)
        self._lock = threading.Lock()

    def challenge(self, stale: bool = False) -> str:
        """A WWW-Authenticate value with a fresh nonce."""
        nonce = secrets.token_hex(16)
        now = self._clock()
        with self._lock:
            # Forget nonces long past their ttl so a long benchmark does not grow the table forever.
            expired = [n for n, (at, _) in self._nonces.items() if now - at > 2 * self.nonce_ttl + 60]
            for n in expired:
                del self._nonces[n]
            self._nonces[nonce] = (now, set())
        value = (
            f'Digest realm="{self.realm}", qop="auth", nonce="{nonce}", opaque="{self.opaque}", algorithm=MD5'
        )
        return value + (", stale=true" if stale else "")

    def check(self, method: str, uri: str, header: str | None) -> Verdict:
        """`uri` is the request target exactly as received (path and query)."""
        if not header or header[:7].lower() != "digest ":
            return Verdict.DENIED
        try:
            fields = parse_keqv_list(parse_http_list(header[7:]))
            nonce, nc_hex, cnonce = fields["nonce"], fields["nc"], fields["cnonce"]
            nc = int(nc_hex, 16)
            expected_ok = (
                fields["username"] == self.username
                and fields["realm"] == self.realm
                and fields["uri"] == uri
                and fields.get("opaque") == self.opaque
                and fields.get("qop") == "auth"
                and fields.get("algorithm", "MD5").upper() == "MD5"
            )
        except (KeyError, ValueError):
            return Verdict.DENIED
        if not expected_ok:
            return Verdict.DENIED
        ha2 = _md5(f"{method}:{uri}")
        wanted = _md5(f"{self._ha1}:{nonce}:{nc_hex}:{cnonce}:auth:{ha2}")
        if not secrets.compare_digest(wanted, fields.get("response", "")):
            return Verdict.DENIED
        with self._lock:
            entry = self._nonces.get(nonce)
            if entry is None or self._clock() - entry[0] > self.nonce_ttl:
                return Verdict.STALE
            if nc in entry[1]:
                return Verdict.DENIED  # a replayed nonce count
            entry[1].add(nc)
        return Verdict.OK
