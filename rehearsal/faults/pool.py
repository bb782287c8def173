"""The faults of a campaign on threads of their own (``in_order``): each outcome handed on in the faults' order, and
a Ctrl-C taken at once.

A thread pool would not do. Its ``future.result()`` waits without a timeout, and such a wait is not woken by a
signal that the kernel gave to another thread: the Ctrl-C was then taken only when the running faults ended, minutes
later (seen once in CI: ``make faults`` still running 120 s after a Ctrl-C). And its threads are joined at exit,
however long they take. Here the main thread waits in short timed waits, and the threads are daemon threads that
the campaign waits for only ``grace`` seconds once stopped.
"""

from __future__ import annotations

import queue
import threading
import time
from typing import Callable, Sequence, TypeVar

from rehearsal.faults import sessions

Item = TypeVar("Item")
Result = TypeVar("Result")

# How often the main thread wakes to take a signal that reached another thread.
WAKE_SEC = 0.2


def in_order(items: Sequence[Item], run: Callable[[Item], Result], *, each: Callable[[Result], None],
             parallel: int, grace: float) -> list[Result]:
    """``run`` of every item, ``parallel`` at a time; ``each`` gets each result in the items' order, as soon as it
    and those before it ended. ``run`` must not raise.

    Raises:
        KeyboardInterrupt: after a Ctrl-C, once every deploy was killed and no Terraform command can start any
            more (``sessions.stop_all``), and the threads ended or ``grace`` seconds passed.
    """
    pending: queue.SimpleQueue[tuple[int, Item]] = queue.SimpleQueue()
    for numbered in enumerate(items):
        pending.put(numbered)
    results: dict[int, Result] = {}
    ended = threading.Condition()

    def work() -> None:
        while True:
            try:
                sessions.may_start()
                index, item = pending.get_nowait()
            except (sessions.Stopped, queue.Empty):
                return
            result = run(item)
            with ended:
                results[index] = result
                ended.notify_all()

    threads = [threading.Thread(target=work, name=f"fault-{n}", daemon=True) for n in range(min(parallel, len(items)))]
    done: list[Result] = []
    try:
        for thread in threads:
            thread.start()
        for index in range(len(items)):
            with ended:
                while index not in results:
                    ended.wait(timeout=WAKE_SEC)
                result = results[index]
            done.append(result)
            each(result)
    except KeyboardInterrupt:
        sessions.stop_all()
        deadline = time.monotonic() + grace
        for thread in (t for t in threads if t.ident is not None):  # those started
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        raise
    return done
