#!/usr/bin/env python3
"""Render, install, list and remove the crontab lines (or systemd units) for meltano.yml's schedules.

meltano.yml's `schedules:` stay the one source of truth: this script reads them from
`meltano schedule list --format=json` and writes one line per schedule, between marker comments, so the
rest of the user's crontab is never touched and a second `install` changes nothing:

    # BEGIN tap-alma ...
    30 7 * * 1-5 /srv/tap-alma/orchestrate/cron/run-job.sh --name school-mornings ... -- \
        /srv/tap-alma/.venv/bin/meltano --cwd /srv/tap-alma --environment=prod run sync-alma-to-bigquery
    # END tap-alma

Every path is absolute and nothing needs a virtualenv activated: cron starts the line with a bare
PATH. run-job.sh adds the lock, the per-run log and the exit code (see its header). The line runs
`meltano run <job>` rather than `meltano schedule run <name>`: the latter re-launches whichever meltano
`.meltano/run/bin` points at (the first one that ever ran in the project), not the project's venv.

Standard library only, so the system python3 can run it. The crontab command is `crontab`, or
$ORCHESTRATE_CRONTAB (split like a shell line; tests point it at a fake that edits a file).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).resolve().with_name("run-job.sh")
BEGIN = "# BEGIN tap-alma"
END = "# END tap-alma"
DEFAULT_ENVIRONMENT = "prod"


@dataclass(frozen=True)
class Schedule:
    """One job schedule from meltano.yml."""

    name: str
    interval: str
    job: str
    env: dict[str, str]


@dataclass(frozen=True)
class Layout:
    """Where a rendered line finds meltano and puts its lock and logs."""

    project: Path
    meltano: Path
    environment: str
    log_root: Path
    lock_dir: Path
    env_file: Path | None = None

    @classmethod
    def for_project(cls, project: Path, environment: str, env_file: Path | None = None) -> Layout:
        project = project.resolve()
        return cls(
            project=project,
            meltano=project / ".venv" / "bin" / "meltano",
            environment=environment,
            log_root=project / "logs",
            lock_dir=project / ".meltano" / "run" / "orchestrate",
            env_file=env_file.resolve() if env_file else None,
        )


def load_schedules(layout: Layout) -> list[Schedule]:
    """Job schedules as Meltano reports them (so the cron expression is exactly meltano.yml's)."""
    result = subprocess.run(
        [str(layout.meltano), "--cwd", str(layout.project), "schedule", "list", "--format=json"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.exit(f"meltano schedule list failed (exit {result.returncode}):\n{result.stderr[-2000:]}")
    listing = json.loads(result.stdout)
    if listing["schedules"].get("elt"):
        sys.exit("elt schedules are not supported: give each schedule a `job:` in meltano.yml")
    return [
        Schedule(s["name"], s["cron_interval"], s["job"]["name"], dict(s.get("env") or {}))
        for s in listing["schedules"]["job"]
    ]


def command_for(schedule: Schedule, layout: Layout) -> list[str]:
    """The command, as argv, that cron or systemd runs for one schedule."""
    runner = [
        str(RUNNER),
        "--name", schedule.name,
        "--lock", str(layout.lock_dir / f"{schedule.job}.lock"),
        "--log-dir", str(layout.log_root / schedule.name),
    ]  # fmt: skip
    if layout.env_file:
        runner += ["--env-file", str(layout.env_file)]
    # A schedule's `env:` (meltano.yml, not secrets) is applied as `meltano schedule run` would apply it.
    schedule_env = ["/usr/bin/env", *(f"{k}={v}" for k, v in sorted(schedule.env.items()))] if schedule.env else []
    meltano = [
        str(layout.meltano),
        "--cwd", str(layout.project),
        f"--environment={layout.environment}",
        "run", schedule.job,
    ]  # fmt: skip
    return [*runner, "--", *schedule_env, *meltano]


def cron_command(argv: list[str]) -> str:
    """A shell command line for crontab: quoted for /bin/sh, and `%` escaped (cron turns it into newline)."""
    return shlex.join(argv).replace("%", "\\%")


def render_block(schedules: list[Schedule], layout: Layout) -> str:
    lines = [
        f"{BEGIN} (from meltano.yml by orchestrate/cron/crontab.py; re-run `make cron-install`, do not edit)",
    ]
    for s in schedules:
        lines.append(f"# {s.name}: job {s.job}, environment {layout.environment}, logs in {layout.log_root / s.name}")
        lines.append(f"{s.interval} {cron_command(command_for(s, layout))}")
    lines.append(END)
    return "\n".join(lines) + "\n"


# --- the user's crontab ---------------------------------------------------------------------------------


def crontab_command() -> list[str]:
    return shlex.split(os.environ.get("ORCHESTRATE_CRONTAB", "crontab"))


def read_crontab() -> str:
    result = subprocess.run([*crontab_command(), "-l"], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        # `crontab -l` exits 1 with "no crontab for USER" when there is none yet.
        if "no crontab" in result.stderr.lower():
            return ""
        sys.exit(f"crontab -l failed (exit {result.returncode}): {result.stderr.strip()}")
    return result.stdout


def write_crontab(text: str) -> None:
    subprocess.run([*crontab_command(), "-"], input=text, text=True, check=True)


def split_block(text: str) -> tuple[str, str | None, str]:
    """The crontab before our block, the block itself (None when not installed), and after it."""
    pattern = re.compile(rf"^{re.escape(BEGIN)}.*?^{re.escape(END)}[^\n]*\n?", re.MULTILINE | re.DOTALL)
    match = pattern.search(text)
    if not match:
        return text, None, ""
    return text[: match.start()], match.group(0), text[match.end() :]


def install(block: str) -> str:
    before, installed, after = split_block(read_crontab())
    if installed == block:
        return "unchanged: the tap-alma block is already installed"
    if before and not before.endswith("\n"):
        before += "\n"
    # A changed block is replaced where it stands; a new one goes at the end.
    write_crontab(before + block + after)
    return "replaced the tap-alma block" if installed else "installed the tap-alma block"


def remove() -> str:
    before, installed, after = split_block(read_crontab())
    if installed is None:
        return "nothing to remove: no tap-alma block in the crontab"
    write_crontab(before + after)
    return "removed the tap-alma block"


def last_run(log_dir: Path) -> str:
    latest = log_dir / "latest.log"
    if not latest.exists():
        return "no run yet"
    lines = latest.read_text(errors="replace").splitlines()
    footer = next((line for line in reversed(lines) if line.startswith("# tap-alma") and "finished" in line), None)
    return f"{footer[2:] if footer else 'running (or killed): no exit line yet'} ({latest.resolve()})"


# --- systemd ---------------------------------------------------------------------------------------------

_DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def _calendar_field(field: str, first: int) -> str:
    """One cron field (minute, hour, day or month) in systemd's OnCalendar syntax."""
    if field == "*":
        return "*"
    parts = []
    for part in field.split(","):
        if m := re.fullmatch(r"\*/(\d+)", part):
            parts.append(f"{first}/{m.group(1)}")
        elif m := re.fullmatch(r"(\d+)-(\d+)", part):
            parts.append(f"{m.group(1)}..{m.group(2)}")
        elif part.isdigit():
            parts.append(part)
        else:
            raise ValueError(f"cron field {field!r} has no systemd equivalent here; write the timer by hand")
    return ",".join(parts)


def _calendar_days(field: str) -> str:
    if field == "*":
        return ""
    names = {d.lower(): i for i, d in enumerate(_DAYS[:7])}
    days = []
    for part in field.lower().split(","):
        ends = [int(x) if x.isdigit() else names[x[:3]] for x in part.split("-")]
        days.append("..".join(_DAYS[e] for e in ends))
    return ",".join(days) + " "


def on_calendar(interval: str) -> str:
    """`30 7 * * 1-5` -> `Mon..Fri *-*-* 07:30:00` (times in the server's local zone, as cron)."""
    fields = interval.split()
    if len(fields) != 5:
        raise ValueError(f"not a five-field cron expression: {interval!r}")
    minute, hour, dom, month, dow = fields
    if dom != "*" and dow != "*":
        raise ValueError("cron ORs day-of-month and day-of-week, systemd ANDs them; write the timer by hand")
    pad = lambda v: v.zfill(2) if v.isdigit() else v  # noqa: E731
    return (
        f"{_calendar_days(dow)}*-{pad(_calendar_field(month, 1))}-{pad(_calendar_field(dom, 1))} "
        f"{pad(_calendar_field(hour, 0))}:{pad(_calendar_field(minute, 0))}:00"
    )


def systemd_units(schedule: Schedule, layout: Layout) -> dict[str, str]:
    unit = f"tap-alma-{schedule.name}"
    service = f"""\
# Generated from meltano.yml by orchestrate/cron/crontab.py (`make systemd-units`); do not edit.
[Unit]
Description=tap-alma: {schedule.name} (meltano job {schedule.job}, environment {layout.environment})
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
WorkingDirectory={layout.project}
ExecStart={shlex.join(command_for(schedule, layout)).replace("%", "%%")}
"""
    timer = f"""\
# Generated from meltano.yml by orchestrate/cron/crontab.py (`make systemd-units`); do not edit.
[Unit]
Description=tap-alma: {schedule.name} at `{schedule.interval}` (cron syntax in meltano.yml)

[Timer]
OnCalendar={on_calendar(schedule.interval)}
# A run missed while the server was off starts at the next boot.
Persistent=true

[Install]
WantedBy=timers.target
"""
    return {f"{unit}.service": service, f"{unit}.timer": timer}


# --- command line ----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["render", "install", "list", "remove", "systemd"])
    parser.add_argument("--environment", default=DEFAULT_ENVIRONMENT, help="Meltano environment (default prod)")
    parser.add_argument("--project", type=Path, default=PROJECT_ROOT, help="the Meltano project root")
    parser.add_argument("--env-file", type=Path, help="variables run-job.sh exports before meltano runs")
    parser.add_argument("--log-root", type=Path, help="logs go to LOG_ROOT/<schedule>/ (default <project>/logs)")
    parser.add_argument("--lock-dir", type=Path, help="lock files (default <project>/.meltano/run/orchestrate)")
    parser.add_argument("--schedule", action="append", help="only this schedule (repeatable)")
    parser.add_argument(
        "--job", help="run this job at the selected schedules' times instead of their own job (e.g. a DuckDB trial)"
    )
    parser.add_argument("--output-dir", type=Path, help="systemd: write the units here instead of printing them")
    args = parser.parse_args(argv)

    layout = Layout.for_project(args.project, args.environment, args.env_file)
    if args.log_root:
        layout = replace(layout, log_root=args.log_root.resolve())
    if args.lock_dir:
        layout = replace(layout, lock_dir=args.lock_dir.resolve())
    if args.action == "remove":
        print(remove())
        return 0
    schedules = load_schedules(layout)
    if args.schedule:
        unknown = set(args.schedule) - {s.name for s in schedules}
        if unknown:
            sys.exit(f"no such schedule in meltano.yml: {', '.join(sorted(unknown))}")
        schedules = [s for s in schedules if s.name in args.schedule]
    if args.job:
        schedules = [Schedule(s.name, s.interval, args.job, s.env) for s in schedules]

    if args.action == "render":
        print(render_block(schedules, layout), end="")
    elif args.action == "install":
        print(install(render_block(schedules, layout)))
    elif args.action == "list":
        _, installed, _ = split_block(read_crontab())
        print(installed.rstrip("\n") if installed else "not installed: no tap-alma block in the crontab")
        for s in schedules:
            print(f"last run of {s.name}: {last_run(layout.log_root / s.name)}")
    elif args.action == "systemd":
        for s in schedules:
            for filename, text in systemd_units(s, layout).items():
                if args.output_dir:
                    args.output_dir.mkdir(parents=True, exist_ok=True)
                    (args.output_dir / filename).write_text(text)
                    print(f"wrote {args.output_dir / filename}")
                else:
                    print(f"### {filename}\n{text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
