"""`python -m bench --scenario small` once: the bench still runs and every extractor sees the same data.

No timing asserts: the numbers are for bench/README.md, not for CI.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_small_scenario_runs_and_every_extractor_matches_the_ground_truth(tmp_path):
    out = tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--scenario", "small", "--quiet", "--out", str(out)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "| goal |" in proc.stdout

    (scenario,) = json.loads(out.read_text())["scenarios"]
    truth = scenario["ground_truth"]
    runs = {r["name"]: r for r in scenario["runs"]}
    baseline, bare, tap = runs["baseline"], runs["bare loop c=8"], runs["tap-alma c=8"]
    assert truth["attendance"] > 0
    assert baseline["records"] == truth
    assert bare["records"] == truth
    assert tap["records"] == truth

    for run in scenario["runs"]:
        for key in ("wall_s", "cpu_s", "records_per_s", "requests"):
            assert key in run, (run["name"], key)
        assert run["requests"].get("200", 0) > 0
    # The original approach pays one 401 handshake per call; the tap one per worker thread.
    assert baseline["requests"]["401"] == baseline["requests"]["200"]
    assert tap["requests"]["401"] <= tap["concurrency"] + 1
    # One SCHEMA per stream, not one per student.
    assert tap["messages"]["SCHEMA"] == len(truth)
    # The second run re-reads only the current year.
    second = next(r for r in scenario["runs"] if r.get("incremental"))
    assert second["requests"]["200"] <= scenario["census"]["requests_needed_current_year"]
    assert {g["goal"] for g in scenario["goals"]}
