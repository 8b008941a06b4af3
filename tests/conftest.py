"""Fixtures for the pipeline tests: a sandbox Alma and the project's real `meltano` CLI against it."""

from __future__ import annotations

import pytest
from alma_sandbox import Sandbox
from pipeline_harness import PIPELINE_SANDBOX, MeltanoProject


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(**PIPELINE_SANDBOX) as sb:
        yield sb


@pytest.fixture(scope="module")
def meltano_project(sandbox, tmp_path_factory) -> MeltanoProject:
    return MeltanoProject(tmp_path_factory.mktemp("meltano"), sandbox, {})


@pytest.fixture(scope="module")
def pipeline_duckdb(meltano_project):
    """The main job end to end (tap-alma -> target-duckdb -> dbt build) into this module's DuckDB file."""
    meltano_project.run("run", "sync-alma-to-duckdb")
    return meltano_project.duckdb_path
