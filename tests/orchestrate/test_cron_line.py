"""The rendered crontab line, run as cron runs it: `env -i`, a bare PATH, `/bin/sh -c`, no venv.

The scheduled job loads BigQuery; here the same renderer renders the line for `sync-alma-to-duckdb`
(`--job`), so the line runs end to end against the sandbox and a DuckDB file with no cloud account.
Everything the run needs (the sandbox's address and fake credentials, an isolated Meltano system
database, the DuckDB path) reaches it through the env file the line names, never through this
process's environment: `env -i` proves the line carries nothing else.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from pipeline_harness import PROJECT_ROOT, STREAMS, expected_counts

RENDERER = PROJECT_ROOT / "orchestrate" / "cron" / "crontab.py"
EXIT_LOCKED = 75  # run-job.sh's documented code for "a previous run still holds the lock"
# What cron gives a job: no virtualenv, no project variables.
CRON_PATH = "/usr/bin:/bin"


def render(*args: str) -> list[str]:
    """The crontab block's schedule lines, rendered by orchestrate/cron/crontab.py."""
    result = subprocess.run(
        [sys.executable, str(RENDERER), "render", *args], capture_output=True, text=True, check=True, timeout=120
    )
    return [line for line in result.stdout.splitlines() if line and not line.startswith("#")]


def command_part(cron_line: str) -> str:
    """What cron hands to /bin/sh: the line after its five time fields (no `%` is left unescaped)."""
    command = cron_line.split(None, 5)[5]
    assert "%" not in command.replace("\\%", "")
    return command.replace("\\%", "%")


def run_as_cron(command: str, home: Path, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["env", "-i", f"PATH={CRON_PATH}", f"HOME={home}", "/bin/sh", "-c", command],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd="/",
    )


@pytest.fixture(scope="module")
def cron_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cron")


@pytest.fixture(scope="module")
def env_file(cron_dir, sandbox) -> Path:
    """The variables a school would keep in .env, here pointing at the sandbox and a temp warehouse."""
    warehouse = cron_dir / "alma.duckdb"
    values = {
        "TAP_ALMA_API_URL": sandbox.url,
        "TAP_ALMA_DISTRICT": sandbox.district,
        "TAP_ALMA_API_KEY": sandbox.api_key,
        "TAP_ALMA_API_SECRET": sandbox.api_secret,
        # Its own system database: the run's state never touches the project's .meltano/meltano.db.
        "MELTANO_DATABASE_URI": f"sqlite:///{cron_dir / 'meltano.db'}",
        "TARGET_DUCKDB_FILEPATH": str(warehouse),
        "DBT_DUCKDB_PATH": str(warehouse),
    }
    path = cron_dir / "cron.env"
    path.write_text("".join(f"{k}='{v}'\n" for k, v in values.items()))
    path.chmod(0o600)
    return path


@pytest.fixture(scope="module")
def duckdb_line(cron_dir, env_file) -> str:
    lines = render(
        "--job", "sync-alma-to-duckdb",
        "--env-file", str(env_file),
        "--log-root", str(cron_dir / "logs"),
        "--lock-dir", str(cron_dir / "locks"),
    )  # fmt: skip
    assert len(lines) == 1, lines
    return lines[0]


@pytest.fixture(scope="module")
def scheduled_run(duckdb_line, cron_dir) -> subprocess.CompletedProcess[str]:
    home = cron_dir / "home"
    home.mkdir()
    return run_as_cron(command_part(duckdb_line), home)


def test_the_line_keeps_meltano_ymls_cron_expression_and_absolute_paths(duckdb_line):
    fields = duckdb_line.split()
    assert " ".join(fields[:5]) == "30 7 * * 1-5"
    assert fields[5] == str(PROJECT_ROOT / "orchestrate" / "cron" / "run-job.sh")
    meltano = str(PROJECT_ROOT / ".venv" / "bin" / "meltano")
    assert fields[fields.index("--") + 1 :] == [
        meltano, "--cwd", str(PROJECT_ROOT), "--environment=prod", "run", "sync-alma-to-duckdb"
    ]  # fmt: skip


def test_the_production_line_runs_the_bigquery_job_in_prod():
    (line,) = render()
    assert line.startswith("30 7 * * 1-5 ")
    assert line.endswith("--environment=prod run sync-alma-to-bigquery")
    assert "--env-file" not in line  # in production Meltano reads the project's .env itself


def test_the_line_run_as_cron_exits_0_and_loads_every_row(scheduled_run, cron_dir, sandbox):
    assert scheduled_run.returncode == 0, scheduled_run.stderr[-3000:]
    # A good run is silent, so cron mails nothing.
    assert scheduled_run.stdout == "" and scheduled_run.stderr == ""
    with duckdb.connect(str(cron_dir / "alma.duckdb"), read_only=True) as con:
        counts = {s: con.execute(f'SELECT count(*) FROM alma_raw."{s}"').fetchone()[0] for s in STREAMS}
    # The prod environment extracts the current school year only.
    assert counts == expected_counts(sandbox, school_years="current")


def test_the_run_wrote_its_log_and_latest_points_at_it(scheduled_run, cron_dir):
    log_dir = cron_dir / "logs" / "school-mornings"
    logs = sorted(p for p in log_dir.glob("*.log") if p.name != "latest.log")
    assert len(logs) == 1
    assert (log_dir / "latest.log").resolve() == logs[0].resolve()
    text = logs[0].read_text()
    assert "dbt-duckdb" in text  # the whole job ran: extract, load and the dbt build
    assert text.splitlines()[-1].endswith("exit 0")
    # The env file's secret is read by the shell, never echoed into the log.
    assert "API_SECRET=" not in text


def test_a_second_copy_exits_at_once_while_the_first_holds_the_lock(duckdb_line, cron_dir, scheduled_run):
    lock = cron_dir / "locks" / "sync-alma-to-duckdb.lock"
    log_dir = cron_dir / "logs" / "school-mornings"
    logs_before = sorted(log_dir.iterdir())
    holder = subprocess.Popen(["flock", str(lock), "sleep", "120"])
    try:
        deadline = time.monotonic() + 10
        while subprocess.run(["flock", "-n", str(lock), "true"]).returncode == 0:
            assert time.monotonic() < deadline, "the test's flock never took the lock"
            time.sleep(0.05)
        started = time.monotonic()
        second = run_as_cron(command_part(duckdb_line), cron_dir / "home", timeout=60)
        elapsed = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert second.returncode == EXIT_LOCKED
    assert "previous run still holds" in second.stderr
    assert elapsed < 3  # meltano alone takes longer than this to start
    assert sorted(log_dir.iterdir()) == logs_before  # no new log: nothing ran


def test_a_failing_run_exits_non_zero_and_says_so_on_stderr(cron_dir, env_file):
    # A job Meltano does not know fails fast: the exit code and the log tail are what cron mails.
    line = render(
        "--job", "no-such-job",
        "--env-file", str(env_file),
        "--log-root", str(cron_dir / "failing-logs"),
        "--lock-dir", str(cron_dir / "locks"),
    )[0]  # fmt: skip
    result = run_as_cron(command_part(line), cron_dir / "home", timeout=120)
    assert result.returncode != 0
    assert "FAILED" in result.stderr and "no-such-job" in result.stderr
    assert os.path.exists(cron_dir / "failing-logs" / "school-mornings" / "latest.log")
