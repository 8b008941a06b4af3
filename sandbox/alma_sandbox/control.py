"""Unauthenticated /_sandbox/ routes: counters, faults, latency and mutations for out-of-process use."""

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult, parse_qs

if TYPE_CHECKING:
    from alma_sandbox.server import Handler


def _counters(sb: Any, _: dict[str, Any]) -> Any:
    rows = [
        {"route": r, "status": s, "count": n} for (r, s), n in sorted(sb.counters.snapshot().items(), key=str)
    ]
    return {"counters": rows, "total": sb.counters.total()}


def _reset_counters(sb: Any, _: dict[str, Any]) -> Any:
    sb.counters.reset()
    return {"ok": True}


def _add_fault(sb: Any, body: dict[str, Any]) -> Any:
    if body.get("clear"):
        sb.faults.clear()
    else:
        sb.faults.add(**body)
    return {"ok": True, "faults": sb.faults.list()}


def _set_latency(sb: Any, body: dict[str, Any]) -> Any:
    sb.latency_ms = float(body["latency_ms"])
    return {"ok": True, "latency_ms": sb.latency_ms}


def _rename(sb: Any, body: dict[str, Any]) -> Any:
    sb.data.rename_student(**body)
    return {"ok": True}


def _set_attendance(sb: Any, body: dict[str, Any]) -> Any:
    return {"ok": True, "record": sb.data.set_attendance(**body)}


def _drift(sb: Any, body: dict[str, Any]) -> Any:
    if body.get("clear"):
        sb.data.clear_drift()
    else:
        sb.data.set_drift(body["route"], body["field"], body["value"])
    return {"ok": True}


def _expected(sb: Any, query: dict[str, list[str]]) -> Any:
    years: Any = query.get("school_years", ["current"])
    if len(years) == 1 and years[0] in ("current", "all"):
        years = years[0]
    stream = query["stream"][0]
    return {"records": sb.data.expected_records(stream, years, query.get("schools"))}


_ROUTES = {
    ("GET", "/_sandbox/counters"): _counters,
    ("POST", "/_sandbox/counters/reset"): _reset_counters,
    ("GET", "/_sandbox/faults"): lambda sb, _: {"faults": sb.faults.list()},
    ("POST", "/_sandbox/faults"): _add_fault,
    ("GET", "/_sandbox/latency"): lambda sb, _: {"latency_ms": sb.latency_ms},
    ("POST", "/_sandbox/latency"): _set_latency,
    ("POST", "/_sandbox/rename-student"): _rename,
    ("POST", "/_sandbox/set-attendance"): _set_attendance,
    ("POST", "/_sandbox/drift"): _drift,
    ("GET", "/_sandbox/expected"): _expected,
}


def handle(handler: "Handler", split: SplitResult) -> None:
    action = _ROUTES.get((handler.command, split.path))
    if action is None:
        handler.send_json(404, {"error": f"no control route {handler.command} {split.path}"})
        return
    try:
        if handler.command == "GET":
            arg: Any = parse_qs(split.query)
        else:
            arg = json.loads(handler.request_body or b"{}")
            if not isinstance(arg, dict):
                raise ValueError("the body must be a JSON object")
        result = action(handler.server.sandbox, arg)
    except (KeyError, TypeError, ValueError) as exc:
        handler.send_json(400, {"error": f"{type(exc).__name__}: {exc}"})
        return
    handler.send_json(200, result)
