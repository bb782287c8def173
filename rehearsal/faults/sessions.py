"""The faulted deploys' sessions: each deploy runs in a session of its own, so that a fault can kill all of it, and a
watchdog kills what is left of it when the campaign ends in any way, even by SIGKILL.

A deploy runs Terraform in a process group of its own within its session (constructs_lib/deploy/terraform.py,
``Interrupts``), and the provider under it: a kill of the deploy's process group alone would leave them running.
Being out of the campaign's own process group, none of them is reached by a kill of the campaign's group either (a
CI timeout, a person stopping ``make test``): before the watchdog, such a kill left them running, with their
Terraform waiting up to an hour on a local API that no longer answered.

Standard library only: the watchdog is ``python -m rehearsal.faults.sessions <session id>``, which reads its stdin
until the end, then kills every process of the session. The campaign holds the other end of that pipe, so the end
comes when the deploy is done, or when the campaign dies, however it dies.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Iterator

# How long the watchdog may take for its last sweep once the deploy ended normally.
SWEEP_SEC = 10

# The sessions being watched, and whether the campaign is stopping (``stop_all``).
_live: set[int] = set()
_lock = threading.Lock()
_stopping = threading.Event()


class Stopped(Exception):
    """The campaign is stopping (Ctrl-C): no deploy starts any more."""


def begin() -> None:
    """A campaign starts: deploys may start."""
    _stopping.clear()


def stop_all() -> None:
    """The campaign is stopping (Ctrl-C): no deploy starts any more, and every running one is killed, so that the
    campaign's threads end at once instead of when their deploys would."""
    _stopping.set()
    with _lock:
        live = list(_live)
    for session in live:
        kill(session)


def may_start() -> None:
    """Raises ``Stopped`` once the campaign is stopping."""
    if _stopping.is_set():
        raise Stopped("the campaign was interrupted: no deploy starts any more")


def processes() -> Iterator[tuple[int, int, int]]:
    """(pid, parent pid, session id) of every live process (not a zombie), from /proc."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            # pid (comm) state ppid pgrp session ...: comm may hold spaces and parentheses, so split after its last ')'
            state, ppid, _pgrp, sid = stat[stat.rindex(")") + 2:].split()[:4]
        except (OSError, ValueError):
            continue
        if state != "Z":
            yield int(entry.name), int(ppid), int(sid)


def members(session: int) -> list[int]:
    """The live processes (not zombies) of a session."""
    return [pid for pid, _, sid in processes() if sid == session]


def kill(session: int) -> None:
    """SIGKILL every process of a session, as a machine that dies; again until none is left, for a process started
    while the others were killed."""
    for _ in range(20):
        alive = members(session)
        if not alive:
            return
        for pid in alive:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.05)


def ctrl_c(session: int) -> None:
    """What a terminal does on Ctrl-C: SIGINT to every process of the foreground job's group (the deploy's, whose
    ID is its session's)."""
    try:
        os.killpg(session, signal.SIGINT)
    except ProcessLookupError:
        pass


class Watchdog:
    """While the ``with`` block runs, a process outside the campaign's process group and session that kills every
    process of ``session`` once the block ends, or once the campaign dies."""

    def __init__(self, session: int) -> None:
        self.session = session
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> "Watchdog":
        self._process = subprocess.Popen([sys.executable, "-m", __name__, str(self.session)],
                                         cwd=Path(__file__).resolve().parents[2], stdin=subprocess.PIPE,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                         start_new_session=True)
        with _lock:
            _live.add(self.session)
        if _stopping.is_set():  # stop_all ran between the deploy's may_start and here
            kill(self.session)
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        with _lock:
            _live.discard(self.session)
        assert self._process is not None and self._process.stdin is not None
        self._process.stdin.close()
        try:
            self._process.wait(timeout=SWEEP_SEC)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


def _watch(session: int) -> None:
    try:
        sys.stdin.buffer.read()
    finally:
        kill(session)


if __name__ == "__main__":
    _watch(int(sys.argv[1]))
