"""Templating: typed single expressions, text templates, and a sandbox that refuses escapes."""

from __future__ import annotations

import pytest

from mockserver.catalog.templating import (
    TemplateCompileError,
    TextTemplate,
    ValueTemplate,
    compile_body,
    compile_text,
)

PARAMS = frozenset({"id"})


def test_templating_single_expression_keeps_type() -> None:
    """`{{ path.id | int }}` renders a number, not a string."""
    template = compile_text("{{ path.id | int }}", PARAMS)
    assert isinstance(template, ValueTemplate)
    assert template.render({"path": {"id": "42"}}) == 42


def test_templating_single_expression_keeps_mapping() -> None:
    """An expression giving a mapping stays a mapping."""
    assert compile_text("{{ user }}").render({"user": {"a": 1}}) == {"a": 1}


def test_templating_mixed_text_renders_string() -> None:
    """Text around an expression makes a string."""
    template = compile_text("usr_{{ path.id }}", PARAMS)
    assert isinstance(template, TextTemplate)
    assert template.render({"path": {"id": "7"}}) == "usr_7"


def test_templating_undefined_value_is_null() -> None:
    """A missing value in a typed leaf is None (JSON null), not an error."""
    assert compile_text("{{ body.nope.deeper }}").render({"body": {}}) is None


def test_templating_refuses_unknown_path_parameter() -> None:
    """path.x must be a parameter of the route."""
    with pytest.raises(TemplateCompileError, match=r"path\.name, but the route has no \{name\}"):
        compile_text("{{ path.name }}", PARAMS)


def test_templating_syntax_error_has_template_line() -> None:
    """A syntax error on the second line of a template reports line 2."""
    with pytest.raises(TemplateCompileError) as info:
        compile_text("first line\n{{ oops( }}", PARAMS)
    assert info.value.line == 2


def test_templating_body_without_templates_is_static() -> None:
    """No template anywhere: bytes at compile time."""
    body = compile_body({"a": [1, "two", {"b": None}]}, PARAMS, _fail)
    assert body.static == b'{"a":[1,"two",{"b":null}]}'


def test_templating_body_renders_nested_templates() -> None:
    """Templates deep in a body are rendered; static parts stay as they are."""
    body = compile_body(
        {"id": "{{ path.id }}", "n": "{{ path.id | int }}", "tags": ["x", "{{ user.name }}"]},
        PARAMS,
        _fail,
    )
    assert body.static is None
    assert body.uses == {"path", "user"}
    rendered = body.render({"path": {"id": "5"}, "user": {"name": "Ada"}})
    assert rendered == b'{"id":"5","n":5,"tags":["x","Ada"]}'


def test_templating_body_reports_each_bad_leaf_with_its_site() -> None:
    """Every bad template in a body is reported at its own key path."""
    sites: list[tuple[object, ...]] = []
    compile_body({"a": "{{ x. }}", "b": ["ok", "{% if %}"]}, PARAMS, lambda s, e: sites.append(s))
    assert sites == [("a",), ("b", 1)]


def _fail(site: object, exc: Exception) -> None:
    raise AssertionError(f"unexpected template error at {site}: {exc}")
