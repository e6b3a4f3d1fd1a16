"""Secrets never leave the mock: passwords, tokens and keys are masked in the journal and logs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["REDACTED", "redact_fields", "redact_headers"]

REDACTED = "[redacted]"

_SECRET_FIELDS = frozenset(
    {
        "password",
        "current_password",
        "new_password",
        "access_token",
        "refresh_token",
        "id_token",
        "token",
        "client_secret",
        "secret",
        "api_key",
    }
)
_SECRET_HEADERS = frozenset(
    {"cookie", "set-cookie", "proxy-authorization", "x-api-key", "x-mock-control-key"}
)


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers with credentials masked; Authorization keeps its scheme (Bearer [redacted])."""
    out: dict[str, str] = {}
    for name, value in headers.items():
        lower = name.lower()
        if lower == "authorization":
            scheme = value.strip().partition(" ")[0]
            out[name] = f"{scheme} {REDACTED}" if scheme else REDACTED
        elif lower in _SECRET_HEADERS:
            out[name] = REDACTED
        else:
            out[name] = value
    return out


def redact_fields(value: Any) -> Any:
    """A JSON-like value with secret-named fields masked, at any depth."""
    if isinstance(value, Mapping):
        return {
            k: REDACTED if str(k).lower() in _SECRET_FIELDS else redact_fields(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact_fields(v) for v in value]
    return value
