"""HTTP wrappers of the token issuer: ``POST /token``, ``POST /token/renew`` and the JWKS."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from mockserver.auth.issuer import TokenIssuer
from mockserver.errors import InvalidRequestError, TokenError, UnsupportedGrantError
from mockserver.server.guard import GuardRefusal, bearer_token
from mockserver.server.responses import bearer_challenge, error_response, json_response

__all__ = ["jwks", "token", "token_renew"]

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def _refusal(exc: TokenError, realm: str) -> web.Response:
    headers = dict(_NO_STORE)
    if exc.status == 401:
        headers["WWW-Authenticate"] = bearer_challenge(
            realm,
            exc.code if exc.code == "invalid_token" else None,
            exc.description if exc.code == "invalid_token" else None,
        )
    return error_response(exc.status, exc.code, exc.description, headers=headers)


async def _fields(request: web.Request) -> dict[str, Any]:
    """The token request's fields from a JSON object or a form; InvalidRequestError if unusable."""
    kind = request.content_type
    if kind == "application/json":
        raw = await request.read()
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError):  # nested past the stack
            raise InvalidRequestError("The body is not valid JSON.") from None
        if not isinstance(data, dict):
            raise InvalidRequestError(
                f'The JSON body must be an object like {{"username": ..., "password": ...}}, '
                f"not {type(data).__name__ if data is not None else 'null'}."
            )
        return data
    if kind in _FORMS:
        form = await request.post()
        for key in set(form.keys()):
            if len(form.getall(key)) > 1:
                raise InvalidRequestError(f"The parameter {key!r} is repeated; send it once.")
        return {key: form[key] for key in form}
    raise _UnsupportedMediaType(kind)


class _UnsupportedMediaType(Exception):
    def __init__(self, kind: str) -> None:
        self.kind = kind
        super().__init__(kind)


def _optional_text(fields: dict[str, Any], name: str) -> str | None:
    value = fields.get(name)
    if value is not None and not isinstance(value, str):
        raise InvalidRequestError(
            f"The {name!r} field must be a string, not {type(value).__name__}."
        )
    return value


def _required_text(fields: dict[str, Any], name: str) -> str:
    value = _optional_text(fields, name)
    if not value:
        raise InvalidRequestError(f"The {name!r} field is required and must not be empty.")
    return value


async def token(request: web.Request, issuer: TokenIssuer) -> web.Response:
    """``POST /token``: username and password (JSON or form) for an access token."""
    realm = issuer.settings.realm
    try:
        fields = await _fields(request)
        grant_type = _optional_text(fields, "grant_type")
        if grant_type is not None and grant_type != "password":
            raise UnsupportedGrantError(
                f"The grant_type {grant_type!r} is not supported; use 'password' or leave it out."
            )
        username = _required_text(fields, "username")
        password = _required_text(fields, "password")
        scope = _optional_text(fields, "scope")
        grant = issuer.authenticate(username, password, scope)
    except TokenError as exc:
        return _refusal(exc, realm)
    except _UnsupportedMediaType as exc:
        return error_response(
            415,
            "invalid_request",
            f"The content type {exc.kind or '(none)'!r} is not supported; send application/json "
            "or application/x-www-form-urlencoded.",
            headers=dict(_NO_STORE),
        )
    return json_response(grant.as_dict(), headers=dict(_NO_STORE))


async def token_renew(request: web.Request, issuer: TokenIssuer) -> web.Response:
    """``POST /token/renew``: the current token (even expired) as Bearer for a fresh one."""
    realm = issuer.settings.realm
    try:
        current = bearer_token(request, realm)
        grant = issuer.renew(current)
    except GuardRefusal as refusal:
        refusal.response.headers.update(_NO_STORE)
        return refusal.response
    except TokenError as exc:
        return _refusal(exc, realm)
    return json_response(grant.as_dict(), headers=dict(_NO_STORE))


async def jwks(request: web.Request, issuer: TokenIssuer) -> web.Response:
    """``GET /.well-known/jwks.json``: the public keys that verify tokens (empty for HS*)."""
    return json_response(issuer.keys.jwks)
