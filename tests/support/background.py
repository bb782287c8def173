"""The suite's long work — rehearsals, the fault campaign, the engines, the migration guide — run in background
threads from the session's start, beside the in-process tests, longest first, each one timed.

A test module declares its long work as ``BACKGROUND = [Work(name, run, estimate), …]``; ``run(folder)`` gets a
fresh folder of pytest's tmp and returns what the module's tests assert on. When any test of such a module is
selected, tests/conftest.py starts every work of every selected module at once (``start``), and a test reads one
with ``result(name)``, which waits for it and re-raises its error. Nothing is skipped or cached between sessions:
each work runs once per session, as long as it takes.

The work mostly waits on child processes (Terraform, the google provider, the cdktf CLI), so several run at once:
``WORKERS`` threads (``BACKGROUND_WORKERS`` sets another number). Longest first, so the longest does not start
last: by the seconds each took in the last session on this machine (pytest's cache, ``background/seconds``), else
by its estimate. Each one's time is printed at the end of the session ("background work").
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

import pytest

# Once the provider's batch pause is short (rehearsal/pace.py) the work is CPU-bound on 2 cores; 6 keep both busy
# through the waits left (a connector's 5 s, the faults' deadlines): 87% of 2 cores over a whole warm make test
# (docs/performance.md, "The test suite").
WORKERS = 6
CACHE_KEY = "background/seconds"


@dataclass(frozen=True)
class Work:
    """One piece of long work: its unique name, what runs it, and its seconds when no earlier session timed it."""

    name: str
    run: Callable[[Path], Any]
    estimate: float


class Background:
    """The session's pool: every work started once, its future and its time kept by name."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory, seconds_before: dict[str, float]) -> None:
        self._tmp = tmp_path_factory
        self._before = seconds_before
        self._pool = ThreadPoolExecutor(max_workers=int(os.environ.get("BACKGROUND_WORKERS", WORKERS)),
                                        thread_name_prefix="background")
        self._futures: dict[str, Future[Any]] = {}
        self._deferred: list[Work] = []
        self.seconds: dict[str, float] = {}
        self._lock = threading.Lock()

    def defer(self, works: Iterable[Work]) -> None:
        """Start these at the first ``result`` asked of this pool: a pytest-xdist worker does not know at collection
        whether the background group of tests is its own (tests/conftest.py)."""
        self._deferred += works

    def start(self, works: Iterable[Work]) -> None:
        """Submit each work not started yet, longest first (last session's time, else the estimate)."""
        with self._lock:
            fresh = {w.name: w for w in works if w.name not in self._futures}
            for work in sorted(fresh.values(), key=lambda w: -self._before.get(w.name, w.estimate)):
                folder = self._tmp.mktemp(_folder_name(work.name))
                self._futures[work.name] = self._pool.submit(self._timed, work, folder)

    def _start_deferred(self) -> None:
        if self._deferred:
            deferred, self._deferred = self._deferred, []
            self.start(deferred)

    def _timed(self, work: Work, folder: Path) -> Any:
        started = time.monotonic()
        try:
            return work.run(folder)
        finally:
            self.seconds[work.name] = time.monotonic() - started

    def result(self, name: str) -> Any:
        """The work's result once it ended (its exception re-raised); a name never started is a test's mistake."""
        self._start_deferred()
        if name not in self._futures:
            raise KeyError(f"no background work {name!r} was started (tests/support/background.py)")
        return _ended(self._futures[name]).result()

    def finished(self) -> dict[str, Any]:
        """Every work's result once all of them ended (those that failed left out: their own tests report them)."""
        self._start_deferred()
        for future in list(self._futures.values()):
            _ended(future)
        return {name: f.result() for name, f in self._futures.items() if f.exception() is None}

    def stop(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _ended(future: Future[Any]) -> Future[Any]:
    """The future once it is done, waited for in short timed waits: an untimed wait is not woken by a Ctrl-C that
    the kernel gave to another thread (rehearsal/faults/pool.py), and make test took it only when the work ended."""
    while not future.done():
        wait([future], timeout=0.2)
    return future


def _folder_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in name)[:60]


def module_works(modules: Iterable[Any]) -> list[Work]:
    """Every ``BACKGROUND`` work of the given modules, in their order, once each (a module may list another's
    work it reads); two different works of one name are refused."""
    works: dict[str, Work] = {}
    for module in modules:
        for work in getattr(module, "BACKGROUND", ()):
            if works.get(work.name, work) is not work:
                raise ValueError(f"background work {work.name!r} is declared twice ({module.__name__})")
            works[work.name] = work
    return list(works.values())


_session: Background | None = None


def install(background: Background | None) -> None:
    global _session
    _session = background


def result(name: str) -> Any:
    """The named work's result in this session (conftest started it)."""
    if _session is None:
        raise RuntimeError("the background pool is not running (tests/conftest.py starts it)")
    return _session.result(name)


def finished() -> dict[str, Any]:
    """Name → result of every work of this session that succeeded, once every one ended."""
    if _session is None:
        raise RuntimeError("the background pool is not running (tests/conftest.py starts it)")
    return _session.finished()
