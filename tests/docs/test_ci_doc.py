"""docs/ci.md uses only commands, flags and variables that exist, in valid YAML."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import yaml

from mockserver.cli import build_parser
from mockserver.config import SETTINGS

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "ci.md").read_text()


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_ci_doc_uses_existing_commands_and_flags() -> None:
    """Every `coherta-mock CMD --flag` in the page exists in the CLI."""
    commands = _subcommands()
    uses = re.findall(r"coherta-mock[ \t]+([a-z]+)((?:[ \t]+--[\w-]+)*)", DOC)
    assert uses, "the page shows no coherta-mock command"
    for command, flags in uses:
        assert command in commands, command
        known = {opt for a in commands[command]._actions for opt in a.option_strings}
        for flag in flags.split():
            assert flag in known, f"coherta-mock {command} {flag}"
    for argv in re.findall(r'\["coherta-mock", ([^\]]*)\]', DOC):
        command = argv.split(",")[0].strip().strip('"')
        assert command in commands, command


def test_ci_doc_uses_existing_variables() -> None:
    """Every COHERTA_MOCK_* variable in the page is a real setting, and all are listed."""
    known = {s.env for s in SETTINGS}
    used = set(re.findall(r"COHERTA_MOCK_[A-Z_]+", DOC))
    assert used <= known, used - known
    assert known <= used, f"not documented: {known - used}"


def test_ci_doc_yaml_examples_parse() -> None:
    """Every YAML example is valid YAML (GitHub, GitLab, compose, Kubernetes)."""
    blocks = re.findall(r"```yaml\n(.*?)```", DOC, re.DOTALL)
    assert len(blocks) >= 5
    for block in blocks:
        yaml.safe_load(block)
    joined = "\n".join(blocks)
    for marker in ("services:", "alias: coherta", "condition: service_healthy", "readinessProbe"):
        assert marker in joined


def test_ci_doc_control_key_header_is_the_real_one() -> None:
    """The header the docs tell tests to send is the one the control API reads."""
    from mockserver.control.api import CONTROL_KEY_HEADER

    assert CONTROL_KEY_HEADER in DOC
    assert "/__mock/health" in DOC
