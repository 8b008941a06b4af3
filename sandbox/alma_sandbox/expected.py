"""What a correct extractor emits per tap-alma stream, derived from the served data alone."""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alma_sandbox.data import SandboxData

Record = dict[str, Any]
STREAMS = (
    "schools",
    "school_years",
    "grade_levels",
    "students",
    "student_grade_levels",
    "attendance",
    "attendance_codes",
)


def _trim(record: Record) -> Record:
    """Ids and foreign keys (`id`, `*Id`) without the stray whitespace some lists carry."""
    return {
        k: v.strip() if isinstance(v, str) and (k == "id" or k.endswith("Id")) else v
        for k, v in record.items()
    }


def expected_records(
    data: "SandboxData", stream: str, school_years: Any, schools: list[str] | None
) -> list[Record]:
    if stream not in STREAMS:
        raise ValueError(f"unknown stream {stream!r}; expected one of {', '.join(STREAMS)}")
    slugs = [s for s in data.school_slugs() if schools is None or s in schools]
    if stream == "schools":
        return [_trim(s) for s in data.raw_district_schools()["schools"] if s["id"] in slugs]
    out: list[Record] = []
    for school in slugs:
        if stream == "school_years":
            # The parent stream: every year of the school, whatever the year selection.
            out += [dict(_trim(y), school=school) for y in data.raw_school_years(school)]
            continue
        for year in data.select_years(school, school_years):
            out += _year_records(data, stream, school, year["id"])
    return out


def _year_records(data: "SandboxData", stream: str, school: str, year_id: str) -> list[Record]:
    context = {"school": school, "schoolYearId": year_id}
    if stream == "grade_levels":
        return [dict(_trim(r), **context) for r in data.raw_grade_levels(school, year_id)]
    if stream == "attendance_codes":
        return [dict(_trim(r), **context) for r in data.raw_attendance_codes(school, year_id)]
    if stream == "students":
        return [dict(_trim(r), **context) for r in data.raw_students(school, year_id)]
    if stream == "student_grade_levels":
        return [
            dict(_trim(level), studentId=s["id"].strip(), **context)
            for s in data.raw_student_grade_levels(school, year_id)["students"]
            for level in s["gradeLevels"]
        ]
    # attendance: one request per student of that year's /students list, by trimmed id.
    out = []
    for student in data.raw_students(school, year_id):
        sid = student["id"].strip()
        out += [dict(_trim(r), studentId=sid, **context) for r in data.raw_attendance(school, sid, year_id)]
    return out
