"""`alma-sandbox`: run the Alma stand-in until SIGTERM or Ctrl-C, or around one command (`-- COMMAND`)."""

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from alma_sandbox import defaults
from alma_sandbox.sandbox import Sandbox


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="alma-sandbox",
        description="A local Alma SIS v2 API on 127.0.0.1: Digest auth, the response envelope, the recorded "
        "quirks, deterministic synthetic data (invented people), latency, faults and request counters.",
        epilog=f"The API secret comes from ${defaults.SECRET_ENV_VAR} or the sandbox's fixed fake default "
        "(alma_sandbox.defaults); it is never printed. Control routes (no auth): GET /_sandbox/counters, "
        "POST /_sandbox/counters/reset, POST /_sandbox/faults, POST /_sandbox/latency.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument(
        "--port", type=int, default=defaults.CLI_PORT, help="TCP port on 127.0.0.1; 0 lets the OS choose"
    )
    p.add_argument(
        "--seed", type=int, default=defaults.SEED, help="data seed: the same seed serves the same bytes"
    )
    p.add_argument("--schools", type=int, default=defaults.SCHOOLS, help="number of schools in the district")
    p.add_argument(
        "--students", type=int, default=defaults.STUDENTS, help="students per school (current year)"
    )
    p.add_argument("--years", type=int, default=defaults.YEARS, help="school years; the last is Current")
    p.add_argument("--days", type=int, default=defaults.DAYS, help="school days (weekdays) per year")
    p.add_argument("--district", default=defaults.DISTRICT, help="district slug; also the Digest realm")
    p.add_argument("--api-key", default=defaults.SANDBOX_API_KEY, help="API key (the Digest username)")
    p.add_argument(
        "--latency-ms", type=float, default=defaults.LATENCY_MS, help="latency added to every request"
    )
    p.add_argument(
        "--nonce-ttl",
        type=float,
        default=defaults.NONCE_TTL,
        help="seconds before a Digest nonce is stale (401 with stale=true)",
    )
    p.add_argument(
        "--ready-file",
        type=Path,
        help='write {"url", "district", "pid"} here once listening (removed on exit)',
    )
    p.add_argument(
        "command",
        nargs=argparse.REMAINDER,
        help="-- COMMAND [ARGS...]: run COMMAND with TAP_ALMA_API_URL, TAP_ALMA_DISTRICT, TAP_ALMA_API_KEY "
        "and TAP_ALMA_API_SECRET pointing at the sandbox, then stop and exit with COMMAND's exit code",
    )
    return p


def run_against(sandbox: Sandbox, command: list[str]) -> int:
    """Run one command (e.g. `meltano run ...`) with tap-alma's settings pointing at this sandbox."""
    env = dict(os.environ)
    env.update(
        TAP_ALMA_API_URL=sandbox.url,
        TAP_ALMA_DISTRICT=sandbox.district,
        TAP_ALMA_API_KEY=sandbox.api_key,
        TAP_ALMA_API_SECRET=sandbox.api_secret,
    )
    return subprocess.call(command, env=env)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    secret = os.environ.get(defaults.SECRET_ENV_VAR) or defaults.SANDBOX_API_SECRET
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    sandbox = Sandbox(
        seed=args.seed,
        schools=args.schools,
        students=args.students,
        years=args.years,
        days=args.days,
        district=args.district,
        api_key=args.api_key,
        api_secret=secret,
        latency_ms=args.latency_ms,
        nonce_ttl=args.nonce_ttl,
        port=args.port,
    )
    with sandbox:
        if args.ready_file:
            tmp = args.ready_file.with_name(args.ready_file.name + ".tmp")
            tmp.write_text(json.dumps({"url": sandbox.url, "district": sandbox.district, "pid": os.getpid()}))
            tmp.replace(args.ready_file)  # atomic: a reader never sees half a file
        print(
            f"alma-sandbox listening on {sandbox.url} (district {sandbox.district}, "
            f"schools {', '.join(sandbox.data.school_slugs())})",
            flush=True,
        )
        command = args.command[1:] if args.command[:1] == ["--"] else args.command
        try:
            if command:
                return run_against(sandbox, command)
            while not stop.wait(0.5):
                pass
        finally:
            if args.ready_file:
                args.ready_file.unlink(missing_ok=True)
    print("alma-sandbox stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
