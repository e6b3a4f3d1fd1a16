"""The exception tree of the mock server.

::

    MockServerError
     ├── FixtureError (ValueError)     fixtures that cannot be loaded; carries every Problem found
     ├── ConfigError (ValueError)      a setting with a bad value
     ├── ControlError (ValueError)     a control-API request (stub, clock) that cannot be applied
     ├── OutputExistsError             record / import-openapi would overwrite fixture files
     └── TokenError                    a token request or bearer token the issuer refuses
          ├── InvalidRequestError      malformed token request (OAuth2 ``invalid_request``)
          ├── UnsupportedGrantError    a ``grant_type`` other than ``password``
          ├── InvalidScopeError        a requested scope the user does not have
          ├── InvalidGrantError        wrong credentials, or a token that cannot be renewed
          └── InvalidTokenError        a bearer token that fails verification (RFC 6750)

Only the CLI turns these into messages and exit codes; the HTTP layer turns token errors into
OAuth2/RFC 6750 responses.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "ConfigError",
    "ControlError",
    "FixtureError",
    "InvalidGrantError",
    "InvalidRequestError",
    "InvalidScopeError",
    "InvalidTokenError",
    "MockServerError",
    "OutputExistsError",
    "Problem",
    "TokenError",
    "UnsupportedGrantError",
]


class MockServerError(Exception):
    """Base class of every error the mock server raises on purpose."""


@dataclass(frozen=True, kw_only=True, order=True)
class Problem:
    """One thing wrong with a fixture file, at a 1-based line and column."""

    file: str
    line: int = 0
    column: int = 0
    message: str

    @property
    def location(self) -> str:
        """``file:line:col``, or just the file when the position is unknown."""
        if self.line <= 0:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class FixtureError(MockServerError, ValueError):
    """Fixtures that cannot be loaded; ``problems`` lists every one found, in file order."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in fixtures"
        super().__init__("\n".join([head, *(str(p) for p in self.problems)]))

    @classmethod
    def single(cls, file: Path | str, message: str, line: int = 0, column: int = 0) -> FixtureError:
        """An error with one problem."""
        return cls([Problem(file=str(file), line=line, column=column, message=message)])


class ConfigError(MockServerError, ValueError):
    """A setting with a value the server cannot use."""


class ControlError(MockServerError, ValueError):
    """A control-API request that cannot be applied; ``details`` says each thing wrong."""

    def __init__(self, message: str, details: list[str] | None = None) -> None:
        self.details = details or []
        super().__init__(message if not self.details else f"{message}: {'; '.join(self.details)}")
        self.message = message


class OutputExistsError(MockServerError):
    """The output directory already holds fixture files and replacing them was not asked for."""


class TokenError(MockServerError):
    """A refusal by the token issuer; ``code`` is the OAuth2 / RFC 6750 error code."""

    code = "invalid_request"
    status = 400

    def __init__(self, description: str) -> None:
        self.description = description
        super().__init__(description)


class InvalidRequestError(TokenError):
    """A token request that is malformed: missing fields, wrong types, unreadable body."""

    code = "invalid_request"
    status = 400


class UnsupportedGrantError(TokenError):
    """A token request with a ``grant_type`` the issuer does not support."""

    code = "unsupported_grant_type"
    status = 400


class InvalidScopeError(TokenError):
    """A token request asking for scopes the user does not have."""

    code = "invalid_scope"
    status = 400


class InvalidGrantError(TokenError):
    """Wrong credentials, or a token that cannot be renewed."""

    code = "invalid_grant"
    status = 401


class InvalidTokenError(TokenError):
    """A bearer token that is malformed, forged, expired or meant for someone else."""

    code = "invalid_token"
    status = 401
