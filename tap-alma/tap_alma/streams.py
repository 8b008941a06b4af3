"""The Alma streams: district schools, per-school years, and year-scoped school data."""

from __future__ import annotations

import typing as t

from tap_alma import schemas
from tap_alma.client import AlmaStream
from tap_alma.errors import AlmaNotFoundError
from tap_alma.fanout import Progress, bounded_map

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from singer_sdk.helpers.types import Context

COMPLETED = "completed_school_years"


class SchoolsStream(AlmaStream):
    """Schools of the district (only the configured ones when `schools` is set)."""

    name = "schools"
    path = "/v2/{district}/district/schools"
    primary_keys = ("id",)
    records_jsonpath = "$.response.schools[*]"
    schema = schemas.SCHOOLS

    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        """Served from the tap's cache: the school list is read once per run."""
        wanted = set(self._tap.school_slugs())
        return [s for s in self._tap.district_schools() if str(s.get("id", "")).strip() in wanted]


class SchoolYearsStream(AlmaStream):
    """Every school year of each school (all of them, whatever `school_years` selects)."""

    name = "school_years"
    path = "/v2/{school}/school-years"
    primary_keys = ("school", "id")  # ids are per school: two schools can hold the same id
    schema = schemas.SCHOOL_YEARS
    state_partitioning_keys: t.ClassVar[list[str]] = []

    @property
    def partitions(self) -> list[dict[str, t.Any]]:
        """One partition per school."""
        return [{"school": school} for school in self._tap.school_slugs()]

    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        """Served from the tap's cache: each school's years are read once per run."""
        # No context: a district without schools (the SDK then calls once with none).
        return self._tap.school_years(context["school"]) if context else []


class _YearScopedStream(AlmaStream):
    """Partitioned by (school, schoolYearId); completed closed years are kept in state and skipped.

    State: `bookmarks.<stream>.completed_school_years = {school: [schoolYearId, ...]}`. A year
    is added only after every record of the partition was emitted, and only if it is closed
    (status not `Current`): the current year changes, and Alma has no modified-since filter.
    """

    # One state entry per stream, not one per partition: the custom key lives there.
    state_partitioning_keys: t.ClassVar[list[str]] = []

    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        """Every year-scoped endpoint filters by `schoolYearId`."""
        return {"schoolYearId": context["schoolYearId"]} if context else {}

    def _completed(self) -> dict[str, list[str]]:
        completed: dict[str, list[str]] = self.stream_state.setdefault(COMPLETED, {})
        return completed

    @property
    def partitions(self) -> list[dict[str, t.Any]]:
        """Selected years of each school, minus closed years already completed (fixed per run).

        Computed once: the SDK asks again after the sync, when this run's years are completed.
        """
        if getattr(self, "_partitions", None) is None:
            self._partitions = self._plan_partitions()
        return self._partitions

    def _plan_partitions(self) -> list[dict[str, t.Any]]:
        done = self._completed()
        result = []
        for school in self._tap.school_slugs():
            for year in self._tap.selected_years(school):
                if year["id"] in done.get(school, []) and not self._tap.is_current(year):
                    self.logger.info(
                        "%s: skipping closed school year %s of %s (completed in an earlier run)",
                        self.name,
                        year.get("name"),
                        school,
                    )
                    continue
                result.append({"school": school, "schoolYearId": year["id"]})
        return result

    def fetch_partition(self, context: Context) -> Iterable[dict[str, t.Any]]:
        """Raw records of one (school, year); streams with a fan-out override this."""
        return self.request_records(context)

    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        """Yield the partition, then record a closed year as completed."""
        if not context:
            return  # every selected year was skipped: the SDK then calls once with no context
        self._partition_complete = True
        count = 0
        for record in self.fetch_partition(context):
            count += 1
            yield record
        school, year_id = context["school"], context["schoolYearId"]
        year = self._tap.school_year(school, year_id)
        self.logger.info("%s: %d records for %s, school year %s", self.name, count, school, year.get("name"))
        # Reached only after the SDK wrote the last record: the year is fully emitted.
        if self._partition_complete and not self._tap.is_current(year):
            years = self._completed().setdefault(school, [])
            if year_id not in years:
                years.append(year_id)
                self.state_manager.is_flushed = False
                # STATE now, after the year's last record, not only at the stream's end: a run killed
                # later keeps this year (the SDK alone writes state per stream or per 10,000 records).
                self._write_state_message()


