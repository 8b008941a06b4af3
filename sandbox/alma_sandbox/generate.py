"""Deterministic district structure: schools, school years, grade levels and attendance codes."""

from datetime import date, timedelta
from typing import Any

from alma_sandbox.ids import fmt_date, fmt_ts, make_id, rng, ts_of

Record = dict[str, Any]

SCHOOL_NAMES = [
    "Maple Grove Elementary",
    "Riverside Middle School",
    "Cedar Hill High School",
    "Lakeview Academy",
    "Pine Ridge Elementary",
    "Harbor Point Middle School",
    "Sunnyvale Charter School",
    "Oak Hollow High School",
    "Willow Creek Elementary",
    "Bayside Preparatory",
    "Granite Peak Middle School",
    "Meadowbrook Academy",
]

# (name, abbreviation, equivalent): K then 1st..12th grade, the same ids in every school of the district.
GRADES = [("Kindergarten", "K", "K")] + [
    (f"{n}{'st' if n == 1 else 'nd' if n == 2 else 'rd' if n == 3 else 'th'} Grade", str(n), str(n))
    for n in range(1, 13)
]

# (name, abbreviation, status, statusModifier): about 25 per year, like Alma's.
ATTENDANCE_CODES = [
    ("Present", "P", "Present", None),
    ("Present (Remote)", "PR", "Present", None),
    ("Present (Field Trip)", "FT", "Present", None),
    ("Present (School Activity)", "SA", "Present", None),
    ("Absent (Excused)", "AE", "Absent", "Excused"),
    ("Absent (Unexcused)", "AU", "Absent", "Unexcused"),
    ("Absent (Medical)", "AM", "Absent", "Excused"),
    ('Absent ("Sick Day")', "SD", "Absent", "Excused"),
    ("Absent (Family Emergency)", "AF", "Absent", "Excused"),
    ("Absent (Religious Observance)", "AR", "Absent", "Excused"),
    ("Absent (Suspension)", "AS", "Absent", "Unexcused"),
    ("Absent (Truant)", "AT", "Absent", "Unexcused"),
    ("Absent (College Visit)", "CV", "Absent", "Excused"),
    ("Absent (Court)", "CT", "Absent", "Excused"),
    ("Late (Excused)", "LE", "Late", "Excused"),
    ("Late (Unexcused)", "LU", "Late", "Unexcused"),
    ("Late (Bus)", "LB", "Late", "Excused"),
    ("Late (Medical)", "LM", "Late", "Excused"),
    ("Left (Excused)", "EE", "Left", "Excused"),
    ("Left (Unexcused)", "EU", "Left", "Unexcused"),
    ("Left (Medical)", "EM", "Left", "Excused"),
    ("Returned (Excused)", "RE", "Returned", "Excused"),
    ("Returned (Unexcused)", "RU", "Returned", "Unexcused"),
    ("Half Day", "HD", "Half Day", None),
    ("Not Enrolled", "NE", "Present", None),
]


def school_slug(index: int) -> str:
    base = SCHOOL_NAMES[index % len(SCHOOL_NAMES)].split()[:2]
    slug = "".join(base).lower()
    return slug if index < len(SCHOOL_NAMES) else f"{slug}{index // len(SCHOOL_NAMES) + 1}"


def school_name(index: int) -> str:
    name = SCHOOL_NAMES[index % len(SCHOOL_NAMES)]
    return name if index < len(SCHOOL_NAMES) else f"{name} {index // len(SCHOOL_NAMES) + 1}"


def make_school(seed: int, index: int) -> Record:
    r = rng(seed, "school", index)
    created = ts_of(date(2019, 6, 3)) + r.randrange(300 * 86400)
    slug = school_slug(index)
    return {
        "id": slug,
        "name": school_name(index),
        "url": f"https://{slug}.sandbox.example",
        "stateId": str(r.randrange(100000, 999999)),
        "districtId": str(r.randrange(1000, 9999)),
        "settings": {
            "credits": {"trackCredits": r.random() < 0.5, "defaultCredits": r.choice([0, 0.5, 1])},
            "transcripts": {"enabled": r.random() < 0.7, "courseAllocation": r.random() < 0.3},
        },
        "created": fmt_ts(created),
        "modified": fmt_ts(created + r.randrange(400 * 86400)),
    }


