"""JSON error responses in the catalog's envelope, and RFC 6750 bearer challenges."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from mockserver.catalog.templating import dump_json

__all__ = [
    "bearer_challenge",
    "error_response",
    "header_safe",
    "json_response",
    "validation_error",
]

_JSON = "application/json"


def json_response(
    payload: Any, *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """A compact JSON response."""
    return web.Response(body=dump_json(payload), status=status, headers=headers, content_type=_JSON)


def error_response(
    status: int,
    code: str,
    description: str,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> web.Response:
    """An error in the one envelope of every 4xx/5xx: ``error`` and ``error_description``."""
    return json_response(
        {"error": code, "error_description": description, **extra}, status=status, headers=headers
    )


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def header_safe(value: str) -> str:
    """A header value with control characters percent-encoded, so request data rendered into a
    header (``Location: /teams/{{ path.team_id }}``) can never split or inject headers."""
    return _CONTROL.sub(lambda m: f"%{ord(m.group()):02X}", value)


def validation_error(problems: list[dict[str, str]]) -> web.Response:
    """422 ``validation_failed`` with one ``details`` entry (location, field, message) each."""
    return error_response(
        422, "validation_failed", "The request has invalid fields.", details=problems
    )


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def bearer_challenge(
    realm: str,
    error: str | None = None,
    description: str | None = None,
    scope: str | None = None,
) -> str:
    """A ``WWW-Authenticate: Bearer`` value (RFC 6750 §3)."""
    parts = [f"realm={_quoted(realm)}"]
    if error:
        parts.append(f"error={_quoted(error)}")
    if description:
        parts.append(f"error_description={_quoted(description)}")
    if scope:
        parts.append(f"scope={_quoted(scope)}")
    return "Bearer " + ", ".join(parts)
