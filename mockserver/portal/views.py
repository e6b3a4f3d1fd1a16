"""The portal's pages, rendered server-side with Jinja2 from the loaded catalog.

Pages are rendered once per base URL and catalog generation, and kept until a reload.
Static files are read into memory at start-up and served by name from that fixed set, so no
request path ever reaches the file system.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

from aiohttp import web
from jinja2 import Environment, PackageLoader, select_autoescape

from mockserver.catalog.model import Catalog, Endpoint
from mockserver.portal.samples import curl_sample, example_value
from mockserver.server.dispatch import json_errors
from mockserver.server.responses import error_response
from mockserver.server.state import STATE

__all__ = ["PORTAL_PREFIX", "add_portal_routes", "to_overview"]

PORTAL_PREFIX = "/docs"
_STATIC_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
_MAX_CACHED_PAGES = 32
_ENV = web.AppKey("coherta_portal_env", Environment)
_PAGES = web.AppKey("coherta_portal_pages", dict[tuple[str, str, int], bytes])
_STATIC = web.AppKey("coherta_portal_static", dict[str, tuple[bytes, str]])


@functools.cache  # one per process: every app (each test's, each MockServer) shares it
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("mockserver.portal", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _example_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, ensure_ascii=False)


def _endpoint_view(endpoint: Endpoint, base_url: str) -> dict[str, Any]:
    return {
        "endpoint": endpoint,
        "curl": curl_sample(endpoint, base_url),
        "fields": [
            {"field": f, "example": example_value(f)} for f in endpoint.request.all_fields()
        ],
        "responses": [
            {
                "variant": v,
                "when": json.dumps(v.when.as_dict(), ensure_ascii=False) if v.when else "",
                "example": _example_text(v.example) if v.example is not None else "",
            }
            for v in endpoint.responses
        ],
    }


def _base_url(request: web.Request) -> str:
    public = request.app[STATE].config.public_url
    return public.rstrip("/") if public else str(request.url.origin())


async def overview(request: web.Request) -> web.Response:
    """``GET /docs/``: the overview and bearer-token quickstart."""
    return _page(request, "overview")


async def reference(request: web.Request) -> web.Response:
    """``GET /docs/reference``: the three-column API reference."""
    return _page(request, "reference")


def _page(request: web.Request, page: str) -> web.Response:
    base = _base_url(request)
    cache = request.app[_PAGES]
    generation = request.app[STATE].generation
    key = (page, base, generation.number)
    if key not in cache:
        if len(cache) >= _MAX_CACHED_PAGES:
            cache.clear()  # each Host header makes a page: keep memory bounded whatever arrives
        catalog: Catalog = generation.catalog
        context: dict[str, Any] = {
            "catalog": catalog,
            "totals": catalog.totals(),
            "base_url": base,
            "page": page,
        }
        if page == "reference":
            context["groups"] = [
                {"group": g, "endpoints": [_endpoint_view(e, base) for e in g.endpoints]}
                for g in catalog.groups
            ]
            used = {e.method for e in catalog.endpoints}
            context["methods"] = [m for m in _METHODS if m in used]
        html = request.app[_ENV].get_template(f"{page}.html").render(**context)
        cache[key] = html.encode()
    return web.Response(body=cache[key], content_type="text/html", charset="utf-8")


async def static(request: web.Request) -> web.Response:
    """``GET /docs/static/{name}``: one of the portal's own files, from memory."""
    found = request.app[_STATIC].get(request.match_info["name"])
    if found is None:
        return error_response(404, "not_found", "No such portal file.")
    body, content_type = found
    return web.Response(body=body, content_type=content_type, headers={"Cache-Control": "no-cache"})


async def to_overview(request: web.Request) -> web.Response:
    """``GET /`` and ``GET /docs``: redirect to the overview."""
    raise web.HTTPFound(f"{PORTAL_PREFIX}/")


@functools.cache  # package files never change while the process runs: read them once
def _static_files() -> dict[str, tuple[bytes, str]]:
    folder = resources.files("mockserver.portal").joinpath("static")
    files = {}
    for entry in folder.iterdir():
        suffix = "." + entry.name.rsplit(".", 1)[-1]
        if entry.is_file() and suffix in _STATIC_TYPES:
            files[entry.name] = (entry.read_bytes(), _STATIC_TYPES[suffix])
    return files


def add_portal_routes(app: web.Application) -> None:
    """Serve the portal under ``/docs/`` on ``app``."""
    app[_ENV] = _environment()
    app[_PAGES] = {}
    app[_STATIC] = _static_files()
    # GET /docs redirects to the overview; GET / does too when the catalog has no route there.
    app.router.add_get(PORTAL_PREFIX, json_errors(to_overview))
    app.router.add_get(f"{PORTAL_PREFIX}/", json_errors(overview))
    app.router.add_get(f"{PORTAL_PREFIX}/reference", json_errors(reference))
    app.router.add_get(f"{PORTAL_PREFIX}/static/{{name}}", json_errors(static))
