"""Base Alma stream: URL, Digest auth, envelope, response validation, retries, id hygiene."""

from __future__ import annotations

import datetime
import decimal
import json
import random
import sys
import typing as t
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qsl, urljoin

import backoff
import requests
from requests.hooks import default_hooks
from singer_sdk import RESTStream
from singer_sdk.exceptions import RetriableAPIError
from singer_sdk.helpers._typing import _is_exclusive_boolean_type
from singer_sdk.helpers.jsonpath import extract_jsonpath
from singer_sdk.mapper import SameRecordTransform
from singer_sdk.pagination import BaseHATEOASPaginator

from tap_alma.drift import Checks, conform, type_checks
from tap_alma.errors import AlmaAuthError, AlmaNotFoundError, AlmaRequestError

if t.TYPE_CHECKING:
    from collections.abc import Generator, Iterable

    from singer_sdk.helpers.types import Context
    from singer_sdk.streams.rest import PageContext

    from tap_alma.tap import TapAlma

# Context keys the tap adds to records; a student id must never reach a METRIC log line.
CONTEXT_KEYS = ("school", "schoolYearId", "studentId")
_PRIVATE_CONTEXT_KEYS = frozenset({"studentId"})


def payload_of(response: requests.Response) -> t.Any:
    """Return the JSON body parsed once by `AlmaStream.validate_response`."""
    payload = getattr(response, "alma_payload", None)
    if payload is None:
        payload = response.json(parse_float=decimal.Decimal)
    return payload


def retry_after_seconds(exc: BaseException | None) -> float | None:
    """Seconds from a 429/503 `Retry-After` header (delta-seconds or HTTP date), if any."""
    response = getattr(exc, "response", None)
    if response is None:
        return None
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
        date_header = response.headers.get("Date")
        now = parsedate_to_datetime(date_header) if date_header else None
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - now).total_seconds()) if now else None


class AlmaLinksPaginator(BaseHATEOASPaginator):
    """Follows a `_links` entry with rel=next; Alma has never been seen to send one (a safety net)."""

    def get_next_url(self, response: requests.Response) -> str | None:
        """Return the href of a rel=next link (`_links` is an object or a list)."""
        payload = payload_of(response)
        links = payload.get("_links") if isinstance(payload, dict) else None
        if isinstance(links, dict):
            links = [links]
        for link in links or []:
            if isinstance(link, dict) and link.get("rel") == "next" and link.get("href"):
                return str(link["href"])
        return None


