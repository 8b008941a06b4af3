"""The same dbt models on BigQuery.

1. The BigQuery profile parses and compiles offline (fake project, fake offline credentials).
2. With the local BigQuery emulator (scripts/install-bigquery-emulator.sh): sandbox -> tap-alma ->
   the real target-bigquery -> `dbt build` with the BigQuery profile, and every mart equals the one
   dbt-duckdb builds from the same tap output. Marts are built as views there
   (var alma_marts_materialized): the emulator's CREATE TABLE AS SELECT jobs report no destination
   table, which dbt-bigquery reads.

Executables come from Meltano's plugin installs (`make install-all`); each test skips when its tools
are missing. Override with DBT_BIGQUERY_EXECUTABLE, DBT_DUCKDB_EXECUTABLE, TARGET_BIGQUERY_EXECUTABLE,
TARGET_DUCKDB_EXECUTABLE, TAP_ALMA_EXECUTABLE.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[2]
TRANSFORM = REPO / "transform"
MELTANO_DIR = REPO / ".meltano"
SANDBOX_SIZE = {"seed": 3, "schools": 2, "students": 10, "years": 2, "days": 6}
MART_KEYS = {
    "student_roster": ["student_id", "school", "school_year_id"],
    "attendance_daily": ["student_id", "school", "attendance_date"],
    "attendance_monthly": ["student_id", "school", "school_year_id", "month"],
    "student_attendance_summary": ["student_id", "school", "school_year_id"],
}
ARRAYS = ("race", "languages", "externalIds")


def executable(env_var: str, default: Path) -> Path:
    path = Path(os.environ.get(env_var) or default)
    if not path.exists():
        pytest.skip(f"{path} is not installed (make install-all), or set {env_var}")
    return path


def dbt_bigquery() -> Path:
    return executable("DBT_BIGQUERY_EXECUTABLE", MELTANO_DIR / "utilities/dbt-bigquery/venv/bin/dbt")


def clean_env(**extra: str) -> dict[str, str]:
    """The caller's env without any Google, BigQuery, dbt or Meltano setting, plus `extra`."""
    prefixes = ("GOOGLE", "BIGQUERY", "DBT_", "MELTANO_", "TAP_ALMA_", "TARGET_", "ALMA_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.update({"DO_NOT_TRACK": "1", "NO_GCE_CHECK": "true"} | extra)
    return env


def run_dbt(dbt: Path, command: str, profiles: str, workdir: Path, env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [str(dbt), command, "--project-dir", str(TRANSFORM), "--profiles-dir", str(TRANSFORM / "profiles" / profiles),
         "--target-path", str(workdir / f"target-{profiles}"), "--log-path", str(workdir / f"logs-{profiles}"), *args],
        env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, f"dbt {command} ({profiles}) failed:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}"
    return result.stdout


# -- 1. parse and compile offline ------------------------------------------------------------------


def test_bigquery_profile_parses_and_compiles_offline(tmp_path):
    dbt = dbt_bigquery()
    # google-auth accepts this file and, with a far-future expiry, never calls Google's token endpoint.
    credentials = tmp_path / "offline-authorized-user.json"
    credentials.write_text(json.dumps({
        "type": "authorized_user", "client_id": "offline.invalid", "client_secret": "not-a-secret",
        "refresh_token": "not-a-token", "token": "offline-token", "expiry": "2999-12-31T23:59:59Z",
    }))  # fmt: skip
    env = clean_env(BIGQUERY_PROJECT="offline-project", GOOGLE_APPLICATION_CREDENTIALS=str(credentials))
    run_dbt(dbt, "parse", "bigquery", tmp_path, env)
    # --no-populate-cache: otherwise dbt lists the datasets over the network before compiling.
    run_dbt(dbt, "compile", "bigquery", tmp_path, env, "--no-populate-cache")
    compiled = (tmp_path / "target-bigquery/compiled/tap_alma/models/staging/alma/stg_alma__students.sql").read_text()
    assert "`offline-project`.`alma_raw`.`students`" in compiled
    assert "race[safe_offset(0)]" in compiled  # the BigQuery side of the dispatched array macros


# -- 2. build on the emulator, compare with DuckDB ---------------------------------------------------


def coerce_null_arrays(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """null -> [] for array fields: z3-target-bigquery 0.7.2 silently drops a whole batch holding a null
    array (seen with streaming_insert on the emulator; see test_target_bigquery_loads_null_arrays)."""
    for message in messages:
        if message.get("type") == "RECORD":
            for key in ARRAYS:
                if key in message["record"] and message["record"][key] is None:
                    message["record"][key] = []
    return messages


def write_jsonl(path: Path, messages: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(m) + "\n" for m in messages))
    return path


def load(target: Path, config: dict[str, Any], messages: Path, workdir: Path, env: dict[str, str], name: str) -> None:
    config_path = workdir / f"{name}.json"
    config_path.write_text(json.dumps(config))
    with messages.open() as stdin, (workdir / f"{name}.log").open("w") as log:
        subprocess.run([str(target), "--config", str(config_path)], stdin=stdin, stdout=subprocess.DEVNULL,
                       stderr=log, env=env, check=True, timeout=900)  # fmt: skip


@pytest.fixture(scope="module")
def emulator():
    sys.path.insert(0, str(REPO / "tests" / "warehouse"))
    try:
        from bigquery_emulator import BigQueryEmulator, EmulatorNotInstalledError
    except ImportError:
        pytest.skip("tests/warehouse/bigquery_emulator.py is not there")
    try:
        with BigQueryEmulator() as bq:
            yield bq
    except EmulatorNotInstalledError as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def tap_output(tmp_path_factory):
    """tap-alma's messages for a small sandbox district (every school year)."""
    from alma_sandbox import Sandbox

    tap = executable("TAP_ALMA_EXECUTABLE", Path(sys.executable).with_name("tap-alma"))
    workdir = tmp_path_factory.mktemp("bq-tap")
    with Sandbox(**SANDBOX_SIZE) as sb:
        config = workdir / "tap.json"
        config.write_text(json.dumps(dict(sb.tap_config(), school_years="all")))
        result = subprocess.run([str(tap), "--config", str(config)], capture_output=True, text=True,
                                env=clean_env(), check=True, timeout=600)  # fmt: skip
    messages = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert any(m.get("type") == "RECORD" for m in messages)
    return messages


@pytest.fixture(scope="module")
def built(emulator, tap_output, tmp_path_factory):
    """The same coerced tap output built into the emulator (BigQuery profile) and into DuckDB."""
    workdir = tmp_path_factory.mktemp("bq-build")
    dbt_bq = dbt_bigquery()
    dbt_dk = executable("DBT_DUCKDB_EXECUTABLE", MELTANO_DIR / "utilities/dbt-duckdb/venv/bin/dbt")
    target_bq = executable("TARGET_BIGQUERY_EXECUTABLE", MELTANO_DIR / "loaders/target-bigquery/venv/bin/target-bigquery")
    target_dk = executable("TARGET_DUCKDB_EXECUTABLE", MELTANO_DIR / "loaders/target-duckdb/venv/bin/target-duckdb")
    messages = write_jsonl(workdir / "messages.jsonl", coerce_null_arrays(json.loads(json.dumps(tap_output))))

    bq_env = clean_env(**emulator.env())
    load(target_bq, emulator.target_config("alma_raw"), messages, workdir, bq_env, "target-bigquery")
    vars_ = json.dumps({"alma_marts_materialized": "view"})
    run_dbt(dbt_bq, "build", "bigquery", workdir,
            bq_env | {"BIGQUERY_PROJECT": emulator.project, "DBT_THREADS": "2"}, "--vars", vars_)  # fmt: skip

    db = workdir / "alma.duckdb"
    config = {"filepath": str(db), "default_target_schema": "alma_raw", "add_metadata_columns": True}
    load(target_dk, config, messages, workdir, clean_env(), "target-duckdb")
    run_dbt(dbt_dk, "build", "duckdb", workdir, clean_env(DBT_DUCKDB_PATH=str(db)))
    return {"duckdb": db}


def normalise(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, str) and len(value) >= 10 and value[4] == "-" and value[7] == "-" and value[:4].isdigit():
        return value[:10]  # dates as the REST API returns them
    return value


@pytest.mark.parametrize("mart", sorted(MART_KEYS))
def test_bigquery_marts_equal_duckdb_marts(built, emulator, mart):
    con = duckdb.connect(str(built["duckdb"]), read_only=True)
    try:
        cur = con.execute(f"select * from alma_analytics.{mart}")
        names = [d[0] for d in cur.description]
        duck_rows = [dict(zip(names, row)) for row in cur.fetchall()]
    finally:
        con.close()
    bq_rows = emulator.query(f"select * from `{emulator.project}.alma_analytics.{mart}`")
    key = MART_KEYS[mart]

    def index(rows: list[dict[str, Any]]) -> dict[tuple[Any, ...], dict[str, Any]]:
        return {tuple(normalise(r[k]) for k in key): {n: normalise(r.get(n)) for n in names} for r in rows}

    duck, bq = index(duck_rows), index(bq_rows)
    assert duck, f"{mart} is empty on DuckDB"
    assert set(bq) == set(duck), f"{mart}: rows differ between BigQuery and DuckDB"
    diffs = [(k, n, duck[k][n], bq[k][n]) for k in duck for n in names if duck[k][n] != bq[k][n]]
    assert not diffs, f"{mart}: values differ (key, column, duckdb, bigquery): {diffs[:10]}"


@pytest.mark.xfail(
    reason="z3-target-bigquery 0.7.2 drops (exit 0) a streaming-insert batch holding a null array field; "
    "tap-alma sends languages: null as Alma does. Remove this mark once null arrays arrive as [].",
    strict=False,
)
def test_target_bigquery_loads_null_arrays(emulator, tap_output, tmp_path):
    """Alma sends `languages: null`; every student must still land in BigQuery (the loader exits 0 either way)."""
    target_bq = executable("TARGET_BIGQUERY_EXECUTABLE", MELTANO_DIR / "loaders/target-bigquery/venv/bin/target-bigquery")
    students = [m for m in tap_output if m.get("stream") == "students"]
    records = [m for m in students if m.get("type") == "RECORD"]
    if not any(m["record"].get(k) is None and k in m["record"] for m in records for k in ARRAYS):
        pytest.skip("no null array in this sandbox's students")
    messages = write_jsonl(tmp_path / "students.jsonl", students)
    load(target_bq, emulator.target_config("alma_raw_null_arrays"), messages, tmp_path, clean_env(**emulator.env()), "t")
    loaded = emulator.row_count("alma_raw_null_arrays", "students")
    assert loaded == len({(r["record"]["school"], r["record"]["schoolYearId"], r["record"]["id"]) for r in records}), (
        f"target-bigquery loaded {loaded} of {len(records)} students: a null array (e.g. languages) makes "
        "z3-target-bigquery 0.7.2 drop the batch; the tap (or a stream map) should send [] instead"
    )
