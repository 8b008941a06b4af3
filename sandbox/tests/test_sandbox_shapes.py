"""Each endpoint answers with the reference's envelope, keys and value types."""

import re

from alma_sandbox import Sandbox

HEX24 = re.compile(r"^[0-9a-f]{24}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$")

SCHOOL_YEAR_KEYS = ["id", "name", "startDate", "endDate", "status", "created", "modified"]
GRADE_LEVEL_KEYS = [
    "id",
    "name",
    "gradeLevelAbbr",
    "equivalent",
    "nonTeaching",
    "schoolYearId",
    "changeLogId",
    "effectiveDate",
    "created",
    "modified",
]
STUDENT_KEYS = [
    "id",
    "username",
    "firstName",
    "middleName",
    "lastName",
    "preferredName",
    "schoolId",
    "stateId",
    "districtId",
    "gender",
    "ethnicity",
    "race",
    "languages",
    "dob",
    "graduationYear",
    "status",
    "externalIds",
    "created",
    "modified",
]
PLACEMENT_KEYS = [
    "id",
    "gradeLevelId",
    "comment",
    "creator",
    "schoolYearId",
    "school",
    "effectiveDate",
    "created",
]
ATTENDANCE_KEYS = [
    "id",
    "schoolYearId",
    "date",
    "attendanceCodeId",
    "adminLocked",
    "minutes",
    "minutesExpected",
    "note",
    "reportedStatus",
    "status",
    "statusModifier",
    "created",
    "modified",
]
CODE_KEYS = [
    "id",
    "name",
    "abbreviation",
    "status",
    "statusModifier",
    "adminLocked",
    "isSchoolAttendance",
    "schoolYearId",
    "changeLogId",
    "effectiveDate",
    "created",
    "modified",
]


def _ordered_subset(keys: list[str], allowed: list[str]) -> bool:
    """Keys appear in the reference's order; optional keys may be missing."""
    return [k for k in allowed if k in keys] == keys


def _current(sb: Sandbox, school: str) -> str:
    return sb.data.current_school_year(school)["id"]


def test_ping_has_no_envelope_and_echoes_lowercase_headers(sb, get):
    body = get(f"/v2/{sb.district}/ping", headers={"Accept": "application/json"}).json()
    assert set(body) == {"ack", "headers", "method", "_links"}
    assert isinstance(body["ack"], int) and body["method"] == "GET"
    assert body["headers"]["accept"] == "application/json"
    assert body["headers"]["authorization"].startswith("Digest ")
    assert body["_links"] == {"rel": "self", "href": "/ping"}
    assert get(f"/v2/{sb.data.school_slugs()[0]}/ping").status_code == 200


def test_district_schools_wraps_id_and_schools(sb, get):
    payload = get(f"/v2/{sb.district}/district/schools").json()["response"]
    assert payload["id"] == sb.district
    assert [s["id"] for s in payload["schools"]] == sb.data.school_slugs()
    school = payload["schools"][0]
    assert list(school) == ["id", "name", "url", "stateId", "districtId", "settings", "created", "modified"]
    assert school["stateId"].isdigit() and school["districtId"].isdigit()
    assert set(school["settings"]) == {"credits", "transcripts"}
    assert TIMESTAMP.match(school["created"])


def test_school_years_are_oldest_first_with_the_last_current(sb, get):
    years = get(f"/v2/{sb.data.school_slugs()[0]}/school-years").json()["response"]
    assert len(years) == 2
    assert all(list(y) == SCHOOL_YEAR_KEYS for y in years)
    assert [y["status"] for y in years] == ["Past", "Current"]
    assert years[0]["startDate"] < years[1]["startDate"]
    assert all(
        HEX24.match(y["id"]) and DATE.match(y["startDate"]) and DATE.match(y["endDate"]) for y in years
    )


def test_grade_levels_shape(sb, get):
    school = sb.data.school_slugs()[0]
    levels = get(f"/v2/{school}/grade-levels?schoolYearId={_current(sb, school)}").json()["response"]
    assert isinstance(levels, list) and levels
    for level in levels:
        assert list(level) == GRADE_LEVEL_KEYS
        assert isinstance(level["nonTeaching"], bool) and isinstance(level["gradeLevelAbbr"], str)
        assert level["schoolYearId"] == _current(sb, school)


