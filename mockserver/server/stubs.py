"""Runtime stubs: response variants added while the mock runs, ahead of the fixtures' own."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from mockserver.catalog.model import ResponseVariant

__all__ = ["Stub", "StubRegistry"]


@dataclass(frozen=True, kw_only=True)
class Stub:
    """A response variant for one endpoint, answering ``times`` calls (None: until reset)."""

    id: str
    endpoint: str
    variant: ResponseVariant
    times: int | None
    spec: dict[str, Any]


class StubRegistry:
    """The live stubs, newest first per endpoint, with their remaining call counts."""

    def __init__(self) -> None:
        self._by_endpoint: dict[str, list[Stub]] = {}
        self._remaining: dict[str, int | None] = {}
        self._ids = itertools.count(1)

    def add(
        self, endpoint: str, variant: ResponseVariant, times: int | None, spec: dict[str, Any]
    ) -> Stub:
        """Register a stub; it takes precedence over older stubs and the fixtures."""
        stub = Stub(
            id=f"stub_{next(self._ids)}", endpoint=endpoint, variant=variant, times=times, spec=spec
        )
        self._by_endpoint.setdefault(endpoint, []).insert(0, stub)
        self._remaining[stub.id] = times
        return stub

    def for_endpoint(self, endpoint: str) -> list[Stub]:
        """The endpoint's live stubs, newest first (an empty list for most endpoints)."""
        return self._by_endpoint.get(endpoint, [])

    def use(self, stub: Stub) -> None:
        """Count one answer by ``stub``; remove it when its calls are used up."""
        remaining = self._remaining.get(stub.id)
        if remaining is None:
            return
        if remaining <= 1:
            self.remove(stub.id)
        else:
            self._remaining[stub.id] = remaining - 1

    def remove(self, stub_id: str) -> bool:
        """Delete a stub by id; False when there is none."""
        if stub_id not in self._remaining:
            return False
        del self._remaining[stub_id]
        for endpoint, stubs in self._by_endpoint.items():
            kept = [s for s in stubs if s.id != stub_id]
            if len(kept) != len(stubs):
                if kept:
                    self._by_endpoint[endpoint] = kept
                else:
                    del self._by_endpoint[endpoint]
                break
        return True

    def describe(self) -> list[dict[str, Any]]:
        """Every live stub as JSON, newest first."""
        stubs = sorted(
            (s for group in self._by_endpoint.values() for s in group),
            key=lambda s: -int(s.id.split("_")[1]),
        )
        return [
            {
                "id": s.id,
                "endpoint": s.endpoint,
                "remaining": self._remaining.get(s.id),
                "stub": s.spec,
            }
            for s in stubs
        ]

    def clear(self) -> None:
        """Remove every stub."""
        self._by_endpoint.clear()
        self._remaining.clear()
