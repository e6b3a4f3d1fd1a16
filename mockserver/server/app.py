"""``create_app``: a Catalog and a Config become an aiohttp Application."""

from __future__ import annotations

import logging

from aiohttp import web

from mockserver.catalog.loader import load_catalog
from mockserver.catalog.model import Catalog
from mockserver.config import Config
from mockserver.control.api import CONTROL_PREFIX, add_control_routes
from mockserver.openapi.export import openapi_document
from mockserver.portal.views import add_portal_routes, to_overview
from mockserver.server.dispatch import catalog_dispatcher, json_errors
from mockserver.server.generation import build_generation
from mockserver.server.logfilters import RedactingAccessLogger, install_log_redaction
from mockserver.server.responses import json_response
from mockserver.server.state import STATE, State

__all__ = ["CONTROL_PREFIX", "OPENAPI_PATH", "create_app", "create_runner"]

#: A header field may be 128 KiB (aiohttp's default is 8 KiB): an oversized bearer token then
#: reaches the guard and gets a JSON 401 invalid_token, instead of aiohttp's plain-text 400 that
#: echoes the token's first bytes.
MAX_FIELD_SIZE = 128 * 1024
MAX_LINE_SIZE = 16 * 1024


def create_runner(
    app: web.Application, *, access_log: logging.Logger | None, shutdown_timeout: float
) -> web.AppRunner:
    """The AppRunner every front end serves the mock with: no signal handling of its own, the
    mock's parser limits, and logs that never quote a token or password."""
    install_log_redaction()
    return web.AppRunner(
        app,
        handle_signals=False,
        access_log=access_log,
        access_log_class=RedactingAccessLogger,
        shutdown_timeout=shutdown_timeout,
        max_field_size=MAX_FIELD_SIZE,
        max_line_size=MAX_LINE_SIZE,
    )


OPENAPI_PATH = "/openapi.json"


async def openapi_json(request: web.Request) -> web.Response:
    """``GET /openapi.json``: the loaded catalog as an OpenAPI 3.1 document."""
    state = request.app[STATE]
    server = state.config.public_url or str(request.url.origin())
    return json_response(openapi_document(state.catalog, server))


def create_app(config: Config | None = None, *, catalog: Catalog | None = None) -> web.Application:
    """The mock as an aiohttp application; loads ``config``'s fixtures unless given a catalog.

    The application's own router holds the mock's pages (control API, portal, OpenAPI) and one
    catch-all route; the catalog's routes live in the state's current generation, so a reload can
    replace them while the server runs.
    """
    config = config or Config()
    if catalog is None:
        catalog = load_catalog(config.fixtures_dir)
    app = web.Application()
    state = State(config=config)
    state.generation = build_generation(catalog, state)
    app[STATE] = state
    app.router.add_get(OPENAPI_PATH, json_errors(openapi_json))
    add_control_routes(app)
    add_portal_routes(app)
    # Any path, line breaks included (a plain ".*" would leave %0A paths to aiohttp's text 404).
    app.router.add_route("*", r"/{tail:[\s\S]*}", catalog_dispatcher(state, to_overview))
    return app
