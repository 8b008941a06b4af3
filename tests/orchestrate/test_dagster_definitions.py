"""orchestrate/dagster/definitions.py loads in the dagster utility's venv and keeps meltano.yml's schedules."""

from __future__ import annotations

import json
import subprocess

import pytest
from pipeline_harness import MELTANO, PROJECT_ROOT

DAGSTER_PYTHON = PROJECT_ROOT / ".meltano" / "utilities" / "dagster" / "venv" / "bin" / "python"
DEFINITIONS = PROJECT_ROOT / "orchestrate" / "dagster" / "definitions.py"
# Loads the definitions the way a Dagster code server does (a file, not a package) and prints a summary.
PROBE = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("tap_alma_dagster", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print(json.dumps({
    "jobs": sorted(j.name for j in module.defs.jobs),
    "schedules": [
        {"name": s.name, "cron": s.cron_schedule, "job": s.job_name, "timezone": s.execution_timezone}
        for s in module.defs.schedules
    ],
}))
"""


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> dict:
    if not DAGSTER_PYTHON.exists():
        pytest.fail(f"the dagster utility is not installed ({DAGSTER_PYTHON}): run `make install-all`", pytrace=False)
    home = tmp_path_factory.mktemp("dagster-home")
    env = {
        # What `meltano invoke dagster:...` sets; a bare PATH proves the absolute meltano is used.
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "MELTANO_PROJECT_ROOT": str(PROJECT_ROOT),
        "DAGSTER_HOME": str(home),
        "DAGSTER_MELTANO_BIN": str(MELTANO),
        "DAGSTER_SCHEDULE_TIMEZONE": "America/Chicago",
    }
    result = subprocess.run(
        [str(DAGSTER_PYTHON), "-c", PROBE, str(DEFINITIONS)],
        capture_output=True, text=True, env=env, cwd=home, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.splitlines()[-1])


def meltano_schedules() -> list[dict]:
    result = subprocess.run(
        [str(MELTANO), "schedule", "list", "--format=json"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    return json.loads(result.stdout)["schedules"]["job"]


def test_every_meltano_job_is_a_dagster_job(loaded):
    assert loaded["jobs"] == ["sync_alma_to_bigquery", "sync_alma_to_duckdb"]


def test_the_schedules_keep_meltano_ymls_cron_expressions(loaded):
    expected = [
        {"name": s["name"].replace("-", "_"), "cron": s["cron_interval"], "job": s["job"]["name"].replace("-", "_")}
        for s in meltano_schedules()
    ]
    assert expected == [{"name": "school_mornings", "cron": "30 7 * * 1-5", "job": "sync_alma_to_bigquery"}]
    assert [{k: s[k] for k in ("name", "cron", "job")} for s in loaded["schedules"]] == expected


def test_the_schedules_run_in_the_configured_zone_not_dagsters_utc_default(loaded):
    assert {s["timezone"] for s in loaded["schedules"]} == {"America/Chicago"}
