"""Incremental runs: closed school years synced completely are skipped; the current year is re-read."""

from __future__ import annotations

ROUTE = "students/{id}/attendance"


def _past_and_current(sb, school):
    years = sb.data.school_years(school)
    return [y for y in years if y["status"] != "Current"], [y for y in years if y["status"] == "Current"]


def test_second_run_skips_completed_closed_years(sb, run_tap):
    first = run_tap(school_years="all")
    state = first.state
    completed = state["bookmarks"]["attendance"]["completed_school_years"]
    for school in sb.data.school_slugs():
        past, current = _past_and_current(sb, school)
        assert sorted(completed[school]) == sorted(y["id"] for y in past)
        assert not {y["id"] for y in current} & set(completed[school])

    sb.counters.reset()
    second = run_tap(school_years="all", state=state)
    expected_current = sb.data.expected_records("attendance", school_years="current")
    assert len(second.records("attendance")) == len(expected_current)
    current_students = sum(
        len(sb.data.students(s, sb.data.current_school_year(s)["id"])) for s in sb.data.school_slugs()
    )
    assert sb.counters.total(route=ROUTE, status=200) == current_students
    assert {r["schoolYearId"] for r in second.records("students")} == {
        sb.data.current_school_year(s)["id"] for s in sb.data.school_slugs()
    }
    # Year-independent streams are still read in full.
    assert len(second.records("school_years")) == len(sb.data.expected_records("school_years"))
    assert second.state["bookmarks"]["attendance"]["completed_school_years"] == completed


def test_no_state_is_a_full_refresh(sb, run_tap):
    run_tap(school_years="all")
    again = run_tap(school_years="all")
    assert len(again.records("attendance")) == len(sb.data.expected_records("attendance", school_years="all"))


def test_failed_year_is_not_recorded(sb, run_tap):
    school = sb.data.school_slugs()[0]
    past, _ = _past_and_current(sb, school)
    student_id = sb.data.students(school, past[0]["id"])[0]["id"].strip()
    sb.faults.add("404", path=rf"/students/{student_id}/attendance\?schoolYearId={past[0]['id']}")
    run = run_tap(school_years="all")
    completed = run.state["bookmarks"]["attendance"]["completed_school_years"]
    assert past[0]["id"] not in completed.get(school, [])
    # Streams that did read the year completely still record it.
    assert past[0]["id"] in run.state["bookmarks"]["students"]["completed_school_years"][school]


def test_only_completed_closed_years_selected_reads_nothing(sb, run_tap):
    names = sorted({y["name"] for s in sb.data.school_slugs() for y in _past_and_current(sb, s)[0]})
    first = run_tap(school_years=names)
    assert first.records("attendance")
    sb.counters.reset()
    second = run_tap(school_years=names, state=first.state)
    for stream in ("attendance", "students", "grade_levels", "student_grade_levels", "attendance_codes"):
        assert second.records(stream) == [], stream
        assert second.schema_count(stream) == 1, stream
    assert sb.counters.total(route="students/{id}/attendance") == 0
