"""Dagster definitions for the tap-alma project: meltano.yml's jobs and schedules, loaded from the Meltano CLI.

Run it with the dagster utility (meltano.yml), which sets the variables read below:

    meltano --environment=prod invoke dagster:dev        # web UI on :3000 and the schedule daemon
    meltano invoke dagster:schedules                      # what Dagster will run, and when

Each Meltano job becomes a Dagster job whose ops run `meltano run <task> --force` in the environment the
code server was started in (MELTANO_ENVIRONMENT). Each schedule keeps meltano.yml's cron expression.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from dagster import Definitions, JobDefinition, ScheduleDefinition
from dagster_meltano import load_jobs_from_meltano_project
from dagster_meltano.meltano_resource import MeltanoResource

PROJECT_ROOT = Path(os.environ.get("MELTANO_PROJECT_ROOT") or Path(__file__).resolve().parents[2])


def _meltano_bin() -> str:
    """The project's meltano, by absolute path: the code server's PATH need not hold a venv."""
    configured = os.environ.get("DAGSTER_MELTANO_BIN")
    if configured:
        return configured
    project_venv = PROJECT_ROOT / ".venv" / "bin" / "meltano"
    return str(project_venv) if project_venv.exists() else shutil.which("meltano") or "meltano"


def _schedule_timezone() -> str:
    """The zone the cron expressions mean: DAGSTER_SCHEDULE_TIMEZONE, else the server's, as under cron.

    Dagster's own default is UTC, which would move `30 7 * * 1-5` by the server's offset.
    """
    configured = os.environ.get("DAGSTER_SCHEDULE_TIMEZONE") or os.environ.get("TZ", "").lstrip(":")
    if configured:
        return configured
    localtime = Path("/etc/localtime")
    if localtime.is_symlink() and "zoneinfo/" in str(localtime.resolve()):
        return str(localtime.resolve()).split("zoneinfo/", 1)[1]
    timezone_file = Path("/etc/timezone")
    if timezone_file.exists() and timezone_file.read_text().strip():
        return timezone_file.read_text().strip()
    return "UTC"


def build_definitions() -> Definitions:
    # dagster_meltano's MeltanoResource is a process-wide singleton: the first instance, made here with the
    # absolute meltano, is the one load_jobs_from_meltano_project and every op reuse.
    MeltanoResource(project_dir=str(PROJECT_ROOT), meltano_bin=_meltano_bin())
    loaded = load_jobs_from_meltano_project(str(PROJECT_ROOT))
    jobs = [d for d in loaded if isinstance(d, JobDefinition)]
    timezone = _schedule_timezone()
    schedules = [
        ScheduleDefinition(
            name=s.name,
            job_name=s.job_name,
            cron_schedule=s.cron_schedule,
            execution_timezone=timezone,
            default_status=s.default_status,
            description=f"meltano.yml schedule, cron `{s.cron_schedule}` in {timezone}.",
        )
        for s in loaded
        if isinstance(s, ScheduleDefinition)
    ]
    return Definitions(jobs=jobs, schedules=schedules)


defs = build_definitions()
