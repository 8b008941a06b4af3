"""Deterministic data with Alma's quirks, and expected_records consistent with what is served."""

import json
import re
from datetime import date, datetime

import pytest
import requests

from alma_sandbox import Sandbox

SMALL = {"seed": 7, "schools": 2, "students": 30, "years": 2, "days": 20}
STREAM_KEYS = {
    "schools": ["id"],
    "school_years": ["school", "id"],
    "grade_levels": ["school", "schoolYearId", "id", "effectiveDate"],
    "students": ["school", "schoolYearId", "id"],
    "student_grade_levels": ["school", "schoolYearId", "studentId", "id"],
    "attendance": ["school", "schoolYearId", "studentId", "id"],
    "attendance_codes": ["school", "schoolYearId", "id"],
}


def _bodies(sb: Sandbox) -> list[bytes]:
    """Every endpoint's raw body (ping excluded: its ack is the clock), fetched over HTTP."""
    out = []
    with requests.Session() as s:
        s.auth = requests.auth.HTTPDigestAuth(sb.api_key, sb.api_secret)
        out.append(s.get(f"{sb.url}/v2/{sb.district}/district/schools", timeout=10).content)
        for school in sb.data.school_slugs():
            out.append(s.get(f"{sb.url}/v2/{school}/school-years", timeout=10).content)
            for year in sb.data.school_years(school):
                q = f"?schoolYearId={year['id']}"
                for route in ["grade-levels", "students", "students/grade-levels", "attendance-codes"]:
                    out.append(s.get(f"{sb.url}/v2/{school}/{route}{q}", timeout=10).content)
                for student in sb.data.students(school, year["id"])[:5]:
                    path = f"/v2/{school}/students/{student['id'].strip()}/attendance{q}"
                    out.append(s.get(sb.url + path, timeout=10).content)
    return out


def _all_years(sb: Sandbox, school: str) -> list[str]:
    return [y["id"] for y in sb.data.school_years(school)]


def test_same_seed_gives_byte_identical_bodies_and_another_seed_does_not():
    with Sandbox(**SMALL) as a, Sandbox(**SMALL) as b, Sandbox(**dict(SMALL, seed=8)) as c:
        first, second, other = _bodies(a), _bodies(b), _bodies(c)
    assert first == second
    assert len(first) == len(other) and all(x != y for x, y in zip(first, other, strict=True))


def test_bodies_escape_like_php_and_parse_to_the_ground_truth(sb, get):
    school = sb.data.school_slugs()[0]
    year = sb.data.current_school_year(school)["id"]
    raw = get(f"/v2/{school}/attendance-codes?schoolYearId={year}").content
    assert b"\\u0022" in raw and b'\\"' not in raw  # a `"` inside a string is served as \u0022
    assert json.loads(raw)["response"] == sb.data.attendance_codes(school, year)
    assert any('"' in c["name"] for c in sb.data.attendance_codes(school, year))
    students = get(f"/v2/{school}/students?schoolYearId={year}").content
    assert students.isascii() and b"\\u00" in students
    names = [s["firstName"] + s["lastName"] for s in json.loads(students)["response"]]
    assert any(not n.isascii() for n in names)


def test_ids_look_like_object_ids_with_a_plausible_time(sb):
    school = sb.data.school_slugs()[0]
    year = sb.data.current_school_year(school)
    ids = [year["id"]] + [r["id"] for r in sb.data.expected_records("students")]
    ids += [r["id"] for r in sb.data.expected_records("attendance")[:50]]
    low, high = datetime(2015, 1, 1).timestamp(), datetime(2027, 1, 1).timestamp()
    for value in ids:
        assert re.fullmatch(r"[0-9a-f]{24}", value)
        assert low < int(value[:8], 16) < high
    # School years: the id's time is the `created` timestamp to the second.
    assert int(year["id"][:8], 16) == int(datetime.fromisoformat(year["created"]).timestamp())


