"""Faults fire as configured: per URL, seeded rates, each kind as documented; latency is added."""

import time

import pytest
import requests

from alma_sandbox import Sandbox


def _attendance_paths(sb, count: int) -> list[str]:
    school = sb.data.school_slugs()[0]
    year = sb.data.current_school_year(school)["id"]
    ids = [s["id"].strip() for s in sb.data.students(school, year) if s["status"] == "Active"][:count]
    return [f"/v2/{school}/students/{sid}/attendance?schoolYearId={year}" for sid in ids]


def test_429_times_1_fails_the_first_request_to_each_matching_url(sb, get):
    sb.faults.add("429", path=r"/attendance", times=1, retry_after=2)
    for path in _attendance_paths(sb, 3):
        first = get(path)
        assert first.status_code == 429
        assert first.headers["Retry-After"] == "2"
        assert first.headers["Content-Type"] == "application/problem+json"
        assert get(path).status_code == 200
    assert get(f"/v2/{sb.data.school_slugs()[0]}/school-years").status_code == 200  # path does not match
    assert sb.counters.total(status=429, route="students/{id}/attendance") == 3


@pytest.mark.parametrize("kind", ["500", "503", "404"])
def test_status_faults(sb, get, kind):
    sb.faults.add(kind, times=2)
    path = f"/v2/{sb.district}/district/schools"
    answers = [get(path) for _ in range(3)]
    assert [r.status_code for r in answers] == [int(kind), int(kind), 200]
    assert answers[0].json() == {
        "type": "about:blank",
        "title": answers[0].reason,
        "status": int(kind),
        "detail": f"sandbox fault {kind}",
    }


def test_503_carries_retry_after(sb, get):
    sb.faults.add(503, times=1, retry_after=3)
    r = get(f"/v2/{sb.district}/district/schools")
    assert r.status_code == 503 and r.headers["Retry-After"] == "3" and r.json()["status"] == 503


def test_faults_apply_after_authentication(sb, get):
    sb.faults.add("500", times=1)
    assert get(f"/v2/{sb.district}/ping").status_code == 500
    # The 401 round trip of the first request did not use up the fault.
    assert sb.counters.snapshot() == {("ping", 401): 1, ("ping", 500): 1}


def test_rate_is_seeded_per_url_and_attempt():
    outcomes = []
    for _ in range(2):
        with Sandbox(seed=3, schools=1, students=40, years=1, days=2) as sb, requests.Session() as s:
            s.auth = requests.auth.HTTPDigestAuth(sb.api_key, sb.api_secret)
            sb.faults.add("503", rate=0.5)
            outcomes.append(
                [s.get(sb.url + p, timeout=10).status_code for p in _attendance_paths(sb, 30) * 2]
            )
    assert outcomes[0] == outcomes[1]
    failed = outcomes[0].count(503)
    assert 10 <= failed <= 50 and set(outcomes[0]) == {200, 503}


def test_reset_closes_the_connection_without_a_response(sb, get):
    sb.faults.add("reset", times=1)
    with pytest.raises(requests.ConnectionError):
        get(f"/v2/{sb.district}/district/schools")
    assert get(f"/v2/{sb.district}/district/schools").status_code == 200
    assert sb.counters.total(status="reset") == 1


def test_slow_answers_after_the_delay(sb, get):
    sb.faults.add("slow", delay=0.6, times=2)
    path = f"/v2/{sb.district}/district/schools"
    with pytest.raises(requests.exceptions.ReadTimeout):
        get(path, timeout=0.2)
    started = time.monotonic()
    assert get(path).status_code == 200
    assert time.monotonic() - started >= 0.6


def test_truncate_sends_a_200_with_a_cut_json_body(sb, get):
    sb.faults.add("truncate", path=r"school-years", times=1)
    r = get(f"/v2/{sb.data.school_slugs()[0]}/school-years")
    assert r.status_code == 200 and int(r.headers["Content-Length"]) == len(r.content)
    with pytest.raises(ValueError):
        r.json()
    assert get(f"/v2/{sb.data.school_slugs()[0]}/school-years").json()["response"]


def test_stale_nonce_forces_a_new_nonce_and_requests_recovers(sb, get):
    path = f"/v2/{sb.district}/ping"
    assert get(path).status_code == 200
    sb.faults.add("stale_nonce", times=1)
    sb.counters.reset()
    assert get(path).status_code == 200
    assert sb.counters.snapshot() == {("ping", 401): 1, ("ping", 200): 1}


def test_stale_nonce_challenge_says_stale(sb):
    sb.faults.add("stale_nonce", times=5)
    r = requests.get(
        f"{sb.url}/v2/{sb.district}/ping",
        auth=requests.auth.HTTPDigestAuth(sb.api_key, sb.api_secret),
        timeout=10,
    )
    assert r.status_code == 401 and "stale=true" in r.headers["WWW-Authenticate"]


def test_clear_removes_every_fault(sb, get):
    sb.faults.add("500")
    assert get(f"/v2/{sb.district}/ping").status_code == 500
    sb.faults.clear()
    assert get(f"/v2/{sb.district}/ping").status_code == 200


def test_unknown_kind_is_refused(sb):
    with pytest.raises(ValueError):
        sb.faults.add("418")


def test_latency_is_added_to_every_request(sb, get):
    path = f"/v2/{sb.district}/ping"
    get(path)
    sb.latency_ms = 150
    started = time.monotonic()
    get(path)
    assert time.monotonic() - started >= 0.15
