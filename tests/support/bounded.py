"""A call that must end in bounded time: the tests of what the app must never wait on (a named pipe opened for
reading waits for a writer forever)."""

from __future__ import annotations

import threading
from typing import Callable, TypeVar

T = TypeVar("T")


def bounded(call: Callable[[], T], seconds: float, hang: str) -> T:
    """``call()``'s result, run in a daemon thread; the test fails with ``hang`` if it is still running after
    ``seconds``."""
    result: list[T] = []
    thread = threading.Thread(target=lambda: result.append(call()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), hang
    return result[0]