def test_year_names_statuses_and_school_days(sb):
    school = sb.data.school_slugs()[0]
    years = sb.data.school_years(school)
    assert [y["status"] for y in years] == ["Past", "Current"]
    assert any(y["name"].endswith(" SY") for y in years) and any(not y["name"].endswith(" SY") for y in years)
    student = next(s for s in sb.data.students(school, years[-1]["id"]) if s["status"] == "Active")
    days = [date.fromisoformat(r["date"]) for r in sb.data.attendance(school, student["id"], years[-1]["id"])]
    assert days == sorted(days) and len(set(days)) == 20
    assert days[0] == date.fromisoformat(years[-1]["startDate"]) and all(d.weekday() < 5 for d in days)


def test_the_recorded_quirks_are_present(sb):
    school = sb.data.school_slugs()[0]
    year = sb.data.current_school_year(school)["id"]
    students = sb.data.students(school, year)
    placements = sb.data.student_grade_levels(school, year)["students"]
    levels = sb.data.grade_levels(school, year)
    codes = sb.data.attendance_codes(school, year)
    assert any(s["id"] != s["id"].strip() for s in students)
    assert any(p["id"] != p["id"].strip() for p in placements)
    assert any(g["gradeLevelId"] != g["gradeLevelId"].strip() for p in placements for g in p["gradeLevels"])
    assert any(len(p["gradeLevels"]) == 2 for p in placements)
    duplicated = [g for g in levels if [x["id"] for x in levels].count(g["id"]) == 2]
    assert duplicated and len({(g["effectiveDate"], g["changeLogId"]) for g in duplicated}) == len(duplicated)
    assert any("adminLocked" not in c for c in codes) and any(c["statusModifier"] is None for c in codes)
    statuses = {s["status"] for s in students}
    assert {"Active", "Not Activated", "Graduated"} <= statuses
    for key in ["preferredName", "stateId", "districtId", "languages", "dob", "graduationYear"]:
        assert any(s[key] is None for s in students) or key == "dob", key
    records = sb.data.expected_records("attendance")
    assert any("statusModifier" not in r for r in records) and any("statusModifier" in r for r in records)
    assert {r["status"] for r in records} >= {"Present", "Absent", "Late"}


def test_dob_can_be_null_or_empty_at_scale():
    with Sandbox(seed=1, schools=1, students=400, years=1, days=1) as sb:
        dobs = [s["dob"] for s in sb.data.students(sb.data.school_slugs()[0], None)]
    assert None in dobs and "" in dobs


def test_grade_level_ids_are_shared_and_some_students_are_in_two_schools(sb):
    first, second = sb.data.school_slugs()
    levels = [
        {g["id"] for g in sb.data.grade_levels(s, sb.data.current_school_year(s)["id"])}
        for s in (first, second)
    ]
    assert levels[0] == levels[1]
    ids = [
        {s["id"].strip() for s in sb.data.students(x, sb.data.current_school_year(x)["id"])}
        for x in (first, second)
    ]
    assert 1 <= len(ids[0] & ids[1]) <= 3


@pytest.mark.parametrize("stream", list(STREAM_KEYS))
def test_expected_records_have_unique_keys_trimmed_ids_and_context(sb, stream):
    records = sb.data.expected_records(stream, school_years="all")
    keys = [tuple(r[k] for k in STREAM_KEYS[stream]) for r in records]
    assert records and len(set(keys)) == len(keys)
    for r in records:
        assert all(
            v == v.strip() for k, v in r.items() if (k == "id" or k.endswith("Id")) and isinstance(v, str)
        )
        assert stream == "schools" or r["school"] in sb.data.school_slugs()


def test_expected_counts_match_the_served_lists(sb):
    school = sb.data.school_slugs()[1]
    year = sb.data.current_school_year(school)["id"]
    students = sb.data.students(school, year)
    by_school = {"schools": [school]}
    assert len(sb.data.expected_records("students", **by_school)) == len(students) == 30
    placements = sum(len(s["gradeLevels"]) for s in sb.data.student_grade_levels(school, year)["students"])
    assert len(sb.data.expected_records("student_grade_levels", **by_school)) == placements
    attendance = sum(len(sb.data.attendance(school, s["id"].strip(), year)) for s in students)
    expected = sb.data.expected_records("attendance", **by_school)
    assert len(expected) == attendance and attendance > 20 * 20
    assert {r["studentId"] for r in expected} <= {s["id"].strip() for s in students}
    assert len(sb.data.expected_records("school_years", **by_school)) == 2


