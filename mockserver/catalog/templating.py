"""Response templating: Jinja2's immutable sandbox, checked at load time, compiled on first use.

A string leaf of a response body or header that contains ``{{`` or ``{%`` is a template. A leaf
that is one expression and nothing else (``"{{ path.id | int }}"``) keeps the expression's type;
any other template renders to a string. Everything else is static, and a body with no template in
it is serialised once, at load time.

Templates are checked when they are compiled: syntax errors, unknown filters and tests, names
that are not in the request context (``usr`` for ``user``), private attributes (``__class__``),
the ``attr`` filter, ``str.format``, nested loops, macros and path parameters the route does not
have are refused then, not at request time. Checking needs only Jinja's parser; turning a
template into Python code is three times its cost, so that waits for the template's first render
(a catalog has many templates that a test run never renders). Both are done once per distinct
template text. At render time the sandbox still guards attribute
access, and whatever would build huge numbers or strings (``**``, ``*``, ``%``, ``~``, the
``center``, ``indent``, ``join`` and ``replace`` filters, the rendered text itself) is refused
past ``MAX_RENDERED_CHARS``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from jinja2 import ChainableUndefined, TemplateSyntaxError, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.filters import do_center, do_indent, do_join, do_replace
from jinja2.parser import Parser
from jinja2.sandbox import ImmutableSandboxedEnvironment

from mockserver.clock import format_rfc3339

__all__ = [
    "CONTEXT_NAMES",
    "MAX_EXPONENT",
    "MAX_POWER_BITS",
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

#: Longest string or list a template may build (``*``, ``~``, ``%``, filters), and longest text.
MAX_RENDERED_CHARS = 1_000_000
#: Largest exponent of ``**``.
MAX_EXPONENT = 64
#: Largest integer (in bits) that ``**`` may build.
MAX_POWER_BITS = 4096
#: The names a template may read: the request context the server renders with.
CONTEXT_NAMES = frozenset(
    {"path", "query", "headers", "body", "claims", "user", "now", "timestamp", "request"}
)
# A %-format with a `*` or a seven-digit width or precision: "%*s", "%.9999999f".
_HUGE_FORMAT = re.compile(r"%[^a-zA-Z%]*(\*|\d{7,})")

_SINGLE_EXPRESSION = re.compile(r"^\s*\{\{(?P<expr>.*)\}\}\s*$", re.DOTALL)


# One encoder for every body: json.dumps would build a new one per call for these options.
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def dump_json(value: Any) -> bytes:
    """Compact UTF-8 JSON, the form every JSON body is sent in."""
    return _JSON.encode(value).encode()


class TemplateCompileError(ValueError):
    """A template that cannot be compiled; ``line`` is 1-based within the template text."""

    def __init__(self, message: str, line: int = 1) -> None:
        self.line = line
        super().__init__(message)


class TemplateRenderError(RuntimeError):
    """A template that failed while rendering a response."""


def _refuse_size(size: int) -> None:
    if size > MAX_RENDERED_CHARS:
        raise SecurityError(f"the result would hold {size:,} items, over {MAX_RENDERED_CHARS:,}")


def _guarded_concat(parts: tuple[Any, ...]) -> str:
    """``a ~ b``: refused when the text would pass MAX_RENDERED_CHARS (doubling chains)."""
    texts = [str(part) for part in parts]
    _refuse_size(sum(len(t) for t in texts))
    return "".join(texts)


def _guarded_format(text: str, args: Any) -> Any:
    if _HUGE_FORMAT.search(text):
        raise SecurityError("%-formats with '*' or a width over six digits are not allowed")
    result = text % args
    _refuse_size(len(result) if isinstance(result, str) else 0)
    return result


class _CodeGenerator(CodeGenerator):
    """Jinja's code generator, with ``~`` routed through a size check."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.guarded_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class _Sandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, with ``*``, ``**``, ``%`` and ``~`` guarded against runaway sizes."""

    intercepted_binops = frozenset({"*", "**", "%"})
    code_generator_class = _CodeGenerator
    guarded_concat = staticmethod(_guarded_concat)

    def unsafe_undefined(self, obj: Any, attribute: str) -> Any:
        # The stock sandbox returns an Undefined here, which the lenient Undefined we use for
        # missing request values would render as ''; an escape attempt should fail loudly.
        raise SecurityError(f"access to {attribute!r} of a {type(obj).__name__} is not allowed")

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            if isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
                raise SecurityError(f"exponent {right} is larger than {MAX_EXPONENT}")
            if (
                isinstance(left, int)
                and isinstance(right, int)
                and left.bit_length() * right > MAX_POWER_BITS
            ):
                raise SecurityError(f"the power would exceed {MAX_POWER_BITS} bits")
            return left**right
        if operator == "%":
            if isinstance(left, str):
                return _guarded_format(left, right)
            return left % right
        if isinstance(left, str | list | tuple) and isinstance(right, int):
            _refuse_size(len(left) * right)
        elif isinstance(right, str | list | tuple) and isinstance(left, int):
            _refuse_size(len(right) * left)
        return left * right


