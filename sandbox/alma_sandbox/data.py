"""SandboxData: the ground truth the server serves, and the mutations tests make between syncs."""

import json
import threading
import time
from datetime import date, datetime
from typing import Any, TypeVar, cast

from alma_sandbox import attendance, defaults, generate, people
from alma_sandbox.ids import fmt_ts, make_id

Record = dict[str, Any]
T = TypeVar("T")
_UNSET: Any = object()
# The order Alma's attendance records keep their keys in, so a mutated record looks like the others.
_ATTENDANCE_KEYS = [
    "id",
    "schoolYearId",
    "date",
    "attendanceCodeId",
    "adminLocked",
    "minutes",
    "minutesExpected",
    "note",
    "reportedStatus",
    "status",
    "statusModifier",
    "created",
    "modified",
]


def _copy(value: T) -> T:
    # Callers get their own objects: a test that edits a result must not change what the server serves.
    return cast(T, json.loads(json.dumps(value)))


def _bump(modified: str) -> str:
    """A `modified` later than the old one: now, or one second after it if the clock disagrees."""
    old = int(datetime.fromisoformat(modified).timestamp())
    return fmt_ts(max(int(time.time()), old + 1))


class SandboxData:
    """Everything but attendance is built at start-up; attendance is generated per request from a seed."""

    def __init__(
        self,
        seed: int = defaults.SEED,
        schools: int = defaults.SCHOOLS,
        students: int = defaults.STUDENTS,
        years: int = defaults.YEARS,
        days: int = defaults.DAYS,
        district: str = defaults.DISTRICT,
    ) -> None:
        if min(schools, years, days) < 1 or students < 0:
            raise ValueError("schools, years and days must be at least 1; students at least 0")
        self.seed, self.district = seed, district
        self.lock = threading.RLock()
        self._schools = [generate.make_school(seed, i) for i in range(schools)]
        self._years: dict[str, list[Record]] = {}
        self._days: dict[tuple[str, str], list[date]] = {}
        self._grade_levels: dict[tuple[str, str], list[Record]] = {}
        self._codes: dict[tuple[str, str], list[Record]] = {}
        self._pools: dict[tuple[str, str], Any] = {}
        self._students: dict[tuple[str, str], list[Record]] = {}
        self._placements: dict[tuple[str, str], list[Record]] = {}
        self._enrolled: dict[tuple[str, str], dict[str, str]] = {}
        self._known: dict[str, set[str]] = {}
        self._overrides: dict[tuple[str, str, str], dict[str, Record]] = {}
        self._drift: dict[str, dict[str, Any]] = {}  # route template -> {field: value}
        self._build(students, years, days)

    def _build(self, students: int, years: int, days: int) -> None:
        seed = self.seed
        current = date.fromisoformat(defaults.CURRENT_YEAR_START)
        starts = generate.year_starts(years, current)
        grade_ids = generate.grade_level_ids(seed)
        previous: list[Record] = []
        for school in self._schools:
            slug = school["id"]
            roster = people.make_people(seed, slug, students, starts[-1])
            if previous:
                people.share_students(roster, previous)
            previous = roster
            creators = [make_id(1500000000 + n, seed, "staff", slug, n) for n in range(3)]
            self._years[slug], self._known[slug] = [], set()
            for n, start in enumerate(starts):
                school_days = generate.school_days(start, days)
                year = generate.make_school_year(seed, slug, start, school_days[-1], n == years - 1)
                key = (slug, year["id"])
                self._years[slug].append(year)
                self._days[key] = school_days
                self._grade_levels[key] = generate.make_grade_levels(seed, slug, year, grade_ids)
                self._codes[key] = generate.make_attendance_codes(seed, slug, year)
                self._pools[key] = attendance.code_pools(self._codes[key])
                built = people.build_year(seed, slug, roster, year, years - 1 - n, grade_ids, creators)
                self._students[key], self._placements[key], self._enrolled[key] = built
                self._known[slug].update(built[2])

    # -- lookups shared with the server (raw objects: callers hold `lock` and must not mutate) --

    def has_school(self, school: str) -> bool:
        return school in self._years

    def year_key(self, school: str, school_year_id: str | None) -> tuple[str, str]:
        """The (school, year id) key; no id means the current year. KeyError when unknown."""
        if school not in self._years:
            raise KeyError(f"unknown school {school!r}")
        if school_year_id is None:
            return school, self.current_school_year(school)["id"]
        key = (school, school_year_id.strip())
        if key not in self._days:
            raise KeyError(f"unknown school year {school_year_id!r} for {school!r}")
        return key

    def raw_district_schools(self) -> Record:
        return {"id": self.district, "schools": self._schools}

    def raw_school_years(self, school: str) -> list[Record]:
        self.year_key(school, None)
        return self._years[school]

    def raw_grade_levels(self, school: str, school_year_id: str | None) -> list[Record]:
        return self._grade_levels[self.year_key(school, school_year_id)]

    def raw_students(self, school: str, school_year_id: str | None) -> list[Record]:
        return self._students[self.year_key(school, school_year_id)]

    def raw_student_grade_levels(self, school: str, school_year_id: str | None) -> Record:
        return {"students": self._placements[self.year_key(school, school_year_id)]}

    def raw_attendance_codes(self, school: str, school_year_id: str | None) -> list[Record]:
        return self._codes[self.year_key(school, school_year_id)]

    def raw_attendance(self, school: str, student_id: str, school_year_id: str | None) -> list[Record]:
        """Generated afresh (safe to mutate). Students of the school not enrolled that year get []."""
        key = self.year_key(school, school_year_id)
        sid = student_id.strip()
        if sid not in self._known[school]:
            raise KeyError(f"unknown student {student_id!r} at {school!r}")
        # Not-activated and graduated records are listed but take no attendance.
        if self._enrolled[key].get(sid) not in ("Active", "Locked"):
            return []
        records = attendance.generate(self.seed, school, sid, key[1], self._days[key], self._pools[key])
        overrides = self._overrides.get((school, sid, key[1]))
        if overrides:
            records = [dict(overrides.get(r["date"], r)) for r in records]
        return records

    # -- ground truth (copies) --

    def school_slugs(self) -> list[str]:
        return [s["id"] for s in self._schools]

    def district_schools(self) -> Record:
        with self.lock:
            return _copy(self.raw_district_schools())

    def school_years(self, school: str) -> list[Record]:
        with self.lock:
            return _copy(self.raw_school_years(school))

    def current_school_year(self, school: str) -> Record:
        return next(y for y in self._years[school] if y["status"] == "Current")

    def grade_levels(self, school: str, school_year_id: str) -> list[Record]:
        with self.lock:
            return _copy(self.raw_grade_levels(school, school_year_id))

    def students(self, school: str, school_year_id: str) -> list[Record]:
        with self.lock:
            return _copy(self.raw_students(school, school_year_id))

    def student_grade_levels(self, school: str, school_year_id: str) -> Record:
        with self.lock:
            return _copy(self.raw_student_grade_levels(school, school_year_id))

    def attendance(self, school: str, student_id: str, school_year_id: str) -> list[Record]:
        with self.lock:
            return self.raw_attendance(school, student_id, school_year_id)

    def attendance_codes(self, school: str, school_year_id: str) -> list[Record]:
        with self.lock:
            return _copy(self.raw_attendance_codes(school, school_year_id))

    def select_years(self, school: str, school_years: Any = "current") -> list[Record]:
        """ "current" (the year with status Current), "all", or a list of year names."""
        years = self._years[school]
        if school_years == "current":
            return [y for y in years if y["status"] == "Current"]
        if school_years == "all":
            return list(years)
        if isinstance(school_years, str):
            raise ValueError(
                f'school_years must be "current", "all" or a list of names, not {school_years!r}'
            )
        names = set(school_years)
        return [y for y in years if y["name"] in names]

    def expected_records(
        self, stream: str, school_years: Any = "current", schools: list[str] | None = None
    ) -> list[Record]:
        from alma_sandbox.expected import expected_records

        with self.lock:
            records = expected_records(self, stream, school_years, schools)
            # Attendance is generated afresh; the rest shares nested lists with what the server serves.
            return records if stream == "attendance" else _copy(records)

    # -- schema drift: Alma adding a field or changing a field's type --

    def set_drift(self, route: str, field: str, value: Any) -> None:
        """Serve `field: value` in every record of `route` (a route template such as "students" or
        "students/{id}/attendance"): a new field, or an existing one with another type. Not in
        `expected_records` (the ground truth stays the undrifted data)."""
        with self.lock:
            self._drift.setdefault(route, {})[field] = value

    def clear_drift(self) -> None:
        with self.lock:
            self._drift.clear()

    def drifted(self, route: str, payload: Any) -> Any:
        """The payload with this route's drift applied to copies of its records (callers hold `lock`)."""
        fields = self._drift.get(route)
        if not fields:
            return payload
        if isinstance(payload, list):
            return [dict(r, **fields) if isinstance(r, dict) else r for r in payload]
        if isinstance(payload, dict):  # district/schools and students/grade-levels wrap their list
            return {k: self.drifted(route, v) if isinstance(v, list) else v for k, v in payload.items()}
        return payload

    # -- mutations between two syncs --

    def rename_student(
        self, school: str, student_id: str, first_name: str | None = None, last_name: str | None = None
    ) -> None:
        """Rename the student in every year's list of `school` it appears in; bumps `modified`."""
        sid = student_id.strip()
        with self.lock:
            found = [
                s
                for y in self.raw_school_years(school)
                for s in self._students[(school, y["id"])]
                if s["id"].strip() == sid
            ]
            if not found:
                raise KeyError(f"unknown student {student_id!r} at {school!r}")
            for record in found:
                if first_name is not None:
                    record["firstName"] = first_name
                if last_name is not None:
                    record["lastName"] = last_name
                record["modified"] = _bump(record["modified"])

    def set_attendance(
        self,
        school: str,
        student_id: str,
        school_year_id: str,
        date: str,
        status: str | None = None,
        status_modifier: Any = _UNSET,
        attendance_code_id: str | None = None,
    ) -> Record:
        """Correct one day's mark; the code follows the status unless given. Returns the new record."""
        sid = student_id.strip()
        with self.lock:
            key = self.year_key(school, school_year_id)
            old = next((r for r in self.raw_attendance(school, sid, key[1]) if r["date"] == date), None)
            if old is None:
                raise KeyError(f"no attendance on {date} for {student_id!r} in {school_year_id!r}")
            code = self._choose_code(key, old, status, status_modifier, attendance_code_id)
            status = status or code["status"]
            modifier = code["statusModifier"] if status_modifier is _UNSET else status_modifier
            changed = dict(
                old,
                attendanceCodeId=code["id"],
                status=status,
                reportedStatus=status,
                statusModifier=modifier,
                modified=_bump(old["modified"]),
            )
            record = {k: changed[k] for k in _ATTENDANCE_KEYS if k in changed}
            if modifier is None:
                del record["statusModifier"]  # Alma leaves the key out rather than sending null
            self._overrides.setdefault((school, sid, key[1]), {})[date] = record
            return dict(record)

    def _choose_code(
        self, key: tuple[str, str], old: Record, status: str | None, modifier: Any, code_id: str | None
    ) -> Record:
        codes = self._codes[key]
        if code_id is not None:
            match = [c for c in codes if c["id"] == code_id.strip()]
        elif status is not None:
            match = [
                c
                for c in codes
                if c["status"] == status and (modifier is _UNSET or c["statusModifier"] == modifier)
            ]
        else:
            match = [c for c in codes if c["id"] == old["attendanceCodeId"]]
        if not match:
            raise KeyError(f"no attendance code for status={status!r} modifier={modifier!r} id={code_id!r}")
        return match[0]
