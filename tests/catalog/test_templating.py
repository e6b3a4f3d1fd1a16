"""Templating: typed single expressions, text templates, and a sandbox that refuses escapes."""

from __future__ import annotations

import re

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


def test_templating_same_text_is_checked_once_and_shared() -> None:
    """A template text used by many responses gives one template object (one parse, one code)."""
    first = compile_text("{{ path.id }}-shared", PARAMS)
    assert compile_text("{{ path.id }}-shared", frozenset({"id", "other"})) is first
    with pytest.raises(TemplateCompileError, match=r"no \{id\} parameter"):
        compile_text("{{ path.id }}-shared", frozenset())  # path parameters still checked per use


def test_templating_code_is_generated_on_first_render() -> None:
    """Checking parses only; Python code is generated when the template first renders."""
    value = compile_text("{{ path.id ~ '-lazy-value' }}", PARAMS)
    text = compile_text("{{ path.id }} lazy text", PARAMS, typed=False)
    assert isinstance(value, ValueTemplate)
    assert isinstance(text, TextTemplate)
    assert "_fn" not in vars(value)
    assert "_generate" not in vars(text)
    assert value.render({"path": {"id": "7"}}) == "7-lazy-value"
    assert text.render({"path": {"id": "7"}}) == "7 lazy text"
    assert "_fn" in vars(value)
    assert "_generate" in vars(text)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{% if user %}{{ user.id | uper }}{% endif %}", "No filter named 'uper'."),
        ("{{ user is nmber }}", "No test named 'nmber'."),
        ("{% block a %}{% endblock %}{% block a %}{% endblock %}", "blocks are not allowed"),
        ("{% include 'x' %}", "'include' is not allowed"),
        ("{% for loop in [1] %}{% endfor %}", "Can't assign to special loop variable"),
        ("{{ user.id }}}}", "chunk after expression"),
        ("{{ usr.id }}", "unknown name 'usr'"),
    ],
)
def test_templating_refuses_at_check_what_code_generation_would(source: str, message: str) -> None:
    """What Jinja would only find while generating code is refused when the template is checked."""
    with pytest.raises(TemplateCompileError, match=re.escape(message)):
        compile_text(source, PARAMS)


def test_templating_loop_variable_and_set_names_are_known() -> None:
    """Names a template sets itself, and `loop` inside a for, are not unknown names."""
    template = compile_text(
        "{% set n = 2 %}{% for x in [1, 2] %}{{ loop.index * n + x }},{% endfor %}", PARAMS
    )
    assert template.render({}) == "3,6,"
