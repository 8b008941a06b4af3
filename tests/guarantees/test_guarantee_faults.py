"""Faults through the real `meltano run tap-alma target-duckdb`: retried to an identical warehouse, or a clear stop."""

from __future__ import annotations

import re

import pytest
from alma_sandbox.ids import unit

# A seeded share of every request (any route, any attempt) fails, each kind its own share.
FAULT_RATES = {
    "429": 0.06,
    "500": 0.06,
    "503": 0.04,
    "reset": 0.05,
    "slow": 0.04,
    "truncate": 0.06,
    "stale_nonce": 0.06,
}


def _fired(sandbox, fault, index: int) -> int:
    """How many requests this fault failed (recomputed from its seeded rule and the attempts it saw)."""
    return sum(
        unit(sandbox.data.seed, index, target, attempt) < fault.rate
        for target, seen in fault.attempts.items()
        for attempt in range(seen)
    )


@pytest.fixture(scope="module")
def clean_warehouse(sandbox, tmp_path_factory, helpers):
    project = helpers.project(tmp_path_factory.mktemp("clean"), sandbox)
    sandbox.faults.clear()
    project.run("run", "tap-alma", "target-duckdb")
    return project.duckdb_path


def test_faults_on_a_seeded_share_of_requests_leave_the_warehouse_identical_to_a_clean_run(
    sandbox, clean_warehouse, new_project, helpers
):
    project = new_project(
        TAP_ALMA_REQUEST_TIMEOUT="1",  # "slow" answers after 2 s: a client timeout, then a retry
        TAP_ALMA_RETRY_MAX_TRIES="8",
    )
    faults = [
        sandbox.faults.add(kind, rate=rate, retry_after=1, delay=2.0) for kind, rate in FAULT_RATES.items()
    ]
    sandbox.counters.reset()
    try:
        result = project.run("run", "tap-alma", "target-duckdb")
    finally:
        sandbox.faults.clear()

    fired = {kind: _fired(sandbox, fault, i) for i, (kind, fault) in enumerate(zip(FAULT_RATES, faults))}
    # Every kind really happened (the seed makes this deterministic), and the tap retried each.
    assert all(n >= 1 for n in fired.values()), fired
    assert sandbox.counters.total(status=429) == fired["429"]
    assert sandbox.counters.total(status="reset") == fired["reset"]
    retries = re.findall(r"Retrying \S+ in [\d.]+s \(try \d+ of 8\): (\w+)", result.stderr)
    assert len(retries) >= sum(fired[k] for k in ("429", "500", "503", "reset", "slow", "truncate"))
    assert {"HTTP", "malformed", "ReadTimeout"} <= set(retries)

    clean, faulty = helpers.contents(clean_warehouse), helpers.contents(project.duckdb_path)
    assert faulty == clean
    rows = sum(len(v) for k, v in clean.items() if ":" not in k)
    print(f"faults fired {fired} in {sandbox.counters.total()} requests; {rows} rows compared, all equal")
    helpers.complete(project.duckdb_path, sandbox)


def test_faults_beyond_the_retry_budget_stop_the_run_naming_the_url_then_a_clean_run_completes(
    sandbox, new_project, helpers
):
    project = new_project(TAP_ALMA_RETRY_MAX_TRIES="3")
    # One closed-year attendance request of the second school fails every time.
    school = sandbox.data.school_slugs()[1]
    closed = next(y for y in sandbox.data.school_years(school) if y["status"] != "Current")
    student = next(s for s in sandbox.data.students(school, closed["id"].strip()) if s["status"] == "Active")
    sid = student["id"].strip()
    url_part = f"/v2/{school}/students/{sid}/attendance?schoolYearId={closed['id'].strip()}"
    sandbox.faults.add("500", path=re.escape(url_part))
    sandbox.counters.reset()
    try:
        failed = project.run("run", "tap-alma", "target-duckdb", check=False)
    finally:
        sandbox.faults.clear()

    assert failed.returncode != 0
    assert sandbox.counters.total(status=500) == 3  # exactly the budget, then it stopped
    stop = [line for line in failed.stderr.splitlines() if "Giving up on GET" in line]
    assert stop, failed.stderr[-3000:]
    assert f"{sandbox.url}{url_part}" in stop[0] and "after 3 tries" in stop[0] and "HTTP 500" in stop[0]

    # Whatever the failed run saved, the year it could not finish is not marked completed.
    state = helpers.state(project)
    done = state.get("singer_state", {}).get("bookmarks", {}).get("attendance", {}).get("completed_school_years", {})
    assert closed["id"].strip() not in done.get(school, [])

    project.run("run", "tap-alma", "target-duckdb")
    counts = helpers.complete(project.duckdb_path, sandbox)
    assert counts["attendance"] == len(sandbox.data.expected_records("attendance", school_years="all"))
