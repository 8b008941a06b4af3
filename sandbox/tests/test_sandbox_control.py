"""Counters by route and status, and the unauthenticated /_sandbox/ control routes."""

import requests


def test_counters_group_by_route_template_and_status(sb, get):
    school = sb.data.school_slugs()[0]
    for student in sb.data.students(school, None)[:3]:
        get(f"/v2/{school}/students/{student['id'].strip()}/attendance")
    get(f"/v2/{sb.district}/district/schools")
    get(f"/v2/{school}/nothing-here")
    assert sb.counters.total(route="students/{id}/attendance", status=200) == 3
    assert sb.counters.total(route="district/schools") == 1
    assert sb.counters.total(route="unknown", status=404) == 1
    assert sb.counters.total(status=401) == 1
    assert sb.counters.total() == 6
    snapshot = sb.counters.snapshot()
    sb.counters.reset()
    assert sb.counters.total() == 0 and snapshot[("students/{id}/attendance", 200)] == 3


def test_control_counters_and_reset(sb, get):
    get(f"/v2/{sb.district}/ping")
    body = requests.get(f"{sb.url}/_sandbox/counters", timeout=10).json()
    assert body["total"] == 2
    assert {"route": "ping", "status": 200, "count": 1} in body["counters"]
    assert requests.post(f"{sb.url}/_sandbox/counters/reset", timeout=10).json() == {"ok": True}
    assert sb.counters.total() == 0  # control calls themselves are not counted


def test_control_faults_add_and_clear(sb, get):
    r = requests.post(
        f"{sb.url}/_sandbox/faults", json={"kind": "429", "path": "ping", "times": 1}, timeout=10
    )
    assert r.status_code == 200 and r.json()["faults"][0]["kind"] == "429"
    assert get(f"/v2/{sb.district}/ping").status_code == 429
    requests.post(f"{sb.url}/_sandbox/faults", json={"kind": "500"}, timeout=10)
    assert get(f"/v2/{sb.district}/ping").status_code == 500
    requests.post(f"{sb.url}/_sandbox/faults", json={"clear": True}, timeout=10)
    assert get(f"/v2/{sb.district}/ping").status_code == 200
    bad = requests.post(f"{sb.url}/_sandbox/faults", json={"kind": "teapot"}, timeout=10)
    assert bad.status_code == 400 and "teapot" in bad.json()["error"]


def test_control_latency(sb):
    r = requests.post(f"{sb.url}/_sandbox/latency", json={"latency_ms": 20}, timeout=10)
    assert r.json()["latency_ms"] == 20 and sb.latency_ms == 20


def test_control_mutations_and_expected(sb, get):
    school = sb.data.school_slugs()[0]
    sid = sb.data.students(school, None)[0]["id"].strip()
    r = requests.post(
        f"{sb.url}/_sandbox/rename-student",
        json={"school": school, "student_id": sid, "first_name": "Ana-María"},
        timeout=10,
    )
    assert r.status_code == 200
    served = get(f"/v2/{school}/students").json()["response"]
    assert next(s for s in served if s["id"].strip() == sid)["firstName"] == "Ana-María"
    expected = requests.get(
        f"{sb.url}/_sandbox/expected", params={"stream": "students", "schools": school}, timeout=10
    ).json()["records"]
    assert expected == sb.data.expected_records("students", schools=[school])


def test_unknown_control_route_is_404(sb):
    assert requests.get(f"{sb.url}/_sandbox/nothing", timeout=10).status_code == 404
