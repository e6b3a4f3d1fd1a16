"""Response templating: Jinja2's immutable sandbox, compiled once at load time.

A string leaf of a response body or header that contains ``{{`` or ``{%`` is a template. A leaf
that is one expression and nothing else (``"{{ path.id | int }}"``) keeps the expression's type;
any other template renders to a string. Everything else is static, and a body with no template in
it is serialised once, at load time.

Templates are checked when they are compiled: syntax errors, private attributes (``__class__``),
the ``attr`` filter and path parameters the route does not have are refused then, not at request
time. At render time the sandbox still guards attribute access, and arithmetic that would build
huge numbers or strings is refused.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import ChainableUndefined, TemplateSyntaxError, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from mockserver.clock import format_rfc3339

__all__ = [
    "MAX_RENDERED_CHARS",
    "Body",
    "TemplateCompileError",
    "TemplateRenderError",
    "TextTemplate",
    "ValueTemplate",
    "compile_body",
    "compile_text",
    "compile_value",
    "dump_json",
    "is_template",
]

#: Longest string a template may build with ``*`` (and longest rendered text).
MAX_RENDERED_CHARS = 1_000_000
_MAX_EXPONENT = 64

_SINGLE_EXPRESSION = re.compile(r"^\s*\{\{(?P<expr>.*)\}\}\s*$", re.DOTALL)


def dump_json(value: Any) -> bytes:
    """Compact UTF-8 JSON, the form every JSON body is sent in."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


class TemplateCompileError(ValueError):
    """A template that cannot be compiled; ``line`` is 1-based within the template text."""

    def __init__(self, message: str, line: int = 1) -> None:
        self.line = line
        super().__init__(message)


class TemplateRenderError(RuntimeError):
    """A template that failed while rendering a response."""


class _Sandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, with ``*`` and ``**`` guarded against runaway sizes."""

    intercepted_binops = frozenset({"*", "**"})

    def unsafe_undefined(self, obj: Any, attribute: str) -> Any:
        # The stock sandbox returns an Undefined here, which the lenient Undefined we use for
        # missing request values would render as ''; an escape attempt should fail loudly.
        raise SecurityError(f"access to {attribute!r} of a {type(obj).__name__} is not allowed")

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            if isinstance(right, int | float) and abs(right) > _MAX_EXPONENT:
                raise SecurityError(f"exponent {right} is larger than {_MAX_EXPONENT}")
            if (
                isinstance(left, int)
                and isinstance(right, int)
                and left.bit_length() * right > 4096
            ):
                raise SecurityError("the power would exceed 4096 bits")
            return left**right
        if isinstance(left, str | list | tuple) and isinstance(right, int):
            size = len(left) * right
        elif isinstance(right, str | list | tuple) and isinstance(left, int):
            size = len(right) * left
        else:
            size = 0
        if size > MAX_RENDERED_CHARS:
            raise SecurityError(
                f"the result would hold {size:,} items, over {MAX_RENDERED_CHARS:,}"
            )
        return left * right


_ENV = _Sandbox(undefined=ChainableUndefined, autoescape=False, keep_trailing_newline=True)
# `{{ (timestamp + 14 * 86400) | rfc3339 }}`: dates relative to the mock clock, without arithmetic
# on date strings in templates.
_ENV.filters["rfc3339"] = format_rfc3339


def is_template(text: str) -> bool:
    """True when ``text`` contains template markup."""
    return "{{" in text or "{%" in text


def _check_ast(source: str, path_params: frozenset[str] | None) -> None:
    try:
        tree = _ENV.parse(source)
    except TemplateSyntaxError as exc:
        raise TemplateCompileError(f"template syntax error: {exc.message}", exc.lineno) from None
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter)):
        line = getattr(node, "lineno", 1) or 1
        if isinstance(node, nodes.Filter) and node.name == "attr":
            raise TemplateCompileError("the 'attr' filter is not allowed in templates", line)
        name: object = None
        if isinstance(node, nodes.Getattr):
            name = node.attr
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            name = node.arg.value
        if isinstance(name, str) and name.startswith("_"):
            raise TemplateCompileError(f"templates may not access private attribute {name!r}", line)
        if (
            path_params is not None
            and isinstance(name, str)
            and isinstance(node, nodes.Getattr | nodes.Getitem)
            and isinstance(node.node, nodes.Name)
            and node.node.name == "path"
            and name not in path_params
        ):
            known = ", ".join(sorted(path_params)) or "none"
            raise TemplateCompileError(
                f"template uses path.{name}, but the route has no {{{name}}} parameter "
                f"(path parameters: {known})",
                line,
            )


@dataclass(frozen=True)
class ValueTemplate:
    """A single-expression template; renders to the expression's own value and type."""

    source: str
    _fn: Callable[..., Any]

    def render(self, context: Mapping[str, Any]) -> Any:
        """Evaluate the expression against ``context``."""
        try:
            return self._fn(**context)
        except Exception as exc:
            raise TemplateRenderError(f"{self.source!r}: {exc}") from exc


