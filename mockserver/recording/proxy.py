"""The recording proxy: every request goes to the target, every answer comes back unchanged.

Requests are forwarded with aiohttp's client (method, path, query, headers minus hop-by-hop ones
and Host, body); the answer is passed back byte for byte, Content-Encoding included, and then
recorded. A target that does not answer gets the client a 502 in the catalog's error envelope.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
from aiohttp import web
from multidict import CIMultiDict
from yarl import URL

from mockserver.errors import ConfigError
from mockserver.recording.exchange import Exchange, decode_content, parse_json
from mockserver.recording.store import RecordingStore
from mockserver.server.responses import error_response

__all__ = ["RECORDER", "Recorder", "create_recorder_app", "parse_target"]

log = logging.getLogger("coherta_mock.record")

# RFC 9110 §7.6.1: meaningful for one connection only. Host, Content-Length and Expect are set by
# aiohttp for the new connection; Transfer-Encoding belongs to the framing aiohttp redoes.
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
        "expect",
    }
)
# aiohttp's client adds these when absent; the target should see only what the client sent.
_AUTO_HEADERS = ("Accept", "Accept-Encoding", "User-Agent", "Content-Type")


def parse_target(text: str) -> URL:
    """The ``--target`` URL, checked: http or https, a host, no credentials, query or fragment."""
    try:
        url = URL(text)
    except (TypeError, ValueError):
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise ConfigError(
            f"--target {text!r} is not an http(s) URL; give one like http://127.0.0.1:9000"
        )
    if url.user or url.password:
        raise ConfigError(
            "--target must not carry credentials; the recorder forwards the client's own headers"
        )
    if url.query_string or url.fragment:
        raise ConfigError(f"--target {text!r} has a query or fragment; give only a base URL")
    return url


def _without_hop_by_hop(headers: CIMultiDict[str]) -> CIMultiDict[str]:
    named = {
        token.strip().lower()
        for value in headers.getall("Connection", [])
        for token in value.split(",")
    }
    return CIMultiDict((k, v) for k, v in headers.items() if k.lower() not in _HOP_BY_HOP | named)


class Recorder:
    """The target, the store the answers go to, and the client session that reaches the target."""

    def __init__(self, target: URL, store: RecordingStore, timeout: float) -> None:
        self.target = target
        self.store = store
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.session: aiohttp.ClientSession | None = None

    def url_for(self, request: web.Request) -> URL:
        """The target URL of ``request``: the target's base path, then the raw path and query."""
        base = str(self.target).rstrip("/")
        return URL(base + request.raw_path, encoded=True)

    async def forward(self, request: web.Request) -> web.StreamResponse:
        """Send ``request`` to the target and answer with what it answered, then record that."""
        assert self.session is not None, "the recorder app is not running"
        body = await request.read()
        headers = _without_hop_by_hop(CIMultiDict(request.headers))
        skip = {name for name in _AUTO_HEADERS if name not in request.headers}
        try:
            async with self.session.request(
                request.method,
                self.url_for(request),
                headers=headers,
                data=body or None,
                allow_redirects=False,
                skip_auto_headers=skip,
            ) as answer:
                raw = await answer.read()
                status, reason = answer.status, answer.reason
                answer_headers = CIMultiDict(answer.headers)
        except (TimeoutError, aiohttp.ClientError) as exc:
            reason_text = str(exc) or type(exc).__name__
            log.warning(
                "%s %s: %s did not answer: %s",
                request.method,
                request.path_qs,
                self.target,
                reason_text,
            )
            return error_response(
                502,
                "bad_gateway",
                f"The recorder's target {self.target} did not answer ({reason_text}); check "
                "that it is running and that --target points at it.",
            )
        exchange = Exchange(
            method=request.method,
            path=request.path,
            query=tuple((str(k), v) for k, v in request.query.items()),
            bearer=request.headers.get("Authorization", "").lower().startswith("bearer "),
            request_json=parse_json(request.headers.get("Content-Type"), body),
            status=status,
            # str(): multidict's header names are istr, which YAML cannot represent.
            response_headers=tuple((str(k), v) for k, v in answer_headers.items()),
            response_body=decode_content(answer_headers.get("Content-Encoding"), raw),
        )
        try:
            self.store.observe(exchange)
        except Exception as exc:
            # The client gets its answer whatever happens to the recording of it.
            log.error("could not record %s %s %d: %s", request.method, request.path, status, exc)
        out_headers = _without_hop_by_hop(answer_headers)
        return web.Response(status=status, reason=reason, body=raw, headers=out_headers)


RECORDER = web.AppKey("recorder", Recorder)


async def _session(app: web.Application) -> AsyncIterator[None]:
    recorder = app[RECORDER]
    # No cookie jar: cookies belong to the client, and one client's must never reach another's.
    recorder.session = aiohttp.ClientSession(
        timeout=recorder.timeout,
        auto_decompress=False,
        cookie_jar=aiohttp.DummyCookieJar(),
    )
    try:
        yield
    finally:
        await recorder.session.close()
        recorder.session = None


async def _handle(request: web.Request) -> web.StreamResponse:
    return await request.app[RECORDER].forward(request)


def create_recorder_app(
    target: str, out: Path, force: bool = False, *, timeout: float = 60.0
) -> web.Application:
    """The recording proxy as an aiohttp application, forwarding to ``target``.

    Fixtures are written into ``out``; OutputExistsError is raised when ``out`` already holds
    fixture files and ``force`` is false, ConfigError when ``target`` is not an http(s) URL.
    """
    url = parse_target(target)
    store = RecordingStore(out, str(url).rstrip("/"), force=force)
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app[RECORDER] = Recorder(url, store, timeout)
    app.cleanup_ctx.append(_session)
    app.router.add_route("*", "/{tail:.*}", _handle)
    return app
