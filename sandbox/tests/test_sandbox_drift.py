"""Schema drift on demand: an extra field or another type, on one route, over HTTP; ground truth unchanged."""

import requests


def _year(sb):
    school = sb.data.school_slugs()[0]
    return school, sb.data.current_school_year(school)["id"]


def test_drift_adds_a_field_to_every_record_of_one_route_only(sb, get):
    school, year = _year(sb)
    sb.data.set_drift("students", "pronouns", "they")
    students = get(f"/v2/{school}/students?schoolYearId={year}").json()["response"]
    assert students and all(s["pronouns"] == "they" for s in students)
    codes = get(f"/v2/{school}/attendance-codes?schoolYearId={year}").json()["response"]
    assert all("pronouns" not in c for c in codes)
    assert all("pronouns" not in s for s in sb.data.expected_records("students"))  # ground truth untouched


def test_drift_changes_a_type_in_wrapped_lists_and_clears(sb, get):
    school, year = _year(sb)
    sb.data.set_drift("students/grade-levels", "firstName", 12345)
    sb.data.set_drift("district/schools", "name", 7)
    placements = get(f"/v2/{school}/students/grade-levels?schoolYearId={year}").json()["response"]["students"]
    assert placements and all(p["firstName"] == 12345 for p in placements)
    schools = get(f"/v2/{sb.district}/district/schools").json()["response"]["schools"]
    assert all(s["name"] == 7 for s in schools)
    sb.data.clear_drift()
    schools = get(f"/v2/{sb.district}/district/schools").json()["response"]["schools"]
    assert all(isinstance(s["name"], str) for s in schools)


def test_drift_control_route(sb, get):
    school, year = _year(sb)
    r = requests.post(
        f"{sb.url}/_sandbox/drift",
        json={"route": "attendance-codes", "field": "color", "value": "red"},
        timeout=5,
    )
    assert r.status_code == 200
    assert all(
        c["color"] == "red"
        for c in get(f"/v2/{school}/attendance-codes?schoolYearId={year}").json()["response"]
    )
    assert requests.post(f"{sb.url}/_sandbox/drift", json={"clear": True}, timeout=5).status_code == 200
    assert requests.post(f"{sb.url}/_sandbox/drift", json={"route": "students"}, timeout=5).status_code == 400
    assert all(
        "color" not in c for c in get(f"/v2/{school}/attendance-codes?schoolYearId={year}").json()["response"]
    )
