"""Property-based fuzzing of the fixture loader: any YAML yields a Catalog or a located error.

Hypothesis writes ``auth.yaml`` and one group file into a fresh directory and loads it with
``load_catalog``. The only acceptable outcomes are a Catalog or a FixtureError whose every problem
names its file, line and column; any other exception is a bug. Inputs are generated YAML text
(random data dumped as YAML, hand-built snippets with anchors, aliases, merge keys, tags, odd
unicode, control bytes, BOMs, binary-ish text) and mutations of the shipped fixture files (lines
deleted, duplicated, swapped, re-indented, values replaced, the file truncated). Runs are
derandomized, so CI sees the same examples every time, and bounded in number.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from mockserver.catalog.loader import AUTH_FILE, load_catalog
from mockserver.catalog.model import Catalog
from mockserver.config import shipped_fixtures
from mockserver.errors import FixtureError

SHIPPED = shipped_fixtures()
GROUP_FILES = sorted(p.name for p in SHIPPED.glob("*.yaml") if p.name != AUTH_FILE)
GROUP_TEXTS = {name: (SHIPPED / name).read_text() for name in GROUP_FILES}
AUTH_TEXT = (SHIPPED / AUTH_FILE).read_text()

#: FUZZ_SCALE=20 multiplies the budgets (and FUZZ_RANDOM=1 draws new examples) for a deeper run.
SCALE = int(os.environ.get("FUZZ_SCALE", "1"))
#: Derandomized (the same examples on every run) and bounded: the module runs in about 15 s.
FUZZ = settings(
    max_examples=100 * SCALE,
    deadline=None,
    derandomize=not os.environ.get("FUZZ_RANDOM"),
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
#: Byte strings and line mutations are cheap to draw: twice the examples.
FUZZ_MORE = settings(FUZZ, max_examples=200 * SCALE)

# -- outcome ------------------------------------------------------------------------------------


def load_outcome(files: dict[str, str | bytes]) -> Catalog | FixtureError:
    """Write ``files`` (the sample auth.yaml unless given) into a fresh directory and load it.

    Returns the Catalog, or the FixtureError after checking that each problem is located; any
    other exception propagates and fails the property.
    """
    note = event if currently_in_test_context() else lambda _: None
    with tempfile.TemporaryDirectory(prefix="fuzz-fixtures-") as tmp:
        root = Path(tmp)
        # body_file references (invoices.yaml) resolve against a copy of the shipped files.
        shutil.copytree(SHIPPED / "files", root / "files")
        contents: dict[str, str | bytes] = {AUTH_FILE: AUTH_TEXT, **files}
        for name, content in contents.items():
            target = root / name
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8", errors="surrogatepass")
        try:
            catalog = load_catalog(root)
        except FixtureError as exc:
            error = exc
        else:
            note("catalog")
            return catalog
    note("located error")
    assert_located(error, set(contents))
    return error


def assert_located(error: FixtureError, names: set[str]) -> None:
    """Every problem of ``error`` names one of the written files, a line and a column."""
    assert error.problems, "a FixtureError must carry at least one problem"
    for problem in error.problems:
        assert Path(problem.file).name in names, problem
        assert problem.line >= 1, f"problem without a line: {problem}"
        assert problem.column >= 1, f"problem without a column: {problem}"
        assert f"{problem.file}:{problem.line}:{problem.column}: " in str(error)
        assert problem.message.strip(), problem


# -- generated YAML text ------------------------------------------------------------------------

ODD_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),  # any encodable code point: RTL, combining, emoji, NUL
        st.sampled_from(list("\t\r\n\x00\x07\x1b\x85\u2028\u2029\ufeff\ufffe'\"{}[]&*!|>%@`#:-,?")),
    ),
    max_size=24,
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    ODD_TEXT,
    st.sampled_from(["{{ path.id }}", "{% for %}", "{{ 9**9**9 }}", "{{ ''.__class__ }}", "~"]),
)
KEYS = st.one_of(
    ODD_TEXT,
    st.sampled_from(
        ["format", "group", "endpoints", "responses", "body", "when", "collections", "<<"]
    ),
)
DATA = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=5), st.dictionaries(KEYS, children, max_size=5)
    ),
    max_leaves=20,
)

SNIPPETS = st.sampled_from(
    [
        "base: &a {x: 1}\nother:\n  <<: *a\n  y: 2\n",
        "a: &x [1, 2]\nb: [*x, *x, *x]\nc: *undefined\n",
        "a: &a [*a]\n",
        "!!python/object/apply:os.system ['echo pwned']\n",
        "x: !!python/name:os.system\n",
        "x: !custom {a: 1}\n",
        "x: !!binary aGVsbG8=\n",
        "x: !!set {a, b}\n",
        "x: !!omap [a: 1]\n",
        "x: !!timestamp 2025-01-01\n",
        "x: !!float not-a-number\n",
        "x: !!int 0x_\n",
        "? [complex, key]\n: value\n",
        "? {a: 1}\n: value\n",
        "%YAML 1.1\n---\na: 1\n",
        "%TAG !e! tag:example.com,2000:\n---\na: !e!thing 1\n",
        "a: 1\n---\nb: 2\n",
        "---\n...\n",
        "a: 1\na: 2\n",
        "a:\n\t- tab\n",
        "a: |\n  block\n b: 1\n",
        "a: 'unterminated\n",
        '"\\uD800": x\n',
        "a: [1, 2\n",
        "null: ~\ntrue: yes\n1: one\n1.5: x\n",
        "format: 1\ngroup: {name: g, title: G, description: d}\nendpoints: []\n",
        "format: 1\ngroup: {name: g, title: G, description: d}\nendpoints:\n  - *e\n",
        "format: 1\ngroup: &g {name: g, title: G, description: d, extra: *g}\nendpoints: []\n",
        "\ufeffformat: 1\n",
        "\ufeff\ufeffformat: 1\n",
        "",
        "   \n\n# only a comment\n",
        "[]\n",
        "'just a string'\n",
        "- - - - - - -\n",
    ]
)


@st.composite
def yaml_texts(draw: st.DrawFn) -> str:
    """YAML-ish text: dumped random data, snippets, and raw punctuation-heavy text, spliced."""
    parts: list[str] = []
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        kind = draw(st.integers(min_value=0, max_value=2))
        if kind == 0:
            data = draw(DATA)
            flow = draw(st.sampled_from([None, True, False]))
            parts.append(
                yaml.safe_dump(data, default_flow_style=flow, allow_unicode=draw(st.booleans()))
            )
        elif kind == 1:
            parts.append(draw(SNIPPETS))
        else:
            parts.append(draw(ODD_TEXT))
    return "".join(parts)


@FUZZ
@given(text=yaml_texts())
def test_fuzz_loader_any_yaml_text_is_a_catalog_or_located_error(text: str) -> None:
    """Generated YAML text as a group file: a Catalog or a FixtureError with file:line:col."""
    load_outcome({"fuzz.yaml": text})


@FUZZ_MORE
@given(raw=st.binary(max_size=300), prefix=st.sampled_from([b"", b"\xef\xbb\xbf", b"format: 1\n"]))
def test_fuzz_loader_binary_bytes_are_a_located_error(raw: bytes, prefix: bytes) -> None:
    """Arbitrary bytes (invalid UTF-8, NULs, BOMs) as a group file never escape as another error."""
    load_outcome({"fuzz.yaml": prefix + raw})


@FUZZ
@given(text=yaml_texts())
def test_fuzz_loader_any_auth_yaml_is_a_catalog_or_located_error(text: str) -> None:
    """Generated YAML text as auth.yaml, next to a valid group file: never an unlocated error."""
    load_outcome({AUTH_FILE: text, "meta.yaml": GROUP_TEXTS["meta.yaml"]})


# -- mutations of the shipped fixtures ----------------------------------------------------------

Mutation = Callable[[list[str]], list[str]]

REPLACEMENTS = st.one_of(
    SCALARS.map(lambda v: yaml.safe_dump(v, default_flow_style=True).splitlines()[0]),
    st.sampled_from(
        ["", "~", "[]", "{}", "*nope", "&a x", "!!str", "{{ path.nope }}", "'", "999", "-1", "x:"]
    ),
)


@st.composite
def mutated(draw: st.DrawFn, base: str) -> str:
    """``base`` with one to five line-level mutations applied."""
    lines = base.splitlines(keepends=True)
    for _ in range(draw(st.integers(min_value=1, max_value=5))):
        if not lines:
            break
        i = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        op = draw(
            st.sampled_from(
                ["delete", "duplicate", "swap", "indent", "dedent", "tab", "value", "insert", "cut"]
            )
        )
        line = lines[i]
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, line)
        elif op == "swap":
            j = draw(st.integers(min_value=0, max_value=len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "indent":
            lines[i] = " " * draw(st.integers(min_value=1, max_value=4)) + line
        elif op == "dedent":
            lines[i] = line[draw(st.integers(min_value=1, max_value=4)) :]
        elif op == "tab":
            lines[i] = "\t" + line.lstrip(" ")
        elif op == "value":
            key, sep, _ = line.partition(": ")
            value = draw(REPLACEMENTS)
            lines[i] = f"{key}{sep or ': '}{value}\n"
        elif op == "insert":
            lines.insert(i, draw(ODD_TEXT) + "\n")
        else:  # truncate the file somewhere inside this line
            cut = draw(st.integers(min_value=0, max_value=len(line)))
            lines = [*lines[:i], line[:cut]]
    return "".join(lines)


@st.composite
def mutated_group(draw: st.DrawFn) -> tuple[str, str]:
    """A shipped group file's name and a mutation of its text."""
    name = draw(st.sampled_from(GROUP_FILES))
    return name, draw(mutated(GROUP_TEXTS[name]))


