"""Fixtures: a small fresh sandbox per test and a requests session that speaks Digest to it."""

from collections.abc import Callable, Iterator

import pytest
import requests
from requests.auth import HTTPDigestAuth

from alma_sandbox import Sandbox

SMALL = {"seed": 7, "schools": 2, "students": 30, "years": 2, "days": 20}


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox(**SMALL) as sandbox:
        yield sandbox


@pytest.fixture
def session(sb: Sandbox) -> Iterator[requests.Session]:
    with requests.Session() as s:
        s.auth = HTTPDigestAuth(sb.api_key, sb.api_secret)
        yield s


@pytest.fixture
def get(sb: Sandbox, session: requests.Session) -> Callable[..., requests.Response]:
    """GET a path (e.g. "/v2/maplegrove/students?schoolYearId=...") on the sandbox, authenticated."""

    def _get(path: str, **kwargs: object) -> requests.Response:
        kwargs.setdefault("timeout", 10)
        return session.get(sb.url + path, **kwargs)  # type: ignore[arg-type]

    return _get
