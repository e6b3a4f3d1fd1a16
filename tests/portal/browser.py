"""Debian's Chromium driven by Playwright (which cannot download its own browsers here)."""

from __future__ import annotations

import shutil
from pathlib import Path

#: Flags for a root, offline, headless Chromium: no sandbox (root), no background traffic.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str:
    """The Debian Chromium binary; `make test` installs it where it is missing."""
    found = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(found).exists():
        raise RuntimeError(
            "Chromium is not installed: run `make test` (it installs Debian's chromium package) "
            "or `apt-get install chromium`."
        )
    return found
