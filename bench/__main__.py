"""`python -m bench [--scenario small|district]`: the benchmark table, printed and written as JSON.

Scenarios run against `alma-sandbox` in its own process with injected latency. Every extractor runs
as a fresh child process (wall time, CPU and peak RSS of that process alone). See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import requests
from requests.auth import HTTPDigestAuth

from bench import runs
from bench.report import evaluate, render_table
from bench.sandbox_proc import SandboxProcess, ground_truth

SCENARIOS = {
    # Quick enough for `make test`'s smoke test (the tap at 8 only; --tap-concurrency 1,4,8 for all three);
    # 20 days keeps the per-record work small.
    "small": {"sandbox": {"schools": 1, "students": 200, "years": 2, "days": 20},
              "tap_concurrency": [8], "bare_concurrency": [8], "flatness": None, "e2e": False,
              "verify": True},
    # The district: 5 schools x 1000 students, 2 school years, 180 school days.
    "district": {"sandbox": {"schools": 5, "students": 1000, "years": 2, "days": 180},
                 # The bare loop at 8 only (the goals compare at 8): each extra one costs a minute or more.
                 "tap_concurrency": [1, 4, 8], "bare_concurrency": [8],
                 "flatness": {"schools": 1, "students": 1000, "years": 2, "days": 180}, "e2e": True,
                 "verify": False},
}


def census(sb: SandboxProcess) -> dict:
    """Requests a complete extraction needs (one per endpoint call, no handshakes), all years and current."""
    session = requests.Session()
    session.auth = HTTPDigestAuth(sb.api_key, sb.api_secret)

    def get(path: str, **params: str) -> object:
        r = session.get(f"{sb.url}/v2/{path}", params=params or None, timeout=60)
        r.raise_for_status()
        return r.json()["response"]

    schools = [s["id"].strip() for s in get(f"{sb.district}/district/schools")["schools"]]
    need_all = need_current = 1 + len(schools)  # district/schools + school-years per school
    students_all = 0
    for school in schools:
        for year in get(f"{school}/school-years"):
            ids = {s["id"].strip() for s in get(f"{school}/students", schoolYearId=year["id"].strip())}
            n = 4 + len(ids)  # grade-levels, students, students/grade-levels, attendance-codes + fan-out
            need_all += n
            students_all += len(ids)
            if year.get("status") == "Current":
                need_current += n
    session.close()
    return {"schools": len(schools), "requests_needed": need_all, "requests_needed_current_year": need_current,
            "student_years": students_all}


def run_scenario(name: str, args: argparse.Namespace) -> dict:
    spec = SCENARIOS[name]
    latency = args.latency_ms
    tap_cs = args.tap_concurrency or spec["tap_concurrency"]
    bare_cs = args.bare_concurrency or spec["bare_concurrency"]
    out: dict = {"scenario": name, "sandbox": spec["sandbox"], "latency_ms": latency, "runs": []}
    say = (lambda *a: print(*a, file=sys.stderr, flush=True)) if not args.quiet else (lambda *a: None)

    with runs.workdir() as tmp, SandboxProcess(**spec["sandbox"], latency_ms=latency) as sb:
        work = Path(tmp)
        sb.set_latency(0)
        out["census"] = census(sb)
        sb.set_latency(latency)
        if spec["verify"] or args.verify:
            say(f"[{name}] ground truth from the sandbox data ...")
            out["ground_truth"] = ground_truth({**spec["sandbox"], "seed": 1}, school_years="all")

        def record(run: dict) -> dict:
            out["runs"].append(run)
            say(f"[{name}] {run['name']}: {run['wall_s']:.1f}s, {sum(run['records'].values())} records")
            return run

        if not args.skip_baseline:
            say(f"[{name}] baseline (sequential, new digest per call, pandas) ...")
            record(runs.run_baseline(sb, work))
        for c in bare_cs:
            record(runs.run_bare_loop(sb, work, c))
        state_for_second_run = None
        for c in tap_cs:
            run, state = runs.run_tap(sb, work, c)
            record(run)
            if c == max(tap_cs):
                state_for_second_run = state
        c = max(tap_cs)
        run, _ = runs.run_tap(sb, work, c, state=state_for_second_run,
                              label=f"tap-alma c={c} incremental (with first run's STATE)")
        run["incremental"] = True
        record(run)

        if spec["e2e"] and not args.skip_e2e:
            say(f"[{name}] meltano run tap-alma target-duckdb (+ dbt-duckdb:build) ...")
            record(runs.run_meltano_duckdb(sb, work, c, dbt=not args.skip_dbt))

    if spec["flatness"] and not args.skip_flatness:
        with runs.workdir() as tmp, SandboxProcess(**spec["flatness"], latency_ms=latency) as sb:
            c = max(tap_cs)
            run, _ = runs.run_tap(sb, Path(tmp), c, label=f"tap-alma c={c} (1 school x 1000 students)")
            run["flatness_reference"] = True
            out["flatness_sandbox"] = spec["flatness"]
            record(run)
    evaluate(out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scenario", choices=[*SCENARIOS, "all"], default="district")
    parser.add_argument("--latency-ms", type=float, default=20)
    parser.add_argument("--tap-concurrency", type=lambda s: [int(x) for x in s.split(",")])
    parser.add_argument("--bare-concurrency", type=lambda s: [int(x) for x in s.split(",")])
    parser.add_argument("--out", type=Path, help="results JSON (default: bench/results.json; "
                        "bench/results-small.json for the small scenario)")
    parser.add_argument("--verify", action="store_true", help="also compute the sandbox ground truth")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--skip-e2e", action="store_true")
    parser.add_argument("--skip-dbt", action="store_true")
    parser.add_argument("--skip-flatness", action="store_true")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)

    names = list(SCENARIOS) if args.scenario == "all" else [args.scenario]
    started = time.time()
    results = {
        "command": "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:]),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "loadavg_at_start": [round(x, 2) for x in os.getloadavg()]},
        "git_head": subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                   check=False, cwd=Path(__file__).resolve().parents[1]).stdout.strip(),
        "scenarios": [run_scenario(n, args) for n in names],
    }
    results["total_s"] = round(time.time() - started, 1)
    default_name = "results.json" if "district" in names else "results-small.json"
    path = args.out or Path(__file__).with_name(default_name)
    path.write_text(json.dumps(results, indent=2) + "\n")
    for scenario in results["scenarios"]:
        print(render_table(scenario))
        print()
    print(f"results: {path}  ({results['total_s']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