def _guarded_center(value: str, width: int = 80) -> str:
    _refuse_size(width)
    return do_center(value, width)


def _guarded_indent(value: str, width: int | str = 4, *args: Any, **kwargs: Any) -> str:
    per_line = width if isinstance(width, int) else len(width)
    _refuse_size(per_line * (str(value).count("\n") + 1) + len(str(value)))
    return do_indent(value, width, *args, **kwargs)


def _guarded_join(eval_ctx: Any, value: Any, d: str = "", attribute: Any = None) -> str:
    items = list(value)
    _refuse_size(sum(len(str(i)) for i in items) + len(d) * max(len(items) - 1, 0))
    return str(do_join(eval_ctx, items, d, attribute))


def _guarded_replace(eval_ctx: Any, s: str, old: str, new: str, count: int | None = None) -> str:
    text, old, new = str(s), str(old), str(new)
    hits = text.count(old) if old else len(text) + 1
    if count is not None and count >= 0:
        hits = min(hits, count)
    _refuse_size(len(text) + hits * max(len(new) - len(old), 0))
    return do_replace(eval_ctx, s, old, new, count)


def _guarded_format_filter(value: str, *args: Any, **kwargs: Any) -> Any:
    if args and kwargs:
        raise SecurityError("the format filter takes positional or keyword arguments, not both")
    return _guarded_format(str(value), kwargs or args)


_guarded_join.jinja_pass_arg = _guarded_replace.jinja_pass_arg = (  # type: ignore[attr-defined]
    do_join.jinja_pass_arg
)


_ENV = _Sandbox(undefined=ChainableUndefined, autoescape=False, keep_trailing_newline=True)
# `{{ (timestamp + 14 * 86400) | rfc3339 }}`: dates relative to the mock clock, without arithmetic
# on date strings in templates.
_ENV.filters["rfc3339"] = format_rfc3339
_ENV.filters.update(
    center=_guarded_center,
    indent=_guarded_indent,
    join=_guarded_join,
    replace=_guarded_replace,
    format=_guarded_format_filter,
)
# lipsum(n) builds n paragraphs of text: no use in a fixture, and a runaway with a large n.
del _ENV.globals["lipsum"]
_KNOWN_NAMES = CONTEXT_NAMES | frozenset(_ENV.globals)


def is_template(text: str) -> bool:
    """True when ``text`` contains template markup."""
    return "{{" in text or "{%" in text


# Template tags that only make sense with a template loader, or that Jinja checks only while
# generating code: refused at load time, as code generation waits for the first render.
_REFUSED_TAGS: dict[type[nodes.Node], str] = {
    nodes.Macro: "macros are not allowed in templates",
    nodes.CallBlock: "macros are not allowed in templates",
    nodes.Block: "blocks are not allowed in templates",
    nodes.Extends: "'extends' is not allowed in templates: a response has no parent template",
    nodes.Include: "'include' is not allowed in templates: there are no templates to include",
    nodes.Import: "'import' is not allowed in templates: there are no templates to import",
    nodes.FromImport: "'import' is not allowed in templates: there are no templates to import",
}
#: Distinct template texts remembered with their check (and, once rendered, their code).
CHECK_CACHE_SIZE = 4096


@dataclass(frozen=True)
class _Checked:
    """What a template's parse tells: its names, its ``path.<name>`` uses, or why it is refused."""

    template: ValueTemplate | TextTemplate | None
    names: frozenset[str]
    path_uses: tuple[tuple[str, int], ...]
    error: tuple[str, int] | None = None


def _parse(source: str, expression: bool) -> nodes.Template:
    """The tree of a template, or of one expression (as ``compile_expression`` parses it)."""
    if not expression:
        return _ENV.parse(source)
    parser = Parser(_ENV, source, state="variable")
    tree = parser.parse_expression()
    if not parser.stream.eos:
        raise TemplateSyntaxError("chunk after expression", parser.stream.current.lineno)
    # find_all() looks below a node, never at it: hang the expression under a template.
    return nodes.Template([nodes.Output([tree], lineno=1)], lineno=1)


