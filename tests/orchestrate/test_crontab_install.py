"""`crontab.py install / list / remove` against a fake crontab: idempotent, and other lines untouched."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pipeline_harness import PROJECT_ROOT

RENDERER = PROJECT_ROOT / "orchestrate" / "cron" / "crontab.py"
FAKE_CRONTAB = Path(__file__).with_name("fake_crontab.py")
THE_USERS_OWN_LINES = """\
MAILTO=it@school.example
# the backup, not ours
15 2 * * * /usr/local/bin/backup --quiet
"""


def _load_renderer():
    spec = importlib.util.spec_from_file_location("orchestrate_crontab", RENDERER)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def table(tmp_path) -> Path:
    path = tmp_path / "crontab"
    path.write_text(THE_USERS_OWN_LINES)
    return path


def crontab_py(table: Path, *args: str) -> str:
    env = {**os.environ, "ORCHESTRATE_CRONTAB": f"{sys.executable} {FAKE_CRONTAB} {table}"}
    result = subprocess.run(
        [sys.executable, str(RENDERER), *args, "--log-root", str(table.parent / "logs")],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_install_list_remove_round_trip(table):
    assert "installed the tap-alma block" in crontab_py(table, "install")
    once = table.read_text()
    assert crontab_py(table, "install").startswith("unchanged")
    assert table.read_text() == once

    assert once.startswith(THE_USERS_OWN_LINES)
    assert once.count("# BEGIN tap-alma") == 1 and once.count("# END tap-alma") == 1
    assert "\n30 7 * * 1-5 " in once

    listed = crontab_py(table, "list")
    assert "30 7 * * 1-5 " in listed
    assert "last run of school-mornings: no run yet" in listed

    assert crontab_py(table, "remove").startswith("removed")
    assert table.read_text() == THE_USERS_OWN_LINES
    assert crontab_py(table, "remove").startswith("nothing to remove")
    assert table.read_text() == THE_USERS_OWN_LINES
    assert "not installed" in crontab_py(table, "list")


def test_install_replaces_a_changed_block_in_place(table):
    table.write_text(THE_USERS_OWN_LINES + "# BEGIN tap-alma (old)\n0 5 * * * /old/line\n# END tap-alma\n0 3 * * 0 /after\n")
    assert "replaced" in crontab_py(table, "install", "--environment", "dev")
    text = table.read_text()
    assert "/old/line" not in text and text.count("# BEGIN tap-alma") == 1
    assert text.startswith(THE_USERS_OWN_LINES) and text.endswith("0 3 * * 0 /after\n")
    assert "--environment=dev run sync-alma-to-bigquery" in text


def test_install_into_an_empty_crontab(tmp_path):
    table = tmp_path / "crontab"  # `crontab -l` says "no crontab for ..." and exits 1
    crontab_py(table, "install")
    assert table.read_text().startswith("# BEGIN tap-alma")


def test_percent_signs_are_escaped_for_cron():
    renderer = _load_renderer()
    # cron turns \% back into % before /bin/sh sees the line.
    assert renderer.cron_command(["/srv/a%b/run", "x y"]) == "/srv/a\\%b/run 'x y'"


@pytest.mark.parametrize(
    ("cron", "calendar"),
    [
        ("30 7 * * 1-5", "Mon..Fri *-*-* 07:30:00"),
        ("*/15 * * * *", "*-*-* *:0/15:00"),
        ("0 2 1 * *", "*-*-01 02:00:00"),
        ("0 6 * 9-12 sat,sun", "Sat,Sun *-9..12-* 06:00:00"),
    ],
)
def test_systemd_timers_keep_the_cron_expressions_meaning(cron, calendar):
    assert _load_renderer().on_calendar(cron) == calendar
