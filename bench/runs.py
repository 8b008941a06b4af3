"""One measured run each: the baseline, the bare loop, tap-alma (first and incremental), Meltano to DuckDB."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.proc import run_child
from bench.sandbox_proc import BIN, SandboxProcess

PROJECT_ROOT = Path(__file__).resolve().parents[1]
_RECORD = re.compile(rb'^\{"type":\s*"RECORD",\s*"stream":\s*"([^"]+)"')


def _measure(sb: SandboxProcess, args: list[str], *, stdout: object = subprocess.DEVNULL,
             env: dict | None = None, timeout: float = 1800) -> dict:
    """Run a child against `sb` with fresh counters; its rusage plus the sandbox's view of it."""
    sb.reset_counters()
    sandbox_cpu = sb.cpu_seconds()
    load = os.getloadavg()[0]
    child = run_child(args, stdout=stdout, env=env, timeout=timeout, cwd=str(PROJECT_ROOT))
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:3])} ... exited {child.returncode}:\n{child.stderr_tail}")
    requests = sb.counters()
    return {
        "wall_s": round(child.wall_s, 3),
        "cpu_s": round(child.cpu_s, 3),
        "peak_rss_mb": round(child.peak_rss_mb, 1),
        "requests": requests,
        "sandbox_cpu_s": round(sb.cpu_seconds() - sandbox_cpu, 3),
        "loadavg_1m_before": round(load, 2),
    }


def _config_file(workdir: Path, name: str, config: dict) -> str:
    path = workdir / name
    path.write_text(json.dumps(config))
    path.chmod(0o600)
    return str(path)


def run_baseline(sb: SandboxProcess, workdir: Path, school_years: str = "all") -> dict:
    cfg = _config_file(workdir, "baseline-config.json", sb.tap_config(school_years=school_years))
    out = workdir / "baseline-result.json"
    result = _measure(sb, [sys.executable, "-m", "bench.baseline", cfg, str(out)])
    inner = json.loads(out.read_text())
    return {"name": "baseline", "concurrency": 1, **result, "records": inner["records"]}


def run_bare_loop(sb: SandboxProcess, workdir: Path, concurrency: int, school_years: str = "all") -> dict:
    cfg = _config_file(workdir, f"bare-config-{concurrency}.json",
                       sb.tap_config(school_years=school_years, max_concurrency=concurrency))
    out = workdir / f"bare-result-{concurrency}.json"
    result = _measure(sb, [sys.executable, "-m", "bench.bare_loop", cfg, str(out)])
    inner = json.loads(out.read_text())
    return {"name": f"bare loop c={concurrency}", "concurrency": concurrency, **result, "records": inner["records"]}


def scan_singer_output(path: Path) -> tuple[dict[str, int], dict | None, dict[str, int]]:
    """Records per stream, the last STATE value and message counts by type, from a tap's stdout file."""
    records: dict[str, int] = {}
    types: dict[str, int] = {}
    state = None
    with path.open("rb") as f:
        for line in f:
            m = _RECORD.match(line)
            if m:
                stream = m.group(1).decode()
                records[stream] = records.get(stream, 0) + 1
                types["RECORD"] = types.get("RECORD", 0) + 1
                continue
            if not line.strip():
                continue
            msg = json.loads(line)
            types[msg["type"]] = types.get(msg["type"], 0) + 1
            if msg["type"] == "RECORD":
                records[msg["stream"]] = records.get(msg["stream"], 0) + 1
            elif msg["type"] == "STATE":
                state = msg["value"]
    return records, state, types


def run_tap(sb: SandboxProcess, workdir: Path, concurrency: int, *, state: dict | None = None,
            school_years: str = "all", label: str | None = None) -> tuple[dict, dict | None]:
    """tap-alma's console script; stdout to a file (scanned afterwards, so counting costs the tap nothing)."""
    cfg = _config_file(workdir, f"tap-config-{concurrency}.json",
                       sb.tap_config(school_years=school_years, max_concurrency=concurrency))
    args = [str(BIN / "tap-alma"), "--config", cfg]
    if state is not None:
        state_path = workdir / "tap-state.json"
        state_path.write_text(json.dumps(state))
        args += ["--state", str(state_path)]
    out = workdir / "tap-stdout.jsonl"
    with out.open("wb") as sink:
        result = _measure(sb, args, stdout=sink)
    records, final_state, types = scan_singer_output(out)
    out.unlink()
    name = label or f"tap-alma c={concurrency}"
    return {"name": name, "concurrency": concurrency, **result, "records": records,
            "messages": types}, final_state


def run_meltano_duckdb(sb: SandboxProcess, workdir: Path, concurrency: int, *, dbt: bool = True) -> dict:
    """`meltano run tap-alma target-duckdb` with its own system database and warehouse file; then dbt."""
    db = workdir / "alma.duckdb"
    # A Meltano sys dir of its own (linking to the installed plugins), as tests/pipeline_harness.py does:
    # a concurrent meltano run elsewhere would otherwise overwrite this run's catalog and config files.
    sys_dir = workdir / ".meltano"
    sys_dir.mkdir(exist_ok=True)
    for kind in ("extractors", "loaders", "utilities"):
        if not (sys_dir / kind).exists():
            (sys_dir / kind).symlink_to(PROJECT_ROOT / ".meltano" / kind)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAP_ALMA_", "MELTANO_", "TARGET_", "DBT_"))}
    env.update(
        MELTANO_PROJECT_ROOT=str(PROJECT_ROOT),
        MELTANO_DATABASE_URI=f"sqlite:///{workdir / 'meltano.db'}",
        MELTANO_SYS_DIR_ROOT=str(sys_dir),
        MELTANO_SEND_ANONYMOUS_USAGE_STATS="false",
        TARGET_DUCKDB_FILEPATH=str(db),
        DBT_DUCKDB_PATH=str(db),
        TAP_ALMA_API_URL=sb.url,
        TAP_ALMA_DISTRICT=sb.district,
        TAP_ALMA_API_KEY=sb.api_key,
        TAP_ALMA_API_SECRET=sb.api_secret,
        TAP_ALMA_SCHOOL_YEARS="all",
        TAP_ALMA_MAX_CONCURRENCY=str(concurrency),
    )
    meltano = str(BIN / "meltano")
    result = _measure(sb, [meltano, "run", "tap-alma", "target-duckdb"], env=env)
    rows = warehouse_counts(db)
    out = {"name": f"meltano tap-alma target-duckdb c={concurrency}", "concurrency": concurrency, **result,
           "records": rows}
    out.pop("peak_rss_mb")  # meltano's own process, not the tap's or the target's: not comparable
    if dbt:
        started = time.perf_counter()
        proc = subprocess.run([meltano, "run", "dbt-duckdb:build"], env=env, cwd=str(PROJECT_ROOT),
                              capture_output=True, text=True, timeout=1200, check=False)
        out["dbt_build"] = {"ok": proc.returncode == 0, "wall_s": round(time.perf_counter() - started, 3)}
        if proc.returncode != 0:
            out["dbt_build"]["stderr_tail"] = "\n".join(proc.stderr.splitlines()[-15:])
    return out


def warehouse_counts(db: Path, schema: str = "alma_raw") -> dict[str, int]:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ?", [schema]).fetchall()]
        return {t: con.execute(f'SELECT count(*) FROM "{schema}"."{t}"').fetchone()[0] for t in sorted(tables)}


def workdir() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="alma-bench-")
