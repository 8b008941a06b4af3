"""Errors that end a sync with one clear line instead of a traceback."""

from __future__ import annotations

from singer_sdk.exceptions import FatalAPIError


class AlmaError(Exception):
    """Base class: the CLI prints the message alone and exits non-zero."""


class AlmaConfigError(AlmaError):
    """A setting names something that does not exist (school slug, school year, URL)."""


class AlmaAuthError(AlmaError, FatalAPIError):
    """Alma kept answering 401 after a Digest challenge: the credentials are wrong."""


class AlmaNotFoundError(AlmaError, FatalAPIError):
    """Alma answered 404; callers decide whether that is fatal (attendance: skip the student)."""


class AlmaRequestError(AlmaError, FatalAPIError):
    """A request failed for good: the retry budget is spent, or a 4xx that retrying cannot fix."""
