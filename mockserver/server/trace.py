"""What happened to one catalog request, noted as it is answered and read by the journal.

The dispatcher puts one ``Trace`` on each catalog request; the handlers fill it in. One object
read by attribute costs less than several optional request keys (a missing key is a KeyError
inside aiohttp's Mapping-based ``Request.get``), and every request pays for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

__all__ = ["TRACE", "Trace"]


@dataclass(slots=True)
class Trace:
    """The endpoint that matched, the runtime stub that answered, the fault performed, and the
    near misses of an unmatched request."""

    endpoint: str | None = None
    stub: str | None = None
    fault: str | None = None
    near_misses: tuple[str, ...] | None = None


TRACE = web.RequestKey("coherta_mock_trace", Trace)