@FUZZ_MORE
@given(case=mutated_group())
def test_fuzz_loader_mutated_shipped_group_is_a_catalog_or_located_error(
    case: tuple[str, str],
) -> None:
    """A shipped group file with lines deleted, moved, re-indented or rewritten: never a crash."""
    name, text = case
    load_outcome({name: text})


@FUZZ_MORE
@given(text=mutated(AUTH_TEXT))
def test_fuzz_loader_mutated_auth_is_a_catalog_or_located_error(text: str) -> None:
    """The shipped auth.yaml mutated line by line, next to a valid group: never a crash."""
    load_outcome({AUTH_FILE: text, "meta.yaml": GROUP_TEXTS["meta.yaml"]})


def test_fuzz_loader_outcome_helper_accepts_the_shipped_files() -> None:
    """The harness itself: an unmutated shipped group loads into a Catalog."""
    outcome = load_outcome({"projects.yaml": GROUP_TEXTS["projects.yaml"]})
    assert isinstance(outcome, Catalog)


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("a: 1\nbé: é\x1f\n", "2:6", "character U+001F is not allowed in YAML"),
        ("x: !!float not-a-number\n", "1:4", "'not-a-number' is not a valid float"),
        ("x: !!int 0x_\n", "1:4", "'0x_' is not a valid int"),
        ("!!bool maybe: 1\n", "1:1", "'maybe' is not a valid bool"),
    ],
)
def test_fuzz_loader_found_cases_are_located(text: str, where: str, message: str) -> None:
    """Inputs the fuzzer once found escaping as plain errors now give a located FixtureError."""
    outcome = load_outcome({"found.yaml": text})
    assert isinstance(outcome, FixtureError)
    assert [p.message for p in outcome.problems if f"{p.line}:{p.column}" == where]
    assert message in str(outcome)
