"""dbt marts (transform/) against values computed independently from the sandbox's ground truth.

Nothing here is a hard-coded expected number: every expectation is derived in Python from
`sandbox.data` (what the sandbox served), following the rules documented in transform/README.md.

Fixture contract (provided by tests/conftest.py, not by this module):

- ``sandbox``: the running ``alma_sandbox.Sandbox`` whose data the pipeline loaded. Its data must not
  be changed (``rename_student``, ``set_attendance``) between the load and these tests, or the load
  must have happened after the change.
- ``pipeline_duckdb``: path (``str`` or ``pathlib.Path``) of the DuckDB file after the full pipeline
  ran against that sandbox: tap-alma (every school, ``school_years`` as in ``pipeline_school_years``)
  -> target-duckdb -> ``dbt build`` with transform/profiles/duckdb, all passing. The marts are read
  from the schema ``$ALMA_ANALYTICS_SCHEMA`` (default ``alma_analytics``). The file is opened
  read-only, so no other process may hold it open for writing.
- ``pipeline_school_years`` (optional): the tap's ``school_years`` setting used for that load
  (``"all"``, ``"current"`` or a list of year names). Default ``"all"``, as in meltano.yml's dev
  environment.

Both fixtures must have the same or a broader scope than this module (``sandbox`` is module-scoped in
tests/conftest.py, so ``pipeline_duckdb`` should be module- or function-scoped).
"""

from __future__ import annotations

import os
from collections import defaultdict
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

import duckdb
import pytest

ANALYTICS_SCHEMA = os.environ.get("ALMA_ANALYTICS_SCHEMA", "alma_analytics")
HISPANIC = "Hispanic Or Latino"
# Rates are rounded to 4 places in the marts; Python's round() is round-half-even, SQL's half-up.
RATE_TOLERANCE = 1e-4 + 1e-9


# -- fixtures and helpers ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def school_years_setting(request: pytest.FixtureRequest) -> Any:
    try:
        return request.getfixturevalue("pipeline_school_years")
    except pytest.FixtureLookupError:
        return "all"


@pytest.fixture(scope="module")
def warehouse(pipeline_duckdb: Any):
    path = Path(pipeline_duckdb)
    assert path.exists(), f"pipeline_duckdb {path} does not exist"
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cur = con.execute(sql.replace("{schema}", ANALYTICS_SCHEMA))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def text_list(values: list[str] | None) -> str | None:
    """Alma's array as the marts show it: joined with ', ' in Alma's order, null when empty."""
    return ", ".join(values) if values else None


@pytest.fixture(scope="module")
def truth(sandbox: Any, school_years_setting: Any) -> dict[str, Any]:
    """Ground truth for the loaded scope, from `sandbox.data` only (ids trimmed, as the tap does)."""
    data = sandbox.data
    years: dict[tuple[str, str], dict[str, Any]] = {}
    students: dict[tuple[str, str, str], dict[str, Any]] = {}
    placements: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    grade_versions: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    attendance: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for school in data.school_slugs():
        for year in data.select_years(school, school_years_setting):
            year_id = year["id"].strip()
            years[(school, year_id)] = year
            for grade in data.grade_levels(school, year_id):
                grade_versions[(school, year_id, grade["id"].strip())].append(grade)
            for entry in data.student_grade_levels(school, year_id)["students"]:
                placements[(school, year_id, entry["id"].strip())] = entry["gradeLevels"]
            for student in data.students(school, year_id):
                sid = student["id"].strip()
                students[(school, year_id, sid)] = student
                records = data.attendance(school, sid, year_id)
                if records:
                    attendance[(school, year_id, sid)] = records
    assert students, "the sandbox served no students for the loaded scope"
    return {
        "years": years,
        "students": students,
        "placements": placements,
        "grade_versions": grade_versions,
        "attendance": attendance,
    }


def roster_date(year: dict[str, Any], today: date) -> date:
    end = date.fromisoformat(year["endDate"])
    return min(today, end)


def latest_effective(items: list[dict[str, Any]], on: date) -> dict[str, Any] | None:
    """The item with the latest effectiveDate on or before `on`; if all start later, the earliest."""
    if not items:
        return None
    dated = sorted(items, key=lambda i: (i["effectiveDate"], i["id"].strip()))
    in_force = [i for i in dated if date.fromisoformat(i["effectiveDate"]) <= on]
    return in_force[-1] if in_force else dated[0]


def expected_grade(truth: dict[str, Any], school: str, year_id: str, sid: str, today: date) -> str | None:
    on = roster_date(truth["years"][(school, year_id)], today)
    placement = latest_effective(truth["placements"].get((school, year_id, sid), []), on)
    if placement is None:
        return None
    versions = truth["grade_versions"].get((school, year_id, placement["gradeLevelId"].strip()), [])
    version = latest_effective(versions, on)
    return version["equivalent"] if version else None