@dataclass(frozen=True)
class TextTemplate:
    """A template rendered to a string."""

    source: str
    _render: Callable[..., str]

    def render(self, context: Mapping[str, Any]) -> str:
        """Render to text against ``context``."""
        try:
            text = self._render(context)
        except Exception as exc:
            raise TemplateRenderError(f"{self.source!r}: {exc}") from exc
        if len(text) > MAX_RENDERED_CHARS:
            raise TemplateRenderError(f"{self.source!r}: rendered text over {MAX_RENDERED_CHARS:,}")
        return text


def compile_text(
    source: str, path_params: frozenset[str] | None = None, *, typed: bool = True
) -> ValueTemplate | TextTemplate:
    """Compile one template string; ``typed`` keeps a single expression's type."""
    _check_ast(source, path_params)
    single = _SINGLE_EXPRESSION.match(source) if typed else None
    if single and "{{" not in single["expr"] and "{%" not in single["expr"]:
        try:
            fn = _ENV.compile_expression(single["expr"].strip(), undefined_to_none=True)
        except TemplateSyntaxError as exc:
            raise TemplateCompileError(f"template syntax error: {exc.message}", 1) from None
        return ValueTemplate(source, fn)
    template = _ENV.from_string(source)
    return TextTemplate(source, template.render)


#: Where a template sits in a body: the key path, for error positions.
TemplateSite = tuple[str | int, ...]


@dataclass(frozen=True)
class Body:
    """A response body: static bytes, or a tree with templates to render per request."""

    static: bytes | None
    _render: Callable[[Mapping[str, Any]], Any] | None
    is_json: bool
    uses: frozenset[str]

    def render(self, context: Mapping[str, Any]) -> bytes:
        """The body's bytes for one request."""
        if self.static is not None:
            return self.static
        assert self._render is not None
        value = self._render(context)
        if self.is_json:
            return dump_json(value)
        return str(value).encode()


def _names_used(sources: Iterable[str]) -> frozenset[str]:
    used: set[str] = set()
    for source in sources:
        used.update(node.name for node in _ENV.parse(source).find_all(nodes.Name))
    return frozenset(used)


def _value_renderer(
    value: Any,
    path_params: frozenset[str],
    on_error: Callable[[TemplateSite, TemplateCompileError], None],
    sources: list[str],
) -> Callable[[Mapping[str, Any]], Any] | None:
    """A function rendering the templates inside ``value``; None when it has none."""

    def build(node: Any, site: TemplateSite) -> Callable[[Mapping[str, Any]], Any] | None:
        if isinstance(node, str) and is_template(node):
            try:
                template = compile_text(node, path_params)
            except TemplateCompileError as exc:
                on_error(site, exc)
                return None
            sources.append(node)
            return template.render
        if isinstance(node, dict):
            parts = {k: build(v, (*site, k)) for k, v in node.items()}
            if all(p is None for p in parts.values()):
                return None
            return lambda ctx: {k: (node[k] if p is None else p(ctx)) for k, p in parts.items()}
        if isinstance(node, list):
            items = [build(v, (*site, i)) for i, v in enumerate(node)]
            if all(p is None for p in items):
                return None
            return lambda ctx: [node[i] if p is None else p(ctx) for i, p in enumerate(items)]
        return None

    return build(value, ())


def compile_value(
    value: Any,
    path_params: frozenset[str],
    on_error: Callable[[TemplateSite, TemplateCompileError], None],
) -> Callable[[Mapping[str, Any]], Any]:
    """A function giving ``value`` with its templates rendered (a deep copy when it has none)."""
    renderer = _value_renderer(value, path_params, on_error, [])
    if renderer is None:
        frozen = dump_json(value)
        return lambda ctx: json.loads(frozen)
    return renderer


def compile_body(
    value: Any,
    path_params: frozenset[str],
    on_error: Callable[[TemplateSite, TemplateCompileError], None],
) -> Body:
    """Compile a body value; report each bad template through ``on_error`` with its site."""
    sources: list[str] = []
    is_json = not isinstance(value, str)
    if isinstance(value, str) and is_template(value):
        # A body that is one expression (`"{{ user }}"`) is sent as the JSON of its value.
        try:
            template = compile_text(value, path_params)
        except TemplateCompileError as exc:
            on_error((), exc)
            return Body(static=b"", _render=None, is_json=False, uses=frozenset())
        return Body(
            static=None,
            _render=template.render,
            is_json=isinstance(template, ValueTemplate),
            uses=_names_used([value]),
        )
    renderer = _value_renderer(value, path_params, on_error, sources) if is_json else None
    if renderer is None:
        static = dump_json(value) if is_json else str(value).encode()
        return Body(static=static, _render=None, is_json=is_json, uses=frozenset())
    return Body(static=None, _render=renderer, is_json=True, uses=_names_used(sources))
