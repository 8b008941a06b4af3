"""Schema drift: a value of another type than the schema's is converted when lossless, else the run stops.

Loaders trust the schema: target-duckdb fails on `"forty"` in an integer column (printing the whole CSV
row, i.e. a student's record, into the log) and silently reads `"yes"` as true. So the tap decides first.
New fields are not handled here: the SDK drops them with one message per stream.
"""

from __future__ import annotations

import decimal
import re
import typing as t

from tap_alma.errors import AlmaError

_PYTHON_TYPES: dict[str, frozenset[type]] = {
    "string": frozenset({str}),
    "integer": frozenset({int}),
    "number": frozenset({int, float, decimal.Decimal}),
    "boolean": frozenset({bool}),
    "array": frozenset({list}),
    "object": frozenset({dict}),
}
_JSON_NAMES = {
    str: "string",
    int: "integer",
    float: "number",
    decimal.Decimal: "number",
    bool: "boolean",
    list: "array",
    dict: "object",
}
_INTEGER = re.compile(r"-?\d+")
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")
_FAILED = object()


class AlmaSchemaDriftError(AlmaError):
    """Alma sent a field in a type the tap cannot convert without losing or inventing data."""


Checks = dict[str, tuple[frozenset[type], tuple[str, ...]]]


def type_checks(schema: dict[str, t.Any]) -> Checks:
    """Top-level property -> (accepted Python types, JSON type names), for fields with a declared type."""
    checks: Checks = {}
    for name, prop in schema.get("properties", {}).items():
        declared = prop.get("type")
        names = tuple(n for n in ([declared] if isinstance(declared, str) else declared or []) if n != "null")
        if names:
            checks[name] = (frozenset().union(*(_PYTHON_TYPES.get(n, frozenset()) for n in names)), names)
    return checks


def conform(
    stream: str, record: dict[str, t.Any], checks: Checks, context: t.Mapping[str, t.Any] | None
) -> dict[str, t.Any]:
    """Convert drifted values in place, or raise one error naming the field (never the value).

    Conversions: number -> string, numeric string -> number, "true"/"false" -> boolean, a string
    into a one-item array. The value may be a student's data, so it never reaches the message.
    """
    for key, value in record.items():
        check = checks.get(key)
        if value is None or check is None or type(value) in check[0]:
            continue
        converted = _convert(value, check[1])
        if converted is _FAILED:
            got = _JSON_NAMES.get(type(value), type(value).__name__)
            keys = ("school", "schoolYearId")
            where = ", ".join(f"{k} {context[k]}" for k in keys if context and k in context)
            msg = (
                f"Alma changed the type of {stream}.{key}: got {got}, the schema expects "
                f"{' or '.join(check[1])} ({where or 'district'}). Stopped rather than load it "
                "wrongly: extend tap_alma/schemas.py (the value is not shown: it may be a student's data)."
            )
            raise AlmaSchemaDriftError(msg)
        record[key] = converted
    return record


def _convert(value: t.Any, names: tuple[str, ...]) -> t.Any:  # noqa: PLR0911 - one branch per target type
    for name in names:
        if name == "string" and isinstance(value, (int, float, decimal.Decimal)):
            return str(value).lower() if isinstance(value, bool) else str(value)
        if name == "integer":
            if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
                return int(value)
            if isinstance(value, decimal.Decimal) and value == value.to_integral_value():
                return int(value)
        if name == "number" and isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
            return decimal.Decimal(value.strip())
        if name == "boolean" and isinstance(value, str) and value.strip().lower() in {"true", "false"}:
            return value.strip().lower() == "true"
        if name == "array" and isinstance(value, str):  # every array here holds strings
            return [value]
    return _FAILED
