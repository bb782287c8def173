"""How the rules show values and services in their details."""

from __future__ import annotations

import json

from ...facts.resources import JOB
from ..document import Resource


def quoted(value: object) -> str:
    return json.dumps(value) if isinstance(value, str) else "nothing"


def service_label(service: Resource) -> str:
    """``service "api"``, or ``job "settlement"`` for a Cloud Run job."""
    return f'{"job" if service.type == JOB else "service"} "{service.get("name")}"'
