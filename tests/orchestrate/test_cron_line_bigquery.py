"""The scheduled job itself (`sync-alma-to-bigquery`), run from its rendered crontab line as cron runs it,
against the sandbox and the local BigQuery emulator (the `bigquery-emulator` environment).

Only the environment differs from the production line: same renderer, same job, same runner. The
emulator's address and fake credentials reach the run through the line's env file, never through this
process's environment (the line runs under `env -i`).

Then every mart the job built on BigQuery must equal the same mart that the project's DuckDB job
(`meltano run sync-alma-to-duckdb`) builds from the same sandbox and the same school years: one set of
dbt models, two adapters, no difference in a single value.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest
from pipeline_harness import PROJECT_ROOT, STREAMS, MeltanoProject, expected_counts

sys.path.insert(0, str(PROJECT_ROOT / "tests" / "warehouse"))
from bigquery_emulator import BigQueryEmulator  # noqa: E402

RENDERER = PROJECT_ROOT / "orchestrate" / "cron" / "crontab.py"
# The job's school years: the tap's default ("current"), as in prod; meltano.yml's dev sets "all".
SCHOOL_YEARS = "current"
# Each mart's grain, by which its BigQuery and DuckDB rows are paired.
MART_KEYS = {
    "student_roster": ["student_id", "school", "school_year_id"],
    "attendance_daily": ["student_id", "school", "attendance_date"],
    "attendance_monthly": ["student_id", "school", "school_year_id", "month"],
    "student_attendance_summary": ["student_id", "school", "school_year_id"],
}


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


def test_the_scheduled_bigquery_job_runs_from_its_cron_line(scheduled_run, emulator, sandbox):
    result, work = scheduled_run
    assert (work / "logs" / "school-mornings" / "latest.log").exists()
    counts = {s: emulator.row_count("alma_raw", s) for s in STREAMS}
    assert counts == expected_counts(sandbox, school_years=SCHOOL_YEARS)
    assert result.returncode == 0, result.stderr[-3000:]
    assert set(MART_KEYS) <= set(emulator.tables("alma_analytics"))


@pytest.fixture(scope="module")
def duckdb_marts(scheduled_run, meltano_project: MeltanoProject) -> Path:
    """The project's DuckDB job from the same sandbox, with the scheduled job's school years."""
    result, _ = scheduled_run
    assert result.returncode == 0, f"the scheduled BigQuery job failed:\n{result.stderr[-3000:]}"
    meltano_project.run("run", "sync-alma-to-duckdb", TAP_ALMA_SCHOOL_YEARS=SCHOOL_YEARS)
    return meltano_project.duckdb_path


def normalise(value: Any) -> Any:
    """One spelling for both warehouses: dates as ISO text (BigQuery's REST API sends text), floats rounded."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, str) and len(value) >= 10 and value[4] == "-" and value[7] == "-" and value[:4].isdigit():
        return value[:10]
    return value


@pytest.mark.parametrize("mart", sorted(MART_KEYS))
def test_every_bigquery_mart_equals_the_duckdb_mart(duckdb_marts, emulator, mart):
    with duckdb.connect(str(duckdb_marts), read_only=True) as con:
        cursor = con.execute(f"select * from alma_analytics.{mart}")
        names = [d[0] for d in cursor.description]
        duck_rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    bq_rows = emulator.query(f"select * from `{emulator.project}.alma_analytics.{mart}`")
    key = MART_KEYS[mart]

    def index(rows: list[dict[str, Any]]) -> dict[tuple[Any, ...], dict[str, Any]]:
        return {tuple(normalise(r[k]) for k in key): {n: normalise(r.get(n)) for n in names} for r in rows}

    duck, bq = index(duck_rows), index(bq_rows)
    assert duck, f"{mart} is empty on DuckDB"
    assert len(bq_rows) == len(duck_rows) == len(duck), f"{mart}: row counts differ or its key repeats"
    assert set(bq) == set(duck), f"{mart}: rows differ between BigQuery and DuckDB"
    assert sorted(bq_rows[0]) == sorted(names), f"{mart}: columns differ between BigQuery and DuckDB"
    diffs = [(k, n, duck[k][n], bq[k][n]) for k in duck for n in names if duck[k][n] != bq[k][n]]
    assert not diffs, f"{mart}: values differ (key, column, duckdb, bigquery): {diffs[:10]}"
