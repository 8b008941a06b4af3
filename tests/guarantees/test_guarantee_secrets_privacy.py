"""No secret and no student's record in any output; the de-identified extractor shares a warehouse without names."""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import subprocess

import duckdb
import pytest
from pipeline_harness import PROJECT_ROOT, STREAMS, expected_counts

# A service-account key shaped like Google's, with greppable fake values.
SERVICE_ACCOUNT = {
    "type": "service_account",
    "project_id": "guarantee-project",
    "private_key_id": "guaranteekeyid0a1b2c3d4e5f",
    "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEguaranteeFAKEPRIVATEKEY9f8e7d6c\n-----END PRIVATE KEY-----\n",
    "client_email": "loader@guarantee-project.iam.gserviceaccount.com",
    "client_id": "104242424242424242424",
}
SALT = "guarantee-salt-61d0c4b2"


def _students(sandbox) -> list[dict]:
    return sandbox.data.expected_records("students", school_years="all")


def _everything_written(project, result, helpers, extra: str = "") -> str:
    """meltano's stdout and stderr, the project log, every file of the run's .meltano/run and .meltano/logs
    (the catalog, logging configs, state), and the warehouse file's bytes."""
    warehouse = project.duckdb_path.read_bytes().decode("latin-1") if project.duckdb_path.exists() else ""
    log = (project.workdir / "meltano.log").read_text()
    return "\n".join([result.stdout, result.stderr, log, extra, warehouse, helpers.written_by_meltano(project)])


@pytest.fixture(scope="module")
def plain_run(sandbox, tmp_path_factory, helpers):
    """One ordinary pipeline run, with the BigQuery key in the environment as in production."""
    project = helpers.project(
        tmp_path_factory.mktemp("plain"), sandbox, BIGQUERY_CREDENTIALS_JSON=json.dumps(SERVICE_ACCOUNT)
    )
    result = project.run("run", "tap-alma", "target-duckdb")
    # What an operator runs to check the production settings (sensitive values must be redacted).
    listed = project.run("--environment=prod", "config", "list", "target-bigquery")
    return project, result, _everything_written(project, result, helpers, listed.stdout + listed.stderr)


def test_no_credential_appears_in_any_output_of_a_pipeline_run(plain_run, sandbox, helpers):
    project, result, written = plain_run
    assert "Block run completed" in result.stderr  # the run really ran
    assert '"tap_stream_id": "attendance"' in helpers.written_by_meltano(project)  # the run's files were read
    secrets = {
        "api_key": sandbox.api_key,
        "api_secret": sandbox.api_secret,
        "service account JSON": json.dumps(SERVICE_ACCOUNT),
        "private key": "MIIEguaranteeFAKEPRIVATEKEY9f8e7d6c",
        "private key id": SERVICE_ACCOUNT["private_key_id"],
    }
    leaked = [name for name, value in secrets.items() if value in written]
    assert leaked == []


def test_no_student_name_or_id_appears_in_the_logs_of_a_pipeline_run(plain_run, sandbox):
    project, result, _ = plain_run
    logs = "\n".join([result.stdout, result.stderr, (project.workdir / "meltano.log").read_text()])
    students = _students(sandbox)
    values = {s["id"] for s in students}
    values |= {s[k] for s in students for k in ("firstName", "lastName") if s.get(k)}
    assert len(values) > 2 * len({s["id"] for s in students})  # names and ids of every student
    found = sorted(v for v in values if re.search(rf"\b{re.escape(v)}\b", logs))
    assert found == []


@pytest.mark.parametrize("path", [".env", "prod.credentials.json", "service-account-prod.json", "output/alma.duckdb"])
def test_secret_files_are_git_ignored(path):
    assert subprocess.run(["git", "check-ignore", "-q", path], cwd=PROJECT_ROOT).returncode == 0


def test_the_env_example_is_not_ignored():
    assert subprocess.run(["git", "check-ignore", "-q", ".env.example"], cwd=PROJECT_ROOT).returncode == 1


# -- de-identified extractor ---------------------------------------------------------------------------------


def _hash(value: str) -> str:
    return hashlib.sha256((SALT + value).encode()).hexdigest()


@pytest.fixture(scope="module")
def deidentified(sandbox, tmp_path_factory, helpers):
    project = helpers.project(tmp_path_factory.mktemp("deid"), sandbox, TAP_ALMA_DEIDENTIFIED_HASH_SALT=SALT)
    result = project.run("run", "tap-alma-deidentified", "target-duckdb")
    return project, result, _everything_written(project, result, helpers)