def year_starts(years: int, current_start: date) -> list[date]:
    """Oldest first (Alma lists the current year last); each start is a Monday."""
    starts = []
    for back in range(years - 1, -1, -1):
        d = current_start.replace(year=current_start.year - back)
        starts.append(d - timedelta(days=d.weekday()))
    return starts


def school_days(start: date, days: int) -> list[date]:
    """The first `days` weekdays from `start` (no holidays: the sandbox's calendar is plain)."""
    out: list[date] = []
    d = start
    while len(out) < days:
        if d.weekday() < 5:
            out.append(d)
        d += timedelta(days=1)
    return out


def make_school_year(seed: int, slug: str, start: date, last_day: date, is_current: bool) -> Record:
    r = rng(seed, "year", slug, start)
    created = ts_of(start - timedelta(days=30), r.randrange(86400))
    end = max(date(start.year + 1, 6, 12), last_day)
    # Some districts suffix " SY"; clients must treat the name as free text.
    name = f"{start.year}-{start.year + 1}" + (" SY" if start.year % 2 == 0 else "")
    return {
        # The id's timestamp equals `created` to the second, as observed for school years.
        "id": make_id(created, seed, "year", slug, start),
        "name": name,
        "startDate": fmt_date(start),
        "endDate": fmt_date(end),
        "status": "Current" if is_current else "Past",
        "created": fmt_ts(created),
        "modified": fmt_ts(created + 30 * 86400 + r.randrange(86400)),
    }


def grade_level_ids(seed: int) -> list[str]:
    """Shared by every school of the district (observed in Alma), created long before the years."""
    base = ts_of(date(2020, 7, 12), 60011)
    return [make_id(base + i, seed, "grade", i) for i in range(len(GRADES))]


def make_grade_levels(seed: int, slug: str, year: Record, ids: list[str]) -> list[Record]:
    """The year's grade levels; two appear twice (effective-dated versions with their own changeLogId)."""
    r = rng(seed, "grades", slug, year["id"])
    start = date.fromisoformat(year["startDate"])
    year_ts = ts_of(start - timedelta(days=25), r.randrange(86400))
    doubled = set(r.sample(range(len(GRADES)), 2))
    out = []
    for i, (name, abbr, equivalent) in enumerate(GRADES):
        versions = [(start, year_ts)]
        if i in doubled:
            versions.append(
                (start + timedelta(days=r.randrange(20, 90)), year_ts + r.randrange(30, 90) * 86400)
            )
        for v, (effective, ts) in enumerate(versions):
            out.append(
                {
                    "id": ids[i],
                    "name": name,
                    "gradeLevelAbbr": abbr,
                    "equivalent": equivalent,
                    "nonTeaching": False,
                    "schoolYearId": year["id"],
                    "changeLogId": make_id(ts, seed, "gradelog", slug, year["id"], i, v),
                    "effectiveDate": fmt_date(effective),
                    "created": fmt_ts(ts_of(date(2020, 7, 12), 60011)),
                    "modified": fmt_ts(ts),
                }
            )
    return out


def make_attendance_codes(seed: int, slug: str, year: Record) -> list[Record]:
    """Codes keep their id across years (copied forward); `adminLocked` is absent on some."""
    r = rng(seed, "codes", slug, year["id"])
    start = date.fromisoformat(year["startDate"])
    ts = ts_of(start - timedelta(days=24), r.randrange(86400))
    origin = ts_of(date(2021, 4, 22), 69305)
    out = []
    for i, (name, abbr, status, modifier) in enumerate(ATTENDANCE_CODES):
        code: Record = {
            "id": make_id(origin + i, seed, "code", slug, i),
            "name": name,
            "abbreviation": abbr,
            "status": status,
            "statusModifier": modifier,
            "adminLocked": r.random() < 0.2,
            "isSchoolAttendance": abbr != "NE",
            "schoolYearId": year["id"],
            "changeLogId": make_id(ts, seed, "codelog", slug, year["id"], i),
            "effectiveDate": fmt_date(start),
            "created": fmt_ts(origin + i),
            "modified": fmt_ts(ts),
        }
        if i % 5 == 3:
            del code["adminLocked"]
        out.append(code)
    return out
