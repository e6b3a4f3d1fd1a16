"""One recorded exchange: the request the recorder forwarded and the answer the target gave."""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from typing import Any

__all__ = ["MAX_DECODED_BYTES", "NO_JSON", "Exchange", "decode_content", "parse_json"]

#: Largest body the recorder decompresses to record; the client still gets the whole answer.
MAX_DECODED_BYTES = 16 * 1024 * 1024


class _NoJson:
    """The marker of a body that is absent or not JSON."""

    def __repr__(self) -> str:
        return "NO_JSON"


NO_JSON: Any = _NoJson()


@dataclass(frozen=True, kw_only=True)
class Exchange:
    """A forwarded request and the target's answer, as the recorder keeps them."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    bearer: bool = False
    request_json: Any = NO_JSON
    status: int
    response_headers: tuple[tuple[str, str], ...] = ()
    # The body without its Content-Encoding; None when it could not be decoded.
    response_body: bytes | None = b""

    def response_header(self, name: str) -> str | None:
        """The first response header called ``name`` (case-insensitive), if any."""
        lower = name.lower()
        return next((v for k, v in self.response_headers if k.lower() == lower), None)


def _is_json_type(content_type: str) -> bool:
    mime = content_type.split(";")[0].strip().lower()
    return mime == "application/json" or mime.endswith("+json")


def parse_json(content_type: str | None, body: bytes) -> Any:
    """The JSON value of a body sent as JSON, or ``NO_JSON``."""
    if not body or content_type is None or not _is_json_type(content_type):
        return NO_JSON
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return NO_JSON


def decode_content(encoding: str | None, body: bytes) -> bytes | None:
    """``body`` without its Content-Encoding (gzip, deflate); None when that is not possible."""
    name = (encoding or "identity").strip().lower()
    if name in ("", "identity"):
        return body
    if name in ("gzip", "x-gzip"):
        wbits = 16 + zlib.MAX_WBITS
    elif name == "deflate":
        # RFC 9110's deflate is zlib-wrapped; some servers send it raw, which -MAX_WBITS reads.
        wbits = zlib.MAX_WBITS if body[:1] == b"\x78" else -zlib.MAX_WBITS
    else:
        return None
    decoder = zlib.decompressobj(wbits)
    try:
        out = decoder.decompress(body, MAX_DECODED_BYTES)
    except zlib.error:
        return None
    # A body that decompresses past the limit is not recorded rather than held in memory whole.
    return None if decoder.unconsumed_tail else out
