"""The scheduled job itself (`sync-alma-to-bigquery`), run from its rendered crontab line as cron runs it,
against the sandbox and the local BigQuery emulator (the `bigquery-emulator` environment).

Only the environment differs from the production line: same renderer, same job, same runner. The
emulator's address and fake credentials reach the run through the line's env file, never through this
process's environment (the line runs under `env -i`).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pipeline_harness import PROJECT_ROOT, STREAMS, expected_counts

sys.path.insert(0, str(PROJECT_ROOT / "tests" / "warehouse"))
from bigquery_emulator import BigQueryEmulator  # noqa: E402

RENDERER = PROJECT_ROOT / "orchestrate" / "cron" / "crontab.py"


@pytest.fixture(scope="module")
def emulator():
    with BigQueryEmulator() as bq:
        yield bq


@pytest.fixture(scope="module")
def scheduled_run(tmp_path_factory, sandbox, emulator) -> tuple[subprocess.CompletedProcess[str], Path]:
    work = tmp_path_factory.mktemp("cron-bigquery")
    values = {
        "TAP_ALMA_API_URL": sandbox.url,
        "TAP_ALMA_DISTRICT": sandbox.district,
        "TAP_ALMA_API_KEY": sandbox.api_key,
        "TAP_ALMA_API_SECRET": sandbox.api_secret,
        "MELTANO_DATABASE_URI": f"sqlite:///{work / 'meltano.db'}",
        "BIGQUERY_PROJECT": emulator.project,
        "BIGQUERY_LOCATION": "US",
        **emulator.env(),
    }
    env_file = work / "cron.env"
    env_file.write_text("".join(f"{k}='{v}'\n" for k, v in values.items()))
    env_file.chmod(0o600)
    rendered = subprocess.run(
        [
            sys.executable, str(RENDERER), "render",
            "--environment", "bigquery-emulator",
            "--env-file", str(env_file),
            "--log-root", str(work / "logs"),
            "--lock-dir", str(work / "locks"),
        ],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    (line,) = [x for x in rendered.stdout.splitlines() if x and not x.startswith("#")]
    assert line.startswith("30 7 * * 1-5 ") and line.endswith("--environment=bigquery-emulator run sync-alma-to-bigquery")
    command = line.split(None, 5)[5].replace("\\%", "%")
    home = work / "home"
    home.mkdir()
    result = subprocess.run(
        ["env", "-i", "PATH=/usr/bin:/bin", f"HOME={home}", "/bin/sh", "-c", command],
        capture_output=True, text=True, timeout=900, cwd="/",
    )  # fmt: skip
    return result, work


@pytest.mark.xfail(
    strict=True,
    reason="2026-12-04: against local-bigquery, `students` loads 0 rows (the target exits 0) and dbt-bigquery "
    "fails marts attendance_daily and student_roster; remove this marker once the warehouse path is green",
)
def test_the_scheduled_bigquery_job_runs_from_its_cron_line(scheduled_run, emulator, sandbox):
    result, work = scheduled_run
    assert (work / "logs" / "school-mornings" / "latest.log").exists()
    counts = {s: emulator.row_count("alma_raw", s) for s in STREAMS}
    assert counts == expected_counts(sandbox, school_years="current")
    assert result.returncode == 0, result.stderr[-3000:]
