"""The alma-sandbox command: documented options, --ready-file, clean stop on SIGTERM."""

import json
import os
import signal
import subprocess
import sys
import time

import requests

from alma_sandbox import defaults

OPTIONS = [
    "--port",
    "--seed",
    "--schools",
    "--students",
    "--years",
    "--days",
    "--district",
    "--api-key",
    "--latency-ms",
    "--nonce-ttl",
    "--ready-file",
]


def test_help_documents_every_option():
    out = subprocess.run(
        [sys.executable, "-m", "alma_sandbox", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for option in OPTIONS:
        assert option in out
    assert defaults.SECRET_ENV_VAR in out


def test_starts_writes_the_ready_file_serves_and_stops_on_sigterm(tmp_path):
    ready = tmp_path / "alma.json"
    env = dict(os.environ, **{defaults.SECRET_ENV_VAR: "a-test-secret"})
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "alma_sandbox",
            "--port",
            "0",
            "--schools",
            "1",
            "--students",
            "5",
            "--days",
            "3",
            "--ready-file",
            str(ready),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 10
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        info = json.loads(ready.read_text())
        assert info["district"] == defaults.DISTRICT and info["pid"] == proc.pid
        auth = requests.auth.HTTPDigestAuth(defaults.SANDBOX_API_KEY, "a-test-secret")
        assert (
            requests.get(f"{info['url']}/v2/{info['district']}/ping", auth=auth, timeout=10).status_code
            == 200
        )
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert info["url"] in out and "a-test-secret" not in out + err
    assert not ready.exists()


def test_runs_one_command_against_itself_and_returns_its_exit_code(tmp_path):
    out = tmp_path / "seen.txt"
    script = f'printf "%s %s %s" "$TAP_ALMA_DISTRICT" "$TAP_ALMA_API_URL" "$TAP_ALMA_API_KEY" > {out}; exit 7'
    proc = subprocess.run(
        [sys.executable, "-m", "alma_sandbox", "--port", "0", "--district", "cmddistrict", "--schools", "1",
         "--students", "2", "--years", "1", "--days", "1", "--", "sh", "-c", script],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 7
    district, url, key = out.read_text().split(" ")
    assert district == "cmddistrict"
    assert url.startswith("http://127.0.0.1:") and url in proc.stdout
    assert key == defaults.SANDBOX_API_KEY
    assert defaults.SANDBOX_API_SECRET not in proc.stdout + proc.stderr
