"""Page-level progress from inside a file's reading, wherever the reading runs.

Why: a 2,000-page PDF is one unit of the per-file progress bar, which then shows ``0/1`` for
minutes. The PDF readers call :func:`page_read` after each page; what happens with it is set
per process by the executor: in the calling process a callback, in a pool worker a queue the
parent drains (see :mod:`pipeline.executors`). With no sink set (a Dask worker, a library
caller) it does nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

#: (file name, pages read so far, pages in the file)
PageSink = Callable[[str, int, int], None]

_sink: PageSink | None = None


def set_sink(sink: PageSink | None) -> PageSink | None:
    """Send page progress of this process to ``sink``; returns the previous sink."""
    global _sink
    previous, _sink = _sink, sink
    return previous


def page_read(path: Path, done: int, total: int) -> None:
    """Report that ``done`` of ``total`` pages of ``path`` are read. Never raises: progress
    must not fail a file."""
    if _sink is None:
        return
    try:
        _sink(Path(path).name, done, total)
    except Exception:  # noqa: BLE001  (a closed queue at shutdown, a broken callback)
        pass
