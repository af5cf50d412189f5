"""Where per-file work runs: in this process, a local process pool, or a Dask cluster.

All three call the same work on each path (a :class:`FileWork`, given by the caller: for
``planmine extract`` its per-file ingest and annotation) and return results in input order,
so the tables do not depend on the executor. The work is an argument, not an import, so this
module depends on no stage and the stages do not depend on it. A per-file time limit stops one pathological file
from hanging a batch: the worker raises at the deadline (``SIGALRM``, where the work runs on a
process's main thread) and the file is recorded as failed.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from pipeline.config import DEFAULT_ENGINE
from pipeline.ingest import progress
from pipeline.ingest.progress import PageSink

log = logging.getLogger(__name__)

EXECUTORS = ("local", "dask")
Result = TypeVar("Result")


def _nothing() -> None:
    """The default :attr:`FileWork.prepare`: no per-process set-up."""


@dataclass(frozen=True)
class FileWork(Generic[Result]):
    """The per-file work an executor runs; module-level functions, so a process pool or Dask
    sends them to workers by reference.

    ``process(path, root, engine, sha256)`` does one file and never raises for bad input;
    ``failed(path, root, error)`` is the result of a file that timed out or whose worker died;
    ``prepare()`` runs once per process before the time limit starts (e.g. building the NLP
    pipeline), so the limit is for the file's own work.
    """

    process: Callable[[Path, Path, str, str | None], Result]
    failed: Callable[[Path, Path, str], Result]
    prepare: Callable[[], object] = _nothing


class FileTimeout(Exception):
    """A file took longer than the per-file time limit."""


@contextmanager
def time_limit(seconds: float | None):
    """Raise :class:`FileTimeout` in this thread after ``seconds`` (main thread only)."""
    if seconds is None or seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def _alarm(signum, frame):  # noqa: ARG001
        raise FileTimeout(f"timed out after {seconds:g}s")

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def die_with_parent(parent_pid: int) -> None:
    """Worker initializer: the worker is killed when the process that started it dies.

    Without it a ``kill -9`` of ``planmine extract`` leaves its workers blocked on a pipe for
    good. Linux ``prctl(PR_SET_PDEATHSIG, SIGKILL)``; elsewhere a daemon thread polls the
    parent's pid.
    """
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        if libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl failed")
    except (OSError, AttributeError):
        def watch() -> None:
            import time

            while os.getppid() == parent_pid:
                time.sleep(1.0)
            os._exit(1)

        threading.Thread(target=watch, daemon=True).start()
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


def _init_worker(parent_pid: int, pages: Any | None) -> None:
    """Pool worker start: die with the parent, and send page progress to the parent's queue."""
    die_with_parent(parent_pid)
    if pages is not None:
        progress.set_sink(lambda name, done, total: pages.put((name, done, total)))


@contextmanager
def _page_queue(on_page: PageSink | None) -> Iterator[Any | None]:
    """A queue the pool's workers put page progress on, drained into ``on_page`` by a thread."""
    if on_page is None:
        yield None
        return
    import multiprocessing

    queue = multiprocessing.get_context().Queue()

    def drain() -> None:
        while (item := queue.get()) is not None:
            on_page(*item)

    thread = threading.Thread(target=drain, daemon=True)
    thread.start()
    try:
        yield queue
    finally:
        queue.put(None)
        thread.join(timeout=5)
        queue.close()


def process_with_limit(work: FileWork[Result], path: Path, root: Path, timeout: float | None,
                       engine: str = DEFAULT_ENGINE, sha256: str | None = None) -> Result:
    """``work.process`` under a time limit; a timeout becomes ``work.failed``."""
    work.prepare()  # outside the limit: the limit is for the file's own work
    try:
        with time_limit(timeout):
            return work.process(path, root, engine, sha256)
    except FileTimeout as exc:
        log.warning("%s: %s", path, exc)
        return work.failed(path, root, str(exc))


def run_files(
    paths: list[Path],
    root: Path,
    work: FileWork[Result],
    *,
    jobs: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
    timeout: float | None = None,
    engine: str = DEFAULT_ENGINE,
    on_done: Callable[[Path], None] | None = None,
    hashes: dict[Path, str] | None = None,
    on_page: PageSink | None = None,
) -> dict[Path, Result]:
    """Run ``work`` on ``paths`` with the chosen executor; results keyed by path.

    ``hashes``: the files' SHA-256 when the caller already computed them (passed on so the
    workers do not hash again). ``on_page(file name, pages read, pages)``: progress within a
    PDF, called in this process (not with Dask)."""
    hashes = hashes or {}
    if executor not in EXECUTORS:
        raise ValueError(f"executor must be one of {EXECUTORS}, got {executor!r}")
    if executor == "dask":
        return _run_dask(work, paths, root, scheduler, timeout, engine, on_done, hashes)
    results: dict[Path, Result] = {}
    if jobs <= 1 or len(paths) <= 1:
        previous = progress.set_sink(on_page)
        try:
            for path in paths:
                results[path] = process_with_limit(work, path, root, timeout, engine,
                                                   hashes.get(path))
                if on_done:
                    on_done(path)
        finally:
            progress.set_sink(previous)
        return results
    with _page_queue(on_page) as pages, \
            ProcessPoolExecutor(max_workers=min(jobs, len(paths)), initializer=_init_worker,
                                initargs=(os.getpid(), pages)) as pool:
        futures = {pool.submit(process_with_limit, work, p, root, timeout, engine,
                               hashes.get(p)): p
                   for p in paths}
        for fut in as_completed(futures):
            path = futures[fut]
            try:
                results[path] = fut.result()
            except Exception as exc:  # a worker that died (e.g. out of memory) fails its file only
                results[path] = work.failed(path, root,
                                            f"worker failed: {type(exc).__name__}: {exc}")
            if on_done:
                on_done(path)
    return results


def _run_dask(work: FileWork[Result], paths: list[Path], root: Path, scheduler: str | None, timeout: float | None,
              engine: str, on_done: Callable[[Path], None] | None,
              hashes: dict[Path, str]) -> dict[Path, Result]:
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError("the dask executor needs `pip install 'planmine[dask]'`") from exc
    if not scheduler:
        scheduler = os.environ.get("DASK_SCHEDULER_ADDRESS")
    if not scheduler:
        raise ValueError("--executor dask needs --scheduler ADDRESS (e.g. tcp://host:8786)")
    results: dict[Path, Result] = {}
    with Client(scheduler) as client:
        futures = {client.submit(process_with_limit, work, p, root, timeout, engine, hashes.get(p),
                                 pure=False): p for p in paths}
        for fut in dask_completed(list(futures)):
            path = futures[fut]
            results[path] = fut.result()
            if on_done:
                on_done(path)
    return results