def _refusal(tree: nodes.Node) -> tuple[str, int] | None:
    """Why the parsed template is refused (message, line), or None; every check on one tree."""
    for check in tree.find_all((nodes.Filter, nodes.Test)):
        registry = _ENV.filters if isinstance(check, nodes.Filter) else _ENV.tests
        if check.name not in registry:
            kind = "filter" if isinstance(check, nodes.Filter) else "test"
            return f"template syntax error: No {kind} named {check.name!r}.", check.lineno or 1
    for tag in tree.find_all(tuple(_REFUSED_TAGS)):
        return _REFUSED_TAGS[type(tag)], tag.lineno or 1
    # Names read but never set in the template (nor `loop` inside a for) must be context names.
    first_read: dict[str, int] = {}
    stored: set[str] = set()
    for name in tree.find_all(nodes.Name):
        if name.ctx == "load":
            first_read.setdefault(name.name, name.lineno or 1)
        elif name.name == "loop":
            return "Can't assign to special loop variable in for-loop target", name.lineno or 1
        else:
            stored.add(name.name)
    if any(True for _ in tree.find_all(nodes.For)):
        stored.add("loop")
    unknown = sorted(first_read.keys() - _KNOWN_NAMES - stored)
    if unknown:
        known = ", ".join(sorted(CONTEXT_NAMES))
        return (
            f"template uses unknown name {unknown[0]!r}; templates can read {known}",
            first_read[unknown[0]],
        )
    for loop in tree.find_all(nodes.For):
        if loop.recursive or any(True for _ in loop.find_all(nodes.For)):
            return (
                "nested or recursive loops are not allowed in templates (a runaway guard)",
                loop.lineno or 1,
            )
    for call in tree.find_all(nodes.Call):
        target = call.node
        if isinstance(target, nodes.Getattr) and target.attr in ("format", "format_map"):
            return (
                f"str.{target.attr} is not allowed in templates; use ~ or the format filter",
                call.lineno or 1,
            )
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter)):
        line = getattr(node, "lineno", 1) or 1
        if isinstance(node, nodes.Filter) and node.name == "attr":
            return "the 'attr' filter is not allowed in templates", line
        attribute: object = None
        if isinstance(node, nodes.Getattr):
            attribute = node.attr
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            attribute = node.arg.value
        if isinstance(attribute, str) and attribute.startswith("_"):
            return f"templates may not access private attribute {attribute!r}", line
    return None


def _path_uses(tree: nodes.Node) -> tuple[tuple[str, int], ...]:
    """``path.<name>`` and ``path['<name>']`` in the tree, with their lines."""
    uses: list[tuple[str, int]] = []
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        if not isinstance(node, nodes.Getattr | nodes.Getitem):
            continue
        if not (isinstance(node.node, nodes.Name) and node.node.name == "path"):
            continue
        if isinstance(node, nodes.Getattr):
            uses.append((node.attr, node.lineno or 1))
        elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            uses.append((node.arg.value, node.lineno or 1))
    return tuple(uses)


@lru_cache(maxsize=CHECK_CACHE_SIZE)
def _check(source: str, typed: bool) -> _Checked:
    """Parse and check one template text once; the template it gives compiles on first render."""
    single = _SINGLE_EXPRESSION.match(source) if typed else None
    expression = None
    if single and "{{" not in single["expr"] and "{%" not in single["expr"]:
        expression = single["expr"].strip()
    try:
        tree = _parse(expression if expression is not None else source, expression is not None)
    except TemplateSyntaxError as exc:
        return _Checked(
            None, frozenset(), (), (f"template syntax error: {exc.message}", exc.lineno)
        )
    refusal = _refusal(tree)
    names = frozenset(node.name for node in tree.find_all(nodes.Name))
    template: ValueTemplate | TextTemplate = (
        ValueTemplate(source, expression) if expression is not None else TextTemplate(source)
    )
    return _Checked(None if refusal else template, names, _path_uses(tree), refusal)


def _checked(source: str, path_params: frozenset[str] | None, typed: bool) -> _Checked:
    """The check of ``source``, raising TemplateCompileError for a refused template."""
    checked = _check(source, typed)
    if checked.error is not None:
        raise TemplateCompileError(*checked.error)
    if path_params is not None:
        for name, line in checked.path_uses:
            if name not in path_params:
                known = ", ".join(sorted(path_params)) or "none"
                raise TemplateCompileError(
                    f"template uses path.{name}, but the route has no {{{name}}} parameter "
                    f"(path parameters: {known})",
                    line,
                )
    return checked


