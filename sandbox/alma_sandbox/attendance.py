"""Daily attendance of one student in one school year, generated on request (never stored in bulk)."""

import random
from datetime import date
from typing import Any

from alma_sandbox.ids import fmt_date, fmt_ts, rng, ts_of

Record = dict[str, Any]

NOTES = [
    "doctor appointment",
    'said "sick"',
    "bus was late",
    "family trip",
    "cita médica",
    'parent called: "fever"',
    "left with parent",
]
MINUTES_EXPECTED = 390


def code_pools(codes: list[Record]) -> dict[tuple[str, str | None], list[Record]]:
    pools: dict[tuple[str, str | None], list[Record]] = {}
    for code in codes:
        pools.setdefault((code["status"], code["statusModifier"]), []).append(code)
    return pools


def _pick_code(r: random.Random, pools: dict[tuple[str, str | None], list[Record]]) -> Record:
    x = r.random()
    if x < 0.885:
        # Plain "Present" almost always; the other present codes now and then.
        present = pools[("Present", None)]
        return present[0] if r.random() < 0.97 else r.choice(present[1:])
    status = "Absent" if x < 0.945 else "Late" if x < 0.985 else "Left" if x < 0.995 else "Returned"
    modifier = "Excused" if r.random() < 0.6 else "Unexcused"
    return r.choice(pools[(status, modifier)])


def _minutes(r: random.Random, status: str) -> int:
    if status == "Absent":
        return 0
    if status == "Present":
        return MINUTES_EXPECTED
    return MINUTES_EXPECTED - r.randrange(10, 120)


def generate(
    seed: int,
    school: str,
    student_id: str,
    year_id: str,
    days: list[date],
    pools: dict[tuple[str, str | None], list[Record]],
) -> list[Record]:
    """One record per school day; `statusModifier` is left out when there is none (as Alma does)."""
    # One stream per student and year: any single list can be rebuilt without generating the others.
    r = rng(seed, "attendance", school, student_id, year_id)
    out = []
    for day in days:
        code = _pick_code(r, pools)
        status = code["status"]
        created = ts_of(day, 8 * 3600 + r.randrange(4 * 3600))
        corrected = r.random() < 0.05
        record: Record = {
            "id": f"{created:08x}{r.getrandbits(64):016x}",
            "schoolYearId": year_id,
            "date": fmt_date(day),
            "attendanceCodeId": code["id"],
            "adminLocked": r.random() < 0.03,
            "minutes": _minutes(r, status),
            "minutesExpected": MINUTES_EXPECTED,
            "note": r.choice(NOTES) if status != "Present" and r.random() < 0.3 else "",
            "reportedStatus": status,
            "status": status,
        }
        if code["statusModifier"] is not None:
            record["statusModifier"] = code["statusModifier"]
        record["created"] = fmt_ts(created)
        record["modified"] = fmt_ts(created + (r.randrange(3600, 5 * 86400) if corrected else 0))
        out.append(record)
    return out
