"""Request conditions (``when:``) that return their differences, not booleans.

A response variant answers when its conditions hold; when none does, the differences explain to
the user which condition missed and why. Regular expressions are compiled at load time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["Conditions", "Matcher", "RequestView", "body_differences", "scalar_text"]

MatcherKind = Literal["equals", "matches", "present", "one_of"]
_NO_BODY = object()


def scalar_text(value: Any) -> str:
    """How a YAML scalar compares with request text: booleans in lower case, others as ``str``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True, kw_only=True)
class RequestView:
    """What conditions and templates see of a request; built by the HTTP layer."""

    method: str
    path: str
    path_params: Mapping[str, str]
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: Any = None


@dataclass(frozen=True, kw_only=True)
class Matcher:
    """One condition on a named request value (a path parameter, query parameter or header)."""

    name: str
    kind: MatcherKind
    expected: Any
    pattern: re.Pattern[str] | None = None

    @classmethod
    def build(cls, name: str, spec: Any) -> Matcher:
        """A matcher from its YAML form: a scalar (equals) or ``{kind: value}``."""
        if not isinstance(spec, dict):
            return cls(name=name, kind="equals", expected=scalar_text(spec))
        ((kind, value),) = spec.items()
        if kind == "matches":
            return cls(name=name, kind="matches", expected=value, pattern=re.compile(value))
        if kind == "one_of":
            return cls(name=name, kind="one_of", expected=tuple(scalar_text(v) for v in value))
        if kind == "present":
            return cls(name=name, kind="present", expected=bool(value))
        return cls(name=name, kind="equals", expected=scalar_text(value))

    def difference(self, actual: str | None) -> str | None:
        """None when ``actual`` satisfies the matcher, else what differed."""
        if self.kind == "present":
            if (actual is not None) == self.expected:
                return None
            return f"{self.name} is {'missing' if self.expected else 'present'}"
        if actual is None:
            return f"{self.name} is missing"
        if self.kind == "equals" and actual == self.expected:
            return None
        if self.kind == "one_of" and actual in self.expected:
            return None
        if self.kind == "matches" and self.pattern and self.pattern.fullmatch(actual):
            return None
        wanted = {
            "equals": f"{self.expected!r}",
            "one_of": f"one of {list(self.expected)!r}",
            "matches": f"a match for /{self.expected}/",
        }[self.kind]
        return f"{self.name} is {actual!r}, expected {wanted}"


def body_differences(expected: Any, actual: Any, where: str = "body") -> list[str]:
    """Where ``actual`` fails to contain the JSON subset ``expected``."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where} is not an object"]
        diffs: list[str] = []
        for key, value in expected.items():
            if key not in actual:
                diffs.append(f"{where}.{key} is missing")
            else:
                diffs.extend(body_differences(value, actual[key], f"{where}.{key}"))
        return diffs
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{where} is {actual!r}, expected {expected!r}"]
        diffs = []
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            diffs.extend(body_differences(e, a, f"{where}[{i}]"))
        return diffs
    same = expected == actual and isinstance(expected, bool) == isinstance(actual, bool)
    return [] if same else [f"{where} is {actual!r}, expected {expected!r}"]


@dataclass(frozen=True, kw_only=True)
class Conditions:
    """The ``when:`` of a response variant; every part must hold."""

    path: tuple[Matcher, ...] = ()
    query: tuple[Matcher, ...] = ()
    headers: tuple[Matcher, ...] = ()
    body: Any = _NO_BODY

    @property
    def has_body(self) -> bool:
        """True when the variant looks into the JSON body."""
        return self.body is not _NO_BODY

    @classmethod
    def build(cls, spec: Mapping[str, Any]) -> Conditions:
        """Conditions from the YAML ``when:`` mapping; may raise re.error."""

        def matchers(part: str) -> tuple[Matcher, ...]:
            return tuple(Matcher.build(k, v) for k, v in (spec.get(part) or {}).items())

        return cls(
            path=matchers("path"),
            query=matchers("query"),
            headers=matchers("headers"),
            body=spec.get("body", _NO_BODY),
        )

    def differences(self, request: RequestView) -> list[str]:
        """Every way ``request`` misses these conditions; empty when they hold."""
        diffs: list[str] = []
        for label, matchers, values in (
            ("path", self.path, request.path_params),
            ("query", self.query, request.query),
            ("header", self.headers, request.headers),
        ):
            for m in matchers:
                diff = m.difference(values.get(m.name))
                if diff is not None:
                    diffs.append(f"{label} {diff}")
        if self.has_body:
            diffs.extend(body_differences(self.body, request.body))
        return diffs

    def as_dict(self) -> dict[str, Any]:
        """The YAML form back, for the portal and the control API."""
        out: dict[str, Any] = {}
        for part in ("path", "query", "headers"):
            ms: tuple[Matcher, ...] = getattr(self, part)
            if ms:
                out[part] = {
                    m.name: m.expected
                    if m.kind == "equals"
                    else {m.kind: list(m.expected) if m.kind == "one_of" else m.expected}
                    for m in ms
                }
        if self.has_body:
            out["body"] = self.body
        return out
