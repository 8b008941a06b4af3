"""alma-sandbox: a local stand-in for the Alma SIS v2 API."""

from alma_sandbox.sandbox import Sandbox

__all__ = ["Sandbox"]