def expected_race_reporting(student: dict[str, Any]) -> str | None:
    if student.get("ethnicity") == HISPANIC:
        return HISPANIC
    race = student.get("race") or []
    return race[0] if race else None


def day_counts(records: list[dict[str, Any]]) -> dict[str, int]:
    """One mark per date (the latest modified, should Alma ever send two); counts by status."""
    by_date: dict[str, dict[str, Any]] = {}
    for r in sorted(records, key=lambda r: r.get("modified") or ""):
        by_date[r["date"]] = r
    status = [r["status"] for r in by_date.values()]
    modifier = [r.get("statusModifier") for r in by_date.values()]
    return {
        "school_days": len(by_date),
        "days_present": sum(s in ("Present", "Late") for s in status),
        "days_late": sum(s == "Late" for s in status),
        "days_absent": sum(s == "Absent" for s in status),
        "days_excused_absent": sum(s == "Absent" and m == "Excused" for s, m in zip(status, modifier)),
    }


def assert_rate(actual: float | None, numerator: int, denominator: int, what: str) -> None:
    expected = numerator / denominator
    assert actual is not None, f"{what}: null"
    assert abs(actual - expected) <= RATE_TOLERANCE, f"{what}: {actual} != {numerator}/{denominator}"
    assert round(actual, 4) == actual, f"{what}: {actual} is not rounded to 4 places"


# -- student_roster ---------------------------------------------------------------------------------


def test_roster_rows_per_school_and_year(warehouse, truth):
    got: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in rows(warehouse, "select school, school_year_id, student_id from {schema}.student_roster"):
        got[(r["school"], r["school_year_id"])].append(r["student_id"])
    expected: dict[tuple[str, str], set[str]] = defaultdict(set)
    for school, year_id, sid in truth["students"]:
        expected[(school, year_id)].add(sid)
    assert set(got) == set(expected), "roster (school, school year) pairs differ from the sandbox's"
    for key, ids in expected.items():
        assert len(got[key]) == len(set(got[key])), f"duplicate roster rows in {key}"
        assert set(got[key]) == ids, f"roster of {key} differs from the sandbox's students list"


def test_roster_school_year_names(warehouse, truth):
    for r in rows(warehouse, "select distinct school, school_year_id, school_year_name from {schema}.student_roster"):
        assert r["school_year_name"] == truth["years"][(r["school"], r["school_year_id"])]["name"]


def test_a_student_in_two_schools_has_a_row_in_each(warehouse, truth):
    schools_of: dict[tuple[str, str], set[str]] = defaultdict(set)
    for school, year_id, sid in truth["students"]:
        schools_of[(sid, truth["years"][(school, year_id)]["name"])].add(school)
    shared = {key: schools for key, schools in schools_of.items() if len(schools) > 1}
    assert shared, "the pipeline's sandbox must enroll a student in two schools (a quirk this test covers)"
    got: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in rows(warehouse, "select student_id, school_year_name, school from {schema}.student_roster"):
        got[(r["student_id"], r["school_year_name"])].add(r["school"])
    for key, schools in shared.items():
        assert got[key] == schools, f"student {key} should appear once per school"


def test_roster_grade_level_demographics(warehouse, truth):
    """Every roster row: grade as of the roster date, race_reporting, race, languages and the rest."""
    today = date.today()
    got = {
        (r["school"], r["school_year_id"], r["student_id"]): r
        for r in rows(warehouse, "select * from {schema}.student_roster")
    }
    checked_grades = checked_hispanic = checked_multi_race = 0
    for key, student in truth["students"].items():
        row = got[key]
        school, year_id, sid = key
        grade = expected_grade(truth, school, year_id, sid, today)
        assert row["grade_level"] == grade, f"grade_level of {key}"
        checked_grades += grade is not None
        assert row["race_reporting"] == expected_race_reporting(student), f"race_reporting of {key}"
        checked_hispanic += student.get("ethnicity") == HISPANIC
        checked_multi_race += len(student.get("race") or []) > 1
        assert row["race"] == text_list(student.get("race")), f"race of {key}"
        assert row["languages"] == text_list(student.get("languages")), f"languages of {key}"
        assert row["first_name"] == (student.get("firstName") or "").strip(), f"first_name of {key}"
        assert row["last_name"] == (student.get("lastName") or "").strip(), f"last_name of {key}"
        assert row["status"] == student.get("status"), f"status of {key}"
        assert row["gender"] == student.get("gender"), f"gender of {key}"
        assert row["ethnicity"] == student.get("ethnicity"), f"ethnicity of {key}"
        dob = student.get("dob") or None
        assert row["date_of_birth"] == (date.fromisoformat(dob) if dob else None), f"date_of_birth of {key}"
        assert row["graduation_year"] == student.get("graduationYear"), f"graduation_year of {key}"
    assert checked_grades > 0, "no roster row had a grade level to check"
    if len(truth["students"]) >= 20:
        assert checked_hispanic > 0 and checked_multi_race > 0, "the load never exercised race_reporting's two cases"


