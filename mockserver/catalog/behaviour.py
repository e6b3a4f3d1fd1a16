"""Realistic misbehaviour declared on response variants: delays, faults and scenario rules."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "CHAOS_FAULTS",
    "DEFAULT_CHAOS_FAULTS",
    "FAULTS",
    "MAX_DELAY",
    "Delay",
    "Fault",
    "ScenarioRule",
]

Fault = Literal["connection_reset", "empty_reply", "truncated_body", "no_reply"]
FAULTS: tuple[Fault, ...] = ("connection_reset", "empty_reply", "truncated_body", "no_reply")
#: Every fault global chaos can pick: HTTP errors and connection faults.
CHAOS_FAULTS: tuple[str, ...] = ("429", "500", "502", "503", "504", *FAULTS)
#: What chaos picks from unless told otherwise (no_reply is left out: it stalls clients).
DEFAULT_CHAOS_FAULTS: tuple[str, ...] = (
    "429",
    "500",
    "503",
    "connection_reset",
    "empty_reply",
    "truncated_body",
)

#: No delay is longer than this many seconds, whatever a distribution draws.
MAX_DELAY = 600.0


@dataclass(frozen=True, kw_only=True)
class Delay:
    """Seconds to wait before answering: fixed, uniform, or lognormal (WireMock's shapes)."""

    kind: Literal["fixed", "uniform", "lognormal"]
    a: float
    b: float = 0.0

    @classmethod
    def from_spec(cls, spec: Any) -> Delay:
        """From the fixture form: ``0.2``, ``{uniform: [0.1, 0.5]}``, ``{lognormal: {...}}``."""
        if isinstance(spec, int | float) and not isinstance(spec, bool):
            return cls(kind="fixed", a=float(spec))
        if "uniform" in spec:
            low, high = (float(v) for v in spec["uniform"])
            if high < low:
                raise ValueError(f"uniform delay: the maximum {high} is below the minimum {low}")
            return cls(kind="uniform", a=low, b=high)
        shape = spec["lognormal"]
        return cls(kind="lognormal", a=float(shape["median"]), b=float(shape["sigma"]))

    @classmethod
    def parse(cls, text: str) -> Delay:
        """From a setting: ``0.05``, ``uniform:0.01,0.05`` or ``lognormal:0.08,0.4`` (seconds)."""
        kind, _, values = text.strip().partition(":")
        try:
            if not values:
                return cls._checked(cls(kind="fixed", a=float(kind)))
            first, second = (float(v) for v in values.split(","))
        except ValueError:
            raise ValueError(
                f"latency must be SECONDS, uniform:MIN,MAX or lognormal:MEDIAN,SIGMA; got {text!r}"
            ) from None
        if kind == "uniform":
            return cls._checked(cls(kind="uniform", a=first, b=second))
        if kind == "lognormal":
            return cls._checked(cls(kind="lognormal", a=first, b=second))
        raise ValueError(f"latency kind must be uniform or lognormal, got {kind!r}")

    @staticmethod
    def _checked(delay: Delay) -> Delay:
        numbers = (delay.a, delay.b)
        if any(not math.isfinite(n) or n < 0 for n in numbers) or delay.a > MAX_DELAY:
            raise ValueError(f"latency values must be between 0 and {MAX_DELAY:g} seconds")
        if delay.kind == "uniform" and delay.b < delay.a:
            raise ValueError("uniform latency: the maximum is below the minimum")
        return delay

    def sample(self, rng: random.Random) -> float:
        """One delay in seconds, capped at MAX_DELAY."""
        if self.kind == "fixed":
            value = self.a
        elif self.kind == "uniform":
            value = rng.uniform(self.a, self.b)
        else:
            value = rng.lognormvariate(math.log(self.a), self.b)
        return min(max(value, 0.0), MAX_DELAY)

    def describe(self) -> Any:
        """The fixture form back."""
        if self.kind == "fixed":
            return self.a
        if self.kind == "uniform":
            return {"uniform": [self.a, self.b]}
        return {"lognormal": {"median": self.a, "sigma": self.b}}


@dataclass(frozen=True, kw_only=True)
class ScenarioRule:
    """WireMock's scenario model: answer only in ``state`` (if given), then move to ``next``."""

    name: str
    state: str | None = None
    next: str | None = None
