"""Schema drift through the real pipeline: a new field or a convertible type loads; anything else stops clearly."""

from __future__ import annotations

import duckdb
import pytest
from pipeline_harness import expected_counts


@pytest.fixture
def drift(sandbox):
    yield sandbox.data.set_drift
    sandbox.data.clear_drift()


def test_new_field_and_convertible_types_load_every_row_without_a_crash(sandbox, new_project, drift):
    drift("students", "pronouns", "they")  # a field Alma adds
    drift("students", "firstName", 12345)  # a number where a string was
    drift("students", "race", "Asian")  # a string where a list was
    drift("students/{id}/attendance", "minutes", "45")  # a numeric string where an integer was
    project = new_project()
    result = project.run("run", "tap-alma", "target-duckdb")

    assert project.raw_counts() == expected_counts(sandbox)
    assert "Properties ('pronouns',) were present in the 'students' stream" in result.stderr
    with duckdb.connect(str(project.duckdb_path), read_only=True) as con:
        columns = {c for (c,) in con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'students'").fetchall()}
        names = con.execute("SELECT DISTINCT firstname FROM alma_raw.students").fetchall()
        races = con.execute("SELECT DISTINCT CAST(race AS VARCHAR) FROM alma_raw.students").fetchall()
        minutes = con.execute("SELECT DISTINCT minutes FROM alma_raw.attendance").fetchall()
    assert "pronouns" not in columns
    assert names == [("12345",)] and races == [('["Asian"]',)] and minutes == [(45,)]


@pytest.mark.parametrize(
    ("route", "field", "value", "says"),
    [
        ("students/{id}/attendance", "minutes", "forty", "attendance.minutes: got string, the schema expects integer"),
        ("students/{id}/attendance", "adminLocked", "yes", "attendance.adminLocked: got string, the schema expects boolean"),
        ("students", "graduationYear", {"year": 2030}, "students.graduationYear: got object, the schema expects integer"),
    ],
)
def test_unconvertible_type_stops_with_one_line_naming_the_field_and_the_next_run_completes(
    sandbox, new_project, drift, helpers, route, field, value, says
):
    drift(route, field, value)
    project = new_project()
    failed = project.run("run", "tap-alma", "target-duckdb", check=False)

    assert failed.returncode != 0
    lines = [line for line in failed.stderr.splitlines() if "Alma changed the type of" in line]
    assert len(lines) == 1 and says in lines[0] and "schemas.py" in lines[0]
    assert "Traceback" not in failed.stderr
    # The loader never saw the value, so no student's row was printed either.
    names = {s["lastName"] for s in sandbox.data.expected_records("students", school_years="all") if s.get("lastName")}
    assert not [n for n in names if n in failed.stderr]

    sandbox.data.clear_drift()
    project.run("run", "tap-alma", "target-duckdb")
    helpers.complete(project.duckdb_path, sandbox)
