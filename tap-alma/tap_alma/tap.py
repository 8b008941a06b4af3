"""TapAlma: settings, school and school-year scoping, and caches shared by the streams."""

from __future__ import annotations

import json
import re
import sys
import threading
import typing as t
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from urllib.parse import urlsplit

import requests
from singer_sdk import Tap
from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError
from singer_sdk.singerlib.encoding import SimpleSingerWriter

from tap_alma import streams
from tap_alma.client import AlmaStream, flush_records
from tap_alma.errors import AlmaConfigError, AlmaError

if t.TYPE_CHECKING:
    from singer_sdk.streams import Stream

Record = dict[str, t.Any]

STREAM_TYPES = (
    streams.SchoolsStream,
    streams.SchoolYearsStream,
    streams.GradeLevelsStream,
    streams.StudentsStream,
    streams.StudentGradeLevelsStream,
    streams.AttendanceStream,
    streams.AttendanceCodesStream,
)


# Seconds as a number or a numeric string: Meltano 4.4 cannot write `kind: decimal` settings
# (Decimal is not JSON serializable), so meltano.yml passes these through as strings.
# oneOf, not anyOf: the SDK appends a bare "null" to an anyOf list, and jsonschema then crashes
# (AttributeError) on any value the other branches reject; to oneOf it appends {"type": "null"}.
SECONDS = th.CustomType(
    {"oneOf": [{"type": "number", "minimum": 0}, {"type": "string", "pattern": r"^\s*\d*\.?\d+\s*$"}]}
)


# `config['name']`, `config["name"]` or `config.get('name'...)` inside a stream map expression.
_CONFIG_REFERENCE = re.compile(r"""\bconfig\s*(?:\[\s*|\.get\(\s*)['"]([^'"]+)['"]""")


class AlmaWriter(SimpleSingerWriter):
    """The SDK's writer; first flushes the RECORD lines the streams batch (client.write_record_line)."""

    def write_message(self, message: t.Any) -> None:
        """Pending records first, so every message keeps its place in the output."""
        flush_records()
        super().write_message(message)


