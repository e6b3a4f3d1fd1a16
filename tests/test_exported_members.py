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