def test_school_year_selection(sb):
    school = sb.data.school_slugs()[0]
    past, current = sb.data.school_years(school)
    count = {
        sel: len(sb.data.expected_records("attendance_codes", school_years=sel)) for sel in ["current", "all"]
    }
    assert count["all"] == 2 * count["current"]
    by_name = sb.data.expected_records("grade_levels", school_years=[past["name"]])
    assert {r["schoolYearId"] for r in by_name} == {
        y["id"] for s in sb.data.school_slugs() for y in sb.data.school_years(s) if y["name"] == past["name"]
    }
    assert {r["schoolYearId"] for r in sb.data.expected_records("students")} >= {current["id"]}


def test_rename_student_changes_every_year_and_bumps_modified(sb, get):
    school = sb.data.school_slugs()[0]
    years = _all_years(sb, school)
    sid = next(s["id"].strip() for s in sb.data.students(school, years[0]) if s["status"] == "Active")
    before = {y: next(s for s in sb.data.students(school, y) if s["id"].strip() == sid) for y in years}
    sb.data.rename_student(school, sid, first_name="Zoë", last_name="Renamed")
    for y in years:
        served = next(
            s
            for s in get(f"/v2/{school}/students?schoolYearId={y}").json()["response"]
            if s["id"].strip() == sid
        )
        assert (served["firstName"], served["lastName"]) == ("Zoë", "Renamed")
        assert served["modified"] > before[y]["modified"]


def test_set_attendance_corrects_one_day(sb, get):
    school = sb.data.school_slugs()[0]
    year = sb.data.current_school_year(school)["id"]
    sid = next(s["id"].strip() for s in sb.data.students(school, year) if s["status"] == "Active")
    old = sb.data.attendance(school, sid, year)
    day = old[3]["date"]
    sb.data.set_attendance(school, sid, year, day, status="Absent", status_modifier="Unexcused")
    served = get(f"/v2/{school}/students/{sid}/attendance?schoolYearId={year}").json()["response"]
    changed = [(a, b) for a, b in zip(old, served, strict=True) if a != b]
    assert len(changed) == 1 and changed[0][1]["date"] == day
    new = changed[0][1]
    assert (new["status"], new["statusModifier"]) == ("Absent", "Unexcused") and new["modified"] > old[3][
        "modified"
    ]
    code = next(c for c in sb.data.attendance_codes(school, year) if c["id"] == new["attendanceCodeId"])
    assert (code["status"], code["statusModifier"]) == ("Absent", "Unexcused")
    present = sb.data.set_attendance(school, sid, year, day, status="Present", status_modifier=None)
    assert "statusModifier" not in present


def test_ground_truth_results_are_copies(sb):
    school = sb.data.school_slugs()[0]
    sb.data.students(school, None)[0]["firstName"] = "Changed"
    assert sb.data.students(school, None)[0]["firstName"] != "Changed"


def test_a_large_district_serves_full_years_of_attendance():
    # The bench scenario's size (5 x 1000 x 2 x 180): attendance is generated per request, so this must
    # work without materialising the district. Start-up and request times are measured in bench/, not here.
    with Sandbox(seed=1, schools=5, students=1000, years=2, days=180) as sb, requests.Session() as s:
        s.auth = requests.auth.HTTPDigestAuth(sb.api_key, sb.api_secret)
        school = sb.data.school_slugs()[4]
        year = sb.data.current_school_year(school)["id"]
        students = sb.data.students(school, year)
        assert len(students) >= 1000
        for student in students[:40]:
            sid = student["id"].strip()
            served = s.get(
                f"{sb.url}/v2/{school}/students/{sid}/attendance?schoolYearId={year}", timeout=10
            ).json()["response"]
            expected_days = 180 if student["status"] in ("Active", "Locked") else 0
            assert len(served) == expected_days
            assert served == sb.data.attendance(school, sid, year)
