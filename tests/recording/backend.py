"""A stand-in for the live API that the recorder is pointed at in these tests."""

from __future__ import annotations

from aiohttp import web

USERNAME = "alice"
PASSWORD = "hunter2-backend-only"
TOKEN = "tok-live-7f3a9c0e5b"
COOKIE = "sess-5b1d8e42aa"
PROJECT = "prj_8fK2"
MISSING = "prj_gone9"
SCOPES = "projects:read users:write"

FLAKY = web.AppKey("flaky", list)


async def token(request: web.Request) -> web.Response:
    """POST /token: a token for alice, 401 otherwise."""
    body = await request.json()
    if body.get("username") == USERNAME and body.get("password") == PASSWORD:
        return web.json_response(
            {"access_token": TOKEN, "token_type": "bearer", "expires_in": 3600, "scope": SCOPES},
            headers={"Cache-Control": "no-store", "Set-Cookie": f"session={COOKIE}; HttpOnly"},
        )
    return web.json_response(
        {"error": "invalid_grant", "error_description": "Wrong username or password."},
        status=401,
        headers={"WWW-Authenticate": 'Bearer realm="live"'},
    )


async def project(request: web.Request) -> web.Response:
    """GET /projects/{id}: protected; 200 for PROJECT, 404 for any other id."""
    if request.headers.get("Authorization") != f"Bearer {TOKEN}":
        return web.json_response(
            {"error": "unauthorized", "error_description": "A bearer token is required."},
            status=401,
            headers={"WWW-Authenticate": 'Bearer realm="live"'},
        )
    project_id = request.match_info["id"]
    if project_id != PROJECT:
        return web.json_response(
            {"error": "not_found", "error_description": f"No project with id {project_id}."},
            status=404,
        )
    return web.json_response(
        {"id": PROJECT, "name": "Website relaunch", "tags": ["web"], "owner": {"id": "usr_1"}},
        headers={"X-Internal-Trace": "abc", "ETag": '"v1"'},
    )


async def create_user(request: web.Request) -> web.Response:
    """POST /users: echoes the username, never the password."""
    body = await request.json()
    return web.json_response(
        {"id": "usr_77", "username": body["username"], "age": body["age"]},
        status=201,
        headers={"Location": "/users/usr_77"},
    )


async def prefs(request: web.Request) -> web.Response:
    """GET /prefs: sets a session cookie."""
    response = web.json_response({"theme": "dark"})
    response.set_cookie("session", COOKIE, httponly=True)
    return response


async def motd(request: web.Request) -> web.Response:
    """GET /motd: text that looks like a template."""
    return web.Response(text="Hello {{ name }}, 100% {% up %}\n")


async def flaky(request: web.Request) -> web.Response:
    """GET /flaky: 200 the first time, 503 after, for the very same request."""
    calls = request.app[FLAKY]
    calls.append(1)
    if len(calls) == 1:
        return web.json_response({"ok": True})
    return web.json_response(
        {"error": "unavailable", "error_description": "Try later."},
        status=503,
        headers={"Retry-After": "5"},
    )


async def report(request: web.Request) -> web.Response:
    """GET /report: a gzip-compressed JSON answer when the client accepts gzip."""
    response = web.json_response({"rows": [{"n": i} for i in range(50)]})
    response.enable_compression(web.ContentCoding.gzip)
    return response


def create_backend() -> web.Application:
    """The stand-in live API."""
    app = web.Application()
    app[FLAKY] = []
    app.router.add_post("/token", token)
    app.router.add_get("/projects/{id}", project)
    app.router.add_post("/users", create_user)
    app.router.add_get("/prefs", prefs)
    app.router.add_get("/motd", motd)
    app.router.add_get("/flaky", flaky)
    app.router.add_get("/report", report)
    return app
