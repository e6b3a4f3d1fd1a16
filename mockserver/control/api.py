"""The mock's own control API, mounted at ``/__mock/`` (never part of the Coherta catalog)."""

from __future__ import annotations

from aiohttp import web

from mockserver import __version__
from mockserver.server.responses import json_response
from mockserver.server.state import STATE

__all__ = ["create_control_app"]


async def health(request: web.Request) -> web.Response:
    """``GET /__mock/health``: 200 once the catalog is loaded and the server accepts requests."""
    state = request.config_dict[STATE]
    return json_response(
        {
            "status": "ok",
            "version": __version__,
            "fixtures": state.catalog.root,
            **state.catalog.totals(),
        }
    )


def create_control_app() -> web.Application:
    """The sub-application served under ``/__mock/``."""
    app = web.Application()
    app.router.add_get("/health", health, allow_head=True)
    return app