def test_mid_year_grade_change_uses_the_placement_in_force(warehouse, truth):
    """Students with two placements in a year: the roster grade follows the rule, not the first placement."""
    today = date.today()
    changed = [k for k, p in truth["placements"].items() if len(p) > 1 and k in truth["students"]]
    assert changed, "the pipeline's sandbox must hold a mid-year grade change (the case this test covers)"
    got = {
        (r["school"], r["school_year_id"], r["student_id"]): r["grade_level"]
        for r in rows(warehouse, "select school, school_year_id, student_id, grade_level from {schema}.student_roster")
    }
    for key in changed:
        assert got[key] == expected_grade(truth, *key, today), f"grade_level after a grade change, {key}"


# -- attendance --------------------------------------------------------------------------------------


def test_attendance_daily_rows(warehouse, truth):
    got = {
        (r["school"], r["school_year_id"], r["student_id"]): r["n"]
        for r in rows(
            warehouse,
            "select school, school_year_id, student_id, count(*) as n from {schema}.attendance_daily group by all",
        )
    }
    expected = {key: day_counts(records)["school_days"] for key, records in truth["attendance"].items()}
    assert got == expected


def test_attendance_daily_marks(warehouse, truth):
    """A sample of students: each day's status and modifier as Alma recorded them."""
    sample = sorted(truth["attendance"])[:: max(1, len(truth["attendance"]) // 20)]
    for school, year_id, sid in sample:
        got = {
            r["attendance_date"].isoformat(): (r["status"], r["status_modifier"], r["attendance_code_id"])
            for r in rows(
                warehouse,
                f"select attendance_date, status, status_modifier, attendance_code_id from {{schema}}.attendance_daily "
                f"where school = '{school}' and school_year_id = '{year_id}' and student_id = '{sid}'",
            )
        }
        expected = {
            r["date"]: (r["status"], r.get("statusModifier"), r["attendanceCodeId"].strip())
            for r in truth["attendance"][(school, year_id, sid)]
        }
        assert got == expected, f"daily marks of {(school, year_id, sid)}"


def test_attendance_monthly(warehouse, truth):
    got = {
        (r["school"], r["school_year_id"], r["student_id"], r["month"].isoformat()[:7]): r
        for r in rows(warehouse, "select * from {schema}.attendance_monthly")
    }
    expected: dict[tuple[str, str, str, str], dict[str, int]] = {}
    for key, records in truth["attendance"].items():
        by_month: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in records:
            by_month[r["date"][:7]].append(r)
        for month, month_records in by_month.items():
            expected[(*key, month)] = day_counts(month_records)
    assert set(got) == set(expected), "attendance_monthly (student, school, year, month) rows differ"
    for key, counts in expected.items():
        row = got[key]
        for column, value in counts.items():
            assert row[column] == value, f"{column} of {key}"
        assert_rate(row["attendance_rate"], counts["days_present"], counts["school_days"], f"attendance_rate {key}")
        assert_rate(row["tardy_rate"], counts["days_late"], counts["school_days"], f"tardy_rate {key}")
        assert row["month"].day == 1, f"month of {key} is not the first of the month"


def test_student_attendance_summary(warehouse, truth):
    got = {
        (r["school"], r["school_year_id"], r["student_id"]): r
        for r in rows(warehouse, "select * from {schema}.student_attendance_summary")
    }
    assert set(got) == set(truth["attendance"]), "summary rows differ from the students with attendance"
    chronic = 0
    for key, records in truth["attendance"].items():
        counts, row = day_counts(records), got[key]
        for column, value in counts.items():
            assert row[column] == value, f"{column} of {key}"
        assert_rate(row["attendance_rate"], counts["days_present"], counts["school_days"], f"attendance_rate {key}")
        assert_rate(row["tardy_rate"], counts["days_late"], counts["school_days"], f"tardy_rate {key}")
        is_chronic = Fraction(counts["days_absent"], counts["school_days"]) >= Fraction(1, 10)
        assert row["is_chronically_absent"] == is_chronic, f"is_chronically_absent of {key}"
        chronic += is_chronic
        assert row["school_year_name"] == truth["years"][key[:2]]["name"]
    # Both outcomes should occur in any realistic load; a load where nobody (or everybody) is chronically
    # absent would not test the threshold.
    if len(truth["attendance"]) >= 20:
        assert 0 < chronic < len(truth["attendance"]), "the sample never exercised both sides of the 10% rule"
