"""The original approach, replayed faithfully: what the district's pandas scripts did.

Every call is a plain `requests.get` with a *new* `HTTPDigestAuth` (so every call pays the 401
challenge round trip before its 200), calls are strictly sequential, attendance is one call per
student per school year, and every response is turned into a pandas DataFrame; the frames are
concatenated per table at the end and kept in memory, as the scripts did before writing them out.

Run as a child process: `python -m bench.baseline CONFIG.json RESULT.json` (the config is tap-alma's).
"""

from __future__ import annotations

import json
import sys
import time

import pandas as pd
import requests
from requests.auth import HTTPDigestAuth

HEADERS = {"Accept": "application/json, application/problem+json", "Content-Type": "application/json"}


def extract(config: dict) -> dict[str, pd.DataFrame]:
    base, key, secret = config["api_url"].rstrip("/"), config["api_key"], config["api_secret"]

    def get(path: str, **params: str) -> object:
        r = requests.get(f"{base}/v2/{path}", params=params or None, headers=HEADERS,
                         auth=HTTPDigestAuth(key, secret), timeout=60)
        r.raise_for_status()
        return r.json()["response"]

    frames: dict[str, list[pd.DataFrame]] = {name: [] for name in (
        "schools", "school_years", "grade_levels", "students", "student_grade_levels", "attendance",
        "attendance_codes")}
    schools = pd.DataFrame(get(f"{config['district']}/district/schools")["schools"])
    frames["schools"].append(schools)
    for school in schools["id"].str.strip():
        years = pd.DataFrame(get(f"{school}/school-years"))
        years["school"] = school
        frames["school_years"].append(years)
        for year_id in years["id"].str.strip():
            for table, path in (("grade_levels", "grade-levels"), ("attendance_codes", "attendance-codes")):
                df = pd.DataFrame(get(f"{school}/{path}", schoolYearId=year_id))
                df["school"], df["schoolYearId"] = school, year_id
                frames[table].append(df)
            placements = get(f"{school}/students/grade-levels", schoolYearId=year_id)["students"]
            df = pd.json_normalize(placements, record_path="gradeLevels", meta=["id"], meta_prefix="student.")
            df["school"], df["schoolYearId"] = school, year_id
            frames["student_grade_levels"].append(df)
            students = pd.DataFrame(get(f"{school}/students", schoolYearId=year_id))
            students["school"], students["schoolYearId"] = school, year_id
            frames["students"].append(students)
            for student_id in students["id"].str.strip():
                days = pd.DataFrame(get(f"{school}/students/{student_id}/attendance", schoolYearId=year_id))
                days["studentId"], days["school"], days["schoolYearId"] = student_id, school, year_id
                frames["attendance"].append(days)
    return {name: pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
            for name, parts in frames.items()}


def main(argv: list[str]) -> int:
    config = json.loads(open(argv[0]).read())  # noqa: PTH123
    started = time.perf_counter()
    tables = extract(config)
    elapsed = time.perf_counter() - started
    result = {"records": {name: len(df) for name, df in tables.items()}, "extract_s": elapsed}
    with open(argv[1], "w") as f:  # noqa: PTH123
        json.dump(result, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
