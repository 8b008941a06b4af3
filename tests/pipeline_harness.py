"""The pipeline tests' harness: the real `meltano` CLI run against a sandbox Alma, and ground-truth counts."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from alma_sandbox import Sandbox
from alma_sandbox.expected import STREAMS  # every tap stream, i.e. every raw table

PROJECT_ROOT = Path(__file__).resolve().parents[1]
MELTANO = Path(sys.executable).with_name("meltano")
# Small on purpose: the pipeline tests prove correctness, bench/ measures speed.
PIPELINE_SANDBOX = {"seed": 11, "schools": 2, "students": 12, "years": 2, "days": 8}


@dataclass
class MeltanoProject:
    """The project's real `meltano` CLI with its own system database and warehouse file."""

    workdir: Path
    sandbox: Sandbox
    extra_env: dict[str, str]

    def __post_init__(self) -> None:
        # Meltano writes each plugin's catalog and per-run config to `<sys dir>/run/<plugin>/`: two runs at
        # once (another test session, a benchmark, a developer) would overwrite each other's. A sys dir per
        # project, linking to the installed plugins, keeps runs apart and their files inspectable.
        self.sys_dir.mkdir(parents=True, exist_ok=True)
        for kind in ("extractors", "loaders", "utilities"):
            link = self.sys_dir / kind
            if not link.exists():
                link.symlink_to(PROJECT_ROOT / ".meltano" / kind)

    @property
    def sys_dir(self) -> Path:
        return self.workdir / ".meltano"

    @property
    def duckdb_path(self) -> Path:
        return self.workdir / "alma.duckdb"

    def env(self, **overrides: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TAP_ALMA_", "MELTANO_", "TARGET_", "DBT_"))}
        env.update(
            MELTANO_PROJECT_ROOT=str(PROJECT_ROOT),
            # Each test gets its own state store, so runs never see another test's bookmarks.
            MELTANO_DATABASE_URI=f"sqlite:///{self.workdir / 'meltano.db'}",
            MELTANO_SYS_DIR_ROOT=str(self.sys_dir),
            TARGET_DUCKDB_FILEPATH=str(self.duckdb_path),
            DBT_DUCKDB_PATH=str(self.duckdb_path),
            TAP_ALMA_API_URL=self.sandbox.url,
            TAP_ALMA_DISTRICT=self.sandbox.district,
            TAP_ALMA_API_KEY=self.sandbox.api_key,
            TAP_ALMA_API_SECRET=self.sandbox.api_secret,
        )
        env.update(self.extra_env)
        env.update(overrides)
        return env

    def run(
        self, *args: str, check: bool = True, stdin: str | None = None, timeout: float = 600, **env: str
    ) -> subprocess.CompletedProcess[str]:
        """Run `meltano ARGS`; the output is kept in the workdir's log, not printed (it is a test log)."""
        result = subprocess.run(
            [str(MELTANO), *args],
            cwd=PROJECT_ROOT,
            env=self.env(**env),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        log = self.workdir / "meltano.log"
        with log.open("a") as f:
            f.write(f"$ meltano {' '.join(args)}\n{result.stdout}\n{result.stderr}\n")
        if check and result.returncode != 0:
            tail = "\n".join(result.stderr.splitlines()[-25:])
            pytest.fail(f"meltano {' '.join(args)} exited {result.returncode}:\n{tail}")
        return result

    def raw_counts(self, schema: str = "alma_raw") -> dict[str, int]:
        import duckdb

        with duckdb.connect(str(self.duckdb_path), read_only=True) as con:
            return {
                stream: con.execute(f'SELECT count(*) FROM "{schema}"."{stream}"').fetchone()[0]
                for stream in STREAMS
            }


def expected_counts(sandbox: Sandbox, school_years: str = "all") -> dict[str, int]:
    """Rows each raw table must hold: the sandbox's ground truth, nothing from the tap."""
    return {s: len(sandbox.data.expected_records(s, school_years=school_years)) for s in STREAMS}
