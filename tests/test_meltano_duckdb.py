"""The embedded default end to end: `meltano run tap-alma target-duckdb` against the sandbox."""

from __future__ import annotations

import json

import duckdb
import pytest
from pipeline_harness import expected_counts


@pytest.fixture(scope="module")
def first_load(meltano_project):
    meltano_project.run("run", "tap-alma", "target-duckdb")
    return meltano_project.raw_counts()


@pytest.fixture(scope="module")
def second_load(first_load, meltano_project):
    # The nightly path: state from the first run, the current year re-read and upserted.
    meltano_project.run("run", "tap-alma", "target-duckdb")
    return meltano_project.raw_counts()


def test_first_run_loads_every_row_of_every_stream(first_load, sandbox):
    assert first_load == expected_counts(sandbox)


def test_second_run_leaves_every_count_unchanged(first_load, second_load):
    assert second_load == first_load


def _current_year(sandbox, school):
    return next(y for y in sandbox.data.school_years(school) if y["status"] == "Current")


def test_changed_records_are_updated_in_place(second_load, meltano_project, sandbox):
    school = sandbox.data.school_slugs()[0]
    year_id = _current_year(sandbox, school)["id"].strip()
    student_id = sandbox.data.students(school, year_id)[0]["id"].strip()
    day = sandbox.data.attendance(school, student_id, year_id)[0]["date"]
    sandbox.data.rename_student(school, student_id, first_name="Renamedfirst")
    sandbox.data.set_attendance(school, student_id, year_id, day, status="Absent", status_modifier="Excused")

    meltano_project.run("run", "tap-alma", "target-duckdb")

    assert meltano_project.raw_counts() == second_load
    with duckdb.connect(str(meltano_project.duckdb_path), read_only=True) as con:
        names = con.execute(
            'SELECT firstname FROM alma_raw.students WHERE school = ? AND id = ? AND schoolyearid = ?',
            [school, student_id, year_id],
        ).fetchall()
        marks = con.execute(
            "SELECT status, statusmodifier FROM alma_raw.attendance "
            "WHERE school = ? AND studentid = ? AND date = ?",
            [school, student_id, day],
        ).fetchall()
    assert names == [("Renamedfirst",)]
    assert marks == [("Absent", "Excused")]


def _singer_batch(rows: int) -> str:
    schema = {
        "type": "SCHEMA",
        "stream": "batch_probe",
        "key_properties": ["id"],
        "schema": {"type": "object", "properties": {"id": {"type": "string"}, "n": {"type": ["integer", "null"]}}},
    }
    records = [{"type": "RECORD", "stream": "batch_probe", "record": {"id": f"r{i}", "n": i}} for i in range(rows)]
    return "\n".join(json.dumps(m) for m in [schema, *records]) + "\n"


@pytest.mark.parametrize("rows", [1, 2])
def test_target_duckdb_keeps_the_first_row_of_small_batches(rows, meltano_project):
    # Regression for the silent loss with duckdb >= 1.1 (first CSV row sniffed as a header): see Pins.
    meltano_project.run("invoke", "target-duckdb", stdin=_singer_batch(rows), TARGET_DUCKDB_DEFAULT_TARGET_SCHEMA=f"probe_{rows}")
    with duckdb.connect(str(meltano_project.duckdb_path), read_only=True) as con:
        ids = con.execute(f"SELECT id FROM probe_{rows}.batch_probe ORDER BY id").fetchall()
    assert ids == [(f"r{i}",) for i in range(rows)]