class AlmaStream(RESTStream):
    """Shared behaviour of every Alma v2 endpoint."""

    _tap: TapAlma
    records_jsonpath = "$.response[*]"

    # Retry policy defaults; the settings retry_max_tries, retry_wait_base and retry_wait_max
    # override them (tests may also shrink these class attributes).
    max_tries = 5
    backoff_base_seconds = 1.0
    backoff_max_seconds = 30.0
    retry_after_max_seconds = 300.0

    def _retry_setting(self, name: str, default: float) -> float:
        value = self.config.get(name)
        return default if value is None else float(value)  # number settings arrive as Decimal

    @property
    def tries(self) -> int:
        """Tries per request in all (`retry_max_tries`, default 5)."""
        return int(self._retry_setting("retry_max_tries", self.max_tries))

    @property
    def url_base(self) -> str:
        """`api_url` if set, else `https://{district}.api.getalma.com`."""
        return self._tap.base_url

    @property
    def authenticator(self) -> requests.auth.AuthBase:
        """One `HTTPDigestAuth` per tap: it keeps a nonce per thread and reuses it (nc > 1)."""
        return self._tap.digest_auth

    @property
    def requests_session(self) -> requests.Session:
        """A session per thread, shared by all streams: requests does not promise thread safety."""
        return self._tap.thread_session()

    @property
    def timeout(self) -> float:  # type: ignore[override]
        """Per-request timeout from `request_timeout` (settings arrive as Decimal)."""
        return float(self.config.get("request_timeout", 60))

    @property
    def http_headers(self) -> dict[str, t.Any]:
        """Alma answers JSON, or problem+json for errors."""
        return {"Accept": "application/json, application/problem+json"}

    def get_new_paginator(self) -> AlmaLinksPaginator:
        """Alma returns whole lists; only follow an explicit rel=next link."""
        return AlmaLinksPaginator()

    def get_http_request(self, *, page: PageContext) -> t.Any:
        """Swap in the next-link URL and its query when the paginator found one."""
        request = super().get_http_request(page=page)
        token = page.next_page_token
        if token:
            request.url = urljoin(
                self.url_base, f"{token.scheme}://{token.netloc}{token.path}" if token.netloc else token.path
            )
            request.params = dict(parse_qsl(token.query))
        return request

    # -- requests ---------------------------------------------------------------------------

    def build_prepared_request(self, *args: t.Any, **kwargs: t.Any) -> requests.PreparedRequest:
        """Prepare without auth: `_request` signs each attempt itself."""
        request = requests.Request(*args, **kwargs)
        request.headers.setdefault("User-Agent", self.user_agent)
        return self.requests_session.prepare_request(request)

    def _request(
        self,
        prepared_request: requests.PreparedRequest,
        context: Context | None,
    ) -> requests.Response:
        """Sign this attempt, send once, log the METRIC line without student ids, validate.

        Each retry needs a fresh Digest header: resending the same one replays its nonce count,
        which a server must refuse. (The SDK would also apply the auth twice per request.)
        """
        attempt = prepared_request.copy()
        attempt.hooks = default_hooks()  # copy() shares the hooks dict; auth adds one per call
        attempt.prepare_auth(self.authenticator)
        response = self.requests_session.send(
            attempt,
            timeout=self.timeout,
            allow_redirects=self.allow_redirects,
        )
        self._write_request_duration_log(
            endpoint=self.path, response=response, context=context, extra_tags=None
        )
        self.validate_response(response)
        return response

    def _write_request_duration_log(
        self,
        endpoint: str,
        response: requests.Response,
        context: Context | None,
        extra_tags: dict[str, t.Any] | None,
    ) -> None:
        safe = {k: v for k, v in (context or {}).items() if k not in _PRIVATE_CONTEXT_KEYS}
        super()._write_request_duration_log(endpoint, response, safe or None, extra_tags)

    def validate_response(self, response: requests.Response) -> None:
        """401 fatal at once, 404 reported, 429/5xx and broken JSON retried, other 4xx fatal."""
        status = response.status_code
        if status == 401:
            raise AlmaAuthError(self._tap.auth_error_message())
        if status == 404:
            msg = f"404 Not Found for {self.error_url(response.url)}"
            raise AlmaNotFoundError(msg)
        if status == 429 or status >= 500:
            raise RetriableAPIError(f"HTTP {status} {response.reason}", response)
        if 400 <= status < 500:
            msg = f"HTTP {status} {response.reason} for {self.error_url(response.url)}"
            raise AlmaRequestError(msg)
        try:
            # Parsed here, inside the retry loop, so a truncated body is retried like a 5xx.
            response.alma_payload = response.json(parse_float=decimal.Decimal)  # type: ignore[attr-defined]
        except ValueError as exc:
            raise RetriableAPIError("malformed JSON body", response) from exc

    def parse_response(self, response: requests.Response) -> Iterable[dict[str, t.Any]]:
        """Records from the `{"response": ...}` envelope."""
        yield from extract_jsonpath(self.records_jsonpath, input=payload_of(response))

    @staticmethod
    def error_url(url: str | None) -> str:
        """The full URL for error messages: Alma URLs carry no credentials (Digest uses headers)."""
        return url or "<unknown URL>"

    # -- retries ----------------------------------------------------------------------------

    def backoff_max_tries(self) -> int:
        """Bounded: after this many tries the sync fails naming the URL."""
        return self.tries

    def backoff_jitter(self, value: float) -> float:
        """Jitter is applied inside `backoff_wait_generator` (full jitter, Retry-After exact)."""
        return value

    def backoff_wait_generator(self) -> Generator[float, BaseException | None, None]:
        """Exponential backoff with full jitter; a `Retry-After` header wins when present."""
        base = self._retry_setting("retry_wait_base", self.backoff_base_seconds)
        cap = self._retry_setting("retry_wait_max", self.backoff_max_seconds)
        attempt = 0
        exc = yield  # type: ignore[misc]  # primed by backoff with send(None)
        while True:
            retry_after = retry_after_seconds(exc)
            if retry_after is not None:
                # Retry-After is honoured even above retry_wait_max (Alma asked for it), up to 300 s.
                wait = min(retry_after, self.retry_after_max_seconds)
            else:
                ceiling = min(cap, base * 2**attempt)
                wait = random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not crypto
            attempt += 1
            exc = yield wait

    def backoff_handler(self, details: t.Any) -> None:
        """One WARNING per retry, naming the endpoint template (no ids) and the reason."""
        exc = details.get("exception")
        self.logger.warning(
            "Retrying %s in %.1fs (try %d of %d): %s",
            self.path,
            details.get("wait") or 0.0,
            details.get("tries"),
            self.tries,
            _reason(exc, detail=False),
        )

    def request_decorator(self, func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        """Backoff on transient failures, then one fatal error naming the URL.

        Built here rather than by the SDK so that backoff's own INFO lines (which would print
        URLs holding student ids) stay off: `logger=None`, and `backoff_handler` reports instead.
        """
        retrying = backoff.on_exception(
            self.backoff_wait_generator,
            (
                RetriableAPIError,
                requests.exceptions.Timeout,
                requests.exceptions.ConnectionError,
                requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError,
                ConnectionResetError,
            ),
            max_tries=self.backoff_max_tries,
            on_backoff=self.backoff_handler,
            jitter=self.backoff_jitter,
            logger=None,
        )(func)

        def call(prepared_request: requests.PreparedRequest, context: Context | None) -> t.Any:
            try:
                return retrying(prepared_request, context)
            except (RetriableAPIError, requests.exceptions.RequestException, OSError) as exc:
                msg = (
                    f"Giving up on GET {self.error_url(prepared_request.url)} after "
                    f"{self.tries} tries: {_reason(exc, detail=True)}"
                )
                raise AlmaRequestError(msg) from exc

        return call

    # -- records ----------------------------------------------------------------------------

    _fast_path: tuple[frozenset[str], frozenset[str]] | bool | None = None

    def _write_record_message(self, record: dict[str, t.Any]) -> None:
        """RECORD straight to stdout when the SDK's per-record work would leave it unchanged.

        The SDK path (deselection, type conformance, stream maps, a RecordMessage object,
        simplejson, a flush per line) costs tens of microseconds per record. A record whose keys
        are all in the schema and whose values are plain JSON scalars comes out of that path
        unchanged, so it is serialised here with the stdlib encoder; anything else takes the SDK path.
        """
        fast = self._fast_path
        if fast is None:
            fast = self._fast_path = self._fast_path_scope()
        if fast and _is_plain(record, *fast):  # type: ignore[misc]
            write_record_line(self.name, record)
            self.state_manager.is_flushed = False
            return
        super()._write_record_message(record)

    def _fast_path_scope(self) -> tuple[frozenset[str], frozenset[str]] | bool:
        """Schema keys and boolean-only keys, or False when maps, flattening or deselection apply."""
        maps = self.stream_maps
        if (
            len(maps) != 1
            or type(maps[0]) is not SameRecordTransform
            or maps[0].flattening_enabled
            or maps[0].stream_alias != self.name
            or self._stream_version is not None
        ):
            return False
        properties = self.effective_schema.get("properties", {})
        if not all(self.mask.get(("properties", name), True) for name in properties):
            return False
        booleans = frozenset(n for n, p in properties.items() if _is_exclusive_boolean_type(p))
        return frozenset(properties), booleans

    def _process_record(
        self,
        record: dict[str, t.Any],
        child_context: Context | None = None,
        partition_context: Context | None = None,
    ) -> None:
        """No child streams here: only add the partition keys (skips the SDK's child-context loop)."""
        if self.child_streams:
            super()._process_record(record, child_context, partition_context)
            return
        for key, val in (partition_context or {}).items():
            if key not in record:
                record[key] = val


    def post_process(self, row: dict[str, t.Any], context: Context | None = None) -> dict[str, t.Any] | None:
        """Add context fields, trim ids, null empty dates, convert (or stop on) drifted types."""
        record = dict(row)
        for key in CONTEXT_KEYS:
            if context and key in context:
                record[key] = context[key]
        record = clean_record(record, self._blank_to_null_fields)
        checks: Checks | None = getattr(self, "_type_checks_cache", None)
        if checks is None:
            checks = self._type_checks_cache = type_checks(self.schema)
        return conform(self.name, record, checks, context)

    @property
    def _blank_to_null_fields(self) -> frozenset[str]:
        """Top-level date/date-time fields: Alma sends "" for a missing dob."""
        cached = getattr(self, "_blank_fields_cache", None)
        if cached is None:
            cached = frozenset(
                name
                for name, prop in self.schema.get("properties", {}).items()
                if prop.get("format") in {"date", "date-time"}
            )
            self._blank_fields_cache = cached
        return cached


_ID_KEYS: dict[str, bool] = {}


def is_id_key(key: str) -> bool:
    """Ids and foreign keys: `id`, `*Id`, `*Ids`, plus `creator` (a user id) and `school` (a slug)."""
    known = _ID_KEYS.get(key)
    if known is None:
        known = _ID_KEYS[key] = key in {"id", "creator", "school"} or key.endswith(("Id", "Ids"))
    return known

class _Plan:
    """Which keys of a stream's records need work: ids to trim, dates to null when blank."""

    __slots__ = ("dates", "ids", "known")

    def __init__(self) -> None:
        self.known: set[str] = set()
        self.ids: list[str] = []
        self.dates: list[str] = []

    def learn(self, keys: t.Iterable[str], date_fields: frozenset[str]) -> None:
        for key in keys:
            if key not in self.known:
                self.known.add(key)
                if is_id_key(key):
                    self.ids.append(key)
                elif key in date_fields:
                    self.dates.append(key)


_PLANS: dict[frozenset[str], _Plan] = {}
_MISSING = object()


def clean_record(record: dict[str, t.Any], date_fields: frozenset[str]) -> dict[str, t.Any]:
    """Trim whitespace around ids (also inside id lists); map "" dates to None.

    Only the keys that need work are visited (learned per set of date fields, i.e. per stream),
    not every key of every record.
    """
    plan = _PLANS.get(date_fields)
    if plan is None:
        plan = _PLANS[date_fields] = _Plan()
    if not record.keys() <= plan.known:
        plan.learn(record, date_fields)
    for key in plan.ids:
        value = record.get(key, _MISSING)
        if value is _MISSING:
            continue
        if isinstance(value, str):
            record[key] = value.strip()
        elif isinstance(value, list):
            record[key] = [v.strip() if isinstance(v, str) else v for v in value]
    for key in plan.dates:
        value = record.get(key)
        if isinstance(value, str) and not value.strip():
            record[key] = None
    return record

def _reason(exc: BaseException | None, *, detail: bool) -> str:
    """Why a try failed; transport errors name only their type unless `detail` (URLs hold ids)."""
    if isinstance(exc, RetriableAPIError):
        return str(exc)
    name = type(exc).__name__
    return f"{name}: {exc}" if detail and str(exc) else name


_NONE = type(None)
_encode = json.JSONEncoder(separators=(",", ":")).encode
_UTC = datetime.timezone.utc


def _is_plain(record: dict[str, t.Any], keys: frozenset[str], booleans: frozenset[str]) -> bool:
    """Keys all in the schema; values str, bool or None, or int outside boolean-only properties."""
    for key, value in record.items():
        if key not in keys:
            return False
        kind = type(value)
        if kind is str or kind is _NONE or kind is bool:
            continue
        if kind is int and key not in booleans:
            continue
        return False
    return True


_PENDING: list[str] = []
_PENDING_MAX = 512
_EXTRACTED = ""


def write_record_line(stream: str, record: dict[str, t.Any]) -> None:
    """The SDK's RECORD line (same keys, same order), written in batches instead of one flush each.

    `flush_records` runs before every message the SDK writes (SCHEMA, STATE) and at the end of
    the sync, so records never fall behind the messages that follow them.
    """
    global _EXTRACTED  # noqa: PLW0603
    if not _PENDING:  # one timestamp per batch of lines: they were extracted within milliseconds
        _EXTRACTED = datetime.datetime.now(_UTC).isoformat()
    _PENDING.append(
        _encode({"type": "RECORD", "stream": stream, "record": record, "time_extracted": _EXTRACTED})
    )
    if len(_PENDING) >= _PENDING_MAX:
        flush_records()


def flush_records() -> None:
    """Write the pending RECORD lines to stdout in one call."""
    if _PENDING:
        sys.stdout.write("\n".join(_PENDING) + "\n")
        _PENDING.clear()
        sys.stdout.flush()