def _table(con, stream: str) -> list[dict]:
    cursor = con.execute(f"SELECT * FROM alma_raw.{stream}")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def test_deidentified_warehouse_holds_no_raw_name_or_student_id(deidentified, sandbox):
    project, _, written = deidentified
    students = _students(sandbox)
    raw = {s["id"] for s in students} | {s[k] for s in students for k in ("firstName", "lastName") if s.get(k)}
    with duckdb.connect(str(project.duckdb_path), read_only=True) as con:
        cells = {str(v) for stream in STREAMS for row in _table(con, stream) for v in row.values() if v is not None}
        columns = {c for (c,) in con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'students'").fetchall()}
    assert raw.isdisjoint(cells)
    assert not [v for v in raw if v in written]  # nor in any log or in the file's bytes
    assert SALT not in written
    # Other identifiers are gone: only hashed names and the birth year remain of the person.
    assert not columns & {"middlename", "preferredname", "username", "schoolid", "stateid", "districtid", "externalids"}


def test_deidentified_ids_still_join_and_no_row_is_lost(deidentified, sandbox):
    project, _, _ = deidentified
    with duckdb.connect(str(project.duckdb_path), read_only=True) as con:
        counts = {s: con.execute(f"SELECT count(*) FROM alma_raw.{s}").fetchone()[0] for s in STREAMS}
        students = _table(con, "students")
        placements = con.execute("SELECT DISTINCT studentid FROM alma_raw.student_grade_levels").fetchall()
        attendance = con.execute("SELECT DISTINCT studentid FROM alma_raw.attendance").fetchall()
        orphans = con.execute(
            "SELECT count(*) FROM alma_raw.attendance a LEFT JOIN alma_raw.students s "
            "ON s.id = a.studentid AND s.school = a.school AND s.schoolyearid = a.schoolyearid WHERE s.id IS NULL"
        ).fetchone()[0]
    assert counts == expected_counts(sandbox)
    truth = _students(sandbox)
    assert {s["id"] for s in students} == {_hash(s["id"]) for s in truth}
    assert {(s["firstname"], s["lastname"]) for s in students} == {
        (_hash(s["firstName"]), _hash(s["lastName"])) for s in truth
    }
    hashed = {s["id"] for s in students}
    assert {p for (p,) in placements} <= hashed and {a for (a,) in attendance} <= hashed
    assert len(attendance) > 0 and orphans == 0  # every attendance row finds its student


def test_deidentified_dob_is_the_birth_year_only(deidentified, sandbox):
    project, _, _ = deidentified
    with duckdb.connect(str(project.duckdb_path), read_only=True) as con:
        dobs = dict(con.execute("SELECT id || school || schoolyearid, dob FROM alma_raw.students").fetchall())
    truth = {
        _hash(s["id"]) + s["school"] + s["schoolYearId"]: (int(s["dob"][:4]) if s.get("dob") else None)
        for s in _students(sandbox)
    }
    assert dobs == truth
    assert any(v is not None for v in dobs.values())
    assert all(v is None or (isinstance(v, int) and 1990 < v <= datetime.date.today().year) for v in dobs.values())


def test_deidentified_without_a_salt_stops_before_reading_anything(sandbox, new_project):
    project = new_project(TAP_ALMA_DEIDENTIFIED_HASH_SALT="")
    sandbox.counters.reset()
    result = project.run("run", "tap-alma-deidentified", "target-duckdb", check=False)
    assert result.returncode != 0
    assert "refusing to hash with an empty salt" in result.stderr and "TAP_ALMA_DEIDENTIFIED_HASH_SALT" in result.stderr
    assert sandbox.counters.total() == 0


@pytest.mark.parametrize("environment", ["dev", "prod", "bigquery-emulator"])
def test_deidentified_maps_apply_in_every_environment_with_the_bigquery_array_rule(environment, new_project):
    project = new_project(TAP_ALMA_DEIDENTIFIED_HASH_SALT=SALT)
    printed = project.run(f"--environment={environment}", "config", "print", "tap-alma-deidentified").stdout
    config = json.loads(printed[printed.index("{") :])
    students = config["stream_maps"]["students"]
    assert students["id"].startswith("sha256(config['hash_salt']")
    assert students["race"] == "record.get('race') or []" and students["languages"] == "record.get('languages') or []"
    assert config["stream_maps"]["attendance"]["studentId"].startswith("sha256(")
