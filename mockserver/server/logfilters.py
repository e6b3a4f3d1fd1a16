"""Log filters that keep request data out of the log.

aiohttp's HTTP parser refuses malformed requests (a header over the field-size limit, request
smuggling shapes, bad chunk sizes) before any handler runs, and logs each refusal on the
``aiohttp.server`` logger at ERROR with a traceback whose message quotes the offending bytes: the
first bytes of an oversized ``Authorization: Bearer`` token, for one. ``install_log_redaction``
rewrites those records into one line that names the client, the error class and the status, and
drops the traceback. Other records pass unchanged.

``RedactingAccessLogger`` is aiohttp's access logger with secret query parameters
(``?access_token=...``, ``?password=...``) masked in the logged request line, as the journal
masks them.
"""

from __future__ import annotations

import logging

from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_log import AccessLogger
from aiohttp.web_request import BaseRequest
from aiohttp.web_response import StreamResponse

from mockserver.server.redaction import REDACTED, redact_fields

__all__ = [
    "PARSER_LOGGER",
    "ParserErrorRedactor",
    "RedactingAccessLogger",
    "install_log_redaction",
    "redact_query",
]

#: The logger aiohttp's request handler reports parser errors on.
PARSER_LOGGER = "aiohttp.server"


class ParserErrorRedactor(logging.Filter):
    """Turns parser-error records into one line without the request's bytes or a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record when it carries an HTTP parser error; never drop a record."""
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, HttpProcessingError):
            remote = record.args[0] if isinstance(record.args, tuple) and record.args else "?"
            record.msg = "refused a malformed request from %s: %s (status %s)"
            record.args = (remote, type(exc).__name__, exc.code)
            record.exc_info = None
            record.exc_text = None
            # A client's malformed request is not the server's error.
            record.levelno = logging.WARNING
            record.levelname = logging.getLevelName(logging.WARNING)
        return True


def install_log_redaction(logger: logging.Logger | None = None) -> ParserErrorRedactor:
    """Add the redacting filter to ``logger`` (``aiohttp.server`` by default), once."""
    target = logger or logging.getLogger(PARSER_LOGGER)
    for existing in target.filters:
        if isinstance(existing, ParserErrorRedactor):
            return existing
    redactor = ParserErrorRedactor()
    target.addFilter(redactor)
    return redactor


def redact_query(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Query parameters with the values of secret-named ones (the journal's list) masked."""
    secret = redact_fields({name: "" for name, _ in pairs})
    return [(name, REDACTED if secret[name] == REDACTED else value) for name, value in pairs]


class RedactingAccessLogger(AccessLogger):
    """aiohttp's access logger, with secret query parameters masked in the request line."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        """Log as aiohttp does, from a copy of the request whose secret parameters are masked."""
        pairs = list(request.query.items())
        masked = redact_query(pairs)
        if masked != pairs:
            request = request.clone(rel_url=request.rel_url.with_query(masked))
        super().log(request, response, time)
