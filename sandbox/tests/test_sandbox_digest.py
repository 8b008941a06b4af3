"""Digest auth: what requests' HTTPDigestAuth does works; wrong, tampered, replayed and stale digests fail."""

import hashlib
import re
import threading
import time

import requests
from requests.auth import HTTPDigestAuth

CHALLENGE = re.compile(
    r'^Digest realm="(?P<realm>[^"]+)", qop="auth", nonce="(?P<nonce>[0-9a-f]{32})", '
    r'opaque="(?P<opaque>[0-9a-f]{32})", algorithm=MD5(?P<stale>, stale=true)?$'
)


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def _challenge(sb, path="/v2/{d}/ping") -> dict[str, str]:
    r = requests.get(sb.url + path.format(d=sb.district), timeout=10)
    assert r.status_code == 401
    return CHALLENGE.match(r.headers["WWW-Authenticate"]).groupdict()


def _authorization(sb, uri: str, chal: dict[str, str], nc: int, secret: str | None = None) -> str:
    """A Digest header computed independently of requests (RFC 7616, MD5, qop=auth)."""
    ha1 = _md5(f"{sb.api_key}:{chal['realm']}:{secret or sb.api_secret}")
    ha2 = _md5(f"GET:{uri}")
    cnonce = "0a4f113b0a4f113b"
    response = _md5(f"{ha1}:{chal['nonce']}:{nc:08x}:{cnonce}:auth:{ha2}")
    return (
        f'Digest username="{sb.api_key}", realm="{chal["realm"]}", nonce="{chal["nonce"]}", uri="{uri}", '
        f'response="{response}", opaque="{chal["opaque"]}", qop=auth, nc={nc:08x}, cnonce="{cnonce}", '
        "algorithm=MD5"
    )


def _send(sb, path: str, header: str) -> requests.Response:
    return requests.get(sb.url + path, headers={"Authorization": header}, timeout=10)


def test_unauthenticated_request_gets_the_full_challenge(sb):
    r = requests.get(f"{sb.url}/v2/{sb.district}/ping", timeout=10)
    assert r.status_code == 401
    assert r.headers["Content-Type"] == "application/problem+json"
    match = CHALLENGE.match(r.headers["WWW-Authenticate"])
    assert match and match["realm"] == sb.district and not match["stale"]


def test_requests_digest_auth_reuses_one_nonce_per_session(sb, get):
    school = sb.data.school_slugs()[0]
    for _ in range(10):
        assert get(f"/v2/{school}/school-years").status_code == 200
    assert sb.counters.total(status=401) == 1
    assert sb.counters.total(status=200) == 10


def test_one_challenge_per_thread_with_a_shared_auth_object(sb):
    auth = HTTPDigestAuth(sb.api_key, sb.api_secret)  # requests keeps nonce state per thread
    codes: list[int] = []

    def worker() -> None:
        with requests.Session() as s:
            codes.extend(
                s.get(f"{sb.url}/v2/{sb.district}/ping", auth=auth, timeout=10).status_code for _ in range(5)
            )

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes == [200] * 20
    assert sb.counters.total(status=401) == 4


def test_wrong_secret_or_key_is_rejected(sb):
    url = f"{sb.url}/v2/{sb.district}/ping"
    assert requests.get(url, auth=HTTPDigestAuth(sb.api_key, "wrong"), timeout=10).status_code == 401
    assert requests.get(url, auth=HTTPDigestAuth("WRONGKEY", sb.api_secret), timeout=10).status_code == 401
    assert sb.counters.total(status=200) == 0


def test_an_independent_digest_is_accepted_and_the_nonce_can_be_reused(sb):
    path = f"/v2/{sb.district}/ping"
    chal = _challenge(sb)
    assert _send(sb, path, _authorization(sb, path, chal, 1)).status_code == 200
    assert _send(sb, path, _authorization(sb, path, chal, 2)).status_code == 200


def test_the_uri_must_be_the_exact_path_and_query(sb):
    school = sb.data.school_slugs()[0]
    year = sb.data.current_school_year(school)["id"]
    path = f"/v2/{school}/students?schoolYearId={year}"
    chal = _challenge(sb)
    # Signed without the query string (the mistake N's comment describes), or for another resource.
    assert _send(sb, path, _authorization(sb, f"/v2/{school}/students", chal, 1)).status_code == 401
    assert _send(sb, path, _authorization(sb, f"/v2/{school}/school-years", chal, 2)).status_code == 401
    assert _send(sb, path, _authorization(sb, path, chal, 3)).status_code == 200


def test_a_replayed_nonce_count_is_rejected(sb):
    path = f"/v2/{sb.district}/ping"
    chal = _challenge(sb)
    header = _authorization(sb, path, chal, 1)
    assert _send(sb, path, header).status_code == 200
    replay = _send(sb, path, header)
    assert replay.status_code == 401
    assert "stale=true" not in replay.headers["WWW-Authenticate"]


def test_wrong_secret_in_an_independent_digest_is_rejected(sb):
    path = f"/v2/{sb.district}/ping"
    assert _send(sb, path, _authorization(sb, path, _challenge(sb), 1, secret="nope")).status_code == 401


def test_an_expired_nonce_is_stale_and_requests_recovers(sb, get):
    sb.nonce_ttl = 0.3
    path = f"/v2/{sb.district}/ping"
    chal = _challenge(sb)
    assert get(path).status_code == 200
    time.sleep(0.5)
    r = _send(sb, path, _authorization(sb, path, chal, 1))
    assert r.status_code == 401
    assert CHALLENGE.match(r.headers["WWW-Authenticate"])["stale"]
    sb.counters.reset()
    assert get(path).status_code == 200  # requests' saved nonce is stale too: one 401, then a fresh nonce
    assert sb.counters.snapshot() == {("ping", 401): 1, ("ping", 200): 1}


def test_control_routes_need_no_auth(sb):
    assert requests.get(f"{sb.url}/_sandbox/counters", timeout=10).status_code == 200
