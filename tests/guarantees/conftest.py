"""Fixtures for the guarantee tests: a small sandbox, fresh Meltano projects, warehouse readers, ground truth."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from pathlib import Path

import duckdb
import pytest
from alma_sandbox import Sandbox
from pipeline_harness import STREAMS, MeltanoProject

# 2 schools x 8 students x 2 years x 6 days: every code path, a `meltano run` in a few seconds.
GUARANTEE_SANDBOX = {"seed": 23, "schools": 2, "students": 8, "years": 2, "days": 6}
# Unique, greppable credentials (not the sandbox's public default pair).
API_KEY = "guarantee-key-5c1e9a7d"
API_SECRET = "guarantee-secret-b83f02e6d4"
# Retries in tenths of a second instead of seconds.
FAST_RETRIES = {"TAP_ALMA_RETRY_WAIT_BASE": "0.05", "TAP_ALMA_RETRY_WAIT_MAX": "0.2"}
PRIMARY_KEYS = {
    "schools": ("id",),
    "school_years": ("school", "id"),
    "grade_levels": ("school", "schoolYearId", "id", "effectiveDate"),
    "students": ("school", "schoolYearId", "id"),
    "student_grade_levels": ("school", "schoolYearId", "studentId", "id"),
    "attendance": ("school", "schoolYearId", "studentId", "id"),
    "attendance_codes": ("school", "schoolYearId", "id"),
}
ATTENDANCE_ROUTE = "students/{id}/attendance"
STATE_ID = "dev:tap-alma-to-target-duckdb"  # what `meltano run tap-alma target-duckdb` saves under


@pytest.fixture(scope="module")
def sandbox():
    """Overrides tests/conftest.py's: smaller, with its own credentials."""
    with Sandbox(**GUARANTEE_SANDBOX, api_key=API_KEY, api_secret=API_SECRET) as sb:
        yield sb


def isolated_project(workdir: Path, sandbox: Sandbox, **env: str) -> MeltanoProject:
    """The real project with its own system database, state, DuckDB file and sys dir, and fast retries."""
    return MeltanoProject(workdir, sandbox, {**FAST_RETRIES, **env})


def written_by_meltano(project: MeltanoProject) -> str:
    """Every file under the project's `.meltano/run` and `.meltano/logs` (plugin links aside)."""
    files = [f for d in ("run", "logs") for f in (project.sys_dir / d).rglob("*") if f.is_file() and not f.is_symlink()]
    return "\n".join(f.read_text(errors="replace") for f in files)


@pytest.fixture
def new_project(sandbox, tmp_path_factory):
    """A fresh isolated project against the module's sandbox."""
    names = itertools.count()

    def make(**env: str) -> MeltanoProject:
        return isolated_project(tmp_path_factory.mktemp(f"guarantee{next(names)}"), sandbox, **env)

    return make


def _value(v: object) -> str:
    return json.dumps(v, sort_keys=True, default=str) if isinstance(v, (list, dict)) else str(v)


def warehouse_contents(path: Path, schema: str = "alma_raw") -> dict[str, list[tuple[str, ...]]]:
    """Every raw table's full contents (sorted rows, columns by name), without `_sdc_*` metadata."""
    out = {}
    with duckdb.connect(str(path), read_only=True) as con:
        for stream in STREAMS:
            columns = sorted(
                c
                for (c,) in con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
                    [schema, stream],
                ).fetchall()
                if not c.startswith("_sdc_")
            )
            rows = con.execute(f'SELECT {", ".join(f"{chr(34)}{c}{chr(34)}" for c in columns)} FROM "{schema}"."{stream}"')
            out[stream] = sorted(tuple(_value(v) for v in row) for row in rows.fetchall())
            out[f"{stream}:columns"] = [tuple(columns)]
    return out


def warehouse_keys(path: Path, stream: str, schema: str = "alma_raw") -> list[tuple[str, ...]]:
    """The primary key of every row of a raw table (duplicates kept)."""
    columns = ", ".join(f'CAST("{c.lower()}" AS VARCHAR)' for c in PRIMARY_KEYS[stream])
    with duckdb.connect(str(path), read_only=True) as con:
        return [tuple(r) for r in con.execute(f'SELECT {columns} FROM "{schema}"."{stream}"').fetchall()]


def expected_keys(sandbox: Sandbox, stream: str, school_years: object = "all") -> list[tuple[str, ...]]:
    """Ground-truth primary keys of a stream, from the sandbox alone."""
    records = sandbox.data.expected_records(stream, school_years=school_years)
    return [tuple(str(r[k]) for k in PRIMARY_KEYS[stream]) for r in records]


def assert_complete_without_duplicates(path: Path, sandbox: Sandbox) -> dict[str, int]:
    """Every stream: the warehouse's keys are exactly ground truth's, each once. Returns row counts."""
    counts = {}
    for stream in STREAMS:
        loaded = warehouse_keys(path, stream)
        duplicates = [k for k, n in Counter(loaded).items() if n > 1]
        assert not duplicates, f"{stream}: {len(duplicates)} duplicated keys, e.g. {duplicates[:3]}"
        expected = expected_keys(sandbox, stream)
        assert len(set(expected)) == len(expected)
        assert set(loaded) == set(expected), (
            f"{stream}: {len(set(expected) - set(loaded))} missing, {len(set(loaded) - set(expected))} extra"
        )
        counts[stream] = len(loaded)
    return counts


def meltano_state(project: MeltanoProject) -> dict:
    """The job's Meltano state (what the next run starts from); {} when there is none."""
    listed = project.run("state", "list")
    if STATE_ID not in listed.stdout.split():
        return {}
    got = project.run("state", "get", STATE_ID)
    text = got.stdout.strip()
    return json.loads(text[text.index("{") :]) if "{" in text else {}


@pytest.fixture(scope="session")
def helpers():
    """The module-level helpers, for test files (conftest modules are not importable in importlib mode)."""

    class H:
        contents = staticmethod(warehouse_contents)
        keys = staticmethod(warehouse_keys)
        expected_keys = staticmethod(expected_keys)
        complete = staticmethod(assert_complete_without_duplicates)
        state = staticmethod(meltano_state)
        project = staticmethod(isolated_project)
        written_by_meltano = staticmethod(written_by_meltano)

    return H
