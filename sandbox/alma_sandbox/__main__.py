"""`python -m alma_sandbox`: the same as the `alma-sandbox` command."""

import sys

from alma_sandbox.cli import main

sys.exit(main())
