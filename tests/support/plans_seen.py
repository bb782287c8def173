"""Every plan a rehearsal makes during the test session, wherever it is made (the scenarios, the engine tests,
the migration guide's test), so that the HCP Terraform policy set can be held to the Python guard on all of
them (tests/integration/test_guard.py). ``install()`` wraps ``rehearsal.driver.Rehearsal.plan`` once, at the
start of the session; plans made through ``rehearse(on_plan=…)`` are added by the test that makes them."""

from __future__ import annotations

import functools
import threading
from typing import Any

SEEN: list[tuple[str, dict[str, Any]]] = []
_lock = threading.Lock()


def add(where: str, plan: dict[str, Any]) -> None:
    with _lock:
        SEEN.append((where, plan))


def install() -> None:
    """Record every ``Rehearsal.plan`` (idempotent)."""
    from rehearsal.driver import Rehearsal

    if getattr(Rehearsal.plan, "_records_plans", False):
        return
    plan = Rehearsal.plan

    @functools.wraps(plan)
    def recording(self: Rehearsal, stack_dir, *extra: str):
        made = plan(self, stack_dir, *extra)
        add(f"{self.workdir.name}/{stack_dir.name} #{len(SEEN)}", made.json)
        return made

    recording._records_plans = True  # type: ignore[attr-defined]
    Rehearsal.plan = recording  # type: ignore[method-assign]
