"""Run one command against a local Alma sandbox: start it, export TAP_ALMA_*, run, stop."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from alma_sandbox import Sandbox


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=(
            "Start the Alma sandbox on a free loopback port, run COMMAND with TAP_ALMA_API_URL, "
            "TAP_ALMA_DISTRICT, TAP_ALMA_API_KEY and TAP_ALMA_API_SECRET pointing at it, then stop it."
        ),
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--schools", type=int, default=3)
    parser.add_argument("--students", type=int, default=100, help="students per school")
    parser.add_argument("--years", type=int, default=2)
    parser.add_argument("--days", type=int, default=60, help="school days per year")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND [ARGS...]")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given (put it after --)")

    sandbox = Sandbox(
        seed=args.seed,
        schools=args.schools,
        students=args.students,
        years=args.years,
        days=args.days,
    )
    with sandbox:
        env = dict(os.environ)
        env.update({
            "TAP_ALMA_API_URL": sandbox.url,
            "TAP_ALMA_DISTRICT": sandbox.district,
            "TAP_ALMA_API_KEY": sandbox.api_key,
            "TAP_ALMA_API_SECRET": sandbox.api_secret,
        })
        print(
            f"Alma sandbox: district {sandbox.district!r} at {sandbox.url} "
            f"({args.schools} schools x {args.students} students x {args.years} years x {args.days} days)",
            file=sys.stderr,
        )
        return subprocess.call(command, env=env)


if __name__ == "__main__":
    sys.exit(main())
