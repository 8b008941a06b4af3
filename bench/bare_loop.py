"""The CPU lower bound: a bare loop over the same endpoints at the same concurrency.

`requests` with one Session and one HTTPDigestAuth per thread (nonce reused, one 401 per thread),
`json` parsing, and one JSON line per record written to a null sink. No SDK, no schema work, no
retries: the least a Python extractor of these endpoints can do per request and per record.

Run as a child process: `python -m bench.bare_loop CONFIG.json RESULT.json` (tap-alma's config;
`max_concurrency` and `school_years` as in the tap, "all" or "current").
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from requests.auth import HTTPDigestAuth

HEADERS = {"Accept": "application/json, application/problem+json"}


class Loop:
    def __init__(self, config: dict) -> None:
        self.base = config["api_url"].rstrip("/")
        self.key, self.secret = config["api_key"], config["api_secret"]
        self.local = threading.local()
        self.sink = open(os.devnull, "w")  # noqa: PTH123, SIM115
        self.lock = threading.Lock()
        self.counts: dict[str, int] = {}

    def get(self, path: str, params: dict | None = None) -> object:
        local = self.local
        if not hasattr(local, "session"):
            local.session = requests.Session()
            local.session.auth = HTTPDigestAuth(self.key, self.secret)
        r = local.session.get(f"{self.base}/v2/{path}", params=params, headers=HEADERS, timeout=60)
        r.raise_for_status()
        return r.json()["response"]

    def emit(self, stream: str, records: list[dict], extra: dict) -> None:
        dumps, write = json.dumps, self.sink.write
        lines = [dumps({**rec, **extra}) for rec in records]
        write("\n".join(lines) + "\n" if lines else "")
        with self.lock:
            self.counts[stream] = self.counts.get(stream, 0) + len(lines)


def run(config: dict) -> dict[str, int]:
    loop = Loop(config)
    workers = max(1, int(config.get("max_concurrency", 1)))
    which = config.get("school_years", "current")
    pool = ThreadPoolExecutor(max_workers=workers)
    schools = loop.get(f"{config['district']}/district/schools")["schools"]
    loop.emit("schools", schools, {})
    slugs = [s["id"].strip() for s in schools]
    years_by_school = list(pool.map(lambda s: (s, loop.get(f"{s}/school-years")), slugs))
    scopes = []
    for school, years in years_by_school:
        loop.emit("school_years", years, {"school": school})
        for y in years:
            if which == "all" or y.get("status") == "Current":
                scopes.append((school, y["id"].strip()))

    def year_scoped(job: tuple[str, str, str]) -> list[tuple[str, str]]:
        school, year_id, what = job
        extra = {"school": school, "schoolYearId": year_id}
        payload = loop.get(f"{school}/{what}", {"schoolYearId": year_id})
        if what == "students/grade-levels":
            rows = [{**p, "studentId": st["id"].strip()} for st in payload["students"]
                    for p in st.get("gradeLevels") or []]
            loop.emit("student_grade_levels", rows, extra)
            return []
        loop.emit(what.replace("-", "_"), payload, extra)
        if what == "students":
            return [(school, year_id, st["id"].strip()) for st in payload]
        return []

    jobs = [(s, y, w) for s, y in scopes for w in ("grade-levels", "students", "students/grade-levels",
                                                     "attendance-codes")]
    fanout = [sid for found in pool.map(year_scoped, jobs) for sid in found]

    def attendance(job: tuple[str, str, str]) -> None:
        school, year_id, student_id = job
        days = loop.get(f"{school}/students/{student_id}/attendance", {"schoolYearId": year_id})
        loop.emit("attendance", days, {"school": school, "schoolYearId": year_id, "studentId": student_id})

    for _ in pool.map(attendance, list(dict.fromkeys(fanout))):
        pass
    pool.shutdown()
    return loop.counts


def main(argv: list[str]) -> int:
    config = json.loads(open(argv[0]).read())  # noqa: PTH123
    started = time.perf_counter()
    counts = run(config)
    elapsed = time.perf_counter() - started
    with open(argv[1], "w") as f:  # noqa: PTH123
        json.dump({"records": counts, "extract_s": elapsed}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
