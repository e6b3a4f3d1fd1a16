"""Files written for a user who has none yet: the placeholder ``auth.yaml``.

``record`` and ``import-openapi`` produce group files from a real API; a fixture directory also
needs an ``auth.yaml`` for the mock's token issuer, so both write this one when it is missing.
"""

from __future__ import annotations

from typing import Any

__all__ = ["auth_document"]

_PLACEHOLDER_SECRET = "coherta-mock-placeholder-secret-not-for-production"
_PLACEHOLDER_ISSUER = "https://coherta-mock.invalid"


def auth_document(scopes: list[str]) -> dict[str, Any]:
    """A placeholder ``auth.yaml``: one demo/secret user holding ``scopes``."""
    return {
        "format": 1,
        "issuer": _PLACEHOLDER_ISSUER,
        "audience": _PLACEHOLDER_ISSUER,
        "realm": "coherta",
        "token_lifetime": 3600,
        "renewal_window": 86400,
        "signing": {"algorithm": "HS256", "secret": _PLACEHOLDER_SECRET},
        "users": [
            {
                "username": "demo",
                "password": "secret",
                "scopes": scopes,
                "profile": {
                    "id": "usr_demo",
                    "username": "demo",
                    "email": "demo@example.com",
                    "name": "Demo User",
                },
            }
        ],
    }
