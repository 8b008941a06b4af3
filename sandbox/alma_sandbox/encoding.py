"""JSON bodies as Alma's PHP backend writes them: ASCII-only, escaped slashes, `"` as \\u0022."""

import json
import re
from typing import Any

# One JSON escape sequence; scanning pairs left to right keeps `\\"` (backslash, quote) intact.
_ESCAPE = re.compile(r"\\.")


def _php_escape(match: re.Match[str]) -> str:
    return r"\u0022" if match.group() == '\\"' else match.group()


def encode(payload: Any) -> bytes:
    """Compact JSON like PHP's json_encode: parses to the same value, but the bytes differ from json.dumps."""
    text = json.dumps(payload, ensure_ascii=True, separators=(",", ":"))
    # Outside strings JSON has no backslashes or slashes, so both rewrites only touch string contents.
    text = _ESCAPE.sub(_php_escape, text).replace("/", "\\/")
    return text.encode("ascii")
