"""The bearer guard of protected routes (RFC 6750): who is calling, and may they?"""

from __future__ import annotations

from aiohttp import web

from mockserver.auth.issuer import TokenIssuer, VerifiedToken
from mockserver.errors import InvalidTokenError
from mockserver.server.responses import bearer_challenge, error_response

__all__ = ["GuardRefusal", "bearer_token", "check_bearer"]


class GuardRefusal(Exception):
    """A refused request, carrying the response to send."""

    def __init__(self, response: web.Response) -> None:
        self.response = response
        super().__init__(response.status)


def bearer_token(request: web.Request, realm: str) -> str:
    """The token of the ``Authorization: Bearer`` header, or a GuardRefusal."""
    values = request.headers.getall("Authorization", [])
    if not values:
        raise GuardRefusal(
            error_response(
                401,
                "unauthorized",
                "This route needs a bearer token: send 'Authorization: Bearer <access_token>' "
                "(get one from POST /token).",
                headers={"WWW-Authenticate": bearer_challenge(realm)},
            )
        )
    if len(values) > 1:
        description = "Send exactly one Authorization header."
        raise GuardRefusal(
            error_response(
                400,
                "invalid_request",
                description,
                headers={
                    "WWW-Authenticate": bearer_challenge(realm, "invalid_request", description)
                },
            )
        )
    scheme, _, token = values[0].strip().partition(" ")
    if scheme.lower() != "bearer":
        raise GuardRefusal(
            error_response(
                401,
                "unauthorized",
                f"The Authorization scheme {scheme!r} is not accepted here; use 'Bearer <token>'.",
                headers={"WWW-Authenticate": bearer_challenge(realm)},
            )
        )
    token = token.strip()
    if not token:
        raise _invalid(realm, "The Authorization header has no token after 'Bearer'.")
    if not token.isascii():
        # A JWT is base64url and dots; other bytes arrive from aiohttp as lone surrogates.
        raise _invalid(realm, "The token is not a well-formed JWT.")
    return token


def _invalid(realm: str, description: str) -> GuardRefusal:
    return GuardRefusal(
        error_response(
            401,
            "invalid_token",
            description,
            headers={"WWW-Authenticate": bearer_challenge(realm, "invalid_token", description)},
        )
    )


def check_bearer(
    request: web.Request, issuer: TokenIssuer, scopes: tuple[str, ...]
) -> VerifiedToken:
    """The verified token of a request that may call a route needing ``scopes``."""
    realm = issuer.settings.realm
    token = bearer_token(request, realm)
    try:
        verified = issuer.verify(token)
    except InvalidTokenError as exc:
        raise _invalid(realm, exc.description) from None
    missing = [s for s in scopes if s not in verified.scopes]
    if missing:
        needed = " ".join(scopes)
        description = f"This route needs the scope(s) {' '.join(missing)}, which the token lacks."
        raise GuardRefusal(
            error_response(
                403,
                "insufficient_scope",
                description,
                scope=needed,
                headers={
                    "WWW-Authenticate": bearer_challenge(
                        realm, "insufficient_scope", description, needed
                    )
                },
            )
        )
    return verified
