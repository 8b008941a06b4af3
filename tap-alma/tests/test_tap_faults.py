"""Retries, fatal errors and their messages: 429, 5xx, broken bodies, auth, config, 404."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest

from tap_alma.client import AlmaStream
from tap_alma.errors import AlmaAuthError, AlmaConfigError, AlmaRequestError

ATTENDANCE_ROUTE = "students/{id}/attendance"


def _attendance_count(sb, school_years="current") -> int:
    return len(sb.data.expected_records("attendance", school_years=school_years))


def test_429_with_retry_after_then_success(sb, run_tap):
    sb.faults.add("429", path=r"/attendance-codes", times=1, retry_after=1)
    run = run_tap()
    assert len(run.records("attendance_codes")) == len(sb.data.expected_records("attendance_codes"))
    assert sb.counters.total(status=429) == 2  # one per school: each URL failed once
    waits = [r for r in run.logs if r.levelno == logging.WARNING and "Retrying" in r.getMessage()]
    assert waits
    assert all("in 1.0s" in r.getMessage() for r in waits)  # Retry-After honoured, not the tiny test backoff


@pytest.mark.parametrize("kind", ["500", "503", "truncate", "reset"])
def test_transient_failure_then_success(sb, run_tap, kind):
    sb.faults.add(kind, path=r"/attendance\?", times=1, retry_after=0)
    run = run_tap()
    assert len(run.records("attendance")) == _attendance_count(sb)


def test_slow_response_times_out_then_retries(sb, run_tap):
    sb.faults.add("slow", path=r"/grade-levels", times=1, delay=1.0)
    run = run_tap(request_timeout=0.3)
    assert len(run.records("grade_levels")) == len(sb.data.expected_records("grade_levels"))


def test_retry_budget_exhausted_names_the_url(sb, run_tap):
    sb.faults.add("503", path=r"/grade-levels", retry_after=0)
    with pytest.raises(AlmaRequestError) as caught:
        run_tap()
    message = str(caught.value)
    assert "/grade-levels?schoolYearId=" in message
    assert sb.url in message
    assert f"after {AlmaStream.max_tries} tries" in message
    assert sb.counters.total(status=503) == AlmaStream.max_tries


def test_wrong_secret_is_fatal_at_once(sb, run_tap):
    with pytest.raises(AlmaAuthError) as caught:
        run_tap(api_secret="not-the-secret")
    message = str(caught.value)
    assert "api_key" in message
    assert "api_secret" in message
    assert sb.url in message
    assert "not-the-secret" not in message
    assert sb.counters.total() <= 2  # the challenge and one signed try, then stop


def test_wrong_secret_cli_prints_one_line(sb, tmp_path):
    secret = "wrong-secret-XYZZY"
    config = tmp_path / "config.json"
    config.write_text(json.dumps({**sb.tap_config(), "api_secret": secret}))
    result = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "tap_alma.tap", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert secret not in result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if "ERROR" in line]
    assert len(errors) == 1, result.stderr
    assert "api_secret" in errors[0]
    assert "Traceback" not in result.stderr
    assert not result.stdout.strip()  # nothing emitted before the credentials were checked


def test_unknown_school_slug_lists_known_ones(sb, run_tap):
    with pytest.raises(AlmaConfigError) as caught:
        run_tap(schools=["nosuchschool"])
    message = str(caught.value)
    assert "nosuchschool" in message
    for slug in sb.data.school_slugs():
        assert slug in message


def test_unknown_school_year_name_lists_available(sb, run_tap):
    with pytest.raises(AlmaConfigError) as caught:
        run_tap(school_years=["1999-2000"])
    assert "1999-2000" in str(caught.value)
    school = sb.data.school_slugs()[0]
    for year in sb.data.school_years(school):
        assert year["name"] in str(caught.value)


@pytest.mark.parametrize("url", ["ftp://example.org", "not a url", "http://"])
def test_invalid_api_url(run_tap, url):
    with pytest.raises(AlmaConfigError, match="api_url"):
        run_tap(api_url=url)


def test_404_for_one_student_warns_and_continues(sb, run_tap):
    school = sb.data.school_slugs()[0]
    year = sb.data.current_school_year(school)
    student_id = sb.data.students(school, year["id"])[0]["id"].strip()
    # The same student id can be enrolled in two schools: pin the fault to this school's year.
    sb.faults.add("404", path=rf"/students/{student_id}/attendance\?schoolYearId={year['id']}")
    run = run_tap()
    missing = len(sb.data.attendance(school, student_id, year["id"]))
    assert missing > 0
    assert len(run.records("attendance")) == _attendance_count(sb) - missing
    warnings = [r.getMessage() for r in run.logs if r.levelno == logging.WARNING]
    assert any(student_id in w and "404" in w for w in warnings)


def test_stale_nonce_is_renewed_without_failing(sb, run_tap):
    sb.faults.add("stale_nonce", path=r"/attendance-codes", times=1)
    run = run_tap()
    assert len(run.records("attendance_codes")) == len(sb.data.expected_records("attendance_codes"))
    assert not [r for r in run.logs if r.levelno >= logging.WARNING]