class TapAlma(Tap):
    """Singer tap for the Alma K-12 SIS (getalma.com), API v2."""

    name = "tap-alma"
    message_writer_class = AlmaWriter

    config_jsonschema = th.PropertiesList(
        th.Property(
            "api_key",
            th.StringType,
            required=True,
            secret=True,
            title="API key",
            description="Alma API key (the HTTP Digest username).",
        ),
        th.Property(
            "api_secret",
            th.StringType,
            required=True,
            secret=True,
            title="API secret",
            description="Alma auth secret (the HTTP Digest password).",
        ),
        th.Property(
            "district",
            th.StringType,
            required=True,
            title="District",
            description="The Alma subdomain: the base URL is https://{district}.api.getalma.com, "
            "and /v2/{district}/district/schools lists its schools.",
        ),
        th.Property(
            "api_url",
            th.StringType,
            title="API URL",
            description="Overrides the base URL (http or https and a host), e.g. a local "
            "sandbox at http://127.0.0.1:PORT.",
        ),
        th.Property(
            "schools",
            th.ArrayType(th.StringType),
            title="Schools",
            description="School slugs to extract. Default: every school of the district.",
        ),
        th.Property(
            "school_years",
            # A string is "current", "all" or a JSON list (Meltano passes the setting as a string);
            # checked in `school_years_choice`. oneOf: see SECONDS.
            th.CustomType({"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}),
            default="current",
            title="School years",
            description='"current" (each school\'s year with status Current), "all", or a '
            'list of school year names such as ["2024-2025"].',
        ),
        th.Property(
            "max_concurrency",
            th.IntegerType(minimum=1, maximum=64),
            default=4,
            title="Max concurrency",
            description="Most requests in flight at once (the per-student attendance fan-out).",
        ),
        th.Property(
            "request_timeout",
            th.NumberType(exclusive_minimum=0),
            default=60,
            title="Request timeout",
            description="Per-request timeout in seconds.",
        ),
        # No schema defaults for the retry policy: unset means AlmaStream's class defaults.
        th.Property(
            "retry_max_tries",
            th.IntegerType(minimum=1, maximum=20),
            title="Retry max tries",
            description="Tries per request in all before the run stops naming the URL (default 5).",
        ),
        th.Property(
            "retry_wait_base",
            SECONDS,
            title="Retry wait base",
            description="Seconds before the first retry; doubled per retry, with full jitter (default 1).",
        ),
        th.Property(
            "retry_wait_max",
            SECONDS,
            title="Retry wait max",
            description="Longest backoff wait in seconds (default 30); a Retry-After header is "
            "honoured up to 300 s.",
        ),
    ).to_dict()

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        # Run-scoped caches: each list is read once per run, whichever stream asks first.
        self._district_schools: list[Record] | None = None
        self._school_slugs: list[str] | None = None
        self._school_years: dict[str, list[Record]] = {}
        self._year_students: dict[tuple[str, str], tuple[list[Record], set[str]]] = {}
        self._local = threading.local()
        self._pool: ThreadPoolExecutor | None = None
        self._workers = 1
        super().__init__(*args, **kwargs)

    def discover_streams(self) -> list[Stream]:
        """All seven streams."""
        return [stream_type(tap=self) for stream_type in STREAM_TYPES]

    def _fetch(self, stream_name: str, context: Record | None) -> list[Record]:
        """Every raw record of one request (and its next links) through a stream's machinery."""
        stream = self.streams[stream_name]
        assert isinstance(stream, AlmaStream)  # noqa: S101 - all streams are AlmaStreams
        return list(stream.request_records(context))

    # -- connection -------------------------------------------------------------------------

    @cached_property
    def base_url(self) -> str:
        """`api_url` (validated) or the district's Alma host."""
        url = (self.config.get("api_url") or "").strip().rstrip("/")
        if not url:
            return f"https://{self.config['district']}.api.getalma.com"
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            msg = f"Setting api_url must be an http(s) URL with a host, e.g. https://host:443; got {url!r}"
            raise AlmaConfigError(msg)
        return url

    @cached_property
    def digest_auth(self) -> requests.auth.HTTPDigestAuth:
        """Cached so each thread keeps its nonce; requests re-challenges on 401 / stale=true."""
        return requests.auth.HTTPDigestAuth(self.config["api_key"], self.config["api_secret"])

    def thread_session(self) -> requests.Session:
        """This thread's session (connection reuse without sharing a Session across threads)."""
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def worker_pool(self) -> tuple[ThreadPoolExecutor, int]:
        """One pool per run, so each worker thread does its Digest handshake only once."""
        if self._pool is None:
            self._workers = max(1, int(self.config.get("max_concurrency", 4)))
            self._pool = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="tap-alma")
        return self._pool, self._workers

    def auth_error_message(self) -> str:
        """One line naming the URL and the settings to check, never the secret."""
        return (
            f"Alma rejected the credentials for district '{self.config.get('district')}' at "
            f"{self.base_url} (HTTP 401 after the Digest challenge): check the settings api_key "
            "and api_secret (env TAP_ALMA_API_KEY / TAP_ALMA_API_SECRET)."
        )

    def school_years_choice(self) -> str | list[str]:
        """`school_years` as "current", "all" or a list of names (a JSON list string is parsed)."""
        value = self.config.get("school_years") or "current"
        if isinstance(value, str):
            text = value.strip()
            if text.lower() in {"current", "all"}:
                return text.lower()
            try:
                value = json.loads(text)
            except ValueError:
                value = None
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                msg = (
                    'Setting school_years must be "current", "all" or a JSON list of school year names '
                    f'such as ["2024-2025"] (env TAP_ALMA_SCHOOL_YEARS); got {text!r}'
                )
                raise AlmaConfigError(msg)
        return [str(v) for v in value]

    def check_settings(self) -> None:
        """Settings that need no request: district, api_url, school_years, stream map values."""
        if not str(self.config.get("district") or "").strip():
            msg = (
                "Setting district is empty: set it to the Alma subdomain, e.g. mydistrict for "
                "https://mydistrict.api.getalma.com (env TAP_ALMA_DISTRICT)."
            )
            raise AlmaConfigError(msg)
        _ = self.base_url  # validates api_url
        self.school_years_choice()
        self.check_stream_map_config()

    def _validate_config(self, *args: t.Any, **kwargs: t.Any) -> list[str]:
        """Name the env var of a missing required setting (the SDK says only "'x' is a required property")."""
        try:
            return super()._validate_config(*args, **kwargs)
        except ConfigValidationError as exc:
            errors = [_explain_config_error(error) for error in exc.errors]
            raise ConfigValidationError(str(exc), errors=errors, schema=exc.schema) from exc

    def check_stream_map_config(self) -> None:
        """A stream map reading `config['x']` needs a non-empty `stream_map_config.x`.

        The de-identified extractor hashes with `config['hash_salt']`: an unset salt would
        otherwise hash with "" (Meltano expands a missing env var to an empty string).
        """
        values = self.config.get("stream_map_config") or {}
        wanted = {
            name
            for stream_map in (self.config.get("stream_maps") or {}).values()
            if isinstance(stream_map, dict)
            for expression in stream_map.values()
            if isinstance(expression, str)
            for name in _CONFIG_REFERENCE.findall(expression)
        }
        if missing := sorted(n for n in wanted if not str(values.get(n) or "").strip()):
            msg = (
                f"Setting stream_maps reads config[...] {', '.join(missing)} but stream_map_config has no "
                f"value for it: set stream_map_config.{missing[0]} (for tap-alma-deidentified: env "
                "TAP_ALMA_DEIDENTIFIED_HASH_SALT); refusing to hash with an empty salt."
            )
            raise AlmaConfigError(msg)

    # -- scoping (cached: fetched once per run, not once per stream) ------------------------

    def district_schools(self) -> list[dict[str, t.Any]]:
        """Raw `/v2/{district}/district/schools` records."""
        if self._district_schools is None:
            self._district_schools = self._fetch("schools", None)
        return self._district_schools

    def school_slugs(self) -> list[str]:
        """Configured schools (checked against the district) or every school of the district."""
        if self._school_slugs is None:
            known = [str(s.get("id", "")).strip() for s in self.district_schools()]
            wanted = [s.strip() for s in self.config.get("schools") or []]
            if unknown := [s for s in wanted if s not in known]:
                msg = (
                    f"Unknown school slug(s) in setting schools: {', '.join(unknown)}. "
                    f"District '{self.config['district']}' has: {', '.join(known) or '(none)'}."
                )
                raise AlmaConfigError(msg)
            self._school_slugs = list(dict.fromkeys(wanted)) or known
        return self._school_slugs

    def school_years(self, school: str) -> list[dict[str, t.Any]]:
        """Raw `/v2/{school}/school-years` records, one request per school per run."""
        if school not in self._school_years:
            self._school_years[school] = self._fetch("school_years", {"school": school})
        return self._school_years[school]

    def school_year(self, school: str, year_id: str) -> dict[str, t.Any]:
        """One school year by (trimmed) id."""
        for year in self.school_years(school):
            if str(year.get("id", "")).strip() == year_id:
                return year
        return {"id": year_id}

    @staticmethod
    def is_current(year: dict[str, t.Any]) -> bool:
        """Alma marks the open year `Current`; everything else is closed."""
        return str(year.get("status", "")).strip().lower() == "current"

    def selected_years(self, school: str) -> list[dict[str, t.Any]]:
        """Years chosen by `school_years`, as `{"id": trimmed id, ...}` dicts."""
        years = [{**y, "id": str(y.get("id", "")).strip()} for y in self.school_years(school)]
        choice = self.school_years_choice()
        if choice == "all":
            return years
        if choice == "current":
            return [y for y in years if self.is_current(y)]
        wanted = {str(name).strip() for name in choice}
        return [y for y in years if str(y.get("name", "")).strip() in wanted]

    def check_scope(self) -> None:
        """Fail before any output on bad credentials, unknown school slugs or year names.

        A listed year name only has to exist in one of the schools: schools may name years
        differently ("2024-2025" vs "2024-2025 SY"), and each school reads the names it has.
        """
        choice = self.school_years_choice()  # before any request: a malformed value needs none
        schools = self.school_slugs()
        if isinstance(choice, str):  # "current" or "all"; the schema allows nothing else
            return
        names = {str(y.get("name", "")).strip() for s in schools for y in self.school_years(s)}
        if unknown := [str(n).strip() for n in choice if str(n).strip() not in names]:
            msg = (
                f"Unknown school year name(s) in setting school_years: {', '.join(unknown)}. "
                f"Available: {', '.join(sorted(names)) or '(none)'}."
            )
            raise AlmaConfigError(msg)

    def year_students(self, school: str, year_id: str, consumer: str) -> list[dict[str, t.Any]]:
        """Raw students of a year, fetched once for both `students` and `attendance`.

        Kept only until the other selected consumer has read it, so memory does not grow
        with the number of school years.
        """
        cache = self._year_students
        key = (school, year_id)
        if key in cache:
            records, waiting = cache[key]
            waiting.discard(consumer)
            if not waiting:
                del cache[key]
            return records
        records = self._fetch("students", {"school": school, "schoolYearId": year_id})
        waiting = {
            name for name in ("students", "attendance") if name != consumer and self.streams[name].selected
        }
        if waiting:
            cache[key] = (records, waiting)
        return records

    # -- run --------------------------------------------------------------------------------

    # Overrides the SDK's @final sync_all on purpose: the scope check must run before any stream
    # writes its SCHEMA message, and the worker pool must be closed after the last stream.
    def sync_all(self) -> None:  # type: ignore[misc]
        """Check scope first (URL, credentials, school slugs, year names), then sync."""
        try:
            self.check_settings()
            self.check_scope()
            super().sync_all()
        finally:
            flush_records()
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None

    @classmethod
    def invoke(cls, *args: t.Any, **kwargs: t.Any) -> None:
        """Print Alma errors as one line (no traceback) and exit non-zero."""
        try:
            super().invoke(*args, **kwargs)
        except AlmaError as exc:
            cls.logger.error("%s", exc)
            sys.exit(1)


def _explain_config_error(error: str) -> str:
    """Turn "'district' is a required property" into what the setting is and its env var."""
    match = re.fullmatch(r"'(\w+)' is a required property", error.strip())
    if not match:
        return f"Setting error: {error}"
    name = match.group(1)
    about = TapAlma.config_jsonschema["properties"].get(name, {}).get("description", "")
    return f"Setting {name} is required (env TAP_ALMA_{name.upper()}): {about}"


if __name__ == "__main__":
    TapAlma.cli()
