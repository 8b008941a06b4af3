"""Type drift: lossless conversions happen; anything else is one error naming the field, not the value."""

from __future__ import annotations

import decimal

import pytest

from tap_alma import schemas
from tap_alma.drift import AlmaSchemaDriftError, conform, type_checks

ATTENDANCE = type_checks(schemas.ATTENDANCE)
STUDENTS = type_checks(schemas.STUDENTS)
CONTEXT = {"school": "maplegrove", "schoolYearId": "y1"}


@pytest.mark.parametrize(
    ("checks", "field", "sent", "loaded"),
    [
        (STUDENTS, "firstName", 12345, "12345"),
        (STUDENTS, "firstName", decimal.Decimal("1.5"), "1.5"),
        (ATTENDANCE, "minutes", "45", 45),
        (ATTENDANCE, "minutes", decimal.Decimal("45"), 45),
        (ATTENDANCE, "adminLocked", "TRUE", True),
        (STUDENTS, "race", "Asian", ["Asian"]),
        (STUDENTS, "graduationYear", None, None),
        (ATTENDANCE, "minutes", 45, 45),
    ],
)
def test_lossless_conversions(checks, field, sent, loaded):
    record = conform("s", {field: sent}, checks, CONTEXT)
    assert record[field] == loaded
    assert type(record[field]) is type(loaded)


def test_true_is_not_an_integer():
    with pytest.raises(AlmaSchemaDriftError):
        conform("attendance", {"minutes": True}, ATTENDANCE, CONTEXT)


@pytest.mark.parametrize(
    ("field", "sent"),
    [("minutes", "forty"), ("adminLocked", "yes"), ("minutes", decimal.Decimal("4.5")), ("note", {"a": 1})],
)
def test_unconvertible_value_is_one_error_naming_the_field_not_the_value(field, sent):
    with pytest.raises(AlmaSchemaDriftError) as info:
        conform("attendance", {field: sent, "id": "x"}, ATTENDANCE, CONTEXT)
    message = str(info.value)
    assert f"attendance.{field}" in message
    assert "maplegrove" in message
    assert "schemas.py" in message
    assert str(sent) not in message


def test_unknown_fields_are_left_to_the_sdk():
    assert conform("attendance", {"pronouns": 3}, ATTENDANCE, None) == {"pronouns": 3}
