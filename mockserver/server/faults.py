"""Faults a real network and a struggling upstream produce, performed on the live connection.

Each fault is seen by the client as its own error: a reset is a TCP RST (``ECONNRESET``), an
empty reply is a connection closed before any byte, a truncated body is a response shorter than
its ``Content-Length``, and no reply is silence until the client gives up (bounded: after
``NO_REPLY_SECONDS`` the connection is closed).
"""

from __future__ import annotations

import asyncio
import socket
import struct

from aiohttp import web

from mockserver.catalog.behaviour import Fault
from mockserver.server.trace import TRACE

__all__ = ["NO_REPLY_SECONDS", "FaultPerformed", "perform_fault"]

#: The longest a no_reply fault keeps a connection open.
NO_REPLY_SECONDS = 120.0


class FaultPerformed(Exception):
    """Raised after a fault closed the connection: there is no response to send."""


def _reset(request: web.Request) -> None:
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        # Linger 0: close() sends a TCP RST instead of a graceful FIN.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


def _close(request: web.Request) -> None:
    if request.transport is not None:
        request.transport.close()


async def perform_fault(
    request: web.Request, fault: Fault, response: web.Response | None = None
) -> web.StreamResponse:
    """Misbehave on ``request``'s connection; ``response`` is what would have been sent."""
    request[TRACE].fault = fault
    if fault == "truncated_body" and response is not None and response.body:
        body = bytes(response.body)  # type: ignore[arg-type]
        stream = web.StreamResponse(status=response.status, headers=response.headers)
        stream.content_length = len(body)
        await stream.prepare(request)
        await stream.write(body[: max(len(body) // 2, 1)])
        _close(request)
        return stream
    if fault == "no_reply":
        await asyncio.sleep(NO_REPLY_SECONDS)
        _close(request)
    elif fault == "connection_reset":
        _reset(request)
    else:  # empty_reply, or a truncated body with nothing to truncate
        _close(request)
    raise FaultPerformed(fault)
