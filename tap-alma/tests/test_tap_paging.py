"""The rel=next safety net: Alma has never been seen to page, but a next link must not be ignored."""

from __future__ import annotations

from urllib.parse import urlparse

import requests
from singer_sdk.streams.rest import PageContext

from tap_alma.client import AlmaLinksPaginator
from tap_alma.tap import TapAlma


def _response(payload) -> requests.Response:
    response = requests.Response()
    response.status_code = 200
    response.alma_payload = payload
    return response


def test_next_link_as_object_or_list():
    paginator = AlmaLinksPaginator()
    as_object = {"response": [], "_links": {"rel": "next", "href": "/v2/s/students?page=2"}}
    as_list = {"response": [], "_links": [{"rel": "self", "href": "/x"}, {"rel": "next", "href": "/y?p=3"}]}
    assert paginator.get_next_url(_response(as_object)) == "/v2/s/students?page=2"
    assert paginator.get_next_url(_response(as_list)) == "/y?p=3"


def test_no_next_link_means_one_page():
    paginator = AlmaLinksPaginator()
    self_only = {"response": [], "_links": {"rel": "self", "href": "/p"}}
    assert paginator.get_next_url(_response(self_only)) is None
    assert paginator.get_next_url(_response({"response": []})) is None


def test_next_link_replaces_url_and_query(sb):
    stream = TapAlma(config=sb.tap_config(), parse_env_config=False).streams["students"]
    context = {"school": "s1", "schoolYearId": "y1"}
    first = stream.get_http_request(page=PageContext(stream_context=context, next_page_token=None))
    assert first.url == f"{sb.url}/v2/s1/students"
    assert first.params == {"schoolYearId": "y1"}
    token = urlparse("/v2/s1/students?schoolYearId=y1&page=2")
    second = stream.get_http_request(page=PageContext(stream_context=context, next_page_token=token))
    assert second.url == f"{sb.url}/v2/s1/students"
    assert second.params == {"schoolYearId": "y1", "page": "2"}
