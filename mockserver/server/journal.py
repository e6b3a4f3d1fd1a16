"""The request journal: what clients sent and what the mock answered, bounded in size.

Entries are kept in a deque with a maximum length, so a long run's memory stays flat: the oldest
entries drop first. Entries keep the request as it came; secrets (tokens, passwords, in headers,
query and body) are masked whenever the journal is read, and never leave it unmasked.
"""

from __future__ import annotations

import itertools
import json
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from mockserver.server.redaction import redact_fields, redact_headers

__all__ = ["MAX_BODY_CHARS", "Journal", "JournalEntry", "describe_body"]

#: Longest request body text kept in an entry.
MAX_BODY_CHARS = 65_536


def _timestamp(seconds: float) -> str:
    moment = datetime.fromtimestamp(seconds, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def describe_body(raw: bytes, content_type: str) -> Any:
    """A request body as the journal shows it: parsed JSON or form, text, or a size."""
    if not raw:
        return None
    if content_type == "application/json":
        try:
            return redact_fields(json.loads(raw))
        except (ValueError, UnicodeDecodeError, RecursionError):  # nested past the stack
            pass
    if content_type == "application/x-www-form-urlencoded":
        try:
            pairs = parse_qsl(raw.decode(), keep_blank_values=True)
        except UnicodeDecodeError:
            pairs = []
        if pairs:
            return redact_fields(dict(pairs))
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        return f"<{len(raw)} bytes>"
    if len(text) > MAX_BODY_CHARS:
        return text[:MAX_BODY_CHARS] + f"... <{len(text) - MAX_BODY_CHARS} more characters>"
    return text


@dataclass(kw_only=True, slots=True)
class JournalEntry:
    """One request and the mock's answer (not frozen: a plain __init__ keeps recording cheap;
    nothing changes an entry once recorded)."""

    id: int
    at: float
    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    raw_body: bytes
    content_type: str
    endpoint: str | None
    stub: str | None
    status: int | None
    fault: str | None = None
    near_misses: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The JSON form served by ``GET /__mock/requests``, secrets masked.

        Formatting happens here, when the journal is read, not on the request path.
        """
        out = {
            "id": self.id,
            "time": _timestamp(self.at),
            "method": self.method,
            "path": self.path,
            "query": redact_fields(dict(self.query)),  # ?access_token=... is a secret too
            "headers": redact_headers(self.headers),
            "body": describe_body(self.raw_body, self.content_type),
            "endpoint": self.endpoint,
            "stub": self.stub,
            "status": self.status,
            "fault": self.fault,
        }
        if self.endpoint is None:
            out["near_misses"] = list(self.near_misses)
        return out


@dataclass
class Journal:
    """The most recent ``size`` requests, oldest first."""

    size: int = 1000
    _entries: deque[JournalEntry] = field(init=False)
    _ids: itertools.count[int] = field(init=False)

    def __post_init__(self) -> None:
        self._entries = deque(maxlen=self.size)
        self._ids = itertools.count(1)

    def record(
        self,
        *,
        at: float,
        method: str,
        path: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        raw_body: bytes = b"",
        content_type: str = "",
        endpoint: str | None,
        stub: str | None,
        status: int | None,
        fault: str | None = None,
        near_misses: tuple[str, ...] = (),
    ) -> JournalEntry:
        """Store one entry; the oldest drops when full. ``headers`` and ``query`` must not change
        afterwards (aiohttp's request proxies do not)."""
        entry = JournalEntry(
            id=next(self._ids),
            at=at,
            method=method,
            path=path,
            query=query,
            headers=headers,
            # A little more than describe_body keeps, so it can still say how much was cut.
            raw_body=raw_body[: MAX_BODY_CHARS * 4 + 1],
            content_type=content_type,
            endpoint=endpoint,
            stub=stub,
            status=status,
            fault=fault,
            near_misses=near_misses,
        )
        self._entries.append(entry)
        return entry

    def entries(self) -> list[JournalEntry]:
        """Every kept entry, oldest first."""
        return list(self._entries)

    def unmatched(self) -> list[JournalEntry]:
        """Entries no catalog endpoint matched."""
        return [e for e in self._entries if e.endpoint is None]

    def clear(self) -> None:
        """Forget every entry (ids keep counting)."""
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
