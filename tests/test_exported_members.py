"""The public API is what mockserver.__all__ says, sorted, and all of it importable."""

from __future__ import annotations

import mockserver


def test_exported_members_are_sorted_and_exist() -> None:
    """__all__ is sorted and every name in it resolves."""
    names = [n for n in mockserver.__all__ if n != "__version__"]
    assert names == sorted(names)
    for name in mockserver.__all__:
        assert hasattr(mockserver, name), name


def test_exported_members_have_docstrings() -> None:
    """Every public class and function documents itself."""
    for name in mockserver.__all__:
        member = getattr(mockserver, name)
        if callable(member):
            assert member.__doc__, name


def test_exported_members_match_lazy_table() -> None:
    """Every name in __all__ (but the version) has a home module, and only those."""
    from mockserver import _HOMES

    assert set(_HOMES) == set(mockserver.__all__) - {"__version__"}


def test_importing_the_plugin_stays_light() -> None:
    """Loading the pytest plugin does not import aiohttp, PyJWT or Jinja2."""
    import subprocess
    import sys

    code = (
        "import sys, mockserver.testing.plugin; "
        "print(sorted(m for m in ('aiohttp', 'jwt', 'jinja2', 'yaml') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"
