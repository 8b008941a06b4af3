"""Bad credentials and bad settings: a non-zero exit with one line saying what to fix, and (almost) no requests."""

from __future__ import annotations

import subprocess

import pytest
from pipeline_harness import MELTANO, PROJECT_ROOT

# Routes that carry student data; a config error must stop before any of them is asked.
DATA_ROUTES = ("students", "students/grade-levels", "students/{id}/attendance", "grade-levels", "attendance-codes")


def _tap_lines(output: str) -> list[str]:
    """What the tap itself logged (Meltano prefixes each of its stderr lines with `tap-alma`)."""
    return [line.split("tap-alma", 1)[1].strip() for line in output.splitlines() if " tap-alma " in line]


def _data_requests(sandbox) -> int:
    return sum(n for (route, _), n in sandbox.counters.snapshot().items() if route in DATA_ROUTES)


def test_bad_credentials_fail_at_once_with_one_line_naming_the_url_and_settings(sandbox, new_project):
    wrong_secret = "wrong-secret-3e9d1c57"
    project = new_project(TAP_ALMA_API_SECRET=wrong_secret)
    sandbox.counters.reset()
    result = project.run("run", "tap-alma", "target-duckdb", check=False)

    assert result.returncode != 0
    # No retry storm: one challenge, one refused answer, nothing else.
    assert sandbox.counters.snapshot() == {("district/schools", 401): 2}
    lines = [line for line in _tap_lines(result.stderr) if "rejected the credentials" in line]
    assert len(lines) == 1
    assert sandbox.url in lines[0] and sandbox.district in lines[0]
    assert "api_key" in lines[0] and "api_secret" in lines[0] and "TAP_ALMA_API_SECRET" in lines[0]
    assert "Traceback" not in result.stderr
    output = result.stdout + result.stderr + (project.workdir / "meltano.log").read_text()
    assert wrong_secret not in output and sandbox.api_secret not in output


@pytest.mark.parametrize(
    ("env", "says", "allowed_routes"),
    [
        pytest.param({"TAP_ALMA_DISTRICT": ""}, ["Setting district is empty", "TAP_ALMA_DISTRICT"], set(), id="empty-district"),
        pytest.param(
            {"TAP_ALMA_SCHOOLS": '["nosuchschool"]'},
            ["Unknown school slug(s) in setting schools: nosuchschool", "maplegrove"],
            {"district/schools"},
            id="unknown-school",
        ),
        pytest.param(
            {"TAP_ALMA_SCHOOL_YEARS": '["1999-2000"]'},
            ["Unknown school year name(s) in setting school_years: 1999-2000", "Available:", "2025-2026"],
            {"district/schools", "school-years"},
            id="unknown-year",
        ),
        pytest.param(
            {"TAP_ALMA_SCHOOL_YEARS": "lastyear"},
            ['Setting school_years must be "current", "all" or a JSON list', "TAP_ALMA_SCHOOL_YEARS"],
            set(),
            id="malformed-year-choice",
        ),
        pytest.param(
            {"TAP_ALMA_API_URL": "127.0.0.1:8080"},
            ["Setting api_url must be an http(s) URL with a host", "'127.0.0.1:8080'"],
            set(),
            id="malformed-api-url",
        ),
    ],
)
def test_bad_setting_is_one_line_that_says_what_to_fix_before_any_data_request(
    sandbox, new_project, env, says, allowed_routes
):
    project = new_project(**env)
    sandbox.counters.reset()
    result = project.run("run", "tap-alma", "target-duckdb", check=False)

    assert result.returncode != 0
    lines = [line for line in _tap_lines(result.stderr) if says[0] in line]
    assert len(lines) == 1, result.stderr[-2000:]
    assert all(part in lines[0] for part in says)
    assert "Traceback" not in result.stderr
    assert {route for route, _ in sandbox.counters.snapshot()} <= allowed_routes
    assert _data_requests(sandbox) == 0


def test_missing_district_names_the_setting_and_its_env_var_with_no_request(sandbox, new_project):
    project = new_project()
    env = project.env()
    del env["TAP_ALMA_DISTRICT"]
    sandbox.counters.reset()
    result = subprocess.run(
        [str(MELTANO), "run", "tap-alma", "target-duckdb"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300
    )

    assert result.returncode != 0
    lines = [line for line in _tap_lines(result.stderr) if "Setting district is required" in line]
    assert len(lines) == 1 and "TAP_ALMA_DISTRICT" in lines[0]
    assert sandbox.counters.total() == 0
