"""Time limits for the tests.

pytest-timeout bounds every test (``timeout`` in pyproject.toml; ``scripts/test`` scales
it for its slow passes), and prints the stacks of every thread when one runs out.  The
fixtures that talk to an engine when a test ends get a limit of their own, so a
teardown that hangs fails with its own name rather than as the whole test's timeout:
``teardown_limit()`` on trio, and TEARDOWN through the loop of the integration bodies
on asyncio and with the blocking client (``tests/integration/harness.py``).
``DOCKPROTO_TEST_TIME_SCALE`` (default 1) scales these limits, as ``scripts/test`` does
for the ASan and pure-Python passes.
"""

from __future__ import annotations

import os
from contextlib import AbstractContextManager

import trio

SCALE = float(os.environ.get("DOCKPROTO_TEST_TIME_SCALE", "1"))
TEARDOWN = 60 * SCALE  # seconds: a teardown removes a few containers, closes a pool


def teardown_limit() -> AbstractContextManager[trio.CancelScope]:
    """A cancel scope for a fixture's teardown: ``trio.TooSlowError`` past TEARDOWN."""
    return trio.fail_after(TEARDOWN)
