"""``coherta-mock record``: a proxy that forwards to a live API and writes what it sees as fixtures.

``create_recorder_app(target, out, force)`` is the proxy as an aiohttp application; the CLI serves
it. Routes are templated in ``routes``, exchanges turned into fixture data in ``fixtures``, and
written to disk, atomically and redacted, by ``store``.
"""

from __future__ import annotations

from mockserver.errors import OutputExistsError
from mockserver.recording.proxy import RECORDER, Recorder, create_recorder_app, parse_target
from mockserver.recording.store import RecordingStore

__all__ = [
    "RECORDER",
    "OutputExistsError",
    "Recorder",
    "RecordingStore",
    "create_recorder_app",
    "parse_target",
]
