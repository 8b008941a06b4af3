"""Record schemas for each stream: Alma's camelCase fields, typed, every non-key field nullable."""

from __future__ import annotations

import typing as t

from singer_sdk import typing as th

ID = th.StringType  # 24-hex ObjectId-like strings, trimmed by the tap
DATE = th.DateType  # "YYYY-MM-DD"; "" from Alma becomes null
TIMESTAMP = th.DateTimeType  # ISO-8601 with offset
STRINGS = th.ArrayType(th.StringType)  # every array's items are typed: loaders need it


def _key(name: str, description: str | None = None) -> th.Property[t.Any]:
    return th.Property(name, ID, required=True, description=description)


# Context fields: added by the tap from the request, not sent by Alma in these records.
SCHOOL = _key("school", "School slug the record was read from")
SCHOOL_YEAR_ID = _key("schoolYearId", "Alma school year id the record was read for")
STUDENT_ID = _key("studentId", "Alma student id (from the URL or the wrapper)")

AUDIT = (th.Property("created", TIMESTAMP), th.Property("modified", TIMESTAMP))

SCHOOLS = th.PropertiesList(
    _key("id", "School slug (Alma uses the slug as the school id)"),
    th.Property("name", th.StringType),
    th.Property("url", th.StringType),
    th.Property("stateId", th.StringType),
    th.Property("districtId", th.StringType),
    th.Property(
        "settings",
        th.ObjectType(
            th.Property(
                "credits",
                th.ObjectType(
                    th.Property("trackCredits", th.BooleanType),
                    th.Property("defaultCredits", th.NumberType),
                ),
            ),
            th.Property(
                "transcripts",
                th.ObjectType(
                    th.Property("enabled", th.BooleanType),
                    th.Property("courseAllocation", th.BooleanType),
                ),
            ),
        ),
    ),
    *AUDIT,
).to_dict()

SCHOOL_YEARS = th.PropertiesList(
    SCHOOL,
    _key("id"),
    th.Property("name", th.StringType, description='Free text, e.g. "2024-2025"'),
    th.Property("startDate", DATE),
    th.Property("endDate", DATE),
    th.Property("status", th.StringType, description='"Current" for the open year; others closed'),
    *AUDIT,
).to_dict()

GRADE_LEVELS = th.PropertiesList(
    SCHOOL,
    SCHOOL_YEAR_ID,
    _key("id"),
    th.Property(
        "effectiveDate",
        DATE,
        required=True,
        description="Part of the key: a grade level repeats with another effective date",
    ),
    th.Property("name", th.StringType),
    th.Property("gradeLevelAbbr", th.StringType, description='e.g. "K", "9", "PK3"'),
    th.Property("equivalent", th.StringType),
    th.Property("nonTeaching", th.BooleanType),
    th.Property("changeLogId", ID),
    *AUDIT,
).to_dict()

STUDENTS = th.PropertiesList(
    SCHOOL,
    SCHOOL_YEAR_ID,
    _key("id"),
    th.Property("username", th.StringType),
    th.Property("firstName", th.StringType),
    th.Property("middleName", th.StringType),
    th.Property("lastName", th.StringType),
    th.Property("preferredName", th.StringType),
    th.Property("schoolId", th.StringType, description="The student's local number, not a school"),
    th.Property("stateId", th.StringType),
    th.Property("districtId", th.StringType),
    th.Property("gender", th.StringType, description="Male, Female, Not Specified"),
    th.Property("ethnicity", th.StringType),
    th.Property("race", STRINGS),
    th.Property("languages", STRINGS),
    th.Property("dob", DATE, description='Date of birth; Alma\'s "" arrives as null'),
    th.Property("graduationYear", th.IntegerType),
    th.Property("status", th.StringType, description="Active, Not Activated, Locked, ..."),
    th.Property("externalIds", STRINGS),
    *AUDIT,
).to_dict()

STUDENT_GRADE_LEVELS = th.PropertiesList(
    SCHOOL,
    SCHOOL_YEAR_ID,
    STUDENT_ID,
    _key("id", "Placement id"),
    th.Property("gradeLevelId", ID),
    th.Property("comment", th.StringType),
    th.Property("creator", ID),
    th.Property("effectiveDate", DATE),
    th.Property("created", TIMESTAMP),  # placements carry no `modified`
).to_dict()

ATTENDANCE = th.PropertiesList(
    SCHOOL,
    SCHOOL_YEAR_ID,
    STUDENT_ID,
    _key("id"),
    th.Property("date", DATE),
    th.Property("attendanceCodeId", ID),
    th.Property("adminLocked", th.BooleanType),
    th.Property("minutes", th.IntegerType),
    th.Property("minutesExpected", th.IntegerType),
    th.Property("note", th.StringType),
    th.Property("reportedStatus", th.StringType),
    th.Property("status", th.StringType, description="Present, Absent, Late, Left, Returned, ..."),
    th.Property("statusModifier", th.StringType, description="Excused, Unexcused or null"),
    *AUDIT,
).to_dict()

ATTENDANCE_CODES = th.PropertiesList(
    SCHOOL,
    SCHOOL_YEAR_ID,
    _key("id"),
    th.Property("name", th.StringType),
    th.Property("abbreviation", th.StringType),
    th.Property("status", th.StringType, description="Present, Absent, Late, Left, Returned, ..."),
    th.Property("statusModifier", th.StringType, description="Excused, Unexcused or null"),
    th.Property("adminLocked", th.BooleanType),
    th.Property("isSchoolAttendance", th.BooleanType),
    th.Property("changeLogId", ID),
    th.Property("effectiveDate", DATE),
    *AUDIT,
).to_dict()
