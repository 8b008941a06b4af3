"""The dbt models against the BigQuery profile, offline: `dbt compile` (which parses first) with a fake project
and fake offline credentials, so no Google Cloud and no emulator are needed.

Built on the local BigQuery emulator and compared with DuckDB's marts, the same models are tested in
tests/orchestrate/test_cron_line_bigquery.py (the scheduled job run from its cron line).

dbt-bigquery comes from Meltano's install of the plugin (`make install-all`), or $DBT_BIGQUERY_EXECUTABLE.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TRANSFORM = REPO / "transform"
DBT_BIGQUERY = REPO / ".meltano" / "utilities" / "dbt-bigquery" / "venv" / "bin" / "dbt"
MARTS = {"attendance_daily", "attendance_monthly", "student_attendance_summary", "student_roster"}


def dbt_bigquery() -> Path:
    path = Path(os.environ.get("DBT_BIGQUERY_EXECUTABLE") or DBT_BIGQUERY)
    if not path.exists():
        pytest.fail(
            f"dbt-bigquery not found at {path}: run `make install-all` (meltano install) "
            "or set DBT_BIGQUERY_EXECUTABLE",
            pytrace=False,
        )
    return path


def run_dbt(dbt: Path, command: str, workdir: Path, env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [str(dbt), command, "--project-dir", str(TRANSFORM), "--profiles-dir", str(TRANSFORM / "profiles" / "bigquery"),
         "--target-path", str(workdir / "target"), "--log-path", str(workdir / "logs"), *args],
        env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, f"dbt {command} failed:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}"


def test_bigquery_profile_compiles_offline(tmp_path):
    dbt = dbt_bigquery()
    # google-auth accepts this file and, with a far-future expiry, never calls Google's token endpoint.
    credentials = tmp_path / "offline-authorized-user.json"
    credentials.write_text(json.dumps({
        "type": "authorized_user", "client_id": "offline.invalid", "client_secret": "not-a-secret",
        "refresh_token": "not-a-token", "token": "offline-token", "expiry": "2999-12-31T23:59:59Z",
    }))  # fmt: skip
    # The caller's env without any Google, BigQuery, dbt, Meltano or Alma setting (as in production,
    # ALMA_MARTS_MATERIALIZED is unset).
    prefixes = ("GOOGLE", "BIGQUERY", "DBT_", "MELTANO_", "TAP_ALMA_", "TARGET_", "ALMA_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env |= {
        "DO_NOT_TRACK": "1",
        "NO_GCE_CHECK": "true",
        "BIGQUERY_PROJECT": "offline-project",
        "GOOGLE_APPLICATION_CREDENTIALS": str(credentials),
    }
    # compile parses first; --no-populate-cache: otherwise dbt lists the datasets over the network.
    run_dbt(dbt, "compile", tmp_path, env, "--no-populate-cache")
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    materialized = {
        node["name"]: node["config"]["materialized"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["fqn"][1] == "marts"
    }
    assert materialized == dict.fromkeys(MARTS, "table"), "marts are tables in production"

    compiled = (tmp_path / "target/compiled/tap_alma/models/staging/alma/stg_alma__students.sql").read_text()
    assert "`offline-project`.`alma_raw`.`students`" in compiled
    assert "race[safe_offset(0)]" in compiled  # the BigQuery side of the dispatched array macros
