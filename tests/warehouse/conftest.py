"""Fixtures for the warehouse tests: a local BigQuery emulator and the target-bigquery to load into it."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# The helper module sits beside this file; pytest's importlib mode does not put this folder on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bigquery_emulator import REPO_ROOT, BigQueryEmulator  # noqa: E402

# Where `meltano install` puts the target (meltano.yml pins z3-target-bigquery==0.7.2).
MELTANO_TARGET_BIGQUERY = REPO_ROOT / ".meltano" / "loaders" / "target-bigquery" / "venv" / "bin" / "target-bigquery"


@pytest.fixture(scope="session")
def bigquery_emulator() -> Iterator[BigQueryEmulator]:
    """One emulator for the session; each test loads into its own dataset."""
    with BigQueryEmulator() as emulator:
        yield emulator


@pytest.fixture(scope="session")
def target_bigquery_executable() -> Path:
    """The real target-bigquery: $TARGET_BIGQUERY_EXECUTABLE, else Meltano's install of the plugin."""
    configured = os.environ.get("TARGET_BIGQUERY_EXECUTABLE")
    executable = Path(configured) if configured else MELTANO_TARGET_BIGQUERY
    if not executable.exists():
        pytest.fail(
            f"target-bigquery not found at {executable}: run `make install-all` (meltano install) "
            "or set TARGET_BIGQUERY_EXECUTABLE",
            pytrace=False,
        )
    return executable
