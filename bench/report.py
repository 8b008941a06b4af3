"""Derived numbers (records/s, ratios to the baseline and to both bounds), the goals, and the table."""

from __future__ import annotations


def _rate(run: dict) -> float:
    return sum(run["records"].values()) / run["wall_s"] if run["wall_s"] else 0.0


def evaluate(scenario: dict) -> None:
    """Annotate every run in place and add `goals` to the scenario."""
    census, latency_s = scenario["census"], scenario["latency_ms"] / 1000
    runs = scenario["runs"]
    baseline = next((r for r in runs if r["name"] == "baseline"), None)
    bare = {r["concurrency"]: r for r in runs if r["name"].startswith("bare loop")}
    for run in runs:
        records = sum(run["records"].values())
        run["records_total"] = records
        run["records_per_s"] = round(_rate(run))
        req = run["requests"]
        run["requests_401_share"] = round(req.get("401", 0) / req["total"], 4) if req["total"] else 0.0
        if run.get("flatness_reference"):
            continue
        needed = census["requests_needed_current_year" if run.get("incremental") else "requests_needed"]
        bound = needed * latency_s / run["concurrency"]
        run["latency_bound_s"] = round(bound, 3)
        run["x_latency_bound"] = round(run["wall_s"] / bound, 2) if bound else None
        ref = bare.get(run["concurrency"])
        if ref is not None and not run.get("incremental"):
            run["cpu_bound_records_per_s"] = ref["records_per_s"] if "records_per_s" in ref else round(_rate(ref))
            run["share_of_bare_loop_rate"] = round(run["records_per_s"] / run["cpu_bound_records_per_s"], 2)
        if baseline is not None and not run.get("incremental"):
            run["speedup_vs_baseline"] = round(baseline["wall_s"] / run["wall_s"], 2)

    goals = []
    taps = [r for r in runs if r["name"].startswith("tap-alma") and not r.get("incremental")
            and not r.get("flatness_reference")]
    top = max(taps, key=lambda r: r["concurrency"]) if taps else None
    if top is not None:
        c = top["concurrency"]
        if baseline is not None:
            goals.append(_goal(f"tap c={c} at least 6x faster than the baseline", top["speedup_vs_baseline"],
                               ">=", 6))
        goals.append(_goal(f"tap c={c} within 1.5x of the latency bound", top["x_latency_bound"], "<=", 1.5))
        worst = max(taps, key=lambda r: r["requests_401_share"])
        goals.append(_goal(f"401 under 1% of requests (worst tap run: {worst['name']})",
                           round(100 * worst["requests_401_share"], 2), "<", 1.0, unit="%"))
        if "share_of_bare_loop_rate" in top:
            goals.append(_goal(f"tap c={c} records/s at least half of the bare loop's",
                               top["share_of_bare_loop_rate"], ">=", 0.5))
        flat = next((r for r in runs if r.get("flatness_reference")), None)
        if flat is not None:
            ratio = round(top["peak_rss_mb"] / flat["peak_rss_mb"], 2)
            scenario["peak_rss_growth"] = {"small_mb": flat["peak_rss_mb"], "large_mb": top["peak_rss_mb"],
                                           "ratio": ratio}
            goals.append(_goal(f"tap c={c} peak RSS flat from 1k to {census['schools']}k students", ratio,
                               "<=", 1.3))
        second = next((r for r in runs if r.get("incremental")), None)
        if second is not None:
            goals.append(_goal("second run: at most the current year's requests (200s)",
                               second["requests"].get("200", 0), "<=", census["requests_needed_current_year"]))
    truth = scenario.get("ground_truth")
    if truth is not None:
        scenario["records_match_ground_truth"] = {
            r["name"]: r["records"] == truth for r in runs
            if not r.get("incremental") and not r.get("flatness_reference") and not r["name"].startswith("meltano")
        }
    scenario["goals"] = goals


def _goal(text: str, value: float, op: str, target: float, unit: str = "") -> dict:
    ok = {"<=": value <= target, "<": value < target, ">=": value >= target}[op]
    return {"goal": text, "value": value, "target": f"{op} {target}{unit}", "met": ok}


def render_table(scenario: dict) -> str:
    sb = scenario["sandbox"]
    census = scenario["census"]
    lines = [
        f"## {scenario['scenario']}: {sb['schools']} school(s) x {sb['students']} students, {sb['years']} school "
        f"years, {sb['days']} days, {scenario['latency_ms']:g} ms latency; {census['requests_needed']} requests "
        f"needed ({census['requests_needed_current_year']} for the current year)",
        "",
        "| run | conc. | wall s | CPU s | records | records/s | 200 | 401 | peak RSS MB | x faster than baseline "
        "| x latency bound | share of bare-loop rate |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in scenario["runs"]:
        req = r["requests"]
        lines.append(
            f"| {r['name']} | {r['concurrency']} | {r['wall_s']:.1f} | {r['cpu_s']:.1f} | {r['records_total']:,} "
            f"| {r['records_per_s']:,} | {req.get('200', 0):,} | {req.get('401', 0):,} "
            f"| {r.get('peak_rss_mb', '-')} | {r.get('speedup_vs_baseline', '-')} "
            f"| {r.get('x_latency_bound', '-')} (bound {r.get('latency_bound_s', '-')} s) "
            f"| {r.get('share_of_bare_loop_rate', '-')} |"
        )
    e2e = next((r for r in scenario["runs"] if r["name"].startswith("meltano")), None)
    if e2e is not None:
        lines += ["", f"Meltano end to end (tap-alma -> target-duckdb): {e2e['records_total']:,} rows loaded in "
                  f"{e2e['wall_s']:.1f} s = {e2e['records_per_s']:,} rows/s"]
        if "dbt_build" in e2e:
            d = e2e["dbt_build"]
            lines.append(f"dbt-duckdb:build afterwards: {'ok' if d['ok'] else 'FAILED'} in {d['wall_s']:.1f} s")
    if scenario.get("peak_rss_growth"):
        g = scenario["peak_rss_growth"]
        lines.append(f"Peak RSS of the tap: {g['small_mb']} MB (1k students) -> {g['large_mb']} MB "
                     f"({census['student_years']:,} student-years), ratio {g['ratio']}")
    if scenario.get("records_match_ground_truth") is not None:
        lines.append(f"Records equal to the sandbox ground truth: {scenario['records_match_ground_truth']}")
    lines += ["", "| goal | value | target | met |", "|---|---:|---:|---|"]
    for g in scenario["goals"]:
        lines.append(f"| {g['goal']} | {g['value']} | {g['target']} | {'yes' if g['met'] else 'NO'} |")
    return "\n".join(lines)
