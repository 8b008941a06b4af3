"""The Singer SDK's standard tap tests against the loopback sandbox (all school years)."""

from __future__ import annotations

import json
import os

from singer_sdk.testing import get_tap_test_class

from tap_alma.tap import TapAlma

# Set by conftest.pytest_configure once the session sandbox listens.
SANDBOX_CONFIG = json.loads(os.environ["TAP_ALMA_TESTS_SANDBOX_CONFIG"])

TestTapAlma = get_tap_test_class(tap_class=TapAlma, config=SANDBOX_CONFIG)
