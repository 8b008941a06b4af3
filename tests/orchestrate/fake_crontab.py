"""A stand-in for `crontab -l` / `crontab -` that keeps the table in a file (ORCHESTRATE_CRONTAB points here)."""

from __future__ import annotations

import sys
from pathlib import Path


def main(table: str, action: str) -> int:
    path = Path(table)
    if action == "-l":
        if not path.exists():
            print("no crontab for tester", file=sys.stderr)
            return 1
        sys.stdout.write(path.read_text())
        return 0
    if action == "-":
        path.write_text(sys.stdin.read())
        return 0
    print(f"fake crontab: unsupported action {action!r}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