def test_students_shape_and_types(sb, get):
    school = sb.data.school_slugs()[0]
    students = get(f"/v2/{school}/students?schoolYearId={_current(sb, school)}").json()["response"]
    assert len(students) == 30
    for s in students:
        assert list(s) == STUDENT_KEYS
        assert isinstance(s["race"], list) and isinstance(s["externalIds"], list)
        assert s["languages"] is None or isinstance(s["languages"], list)
        assert s["graduationYear"] is None or isinstance(s["graduationYear"], int)
        assert s["schoolId"] is None or (len(s["schoolId"]) == 7 and s["schoolId"].isdigit())


def test_student_grade_levels_wraps_students_with_gradelevels(sb, get):
    school = sb.data.school_slugs()[1]
    payload = get(f"/v2/{school}/students/grade-levels?schoolYearId={_current(sb, school)}").json()[
        "response"
    ]
    assert list(payload) == ["students"]
    for student in payload["students"]:
        assert list(student) == ["id", "gradeLevels"]
        for placement in student["gradeLevels"]:
            assert list(placement) == PLACEMENT_KEYS
            assert placement["school"] == school


def test_attendance_shape_without_student_id(sb, get):
    school = sb.data.school_slugs()[0]
    year = _current(sb, school)
    student = next(s for s in sb.data.students(school, year) if s["status"] == "Active")
    records = get(f"/v2/{school}/students/{student['id'].strip()}/attendance?schoolYearId={year}").json()
    records = records["response"]
    assert len(records) == 20
    for r in records:
        assert _ordered_subset(list(r), ATTENDANCE_KEYS)
        assert "studentId" not in r
        assert isinstance(r["minutes"], int) and isinstance(r["adminLocked"], bool)
        assert DATE.match(r["date"]) and TIMESTAMP.match(r["modified"])
    codes = {c["id"] for c in sb.data.attendance_codes(school, year)}
    assert {r["attendanceCodeId"] for r in records} <= codes


def test_attendance_codes_shape(sb, get):
    school = sb.data.school_slugs()[0]
    codes = get(f"/v2/{school}/attendance-codes?schoolYearId={_current(sb, school)}").json()["response"]
    assert 24 <= len(codes) <= 27
    assert all(_ordered_subset(list(c), CODE_KEYS) and "statusModifier" in c for c in codes)
    assert {c["status"] for c in codes} >= {"Present", "Absent", "Late", "Left", "Returned"}
    assert all(1 <= len(c["abbreviation"]) <= 3 and c["abbreviation"].isupper() for c in codes)


def test_bodies_are_json_with_content_length_and_kept_alive(sb, get):
    r = get(f"/v2/{sb.data.school_slugs()[0]}/school-years")
    assert r.headers["Content-Type"] == "application/json"
    assert int(r.headers["Content-Length"]) == len(r.content)
    assert r.raw.version == 11 and r.headers.get("Connection") != "close"


def test_without_school_year_id_the_current_year_is_served(sb, get):
    school = sb.data.school_slugs()[0]
    assert get(f"/v2/{school}/students").json()["response"] == sb.data.students(school, _current(sb, school))


def test_unknown_slug_route_and_year_are_404_problems(sb, get):
    school = sb.data.school_slugs()[0]
    for path in [
        "/v2/nosuchschool/school-years",
        f"/v2/{school}/no-such-route",
        "/nothing",
        f"/v2/{school}/grade-levels?schoolYearId=000000000000000000000000",
        f"/v2/{school}/students/000000000000000000000000/attendance",
        f"/v2/{sb.district}/students",
        f"/v2/{school}/district/schools",
    ]:
        r = get(path)
        assert r.status_code == 404, path
        assert r.headers["Content-Type"] == "application/problem+json"
        assert r.json()["status"] == 404


def test_only_get_is_allowed(sb, session):
    r = session.post(f"{sb.url}/v2/{sb.data.school_slugs()[0]}/students", json={}, timeout=10)
    assert r.status_code == 405 and r.headers["Allow"] == "GET"
