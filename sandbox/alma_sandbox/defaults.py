"""Default options and the sandbox's fixed, obviously fake credentials."""

# Shaped like real Alma credentials (20 uppercase alphanumerics; ~56 base64 chars) so clients that
# validate formats accept them, but plainly fake: base64 of "sandbox-fake-secret-never-a-real-one-XYZ".
SANDBOX_API_KEY = "SANDBOXFAKEAPIKEY001"
SANDBOX_API_SECRET = "c2FuZGJveC1mYWtlLXNlY3JldC1uZXZlci1hLXJlYWwtb25lLVhZWg=="
SECRET_ENV_VAR = "ALMA_SANDBOX_API_SECRET"

DISTRICT = "sandboxdistrict"
SEED = 1
SCHOOLS = 2
STUDENTS = 50
YEARS = 2
DAYS = 20
LATENCY_MS = 0
NONCE_TTL = 300.0
PORT = 0
CLI_PORT = 8765

# The current school year starts on this Monday. Fixed (not "today") so the same seed gives
# byte-identical data on any day; older years start one year earlier each.
CURRENT_YEAR_START = "2025-08-18"