class GradeLevelsStream(_YearScopedStream):
    """Grade levels of a school year; effective-dated, so an id can repeat."""

    name = "grade_levels"
    path = "/v2/{school}/grade-levels"
    primary_keys = ("school", "schoolYearId", "id", "effectiveDate")
    schema = schemas.GRADE_LEVELS


class StudentsStream(_YearScopedStream):
    """Students of a school year (a student appears once per school and year)."""

    name = "students"
    path = "/v2/{school}/students"
    primary_keys = ("school", "schoolYearId", "id")
    schema = schemas.STUDENTS

    def fetch_partition(self, context: Context) -> Iterable[dict[str, t.Any]]:
        """Shared with attendance through the tap, so the list is read once per year."""
        return self._tap.year_students(context["school"], context["schoolYearId"], self.name)


class StudentGradeLevelsStream(_YearScopedStream):
    """Grade placements, one row per `students[].gradeLevels[]` entry."""

    name = "student_grade_levels"
    path = "/v2/{school}/students/grade-levels"
    primary_keys = ("school", "schoolYearId", "studentId", "id")
    records_jsonpath = "$.response.students[*]"
    schema = schemas.STUDENT_GRADE_LEVELS

    def fetch_partition(self, context: Context) -> Iterable[dict[str, t.Any]]:
        """Flatten each student's placements, carrying the student id."""
        for student in self.request_records(context):
            for placement in student.get("gradeLevels") or []:
                yield {**placement, "studentId": str(student.get("id", "")).strip()}


class AttendanceCodesStream(_YearScopedStream):
    """Attendance codes of a school year."""

    name = "attendance_codes"
    path = "/v2/{school}/attendance-codes"
    primary_keys = ("school", "schoolYearId", "id")
    schema = schemas.ATTENDANCE_CODES


class AttendanceStream(_YearScopedStream):
    """Daily attendance: one request per student, up to `max_concurrency` in flight.

    Not an SDK child stream: that would emit one SCHEMA message per student. The student id
    stays out of the request context so METRIC log lines never carry it.
    """

    name = "attendance"
    path = "/v2/{school}/students/{studentId}/attendance"
    primary_keys = ("school", "schoolYearId", "studentId", "id")
    schema = schemas.ATTENDANCE

    def fetch_partition(self, context: Context) -> Iterable[dict[str, t.Any]]:
        """Fan out over the year's students; yield each student's days as they arrive."""
        school, year_id = context["school"], context["schoolYearId"]
        students = self._tap.year_students(school, year_id, self.name)
        student_ids = list(dict.fromkeys(str(s.get("id", "")).strip() for s in students))
        year_name = self._tap.school_year(school, year_id).get("name")
        progress = Progress(self.logger, f"attendance {school} {year_name}", len(student_ids))
        send = self.request_decorator(self._request)

        def fetch(student_id: str) -> list[dict[str, t.Any]] | None:
            url = self.get_url({**context, "studentId": student_id})
            request = self.build_prepared_request(
                method="GET", url=url, params={"schoolYearId": year_id}, headers=self.http_headers
            )
            try:
                return list(self.parse_response(send(request, context)))
            except AlmaNotFoundError:
                return None

        pool, workers = self._tap.worker_pool()
        self.logger.info(
            "attendance %s %s: %d students, up to %d requests in flight",
            school,
            year_name,
            len(student_ids),
            workers,
        )
        for student_id, result in bounded_map(fetch, student_ids, pool=pool, window=2 * workers):
            days = result or []
            if result is None:
                self.logger.warning(
                    "attendance: HTTP 404 for student %s in %s, school year %s; skipped "
                    "(the year stays open in state so a later run retries it)",
                    student_id,
                    school,
                    year_name,
                )
                self._partition_complete = False
            progress.tick(len(days))
            for day in days:
                yield {**day, "studentId": student_id}
        progress.finish()