@dataclass(frozen=True, eq=False)
class ValueTemplate:
    """A single-expression template; renders to the expression's own value and type."""

    source: str
    expression: str

    @cached_property
    def _fn(self) -> Callable[..., Any]:
        # Compiled on first render; the text was checked when the template was made.
        return _ENV.compile_expression(self.expression, undefined_to_none=True)

    def render(self, context: Mapping[str, Any]) -> Any:
        """Evaluate the expression against ``context``."""
        try:
            value = self._fn(**context)
        except Exception as exc:
            raise TemplateRenderError(f"{self.source!r}: {exc}") from exc
        if isinstance(value, str | list | tuple | dict) and len(value) > MAX_RENDERED_CHARS:
            raise TemplateRenderError(f"{self.source!r}: a value over {MAX_RENDERED_CHARS:,}")
        return value


@dataclass(frozen=True, eq=False)
class TextTemplate:
    """A template rendered to a string."""

    source: str

    @cached_property
    def _generate(self) -> Callable[..., Iterable[str]]:
        # Compiled on first render; the text was checked when the template was made.
        return _ENV.from_string(self.source).generate

    def render(self, context: Mapping[str, Any]) -> str:
        """Render to text against ``context``, stopping as soon as it passes the size cap."""
        parts: list[str] = []
        size = 0
        try:
            for part in self._generate(context):
                size += len(part)
                if size > MAX_RENDERED_CHARS:
                    raise TemplateRenderError(
                        f"{self.source!r}: rendered text over {MAX_RENDERED_CHARS:,}"
                    )
                parts.append(part)
        except TemplateRenderError:
            raise
        except Exception as exc:
            raise TemplateRenderError(f"{self.source!r}: {exc}") from exc
        return "".join(parts)


def compile_text(
    source: str, path_params: frozenset[str] | None = None, *, typed: bool = True
) -> ValueTemplate | TextTemplate:
    """Check one template string; ``typed`` keeps a single expression's type.

    Raises TemplateCompileError for a template that is refused. The same text gives the same
    template object, so its code is generated once however many responses use it.
    """
    template = _checked(source, path_params, typed).template
    assert template is not None  # _checked raises for a refused template
    return template


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
        used.update(_check(source, True).names)
    return frozenset(used)


def _value_renderer(
    value: Any,
    path_params: frozenset[str],
    on_error: Callable[[TemplateSite, TemplateCompileError], None],
    sources: list[str],
) -> Callable[[Mapping[str, Any]], Any] | None:
    """A function rendering the templates inside ``value``; None when it has none."""
    return _renderer(value, (), path_params, on_error, sources)


def _renderer(
    node: Any,
    site: TemplateSite,
    path_params: frozenset[str],
    on_error: Callable[[TemplateSite, TemplateCompileError], None],
    sources: list[str],
) -> Callable[[Mapping[str, Any]], Any] | None:
    # A module-level function, not a closure calling itself: such a closure is a reference
    # cycle, and it kept on_error (and through it the loader's whole YAML node tree) alive
    # until the cyclic collector ran.
    if isinstance(node, str) and is_template(node):
        try:
            template = compile_text(node, path_params)
        except TemplateCompileError as exc:
            on_error(site, exc)
            return None
        sources.append(node)
        return template.render
    if isinstance(node, dict):
        parts = {
            k: _renderer(v, (*site, k), path_params, on_error, sources) for k, v in node.items()
        }
        if all(p is None for p in parts.values()):
            return None
        return lambda ctx: {k: (node[k] if p is None else p(ctx)) for k, p in parts.items()}
    if isinstance(node, list):
        items = [
            _renderer(v, (*site, i), path_params, on_error, sources) for i, v in enumerate(node)
        ]
        if all(p is None for p in items):
            return None
        return lambda ctx: [node[i] if p is None else p(ctx) for i, p in enumerate(items)]
    return None


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
    static = dump_json(value) if is_json else str(value).encode()
    # Most bodies hold no template: their JSON text, needed anyway, says so without a walk.
    if not is_json or (b"{{" not in static and b"{%" not in static):
        return Body(static=static, _render=None, is_json=is_json, uses=frozenset())
    renderer = _value_renderer(value, path_params, on_error, sources)
    if renderer is None:
        return Body(static=static, _render=None, is_json=True, uses=frozenset())
    return Body(static=None, _render=renderer, is_json=True, uses=_names_used(sources))
