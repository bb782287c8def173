"""Long-running operations as GCP runs them: ``RUNNING`` when the write answers, ``DONE`` once polled.

Every write of Compute, VPC Access, Cloud Run and Service Usage answers an
operation that has not finished (Compute ``status: RUNNING`` with ``progress: 0``
and no ``endTime``; the newer APIs ``done`` absent), as Config Connector's
recorded exchanges show (``compute{subnetwork,address}/_http.log``: the insert
answers RUNNING, the next GET of the operation DONE). The local API finishes an
operation at its first poll, so the provider, which polls at once and then every
10 s (``tpgresource/common_operation.go``, ``OperationWait``: no first delay), never
waits; what the operation does at its end (a connector becoming ``READY``, a
Cloud Run revision failing) happens then, and its error comes back inside the
finished operation, in each API's shape.

``gcloud`` waits for its operations: ``finish_all`` is what the seeding helpers call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from .server import JSON

if TYPE_CHECKING:
    from . import LocalGcp

Finish = Callable[[], JSON]


class Operations:
    """The operations still running, by the store key of each, and what each becomes when it ends."""

    def __init__(self, gcp: LocalGcp) -> None:
        self.gcp = gcp
        self._running: dict[str, Finish] = {}
        # Operations a fault keeps running for ever (faults.py, ``operation_never_done``).
        self._never: set[str] = set()
        self.polls: dict[str, int] = {}

    def start(self, key: str, running: JSON, finish: Finish) -> JSON:
        """Store the running operation under ``key``; ``finish`` returns the finished one (and does its effect)."""
        self.gcp.store[key] = running
        ending = self.gcp.faults.operation(running, finish)  # a fault's error, or None: it never finishes
        if ending is None:
            self._never.add(key)
        else:
            self._running[key] = ending
        return running

    def poll(self, key: str) -> JSON | None:
        """The operation as a GET shows it: finished at the first poll. None when there is no such operation."""
        self.polls[key] = self.polls.get(key, 0) + 1
        finish = self._running.pop(key, None)
        if finish is not None:
            self.gcp.store[key] = finish()
        return self.gcp.store.get(key)

    def running(self) -> list[str]:
        return sorted(set(self._running) | self._never)

    def finish_all(self) -> None:
        """Finish every running operation, as ``gcloud`` waits for its own."""
        while self._running:
            self.poll(next(iter(self._running)))
