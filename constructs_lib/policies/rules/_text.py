"""How the rules show values and services in their details."""

from __future__ import annotations

import json

from ...facts.resources import JOB, WORKER_POOL
from ..document import Resource


def quoted(value: object) -> str:
    return json.dumps(value) if isinstance(value, str) else "nothing"


def service_label(service: Resource) -> str:
    """``service "api"``, ``job "settlement"`` for a Cloud Run job, ``worker pool "pull"`` for a worker pool."""
    kind = {JOB: "job", WORKER_POOL: "worker pool"}.get(service.type, "service")
    return f'{kind} "{service.get("name")}"'
