"""The attendance fan-out runs requests in parallel (bounded) and keeps ids out of INFO logs."""

from __future__ import annotations

import re
import threading

from tap_alma.client import AlmaStream


def test_attendance_requests_overlap_up_to_max_concurrency(sb, run_tap, monkeypatch):
    sb.latency_ms = 40
    lock = threading.Lock()
    in_flight = {"now": 0, "peak": 0, "threads": set()}
    original = AlmaStream._request

    def counting(self, prepared_request, context):
        with lock:
            in_flight["now"] += 1
            in_flight["peak"] = max(in_flight["peak"], in_flight["now"])
            in_flight["threads"].add(threading.get_ident())
        try:
            return original(self, prepared_request, context)
        finally:
            with lock:
                in_flight["now"] -= 1

    monkeypatch.setattr(AlmaStream, "_request", counting)
    run = run_tap(max_concurrency=3)
    assert len(run.records("attendance")) == len(sb.data.expected_records("attendance"))
    assert 1 < in_flight["peak"] <= 3
    # Each worker thread keeps its digest nonce: one 401 challenge per thread, not per request.
    assert sb.counters.total(status=401) <= len(in_flight["threads"])


def test_no_student_data_or_ids_in_info_logs(sb, run_tap):
    run = run_tap(school_years="all")
    info = run.log_text()
    secrets = {sb.api_secret}
    for school in sb.data.school_slugs():
        for year in sb.data.school_years(school):
            for student in sb.data.students(school, year["id"]):
                secrets.add(student["id"].strip())
                secrets.add(student["username"])
                secrets.add(f"{student['firstName']} {student['lastName']}")
    leaked = [s for s in secrets if s and s in info]
    assert not leaked
    assert re.search(r"attendance .* \d+/\d+ students", info)  # progress with counts
