"""The mock's clock: wall time plus an offset that tests can move.

Token issue, expiry and renewal all read this one clock, never a library's own idea of "now",
so a test can expire a token by moving the clock instead of sleeping.
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime

__all__ = ["Clock", "format_rfc3339"]


def format_rfc3339(timestamp: float) -> str:
    """``2025-11-02T14:05:37Z`` for a POSIX timestamp (whole seconds, UTC)."""
    return datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Clock:
    """Wall-clock time shifted by an adjustable offset."""

    def __init__(self) -> None:
        self._offset = 0.0

    def now(self) -> float:
        """Seconds since the epoch, as the mock sees them."""
        return time.time() + self._offset

    def now_rfc3339(self) -> str:
        """The mock's current time as an RFC 3339 UTC string."""
        return format_rfc3339(self.now())

    def advance(self, seconds: float) -> None:
        """Move the clock forward (or back, with a negative number)."""
        if not math.isfinite(seconds):
            raise ValueError(f"seconds must be a finite number, got {seconds!r}")
        self._offset += seconds

    def set(self, timestamp: float) -> None:
        """Make ``now()`` return ``timestamp`` at this instant, then run on from there."""
        if not math.isfinite(timestamp):
            raise ValueError(f"timestamp must be a finite number, got {timestamp!r}")
        self._offset = timestamp - time.time()

    def reset(self) -> None:
        """Back to wall-clock time."""
        self._offset = 0.0
