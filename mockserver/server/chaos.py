"""Global chaos: a seeded share of catalog requests fails, so a failing run can be replayed.

With the same seed and the same order of requests, the same requests fail the same way.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from mockserver.catalog.behaviour import CHAOS_FAULTS, DEFAULT_CHAOS_FAULTS
from mockserver.errors import ControlError
from mockserver.server.responses import error_response

__all__ = ["Chaos", "check_faults", "status_fault"]


_STATUS_FAULTS = {
    "429": ("rate_limited", "Too many requests; retry after the time in Retry-After."),
    "500": ("server_error", "The server hit an unexpected error (simulated by the mock's chaos)."),
    "502": ("bad_gateway", "An upstream service answered badly (simulated by the mock's chaos)."),
    "503": ("service_unavailable", "The service is unavailable; retry after Retry-After."),
    "504": ("gateway_timeout", "An upstream service timed out (simulated by the mock's chaos)."),
}


def status_fault(code: str) -> web.Response:
    """The error response chaos sends for an HTTP fault, in the catalog's envelope."""
    error, description = _STATUS_FAULTS[code]
    headers = {"Retry-After": "1"} if code in ("429", "503") else None
    return error_response(int(code), error, description, headers=headers)


def check_faults(faults: Iterable[Any]) -> tuple[str, ...]:
    """Validated fault names; ControlError naming the unknown ones."""
    chosen = tuple(str(f) for f in faults)
    unknown = [f for f in chosen if f not in CHAOS_FAULTS]
    if unknown or not chosen:
        raise ControlError(
            f"faults must be a non-empty list of {', '.join(CHAOS_FAULTS)}; "
            f"unknown: {', '.join(unknown) or 'none given'}"
        )
    return chosen


@dataclass
class Chaos:
    """The probability that a request fails, the faults to pick from, and a seeded generator."""

    probability: float = 0.0
    faults: tuple[str, ...] = DEFAULT_CHAOS_FAULTS
    seed: int = 0
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.configure(self.probability, self.faults, self.seed)

    def configure(self, probability: float, faults: Iterable[str], seed: int) -> None:
        """Set and validate; the generator restarts from ``seed``."""
        if (
            isinstance(probability, bool)
            or not isinstance(probability, int | float)
            or not math.isfinite(probability)
            or not 0 <= probability <= 1
        ):
            raise ControlError(f"probability must be a number from 0 to 1, got {probability!r}")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ControlError(f"seed must be an integer, got {seed!r}")
        self.probability = float(probability)
        self.faults = check_faults(faults)
        self.seed = seed
        self._rng = random.Random(seed)

    def draw(self) -> str | None:
        """The fault for the next request, or None to answer normally."""
        if self.probability <= 0:
            return None
        if self._rng.random() >= self.probability:
            return None
        return self._rng.choice(self.faults)

    def describe(self) -> dict[str, Any]:
        """The settings as JSON."""
        return {"probability": self.probability, "faults": list(self.faults), "seed": self.seed}
