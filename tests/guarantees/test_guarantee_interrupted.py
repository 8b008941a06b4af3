"""A run killed mid fan-out: state never claims a year whose rows are missing, and the re-run completes once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time

import duckdb
from pipeline_harness import MELTANO, PROJECT_ROOT

YEAR_SCOPED = ("grade_levels", "students", "student_grade_levels", "attendance", "attendance_codes")

ATTENDANCE_OK = {"status": 200, "route": "students/{id}/attendance"}


def _remove_config_files_left_by(project) -> int:
    """SIGKILL leaves Meltano's per-run plugin config files (with credentials) in .meltano/run (SIGTERM and
    failures clean them up). This project has its own .meltano: remove them there."""
    left = list((project.sys_dir / "run").glob("*/*.config.json"))
    for f in left:
        f.unlink()
    return len(left)


def _saved_state_lists_a_year(project) -> bool:
    """Meltano's system database holds a (partial) state that marks a school year completed."""
    database = project.workdir / "meltano.db"
    if not database.exists():
        return False
    try:
        with sqlite3.connect(database) as con:
            rows = con.execute("SELECT partial_state, completed_state FROM state").fetchall()
    except sqlite3.Error:  # not created yet, or locked by the run
        return False
    return any("completed_school_years" in str(cell) and '": ["' in str(cell) for row in rows for cell in row)


def _rows_per_year(path, stream: str) -> dict[tuple[str, str], int]:
    if not path.exists():
        return {}
    with duckdb.connect(str(path), read_only=True) as con:
        tables = {t for (t,) in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema='alma_raw'").fetchall()}
        if stream not in tables:
            return {}
        rows = con.execute(f"SELECT school, schoolyearid, count(*) FROM alma_raw.{stream} GROUP BY 1, 2").fetchall()
    return {(school, year): n for school, year, n in rows}


def _expected_per_year(sandbox, stream: str) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for r in sandbox.data.expected_records(stream, school_years="all"):
        key = (r["school"], r["schoolYearId"])
        out[key] = out.get(key, 0) + 1
    return out


def _completed(state: dict, stream: str) -> dict[str, list[str]]:
    bookmarks = state.get("singer_state", state).get("bookmarks", {})
    return bookmarks.get(stream, {}).get("completed_school_years", {})


def _assert_state_never_past_loaded_rows(project, sandbox, helpers) -> int:
    """Every (school, year) the state lists as completed holds all its rows in the warehouse."""
    state = helpers.state(project)
    checked = 0
    for stream in YEAR_SCOPED:
        loaded, expected = _rows_per_year(project.duckdb_path, stream), _expected_per_year(sandbox, stream)
        for school, years in _completed(state, stream).items():
            for year in years:
                assert loaded.get((school, year), 0) == expected[(school, year)], (stream, school, year)
                checked += 1
    return checked


def test_killed_mid_fan_out_the_state_never_runs_ahead_and_the_rerun_completes_without_duplicates(
    sandbox, new_project, helpers
):
    # Small target batches: the target flushes and passes state on often, so the kill lands between
    # flushes and Meltano has saved some state by then.
    project = new_project(TAP_ALMA_MAX_CONCURRENCY="2", TARGET_DUCKDB_BATCH_SIZE_ROWS="12")
    school = sandbox.data.school_slugs()[0]
    first_year = sandbox.data.school_years(school)[0]["id"].strip()
    kill_after = len(sandbox.data.students(school, first_year)) + 3  # inside the second (school, year)
    sandbox.counters.reset()
    sandbox.latency_ms = 200
    try:
        run = subprocess.Popen(
            [str(MELTANO), "run", "tap-alma", "target-duckdb"],
            cwd=PROJECT_ROOT,
            env=project.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while sandbox.counters.total(**ATTENDANCE_OK) < kill_after and run.poll() is None:
            assert time.monotonic() < deadline, "the attendance fan-out never started"
            time.sleep(0.05)
        # ... and once Meltano has saved the first closed year's STATE, so the check below has one to check.
        while not _saved_state_lists_a_year(project) and run.poll() is None:
            assert time.monotonic() < deadline, "no STATE saved during the fan-out"
            time.sleep(0.05)
        os.killpg(run.pid, signal.SIGKILL)  # meltano, the tap and the target at once
        run.wait(timeout=30)
    finally:
        sandbox.latency_ms = 0
        left_behind = _remove_config_files_left_by(project)

    assert run.returncode != 0
    expected_attendance = len(sandbox.data.expected_records("attendance", school_years="all"))
    loaded_before = sum(_rows_per_year(project.duckdb_path, "attendance").values())
    assert loaded_before < expected_attendance  # really interrupted
    checked_after_kill = _assert_state_never_past_loaded_rows(project, sandbox, helpers)
    assert checked_after_kill >= 1
    print(f"killed with {loaded_before}/{expected_attendance} attendance rows loaded; {checked_after_kill} completed years checked; "
          f"{left_behind} per-run config files left by the kill, removed")

    # Meltano still sees the killed run as running (stale only after 5 minutes without a heartbeat):
    # the operator's re-run says --force.
    refused = project.run("run", "tap-alma", "target-duckdb", check=False)
    assert refused.returncode != 0 and "already running" in refused.stderr
    project.run("run", "--force", "tap-alma", "target-duckdb")

    counts = helpers.complete(project.duckdb_path, sandbox)
    assert counts["attendance"] == expected_attendance
    # After the complete run every closed year is in state, and each holds all its rows.
    closed = sum(1 for s in sandbox.data.school_slugs() for y in sandbox.data.school_years(s) if y["status"] != "Current")
    assert _assert_state_never_past_loaded_rows(project, sandbox, helpers) == closed * len(YEAR_SCOPED)
