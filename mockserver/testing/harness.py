"""``MockServer``: the mock in-process, for synchronous and asyncio test code.

``with MockServer() as mock:`` runs the server on a background thread with its own event loop
(for requests, httpx, unittest); ``async with MockServer() as mock:`` runs it on the caller's loop.
Everything the harness changes goes through State and the control API's own operations, and from
another thread it is handed to the server's loop, so calls are safe while requests are in flight.
"""

from __future__ import annotations

import asyncio
import difflib
import os
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from aiohttp import web

from mockserver.config import Config
from mockserver.control import operations
from mockserver.server.app import create_app, create_runner
from mockserver.server.reload import ReloadResult, reload_fixtures
from mockserver.server.state import STATE, State

__all__ = ["MockServer"]

T = TypeVar("T")


class MockServer:
    """A running Coherta mock: its URL, tokens, journal, stubs and clock."""

    def __init__(
        self,
        fixtures: str | os.PathLike[str] | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        **settings: Any,
    ) -> None:
        self.config = Config(
            fixtures=Path(fixtures) if fixtures is not None else None,
            host=host,
            port=port,
            **settings,
        )
        self.app: web.Application = create_app(self.config)
        self._runner: web.AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._url: str | None = None

    # -- lifecycle ------------------------------------------------------------------------------

    @property
    def state(self) -> State:
        """The server's mutable state."""
        return self.app[STATE]

    @property
    def url(self) -> str:
        """The base URL, ``http://127.0.0.1:PORT``, once started."""
        if self._url is None:
            raise RuntimeError("the mock is not running; use `with MockServer() as mock:`")
        return self._url

    async def _start_site(self) -> None:
        self._runner = create_runner(self.app, access_log=None, shutdown_timeout=2)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.host, self.config.port)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        shown = f"[{host}]" if ":" in host else host
        self._url = f"http://{shown}:{port}"

    def start(self) -> MockServer:
        """Serve on a background thread with its own event loop; returns when it accepts."""
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self._start_site())
            except BaseException as exc:
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            assert self._runner is not None
            loop.run_until_complete(self._runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=run, name="coherta-mock", daemon=True)
        self._thread.start()
        ready.wait(timeout=60)
        if failure:
            self._thread.join()
            self._thread = None
            raise failure[0]
        return self

    def stop(self) -> None:
        """Stop the background server and wait for its thread."""
        if self._thread is not None and self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=30)
            self._thread = None
        self._url = None

    async def start_async(self) -> MockServer:
        """Serve on the running event loop."""
        self._loop = asyncio.get_running_loop()
        await self._start_site()
        return self

    async def stop_async(self) -> None:
        """Stop serving on the running event loop."""
        if self._runner is not None:
            await self._runner.cleanup()
        self._url = None

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> MockServer:
        return await self.start_async()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop_async()

    def _on_loop(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` on the server's loop when called from another thread."""
        loop = self._loop
        if self._thread is None or loop is None or threading.current_thread() is self._thread:
            return fn()

        async def call() -> T:
            return fn()

        return asyncio.run_coroutine_threadsafe(call(), loop).result(timeout=30)

    # -- reload ---------------------------------------------------------------------------------

    def reload(self) -> ReloadResult:
        """Load the fixtures again and serve them (``POST /__mock/reload``); with bad fixtures the
        previous catalog stays and the result lists the problems. From a ``with`` block; inside
        ``async with`` use ``await mock.reload_async()``."""
        loop = self._loop
        if self._thread is None or loop is None or threading.current_thread() is self._thread:
            raise RuntimeError(
                "MockServer.reload() needs the server on its own thread; "
                "in 'async with MockServer()' use 'await mock.reload_async()'"
            )
        return asyncio.run_coroutine_threadsafe(reload_fixtures(self.state), loop).result(60)

    async def reload_async(self) -> ReloadResult:
        """``reload()`` on the caller's loop, for a server started with ``async with``."""
        return await reload_fixtures(self.state)

    # -- tokens ---------------------------------------------------------------------------------

    def token(
        self,
        username: str = "demo",
        *,
        scopes: Iterable[str] | None = None,
        expires_in: int | None = None,
        **claims: Any,
    ) -> str:
        """A signed access token for a user of auth.yaml, minted without a password."""
        return self._on_loop(
            lambda: self.state.issuer.mint(username, scopes=scopes, expires_in=expires_in, **claims)
        )

    def auth_headers(self, username: str = "demo", **kwargs: Any) -> dict[str, str]:
        """``{"Authorization": "Bearer <token>"}`` for ``token(username, **kwargs)``."""
        return {"Authorization": f"Bearer {self.token(username, **kwargs)}"}

    # -- state ----------------------------------------------------------------------------------

    def reset(self) -> None:
        """Journal, stubs, clock and state back to start-up."""
        self._on_loop(self.state.reset)

    @property
    def requests(self) -> list[dict[str, Any]]:
        """The journal, oldest first, as ``GET /__mock/requests`` shows it."""
        return self._on_loop(lambda: [e.as_dict() for e in self.state.journal.entries()])

    def stub(
        self,
        endpoint: str | None = None,
        *,
        method: str | None = None,
        path: str | None = None,
        times: int | None = None,
        **response: Any,
    ) -> str:
        """Override an endpoint's answer (by id, or method and path); returns the stub id.

        ``response`` takes the keys of a fixture response: ``status`` (default 200), ``headers``,
        ``body``, ``content_type``, ``when``, ``delay``, ``fault``, ``sequence``, ``loop`` and
        ``scenario``.
        """
        payload: dict[str, Any] = {"status": 200, **response}
        for key, value in (
            ("endpoint", endpoint),
            ("method", method.upper() if method else None),
            ("path", path),
            ("times", times),
        ):
            if value is not None:
                payload[key] = value
        return self._on_loop(lambda: operations.add_stub(self.state, payload).id)

    def remove_stub(self, stub_id: str) -> bool:
        """Delete a runtime stub; False when there is none with that id."""
        return self._on_loop(lambda: self.state.stubs.remove(stub_id))

    def advance_clock(self, seconds: float) -> str:
        """Move the mock clock; returns its new time (RFC 3339)."""
        return str(
            self._on_loop(lambda: operations.move_clock(self.state, {"advance": seconds}))["now"]
        )

    def set_clock(self, moment: str | datetime) -> str:
        """Set the mock clock to an RFC 3339 time (or aware datetime); returns its new time."""
        text = moment.isoformat() if isinstance(moment, datetime) else moment
        return str(self._on_loop(lambda: operations.move_clock(self.state, {"set": text}))["now"])

    def scenario(self, name: str) -> str:
        """A scenario's current state (every scenario starts in ``Started``)."""
        return self._on_loop(lambda: self.state.scenario_state(name))

    def set_scenario(self, name: str, state: str) -> None:
        """Move a scenario to ``state``."""
        self._on_loop(lambda: operations.set_scenario(self.state, name, {"state": state}))

    def chaos(
        self,
        probability: float,
        *,
        faults: Iterable[str] | None = None,
        seed: int | None = None,
    ) -> None:
        """Fail this share of catalog requests with one of ``faults``, replayably by ``seed``."""
        payload: dict[str, Any] = {"probability": probability}
        if faults is not None:
            payload["faults"] = list(faults)
        if seed is not None:
            payload["seed"] = seed
        self._on_loop(lambda: operations.configure_chaos(self.state, payload))

    def revoke_user(self, username: str) -> None:
        """Refuse the user's tokens (401 invalid_token), renewals and logins until reset."""
        self._on_loop(lambda: operations.revoke_user(self.state, {"username": username}))

    def restore_user(self, username: str) -> bool:
        """Accept a revoked user again."""
        return self._on_loop(lambda: self.state.issuer.restore(username))

    def records(self, collection: str) -> list[dict[str, Any]]:
        """A stateful collection's live records (a copy)."""
        return self._on_loop(lambda: [dict(r) for r in self.state.collections.records[collection]])

    # -- assertions -----------------------------------------------------------------------------

    def calls(self, method: str, path: str) -> list[dict[str, Any]]:
        """Journal entries for ``method`` on ``path`` (a concrete path or a route template)."""
        method = method.upper()
        templates = {e.id: e.path for e in self.state.catalog.endpoints}
        return [
            e
            for e in self.requests
            if e["method"] == method and (e["path"] == path or templates.get(e["endpoint"]) == path)
        ]

    def assert_called(self, method: str, path: str, *, times: int | None = 1) -> None:
        """Fail unless ``method path`` was requested ``times`` times (None: at least once)."""
        count = len(self.calls(method, path))
        if (times is None and count > 0) or count == times:
            return
        wanted = "at least once" if times is None else f"{times} time{'s' if times != 1 else ''}"
        raise AssertionError(
            f"expected {method.upper()} {path} to be called {wanted}, but it was called "
            f"{count} time{'s' if count != 1 else ''}.\n" + self._received(method, path)
        )

    def assert_not_called(self, method: str, path: str) -> None:
        """Fail if ``method path`` was requested at all."""
        count = len(self.calls(method, path))
        if count:
            raise AssertionError(
                f"expected {method.upper()} {path} not to be called, but it was called "
                f"{count} time{'s' if count != 1 else ''}.\n" + self._received(method, path)
            )

    def _received(self, method: str, path: str) -> str:
        entries = self.requests
        if not entries:
            return "No requests were received."
        lines = [f"Requests received ({len(entries)}):"]
        for e in entries[-20:]:
            target = e["endpoint"] or "no endpoint"
            lines.append(f"  {e['method']} {e['path']} -> {e['status']} ({target})")
        wanted = f"{method.upper()} {path}"
        received = sorted({f"{e['method']} {e['path']}" for e in entries})
        near = difflib.get_close_matches(wanted, received, n=5, cutoff=0.6)
        near += [r for r in received if r.split(" ", 1)[1] == path and r not in near]
        near = [n for n in near if n != wanted]
        if near:
            lines.append("Near misses:")
            lines.extend(f"  {n}" for n in near)
        return "\n".join(lines)
